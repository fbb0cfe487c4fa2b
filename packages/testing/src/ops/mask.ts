/** Registry entries of the mask ops: tril, triu, maskedFill, any, all. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { mutuallyBroadcastableShapes, tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';
import { boolTensor, SMALL, smallShape, tensorOfValues, WITH_INT32 } from './samples.js';

/** A matrix or batch of matrices and a diagonal offset. */
const triangular = tensors({ shape: { minRank: 2, maxRank: 3, maxSide: 3 } }).chain((x) =>
  fc.integer({ min: -2, max: 2 }).map((diagonal) => sampleOf([x], { diagonal })),
);

/** Values with many zeros, an optional dim list and keepdim, for any/all. */
const anyAll = smallShape().chain((shape) =>
  tensorOfValues(shape, fc.constantFrom(0, 0, 1, -0.5), false).chain((x) =>
    fc
      .record({
        dim: fc.option(fc.subarray(Array.from({ length: x.ndim }, (_, i) => i)), { nil: undefined }),
        keepdim: fc.boolean(),
      })
      .map((args) => sampleOf([x], args)),
  ),
);

type DimsArgs = { dim: number[] | undefined; keepdim: boolean };

export const maskOps: OpInfo[] = [
  defineOp({
    name: 'tril',
    apply: ([x], { diagonal }: { diagonal: number }) => core.tril(x!, diagonal),
    sample: triangular,
    domain: 'any reals; rank ≥ 2, diagonal in [-2, 2]',
    dtypes: WITH_INT32,
  }),
  defineOp({
    name: 'triu',
    apply: ([x], { diagonal }: { diagonal: number }) => core.triu(x!, diagonal),
    sample: triangular,
    domain: 'any reals; rank ≥ 2, diagonal in [-2, 2]',
    dtypes: WITH_INT32,
  }),
  defineOp({
    name: 'maskedFill',
    apply: ([x, mask], { value }: { value: number }) => core.maskedFill(x!, mask!, value),
    sample: mutuallyBroadcastableShapes(2, SMALL).chain(({ inputShapes }) =>
      fc
        .tuple(tensors({ shape: inputShapes[0]! }), boolTensor(inputShapes[1]!), fc.constantFrom(0, -1.5))
        .map(([x, mask, value]) => sampleOf([x, mask], { value })),
    ),
    domain: 'any reals; a bool mask broadcasting with x; value 0 or -1.5',
    broadcasting: true,
  }),
  defineOp({
    name: 'any',
    apply: ([x], { dim, keepdim }: DimsArgs) => core.any(x!, dim, keepdim),
    sample: anyAll,
    domain: 'values with many zeros; any dims',
    differentiable: false,
    outputDtype: 'bool',
  }),
  defineOp({
    name: 'all',
    apply: ([x], { dim, keepdim }: DimsArgs) => core.all(x!, dim, keepdim),
    sample: anyAll,
    domain: 'values with many zeros; any dims',
    differentiable: false,
    outputDtype: 'bool',
  }),
];
