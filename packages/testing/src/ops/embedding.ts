/** Registry entry of the embedding lookup. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { indices, tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';
import { smallShape } from './samples.js';

export const embeddingOps: OpInfo[] = [
  defineOp({
    name: 'embedding',
    apply: ([idx, weight]) => core.embedding(idx!, weight!),
    sample: fc
      .record({
        rows: fc.integer({ min: 1, max: 4 }),
        dim: fc.integer({ min: 1, max: 3 }),
        shape: smallShape(0, 2),
      })
      .chain(({ rows, dim, shape }) =>
        fc.tuple(indices(rows, { shape }), tensors({ shape: [rows, dim] })).map((xs) => sampleOf(xs, null)),
      ),
    // paddingIdx only zeroes a row's gradient (finite differences disagree by design) and maxNorm
    // rescales the weight in place, so neither is drawn here; both have tests in core.
    domain: 'int32 indices in [0, rows) of any shape; any real weight [rows, dim]',
  }),
];
