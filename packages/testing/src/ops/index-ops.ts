/** Registry entries of the index ops: gather, scatterAdd, indexSelect, indexAdd, oneHot, take. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { indices, tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';
import { SMALL, WITH_INT32 } from './samples.js';

/** A shape of rank ≥ 1, a dim of it, and an index shape no larger than it (any side along dim). */
const indexed = fc
  .array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      dim: fc.integer({ min: -shape.length, max: shape.length - 1 }),
      sides: fc.tuple(...shape.map((s) => fc.integer({ min: 1, max: s }))),
      along: fc.integer({ min: 1, max: 3 }),
    }),
  )
  .map(({ shape, dim, sides, along }) => {
    const d = dim < 0 ? dim + shape.length : dim;
    return { shape, dim, d, indexShape: sides.map((s, i) => (i === d ? along : s)) };
  });

export const indexOps: OpInfo[] = [
  defineOp({
    name: 'gather',
    apply: ([x, index], { dim }: { dim: number }) => core.gather(x!, dim, index!),
    sample: indexed.chain(({ shape, dim, d, indexShape }) =>
      fc
        .tuple(tensors({ shape }), indices(shape[d]!, { shape: indexShape }))
        .map((xs) => sampleOf(xs, { dim })),
    ),
    domain: 'any reals; index values in [0, size along dim)',
    dtypes: WITH_INT32,
  }),
  defineOp({
    name: 'scatterAdd',
    apply: ([base, index, src], { dim }: { dim: number }) => core.scatterAdd(base!, dim, index!, src!),
    sample: indexed.chain(({ shape, dim, d, indexShape }) =>
      fc
        .tuple(tensors({ shape }), indices(shape[d]!, { shape: indexShape }), tensors({ shape: indexShape }))
        .map((xs) => sampleOf(xs, { dim })),
    ),
    domain: 'any reals; index values in [0, size along dim), src of the index shape',
  }),
  defineOp({
    name: 'indexSelect',
    apply: ([x, index], { dim }: { dim: number }) => core.indexSelect(x!, dim, index!),
    sample: indexed.chain(({ shape, dim, d }) =>
      fc.tuple(tensors({ shape }), indices(shape[d]!, { maxLength: 3 })).map((xs) => sampleOf(xs, { dim })),
    ),
    domain: 'any reals; a 1-d index with values in [0, size along dim)',
    dtypes: WITH_INT32,
  }),
  defineOp({
    name: 'indexAdd',
    apply: ([base, index, src], { dim }: { dim: number }) => core.indexAdd(base!, dim, index!, src!),
    sample: indexed.chain(({ shape, dim, d }) =>
      indices(shape[d]!, { maxLength: 3 }).chain((index) =>
        tensors({ shape: shape.map((s, i) => (i === d ? index.size : s)) }).chain((src) =>
          tensors({ shape }).map((base) => sampleOf([base, index, src], { dim })),
        ),
      ),
    ),
    domain: 'any reals; a 1-d index with values in [0, size along dim)',
  }),
  defineOp({
    name: 'oneHot',
    apply: ([labels], { numClasses }: { numClasses: number }) => core.oneHot(labels!, numClasses),
    sample: fc
      .integer({ min: 1, max: 4 })
      .chain((numClasses) =>
        tensors({ dtype: 'int32', min: 0, max: numClasses - 1, shape: SMALL }).map((labels) =>
          sampleOf([labels], { numClasses }),
        ),
      ),
    domain: 'int32 labels in [0, numClasses)',
    differentiable: false,
    outputDtype: 'float32',
  }),
  defineOp({
    name: 'take',
    apply: ([x, index]) => core.take(x!, index!),
    sample: tensors({ shape: SMALL }).chain((x) =>
      fc
        .array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 })
        .chain((shape) => indices(x.size, { shape }).map((index) => sampleOf([x, index], null))),
    ),
    domain: 'any reals; int32 indices in [0, numel) of any shape',
    dtypes: WITH_INT32,
  }),
];
