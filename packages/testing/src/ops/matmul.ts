/** Registry entry of matmul: 1-d, 2-d and batched operands. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { mutuallyBroadcastableShapes, tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';

export const matmulOps: OpInfo[] = [
  defineOp({
    name: 'matmul',
    apply: ([a, b]) => core.matmul(a!, b!),
    sample: fc
      .record({
        batch: mutuallyBroadcastableShapes(2, { maxRank: 2, maxSide: 2 }),
        n: fc.integer({ min: 1, max: 3 }),
        k: fc.integer({ min: 1, max: 3 }),
        m: fc.integer({ min: 1, max: 3 }),
        vectorA: fc.boolean(),
        vectorB: fc.boolean(),
      })
      .chain(({ batch, n, k, m, vectorA, vectorB }) => {
        const [ba, bb] = batch.inputShapes;
        const sa = vectorA ? [k] : [...ba!, n, k];
        const sb = vectorB ? [k] : [...bb!, k, m];
        return fc.tuple(tensors({ shape: sa }), tensors({ shape: sb })).map((xs) => sampleOf(xs, null));
      }),
    domain: 'any reals; 1-d, 2-d and batched operands with broadcast batch dims',
  }),
];
