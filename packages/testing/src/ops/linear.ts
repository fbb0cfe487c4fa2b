/** Registry entry of linear: x · weightᵀ + bias over any leading dims, with and without bias. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';

export const linearOps: OpInfo[] = [
  defineOp({
    name: 'linear',
    apply: ([x, w, b]) => core.linear(x!, w!, b ?? null),
    sample: fc
      .record({
        lead: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
        inF: fc.integer({ min: 1, max: 4 }),
        outF: fc.integer({ min: 1, max: 4 }),
        bias: fc.boolean(),
      })
      .chain(({ lead, inF, outF, bias }) =>
        fc
          .tuple(
            tensors({ shape: [...lead, inF] }),
            tensors({ shape: [outF, inF] }),
            tensors({ shape: [outF] }),
          )
          .map(([x, w, b]) => sampleOf(bias ? [x, w, b] : [x, w], null)),
      ),
    domain: 'any reals; x [*, in], weight [out, in], bias [out] or none',
  }),
];
