/** Registry entries of the rearrangement ops: flip, roll, repeat, tile, select, diagonal, diag, outer, meshgrid, broadcastTo. */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { broadcastableShapes, tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';
import { SMALL, smallShape, WITH_INT32 } from './samples.js';

/** The dtypes of the pure data-movement ops (int32 included). */
const ALL_NUMERIC = ['float32', 'float64', 'int32'] as const;

/** A tensor of rank in [minRank, 3]. */
const ranked = (minRank: number, maxRank = 3) => tensors({ shape: { minRank, maxRank, maxSide: 3 } });

const dimsOf = (x: core.Tensor) => Array.from({ length: x.ndim }, (_, i) => i);

export const rearrangeOps: OpInfo[] = [
  defineOp({
    name: 'flip',
    apply: ([x], { dims }: { dims: number[] }) => core.flip(x!, dims),
    sample: ranked(0).chain((x) => fc.subarray(dimsOf(x)).map((dims) => sampleOf([x], { dims }))),
    domain: 'any reals; any subset of the dims',
    dtypes: ALL_NUMERIC,
  }),
  defineOp({
    name: 'roll',
    apply: ([x], { shifts, dims }: { shifts: number[]; dims: number[] | undefined }) =>
      core.roll(x!, shifts, dims),
    sample: ranked(1).chain((x) =>
      fc.option(fc.subarray(dimsOf(x), { minLength: 1 }), { nil: undefined }).chain((dims) =>
        fc
          .array(fc.integer({ min: -4, max: 4 }), {
            minLength: dims?.length ?? 1,
            maxLength: dims?.length ?? 1,
          })
          .map((shifts) => sampleOf([x], { shifts, dims })),
      ),
    ),
    domain: 'any reals; shifts in [-4, 4] along some dims, or of the flattened tensor',
    dtypes: ALL_NUMERIC,
  }),
  defineOp({
    name: 'repeat',
    apply: ([x], { repeats }: { repeats: number[] }) => core.repeat(x!, repeats),
    sample: ranked(0, 2).chain((x) =>
      fc
        .array(fc.integer({ min: 1, max: 2 }), { minLength: x.ndim, maxLength: x.ndim + 1 })
        .map((repeats) => sampleOf([x], { repeats })),
    ),
    domain: 'any reals; repeats in [1, 2], at least one per dim',
    dtypes: ALL_NUMERIC,
  }),
  defineOp({
    name: 'tile',
    apply: ([x], { dims }: { dims: number[] }) => core.tile(x!, dims),
    sample: ranked(0, 2).chain((x) =>
      fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 3 }).map((dims) => sampleOf([x], { dims })),
    ),
    domain: 'any reals; repeats in [1, 2], fewer or more than the dims',
    dtypes: ALL_NUMERIC,
  }),
  defineOp({
    name: 'select',
    apply: ([x], { dim, index }: { dim: number; index: number }) => core.select(x!, dim, index),
    sample: ranked(1).chain((x) =>
      fc.integer({ min: -x.ndim, max: x.ndim - 1 }).chain((dim) => {
        const n = x.dim(dim);
        return fc.integer({ min: -n, max: n - 1 }).map((index) => sampleOf([x], { dim, index }));
      }),
    ),
    domain: 'any reals; an index in [-size, size) along dim',
    dtypes: ALL_NUMERIC,
  }),
  defineOp({
    name: 'diagonal',
    apply: ([x], o: { offset: number; dim1: number; dim2: number }) => core.diagonal(x!, o),
    sample: ranked(2).chain((x) =>
      fc
        .record({
          offset: fc.integer({ min: -2, max: 2 }),
          pair: fc.subarray(dimsOf(x), { minLength: 2, maxLength: 2 }),
          swap: fc.boolean(),
        })
        .map(({ offset, pair, swap }) =>
          sampleOf([x], { offset, dim1: pair[swap ? 1 : 0]!, dim2: pair[swap ? 0 : 1]! }),
        ),
    ),
    domain: 'any reals; rank ≥ 2, two different dims, offset in [-2, 2]',
    dtypes: ALL_NUMERIC,
  }),
  defineOp({
    name: 'diag',
    apply: ([x], { diagonal }: { diagonal: number }) => core.diag(x!, diagonal),
    sample: ranked(1, 2).chain((x) =>
      fc.integer({ min: -2, max: 2 }).map((diagonal) => sampleOf([x], { diagonal })),
    ),
    domain: 'any reals; a vector (to a matrix) or a matrix (to its diagonal), diagonal in [-2, 2]',
    dtypes: ALL_NUMERIC,
  }),
  defineOp({
    name: 'outer',
    apply: ([a, b]) => core.outer(a!, b!),
    sample: fc
      .tuple(tensors({ shape: smallShape(1, 1) }), tensors({ shape: smallShape(1, 1) }))
      .map((xs) => sampleOf(xs, null)),
    domain: 'any reals; two vectors',
    dtypes: WITH_INT32,
  }),
  defineOp({
    name: 'meshgrid',
    apply: (xs, { indexing }: { indexing: 'ij' | 'xy' }) => core.meshgrid(xs, { indexing }),
    sample: fc
      .integer({ min: 1, max: 3 })
      .chain((n) =>
        fc
          .tuple(
            fc.array(tensors({ shape: smallShape(1, 1) }), { minLength: n, maxLength: n }),
            fc.constantFrom('ij' as const, 'xy' as const),
          )
          .map(([xs, indexing]) => sampleOf(xs, { indexing })),
      ),
    domain: "any reals; one to three vectors, 'ij' or 'xy' indexing",
    dtypes: ALL_NUMERIC,
  }),
  defineOp({
    name: 'broadcastTo',
    apply: ([x], { shape }: { shape: number[] }) => core.broadcastTo(x!, shape),
    sample: tensors({ shape: SMALL }).chain((x) =>
      broadcastableShapes(x.shape, { minRank: x.ndim, maxRank: x.ndim + 1 }).map((s) =>
        sampleOf([x], { shape: s.map((d, i) => Math.max(d, x.shape[i - (s.length - x.ndim)] ?? 1)) }),
      ),
    ),
    domain: 'any reals; a shape the input broadcasts to',
    dtypes: ALL_NUMERIC,
  }),
];
