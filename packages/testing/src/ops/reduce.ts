/** Registry entries of the reductions, softmax/logSoftmax and matmul. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { mutuallyBroadcastableShapes, type TensorOptions, tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, type OpSample, sampleOf } from '../op-info.js';
import { SMALL, tensorWithDim } from './samples.js';

type DimArgs = { dim: number; keepdim: boolean };

/** A tensor with a list of dims to reduce (all when undefined) and a keepdim flag. */
function withDims(options: TensorOptions = {}): fc.Arbitrary<OpSample<DimsArgs>> {
  return tensors({ shape: SMALL, ...options }).chain((x) =>
    fc
      .record({
        dims: fc.option(fc.subarray(Array.from({ length: x.ndim }, (_, i) => i)), { nil: undefined }),
        keepdim: fc.boolean(),
      })
      .map((args) => sampleOf([x], args)),
  );
}

type DimsArgs = { dims: number[] | undefined; keepdim: boolean };

export const reduceOps: OpInfo[] = [
  defineOp({
    name: 'sum',
    apply: ([x], { dims, keepdim }: DimsArgs) => core.sum(x!, dims, keepdim),
    sample: withDims(),
    domain: 'any reals',
  }),
  defineOp({
    name: 'mean',
    apply: ([x], { dims, keepdim }: DimsArgs) => core.mean(x!, dims, keepdim),
    sample: withDims(),
    domain: 'any reals',
  }),
  defineOp({
    name: 'amax',
    apply: ([x], { dims, keepdim }: DimsArgs) => core.amax(x!, dims, keepdim),
    sample: withDims({ unique: true }),
    domain: 'distinct values (no ties for the maximum)',
  }),
  defineOp({
    name: 'amin',
    apply: ([x], { dims, keepdim }: DimsArgs) => core.amin(x!, dims, keepdim),
    sample: withDims({ unique: true }),
    domain: 'distinct values (no ties for the minimum)',
  }),
  defineOp({
    name: 'logsumexp',
    apply: ([x], { dims, keepdim }: DimsArgs) => core.logsumexp(x!, dims, keepdim),
    sample: withDims(),
    domain: 'any reals',
  }),
  defineOp({
    name: 'variance',
    apply: ([x], { dim, keepdim }: DimArgs) => core.variance(x!, dim, { keepdim, correction: 0 }),
    sample: tensorWithDim(),
    domain: 'any reals (population variance)',
  }),
  defineOp({
    name: 'std',
    apply: ([x], { dim, keepdim }: DimArgs) => core.std(x!, dim, { keepdim, correction: 0 }),
    sample: tensorWithDim({ unique: true, margin: 0.1 }, 1).filter((s) => s.inputs[0]!.dim(s.args.dim) >= 2),
    domain: 'at least two distinct values along dim (std > 0)',
  }),
  defineOp({
    name: 'maxAlong',
    apply: ([x], { dim, keepdim }: DimArgs) => core.maxAlong(x!, dim, keepdim).values,
    sample: tensorWithDim({ unique: true }),
    domain: 'distinct values',
  }),
  defineOp({
    name: 'minAlong',
    apply: ([x], { dim, keepdim }: DimArgs) => core.minAlong(x!, dim, keepdim).values,
    sample: tensorWithDim({ unique: true }),
    domain: 'distinct values',
  }),
  defineOp({
    name: 'argmax',
    apply: ([x], { dim, keepdim }: DimArgs) => core.argmax(x!, dim, keepdim),
    sample: tensorWithDim({ unique: true }),
    domain: 'distinct values',
    differentiable: false,
    outputDtype: 'int32',
  }),
  defineOp({
    name: 'argmin',
    apply: ([x], { dim, keepdim }: DimArgs) => core.argmin(x!, dim, keepdim),
    sample: tensorWithDim({ unique: true }),
    domain: 'distinct values',
    differentiable: false,
    outputDtype: 'int32',
  }),
  defineOp({
    name: 'softmax',
    apply: ([x], { dim }: DimArgs) => core.softmax(x!, dim),
    sample: tensorWithDim(),
    domain: 'any reals',
  }),
  defineOp({
    name: 'logSoftmax',
    apply: ([x], { dim }: DimArgs) => core.logSoftmax(x!, dim),
    sample: tensorWithDim(),
    domain: 'any reals',
  }),
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
  defineOp({
    name: 'sumToShape',
    apply: ([x], { shape }: { shape: number[] }) => core.sumToShape(x!, shape),
    sample: mutuallyBroadcastableShapes(1, SMALL).chain(({ inputShapes, resultShape }) =>
      tensors({ shape: resultShape }).map((x) => sampleOf([x], { shape: inputShapes[0]! })),
    ),
    domain: 'any reals; a shape that broadcasts to the input',
  }),
];
