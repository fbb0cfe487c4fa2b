/** Registry entries of the order ops: sort, argsort, topk, kthvalue, median, unique. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';
import { smallShape, tensorOfValues, tensorWithDim, WITH_INT32 } from './samples.js';

/** Well-separated values: every pair at least 0.05 apart, so no ties and no swaps under finite differences. */
const DISTINCT = { unique: true, margin: 0.05 } as const;

type SortArgs = { dim: number; keepdim: boolean; descending: boolean };

const sortSample = tensorWithDim(DISTINCT).chain((s) =>
  fc.boolean().map((descending) => sampleOf(s.inputs, { ...s.args, descending })),
);

/** A tensor of rank ≥ 1, a dim and a k in [1, size along dim]. */
const withK = tensorWithDim(DISTINCT).chain((s) =>
  fc
    .record({
      k: fc.integer({ min: 1, max: s.inputs[0]!.dim(s.args.dim) }),
      flag: fc.boolean(),
    })
    .map(({ k, flag }) => sampleOf(s.inputs, { ...s.args, k, flag })),
);

type KArgs = { dim: number; keepdim: boolean; k: number; flag: boolean };

export const sortOps: OpInfo[] = [
  defineOp({
    name: 'sort',
    apply: ([x], { dim, descending }: SortArgs) => core.sort(x!, { dim, descending }).values,
    sample: sortSample,
    domain: 'values at least 0.05 apart (the values output; indices are checked by argsort)',
    dtypes: WITH_INT32,
  }),
  defineOp({
    name: 'argsort',
    apply: ([x], { dim, descending }: SortArgs) => core.argsort(x!, { dim, descending }),
    sample: sortSample,
    domain: 'values at least 0.05 apart',
    differentiable: false,
    outputDtype: 'int32',
    dtypes: WITH_INT32,
  }),
  defineOp({
    name: 'topk',
    apply: ([x], { dim, k, flag }: KArgs) => core.topk(x!, k, { dim, largest: flag }).values,
    sample: withK,
    domain: 'values at least 0.05 apart; 1 ≤ k ≤ size along dim, largest or smallest',
    dtypes: WITH_INT32,
  }),
  defineOp({
    name: 'kthvalue',
    apply: ([x], { dim, k, keepdim }: KArgs) => core.kthvalue(x!, k, dim, keepdim).values,
    sample: withK,
    domain: 'values at least 0.05 apart; 1 ≤ k ≤ size along dim',
    dtypes: WITH_INT32,
  }),
  defineOp({
    name: 'median',
    apply: ([x], { dim, keepdim, whole }: { dim: number; keepdim: boolean; whole: boolean }) =>
      whole ? core.median(x!) : core.median(x!, dim, keepdim).values,
    sample: tensorWithDim(DISTINCT).chain((s) =>
      fc.boolean().map((whole) => sampleOf(s.inputs, { ...s.args, whole })),
    ),
    domain: 'values at least 0.05 apart (the lower median); over all elements or along a dim',
    dtypes: WITH_INT32,
  }),
  defineOp({
    name: 'unique',
    apply: ([x]) => {
      const r = core.unique(x!, { returnInverse: true, returnCounts: true });
      return [r.values, r.inverse!.to(x!.dtype), r.counts!.to(x!.dtype)];
    },
    // Few distinct values, so that duplicates are common.
    sample: smallShape().chain((shape) =>
      tensorOfValues(shape, fc.constantFrom(-1, 0, 0.5, 2), false).map((x) => sampleOf([x], null)),
    ),
    domain: 'values from a set of four (duplicates common); inverse and counts compared as floats',
    differentiable: false,
    dtypes: WITH_INT32,
  }),
];
