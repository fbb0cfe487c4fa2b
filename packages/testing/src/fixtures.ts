/**
 * Seeded fixtures and plain reference helpers used by tsgrad's own op tests: value kinds drawn
 * from a seed, shape-pair arbitraries, and element access written independently of the library.
 * Imported from the subpath `@tsgrad/testing/fixtures` (they are not part of the main entry's API).
 */
import { Generator, type Tensor, tensor } from '@tsgrad/core';
import fc from 'fast-check';

/** Options of `shapeArb`. */
export interface ShapeArbOptions {
  minRank?: number;
  maxRank?: number;
  minDim?: number;
  maxDim?: number;
}

/** A shape of rank minRank..maxRank (0–4 by default) with dims minDim..maxDim (1–3 by default). */
export function shapeArb(options: ShapeArbOptions = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 4, minDim = 1, maxDim = 3 } = options;
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * Two shapes that broadcast together: each is the right-aligned tail of a common shape, with
 * some dims replaced by 1.
 */
export function broadcastPairArb(options: ShapeArbOptions = {}): fc.Arbitrary<[number[], number[]]> {
  return shapeArb(options).chain((full) => {
    const operand = fc
      .tuple(
        fc.integer({ min: 0, max: full.length }),
        fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
      )
      .map(([drop, ones]) => full.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
    return fc.tuple(operand, operand);
  });
}

/** The broadcast shape written out independently of the library: right-aligned, a dim ≠ 1 wins over 1. */
export function expectedBroadcast(...shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      if (k >= 0 && s[k] !== 1) d = s[k]!;
    }
    out.push(d);
  }
  return out;
}

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** How the values of a test tensor are drawn from a seed. */
export type ValueKind =
  /** Uniform in [min, max]. */
  | { kind: 'uniform'; min: number; max: number }
  /** ±[min, max]: magnitudes away from 0 (for relu, abs, division). */
  | { kind: 'signed'; min: number; max: number }
  /**
   * 0.2·i + offset + [0, 0.02] for integers i in [−n, n]: two grids with offsets 0 and 0.1 never
   * come closer than 0.08 (maximum/minimum without ties, clamp away from bounds at multiples of 0.2).
   */
  | { kind: 'grid'; offset: number; n: number };

/** Fills a float64 array of `size` values of `kind` from a seeded generator. */
export function drawValues(size: number, kind: ValueKind, seed: number): Float64Array {
  const g = new Generator(seed);
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    if (kind.kind === 'uniform') out[i] = g.uniform(kind.min, kind.max);
    else if (kind.kind === 'signed') out[i] = (g.random() < 0.5 ? -1 : 1) * g.uniform(kind.min, kind.max);
    else out[i] = 0.2 * g.int(-kind.n, kind.n + 1) + kind.offset + 0.02 * g.random();
  }
  return out;
}

/** A float64 leaf of `shape` requiring gradients, with values of `kind` drawn from `seed`. */
export function makeTensor(
  shape: readonly number[],
  kind: ValueKind,
  seed: number,
  requiresGrad = true,
): Tensor {
  return tensor(drawValues(numel(shape), kind, seed), { shape, dtype: 'float64', requiresGrad });
}

/** A float64 tensor of a fixed shape requiring gradients, values of `kind`. */
export function tensorOfShapeArb(shape: readonly number[], kind: ValueKind): fc.Arbitrary<Tensor> {
  return fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((seed) => makeTensor(shape, kind, seed));
}

/** A float64 tensor of a random shape (rank 0–4 by default) requiring gradients, values of `kind`. */
export function tensorArb(kind: ValueKind, options: ShapeArbOptions = {}): fc.Arbitrary<Tensor> {
  return shapeArb(options).chain((shape) => tensorOfShapeArb(shape, kind));
}

/** Two float64 tensors of broadcast-compatible shapes, values of kinds `ka` and `kb`. */
export function broadcastTensorsArb(
  ka: ValueKind,
  kb: ValueKind,
  options: ShapeArbOptions = {},
): fc.Arbitrary<[Tensor, Tensor]> {
  return broadcastPairArb(options).chain(([sa, sb]) =>
    fc.tuple(tensorOfShapeArb(sa, ka), tensorOfShapeArb(sb, kb)),
  );
}

/** A tensor of rank ≥ 1 with a valid dim index of it (negative half the time). */
export function tensorWithDimArb(
  kind: ValueKind,
  options: ShapeArbOptions = {},
): fc.Arbitrary<[Tensor, number]> {
  return tensorArb(kind, { ...options, minRank: Math.max(1, options.minRank ?? 1) }).chain((t) =>
    fc.tuple(fc.constant(t), fc.integer({ min: -t.ndim, max: t.ndim - 1 })),
  );
}

/** Values of a tensor in row-major order, as a plain array. */
export function flat(t: Tensor): number[] {
  return t.toFlatArray();
}

/** Element of a row-major buffer of `shape` at `coords`. */
export function at(data: ArrayLike<number>, shape: readonly number[], coords: readonly number[]): number {
  let p = 0;
  for (let d = 0; d < shape.length; d++) p = p * shape[d]! + coords[d]!;
  return data[p]!;
}

/** Every coordinate tuple of `shape`, row-major. */
export function allCoords(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const c = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < numel(shape); i++) {
    out.push([...c]);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++c[d]! < shape[d]!) break;
      c[d] = 0;
    }
  }
  return out;
}

/** Expects two number arrays to agree within |a−b| ≤ atol + rtol·|b| elementwise. */
export function closeArrays(
  actual: readonly number[],
  expected: readonly number[],
  rtol = 1e-12,
  atol = 1e-12,
): boolean {
  if (actual.length !== expected.length) return false;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) return false;
  }
  return true;
}

/** numRuns for gradcheck properties, kept modest for a 2-core machine. */
export const GRAD_RUNS = 40;
