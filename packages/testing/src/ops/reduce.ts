/** Registry entries of the reductions (and sumToShape, autograd's reduction to a shape). */
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
    name: 'sumToShape',
    apply: ([x], { shape }: { shape: number[] }) => core.sumToShape(x!, shape),
    sample: mutuallyBroadcastableShapes(1, SMALL).chain(({ inputShapes, resultShape }) =>
      tensors({ shape: resultShape }).map((x) => sampleOf([x], { shape: inputShapes[0]! })),
    ),
    domain: 'any reals; a shape that broadcasts to the input',
  }),
];
