/** Registry entry of the vector norm. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';
import { SMALL } from './samples.js';

type NormArgs = { p: number; dim: number[] | undefined; keepdim: boolean };

export const normOps: OpInfo[] = [
  defineOp({
    name: 'norm',
    apply: ([x], { p, dim, keepdim }: NormArgs) => core.norm(x!, { p, dim, keepdim }),
    sample: tensors({ shape: SMALL, avoid: [0], margin: 0.1 }).chain((x) =>
      fc
        .record({
          p: fc.constantFrom(1, 2, 3),
          dim: fc.option(fc.subarray(Array.from({ length: x.ndim }, (_, i) => i)), { nil: undefined }),
          keepdim: fc.boolean(),
        })
        .map((args) => sampleOf([x], args)),
    ),
    domain: 'x kept 0.1 away from 0 (the kink of |x|); p in {1, 2, 3}; any dims',
  }),
];
