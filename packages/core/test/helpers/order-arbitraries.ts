/**
 * Arbitraries for the scan, order and rearrangement tests: float64 leaves that may be strided
 * (a transposed view of their buffer) and may have size-0 dims, values well separated (no ties)
 * where order matters, and plain nested-loop helpers for references.
 */
import { Generator, type Tensor, tensor } from '@tsgrad/core';
import { drawValues, numel, type ShapeArbOptions, shapeArb, type ValueKind } from '@tsgrad/testing/fixtures';
import fc from 'fast-check';

/** Values 0.5·π(i) + [0, 0.1) for a random permutation π: distinct, at least 0.4 apart. */
export function distinctValues(size: number, seed: number): Float64Array {
  const g = new Generator(seed);
  const perm = Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  return Float64Array.from(perm, (p) => 0.5 * (p - size / 2) + 0.1 * g.random());
}

/**
 * A float64 leaf of `shape` requiring gradients. When `transposed`, its buffer holds the
 * transpose (first and last dims swapped), so the leaf is a strided, non-contiguous view.
 */
export function leaf(shape: readonly number[], values: Float64Array, transposed: boolean): Tensor {
  if (!transposed || shape.length < 2) return tensor(values, { shape, dtype: 'float64', requiresGrad: true });
  const r = shape.length;
  const swapped = [shape[r - 1]!, ...shape.slice(1, r - 1), shape[0]!];
  return tensor(values, { shape: swapped, dtype: 'float64' })
    .transpose(0, r - 1)
    .detach()
    .requiresGrad_();
}

/** Options of `leafArb`. */
export interface LeafArbOptions extends ShapeArbOptions {
  /** Values of this kind, or 'distinct' for well-separated values (default). */
  values?: ValueKind | 'distinct';
}

/** A float64 leaf of a random shape (size-0 dims when minDim is 0), strided half the time. */
export function leafArb(options: LeafArbOptions = {}): fc.Arbitrary<Tensor> {
  const kind = options.values ?? 'distinct';
  return fc
    .tuple(shapeArb(options), fc.integer({ min: 0, max: 2 ** 30 }), fc.boolean())
    .map(([shape, seed, transposed]) => {
      const n = numel(shape);
      const values = kind === 'distinct' ? distinctValues(n, seed) : drawValues(n, kind, seed);
      return leaf(shape, values, transposed);
    });
}

/** A leaf (rank ≥ 1) and a dim of it, negative half the time. */
export function leafWithDimArb(options: LeafArbOptions = {}): fc.Arbitrary<[Tensor, number]> {
  return leafArb({ ...options, minRank: Math.max(1, options.minRank ?? 1) }).chain((t) =>
    fc.tuple(fc.constant(t), fc.integer({ min: -t.ndim, max: t.ndim - 1 })),
  );
}

/** Calls `fn(coords)` for the start of every line along `d` of `shape`; coords[d] is 0. */
export function forEachLineStart(shape: readonly number[], d: number, fn: (coords: number[]) => void): void {
  const outer = shape.map((s, i) => (i === d ? 1 : s));
  if (numel(shape) === 0) return;
  const c = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < numel(outer); k++) {
    fn([...c]);
    for (let i = shape.length - 1; i >= 0; i--) {
      if (++c[i]! < outer[i]!) break;
      c[i] = 0;
    }
  }
}

/** Row-major position of `coords` in `shape`. */
export function position(shape: readonly number[], coords: readonly number[]): number {
  let p = 0;
  for (let i = 0; i < shape.length; i++) p = p * shape[i]! + coords[i]!;
  return p;
}
