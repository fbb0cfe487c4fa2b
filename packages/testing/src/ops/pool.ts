/** Registry entries of the pooling ops. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';

/** A 4-d input for pooling with a window that fits. */
const poolProblem = (unique: boolean) =>
  fc
    .record({
      shape: fc.tuple(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 2, max: 4 }),
      ),
      k: fc.integer({ min: 1, max: 2 }),
      stride: fc.integer({ min: 1, max: 2 }),
    })
    .chain(({ shape, k, stride }) =>
      tensors({ shape, unique, margin: 0.02 }).map((x) => sampleOf([x], { k, stride })),
    );

type PoolArgs = { k: number; stride: number };

export const poolOps: OpInfo[] = [
  defineOp({
    name: 'maxPool2d',
    apply: ([x], { k, stride }: PoolArgs) => core.maxPool2d(x!, k, { stride }),
    sample: poolProblem(true),
    domain: 'distinct values (no ties in a window)',
  }),
  defineOp({
    name: 'maxPool2dWithIndices',
    apply: ([x], { k, stride }: PoolArgs) => core.maxPool2dWithIndices(x!, k, { stride }).values,
    sample: poolProblem(true),
    domain: 'distinct values (no ties in a window)',
  }),
  defineOp({
    name: 'avgPool2d',
    apply: ([x], { k, stride }: PoolArgs) => core.avgPool2d(x!, k, { stride }),
    sample: poolProblem(false),
    domain: 'any reals',
  }),
  defineOp({
    name: 'adaptiveAvgPool2d',
    apply: ([x], { k }: PoolArgs) => core.adaptiveAvgPool2d(x!, k),
    sample: poolProblem(false),
    domain: 'any reals; output size 1 or 2',
  }),
];
