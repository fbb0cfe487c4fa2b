/**
 * fast-check arbitraries for tensors, in the spirit of Hypothesis's `array_shapes`,
 * `broadcastable_shapes`, `mutually_broadcastable_shapes` and `arrays`. Shapes and values shrink
 * independently (a tensor of a given shape draws a fixed-length list of values), and every tensor
 * prints at full precision as the `tensor(...)` call that rebuilds it.
 */
import { type DType, Tensor, tensor } from '@tsgrad/core';
import fc from 'fast-check';

/** Options of `shapes`. */
export interface ShapeOptions {
  /** Smallest rank (default 0). */
  minRank?: number;
  /** Largest rank (default 4). */
  maxRank?: number;
  /** Smallest side (default 1). */
  minSide?: number;
  /** Largest side (default 3). */
  maxSide?: number;
}

function shapeDefaults(options: ShapeOptions): Required<ShapeOptions> {
  const minRank = options.minRank ?? 0;
  const minSide = options.minSide ?? 1;
  return {
    minRank,
    maxRank: Math.max(options.maxRank ?? 4, minRank),
    minSide,
    maxSide: Math.max(options.maxSide ?? 3, minSide),
  };
}

/**
 * Shapes of rank minRank..maxRank (0–4) with sides minSide..maxSide (1–3); shrinks toward fewer
 * and smaller dims.
 *
 * @example
 * fc.assert(fc.property(shapes({ maxRank: 2 }), (s) => s.length <= 2));
 */
export function shapes(options: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { minRank, maxRank, minSide, maxSide } = shapeDefaults(options);
  return fc.array(fc.integer({ min: minSide, max: maxSide }), { minLength: minRank, maxLength: maxRank });
}

/** Options of `broadcastableShapes`. */
export interface BroadcastableShapeOptions extends ShapeOptions {}

/**
 * Shapes that broadcast with `shape` (NumPy's rules): aligned dims are the same side or 1 (any side
 * where `shape` has 1), and extra leading dims are free. Rank defaults to 0..rank(shape)+2.
 *
 * @example
 * broadcastableShapes([3, 1]) // e.g. [1], [3, 4], [2, 3, 1]
 */
export function broadcastableShapes(
  shape: readonly number[],
  options: BroadcastableShapeOptions = {},
): fc.Arbitrary<number[]> {
  const minRank = options.minRank ?? 0;
  const maxRank = Math.max(options.maxRank ?? Math.max(shape.length, minRank) + 2, minRank);
  const minSide = options.minSide ?? 1;
  const maxSide = Math.max(options.maxSide ?? 3, minSide);
  const dims = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: minSide, max: maxSide })), {
    minLength: maxRank,
    maxLength: maxRank,
  });
  return fc.tuple(fc.integer({ min: minRank, max: maxRank }), dims).map(([rank, picks]) => {
    const out: number[] = [];
    for (let i = 0; i < rank; i++) {
      // Position i of the result, right-aligned against `shape`.
      const k = shape.length - rank + i;
      const [one, side] = picks[maxRank - rank + i]!;
      if (k < 0) out.push(side);
      else if (shape[k] === 1) out.push(one ? 1 : side);
      else out.push(one ? 1 : shape[k]!);
    }
    return out;
  });
}

/** Options of `mutuallyBroadcastableShapes`. */
export interface MutuallyBroadcastableOptions extends ShapeOptions {
  /** A shape every input shape must also broadcast with (default []). */
  baseShape?: readonly number[];
}

/** `n` shapes that broadcast together, and the shape they broadcast to. */
export interface BroadcastShapes {
  inputShapes: number[][];
  resultShape: number[];
}

/**
 * `n` shapes that broadcast together, like Hypothesis's `mutually_broadcastable_shapes`: each is
 * the right-aligned tail of a common shape with some dims set to 1. Shrinks toward the common
 * shape's smallest form and toward inputs of full rank without ones.
 *
 * @example
 * mutuallyBroadcastableShapes(3) // e.g. { inputShapes: [[2,1],[3],[1,3]], resultShape: [2,3] }
 */
export function mutuallyBroadcastableShapes(
  n: number,
  options: MutuallyBroadcastableOptions = {},
): fc.Arbitrary<BroadcastShapes> {
  const base = options.baseShape ?? [];
  const { minRank, maxRank, minSide, maxSide } = shapeDefaults(options);
  const core = broadcastableShapes(base, { minRank, maxRank, minSide, maxSide }).map((s) =>
    // The common shape: `base`'s ones stay free sides, its other sides are kept.
    s.map((d, i) => {
      const k = base.length - s.length + i;
      return k >= 0 && base[k] !== 1 ? base[k]! : d;
    }),
  );
  const input = fc.tuple(
    fc.nat({ max: maxRank }),
    fc.array(fc.boolean(), { minLength: maxRank, maxLength: maxRank }),
  );
  return fc.tuple(core, fc.array(input, { minLength: n, maxLength: n })).map(([full, picks]) => {
    const inputShapes = picks.map(([drop, ones]) => {
      const keep = Math.max(full.length - drop, Math.min(minRank, full.length));
      return full.slice(full.length - keep).map((d, i) => (ones[i] ? 1 : d));
    });
    return { inputShapes, resultShape: broadcastShape([...inputShapes, [...base]]) };
  });
}

/**
 * The broadcast of shapes, written out independently of the library.
 *
 * @example
 * broadcastShape([[2, 1], [3], [4, 1, 1]]); // [4, 2, 3]
 */
export function broadcastShape(shapeList: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapeList.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapeList) {
      const k = s.length - rank + i;
      if (k >= 0 && s[k] !== 1) d = s[k]!;
    }
    out.push(d);
  }
  return out;
}

/** Options of `tensors`. */
export interface TensorOptions {
  /** Element type (default float64). */
  dtype?: DType;
  /** A fixed shape, options of `shapes`, or a shape arbitrary (default `shapes()`). */
  shape?: readonly number[] | ShapeOptions | fc.Arbitrary<number[]>;
  /** Smallest value (default -2; for int32, -10). */
  min?: number;
  /** Largest value (default 2; for int32, 10). */
  max?: number;
  /** Points the values keep away from (an op's kinks, such as 0 for relu and abs). */
  avoid?: readonly number[];
  /** The smallest distance to each point of `avoid` and between unique values (default 0.01). */
  margin?: number;
  /** Keep values away from 0 (adds 0 to `avoid`). */
  exclude0?: boolean;
  /** All values distinct, at least `margin` apart (for max, sort, ties in general). */
  unique?: boolean;
  /** Whether the tensor requires gradients (default true for float dtypes). */
  requiresGrad?: boolean;
}

/** Above this many elements for the largest shape, values are chained to the shape. */
const MAX_INDEPENDENT_VALUES = 1024;

function isArbitrary(x: unknown): x is fc.Arbitrary<number[]> {
  return x instanceof fc.Arbitrary;
}

/**
 * The representable values of a dtype: `round` to the nearest one, `up`/`down` to the neighbours.
 * Placement works on these, so the contracts of `tensors` hold exactly for the stored values.
 */
interface Grid {
  round(v: number): number;
  up(v: number): number;
  down(v: number): number;
}

const f64 = new Float64Array(1);
const u64 = new BigInt64Array(f64.buffer);
function nextAfter64(v: number, dir: 1 | -1): number {
  if (v === 0) return dir * Number.MIN_VALUE;
  f64[0] = v;
  u64[0]! += v > 0 === dir > 0 ? 1n : -1n;
  return f64[0]!;
}
const f32 = new Float32Array(1);
const u32 = new Int32Array(f32.buffer);
function nextAfter32(v: number, dir: 1 | -1): number {
  if (v === 0) return dir * 2 ** -149;
  f32[0] = v;
  u32[0]! += v > 0 === dir > 0 ? 1 : -1;
  return f32[0]!;
}

function gridOf(dtype: DType): Grid {
  if (dtype === 'int32' || dtype === 'bool') {
    return { round: Math.round, up: (v) => Math.floor(v) + 1, down: (v) => Math.ceil(v) - 1 };
  }
  if (dtype === 'float32') {
    return { round: Math.fround, up: (v) => nextAfter32(v, 1), down: (v) => nextAfter32(v, -1) };
  }
  return { round: (v) => v, up: (v) => nextAfter64(v, 1), down: (v) => nextAfter64(v, -1) };
}

/** The smallest grid value ≥ `v` that is at least `margin` above `base` (exactly, as stored). */
function atLeastAbove(grid: Grid, v: number, base: number, margin: number): number {
  let w = grid.round(Math.max(v, base + margin));
  while (w < v || w - base < margin) w = grid.up(w);
  return w;
}

/** The largest grid value ≤ `v` that is at least `margin` below `base` (exactly, as stored). */
function atMostBelow(grid: Grid, v: number, base: number, margin: number): number {
  let w = grid.round(Math.min(v, base - margin));
  while (w > v || base - w < margin) w = grid.down(w);
  return w;
}

/** The smallest grid value ≥ `v` that keeps `margin` away from every point of sorted `avoid`. */
function upPastAvoid(grid: Grid, v: number, avoid: readonly number[], margin: number): number {
  for (let moved = true; moved; ) {
    moved = false;
    for (const k of avoid) {
      if (Math.abs(v - k) < margin) {
        v = atLeastAbove(grid, v, k, margin);
        moved = true;
      }
    }
  }
  return v;
}

/** The largest grid value ≤ `v` that keeps `margin` away from every point of sorted `avoid`. */
function downPastAvoid(grid: Grid, v: number, avoid: readonly number[], margin: number): number {
  for (let moved = true; moved; ) {
    moved = false;
    for (const k of avoid) {
      if (Math.abs(v - k) < margin) {
        v = atMostBelow(grid, v, k, margin);
        moved = true;
      }
    }
  }
  return v;
}

/**
 * Moves `v` (a grid value in [min, max]) to the nearest side at least `margin` away from every
 * point of `avoid`, staying inside [min, max] (throws when no such value exists).
 */
function keepAway(
  grid: Grid,
  v: number,
  avoid: readonly number[],
  margin: number,
  min: number,
  max: number,
): number {
  if (avoid.every((k) => Math.abs(v - k) >= margin)) return v;
  const up = upPastAvoid(grid, v, avoid, margin);
  const down = downPastAvoid(grid, v, avoid, margin);
  const upOk = up <= max;
  const downOk = down >= min;
  if (upOk && (!downOk || up - v <= v - down)) return up;
  if (downOk) return down;
  throw new RangeError(`tensors: no value in [${min}, ${max}] is ${margin} away from [${avoid.join(', ')}]`);
}

/** Formats a number so that it reads back exactly (and keeps −0). */
function exact(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/**
 * The `tensor(...)` call that rebuilds `t`, every value at full precision.
 *
 * @example
 * tensorSource(tensor([[1, -0]], { dtype: 'float64' })); // "tensor([[1, -0]], { dtype: 'float64' })"
 */
export function tensorSource(t: Tensor): string {
  const flatValues = t.toFlatArray();
  let pos = 0;
  const build = (d: number): string => {
    if (d === t.ndim) return exact(flatValues[pos++]!);
    const parts: string[] = [];
    for (let i = 0; i < t.shape[d]!; i++) parts.push(build(d + 1));
    return `[${parts.join(', ')}]`;
  };
  const body = t.ndim === 0 ? exact(flatValues[0]!) : build(0);
  const extra = t.size === 0 ? `, shape: [${t.shape.join(', ')}]` : '';
  return `tensor(${body}, { dtype: '${t.dtype}'${extra}${t.requiresGrad ? ', requiresGrad: true' : ''} })`;
}

/**
 * Gives `t` fast-check's print and clone methods: counterexamples print as the `tensor(...)` call
 * that rebuilds them, and each run of a property gets its own copy (gradcheck perturbs in place).
 *
 * @example
 * const t = asGenerated(tensor([1.5, 2], { dtype: 'float64' }));
 * fc.stringify(t); // "tensor([1.5, 2], { dtype: 'float64' })", as a counterexample prints
 */
export function asGenerated(t: Tensor): Tensor {
  Object.defineProperty(t, fc.toStringMethod, {
    value: () => tensorSource(t),
    enumerable: false,
    configurable: true,
  });
  Object.defineProperty(t, fc.cloneMethod, {
    value: () => {
      const copy = tensor(t.toFlatArray(), { dtype: t.dtype, shape: [...t.shape] });
      copy.requiresGrad = t.requiresGrad;
      return t.isContiguous ? asGenerated(copy) : nonContiguous(copy);
    },
    enumerable: false,
    configurable: true,
  });
  return t;
}

function valueArb(dtype: DType, min: number, max: number): fc.Arbitrary<number> {
  if (dtype === 'int32') return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Tensors of `dtype` (float64 by default) and `shape`, values in [min, max] kept `margin` away from
 * the points in `avoid` (and from 0 with `exclude0`), distinct with `unique`. Float tensors require
 * gradients unless `requiresGrad: false`.
 *
 * @example
 * fc.property(tensors({ shape: [3, 4], avoid: [0] }), (x) => checkGrads((a) => a.relu(), [x]));
 */
export function tensors(options: TensorOptions = {}): fc.Arbitrary<Tensor> {
  const dtype = options.dtype ?? 'float64';
  const isInt = dtype === 'int32';
  const min = options.min ?? (isInt ? -10 : -2);
  const max = options.max ?? (isInt ? 10 : 2);
  if (!(min <= max)) throw new RangeError(`tensors: min ${min} is greater than max ${max}`);
  const margin = options.margin ?? (isInt ? 1 : 0.01);
  const avoid = [...(options.avoid ?? []), ...(options.exclude0 ? [0] : [])].sort((a, b) => a - b);
  const requiresGrad = options.requiresGrad ?? !isInt;
  const unique = options.unique ?? false;
  const grid = gridOf(dtype);
  // The value stored in the tensor, kept inside [min, max] after rounding to the dtype.
  const clampTo = (g: Grid, v: number) => {
    let w = g.round(v);
    while (w < min) w = g.up(w);
    while (w > max) w = g.down(w);
    return w;
  };

  const build = (shape: readonly number[], raw: readonly number[]): Tensor => {
    const n = sizeOfShape(shape);
    const values = raw.slice(0, n).map((v) => keepAway(grid, clampTo(grid, v), avoid, margin, min, max));
    if (unique) spreadApart(grid, values, avoid, margin, min, max);
    const t = tensor(values, { dtype, shape: [...shape] });
    if (requiresGrad) t.requiresGrad = true;
    return asGenerated(t);
  };
  const values = (length: number) =>
    fc.array(valueArb(dtype, min, max), { minLength: length, maxLength: length });

  const shape = options.shape;
  if (Array.isArray(shape)) {
    const fixed = shape as readonly number[];
    return values(sizeOfShape(fixed)).map((raw) => build(fixed, raw));
  }
  if (isArbitrary(shape)) {
    // An arbitrary shape of unknown size: the values are chained to it.
    return shape.chain((s) => values(sizeOfShape(s)).map((raw) => build(s, raw)));
  }
  const opts = shapeDefaults((shape as ShapeOptions | undefined) ?? {});
  const maxSize = opts.maxSide ** opts.maxRank;
  if (maxSize > MAX_INDEPENDENT_VALUES) {
    // Too many values to draw up front for the largest shape: chain them to the shape instead.
    return shapes(opts).chain((s) => values(sizeOfShape(s)).map((raw) => build(s, raw)));
  }
  // Shape and values are drawn independently, so each shrinks without redrawing the other.
  return fc.tuple(shapes(opts), values(maxSize)).map(([s, raw]) => build(s, raw));
}

/**
 * Makes values pairwise at least `margin` apart (exactly, as stored in `grid`), keeping them
 * `margin` away from `avoid` and inside [min, max]; moves as few as possible. Throws when the
 * range is too narrow for that many values.
 */
function spreadApart(
  grid: Grid,
  values: number[],
  avoid: readonly number[],
  margin: number,
  min: number,
  max: number,
): void {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  // Upward pass: each value at least margin above the previous one, skipping the avoided points.
  const sorted: number[] = [];
  for (const [v] of order) {
    const prev = sorted[sorted.length - 1];
    let w = prev === undefined ? v : atLeastAbove(grid, v, prev, margin);
    w = upPastAvoid(grid, w, avoid, margin);
    sorted.push(w);
  }
  // Downward pass: if the top spilled over max, push the run down from max.
  let next = Infinity;
  for (let i = sorted.length - 1; i >= 0; i--) {
    let w = sorted[i]!;
    if (w > max || next - w < margin) {
      w = next === Infinity ? grid.round(max) : atMostBelow(grid, Math.min(w, max), next, margin);
      while (w > max) w = grid.down(w);
      w = downPastAvoid(grid, w, avoid, margin);
    }
    if (w < min) {
      throw new RangeError(
        `tensors: ${values.length} unique values ${margin} apart do not fit in [${min}, ${max}]`,
      );
    }
    sorted[i] = w;
    next = w;
  }
  order.forEach(([, i], r) => {
    values[i] = sorted[r]!;
  });
}

/** Options of `indices`. */
export interface IndicesOptions {
  /** A fixed shape of the index tensor (default: 1-d of length 1..maxLength). */
  shape?: readonly number[];
  /** Largest length of a 1-d index (default size, at least 1). */
  maxLength?: number;
}

/**
 * int32 index tensors with values in [0, size), for `indexSelect`, `gather` and embeddings;
 * shrinks toward short indices of zeros.
 *
 * @example
 * fc.property(indices(5), (i) => i.toFlatArray().every((v) => v >= 0 && v < 5));
 */
export function indices(size: number, options: IndicesOptions = {}): fc.Arbitrary<Tensor> {
  if (!(Number.isInteger(size) && size >= 1)) {
    throw new RangeError(`indices: size must be a positive integer, got ${size}`);
  }
  const value = fc.integer({ min: 0, max: size - 1 });
  const make = (vs: number[], shape: readonly number[]) =>
    asGenerated(tensor(vs, { dtype: 'int32', shape: [...shape] }));
  if (options.shape !== undefined) {
    const shape = options.shape;
    const n = sizeOfShape(shape);
    return fc.array(value, { minLength: n, maxLength: n }).map((vs) => make(vs, shape));
  }
  const maxLength = Math.max(1, options.maxLength ?? size);
  return fc.array(value, { minLength: 1, maxLength }).map((vs) => make(vs, [vs.length]));
}

/**
 * float64 tensors of `shape` whose entries are positive (at least 0.01) and sum to 1 along `dim`
 * (default -1): probability vectors for losses and sampling.
 *
 * @example
 * probabilities([2, 3]) // each row sums to 1
 */
export function probabilities(
  shape: readonly number[],
  dim = -1,
  options: { requiresGrad?: boolean } = {},
): fc.Arbitrary<Tensor> {
  const rank = shape.length;
  const d = dim < 0 ? dim + rank : dim;
  if (!(d >= 0 && d < rank)) {
    throw new RangeError(`probabilities: dim ${dim} is out of range for shape [${shape.join(',')}]`);
  }
  const n = sizeOfShape(shape);
  const side = shape[d]!;
  const inner = sizeOfShape(shape.slice(d + 1));
  return fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: n, maxLength: n }).map((w) => {
    const p = [...w];
    const outer = n / Math.max(1, side * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let total = 0;
        for (let k = 0; k < side; k++) total += p[(o * side + k) * inner + i]!;
        for (let k = 0; k < side; k++) p[(o * side + k) * inner + i]! /= total;
      }
    }
    const t = tensor(p, { dtype: 'float64', shape: [...shape] });
    if (options.requiresGrad ?? true) t.requiresGrad = true;
    return asGenerated(t);
  });
}

/**
 * n×n float64 matrices that are strictly diagonally dominant (each diagonal entry exceeds its
 * row's other entries by at least 1 in absolute value), hence invertible with a modest condition
 * number: inputs for solves, inverses and determinants.
 *
 * @example
 * wellConditionedMatrices(3)
 */
export function wellConditionedMatrices(
  n: number,
  options: { requiresGrad?: boolean } = {},
): fc.Arbitrary<Tensor> {
  if (!(Number.isInteger(n) && n >= 1)) {
    throw new RangeError(`wellConditionedMatrices: n must be a positive integer, got ${n}`);
  }
  const entry = fc.double({ min: -1, max: 1, noNaN: true });
  return fc
    .tuple(
      fc.array(entry, { minLength: n * n, maxLength: n * n }),
      fc.array(fc.tuple(fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true })), {
        minLength: n,
        maxLength: n,
      }),
    )
    .map(([a, diag]) => {
      const m = [...a];
      for (let i = 0; i < n; i++) {
        let off = 0;
        for (let j = 0; j < n; j++) if (j !== i) off += Math.abs(m[i * n + j]!);
        const [negative, extra] = diag[i]!;
        m[i * n + i] = (negative ? -1 : 1) * (off + 1 + extra);
      }
      const t = tensor(m, { dtype: 'float64', shape: [n, n] });
      if (options.requiresGrad ?? true) t.requiresGrad = true;
      return asGenerated(t);
    });
}

/**
 * A copy of `t` with the same values laid out non-contiguously (every other element of a larger
 * buffer, at an offset), for checking that an op reads strides correctly.
 *
 * @example
 * const y = nonContiguous(tensor([[1, 2], [3, 4]]));
 * y.isContiguous; // false; y.toArray() is still [[1, 2], [3, 4]]
 */
export function nonContiguous(t: Tensor): Tensor {
  const values = t.toTypedArray();
  const Ctor = values.constructor as new (n: number) => typeof values;
  const buffer = new Ctor(2 * values.length + 1);
  for (let i = 0; i < values.length; i++) buffer[1 + 2 * i] = values[i]!;
  const strides: number[] = new Array(t.ndim);
  let step = 2;
  for (let d = t.ndim - 1; d >= 0; d--) {
    strides[d] = step;
    step *= t.shape[d]!;
  }
  const view = new Tensor(buffer, [...t.shape], strides, 1);
  view.requiresGrad = t.requiresGrad;
  return asGenerated(view);
}
