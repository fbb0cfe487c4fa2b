import { allocate, type DType, type TypedArray } from '../tensor/dtype.js';
import { broadcastStrides, sameShape, sizeOf } from '../tensor/shape.js';
import { erf, erfinv } from './special-functions.js';
import { forEachRow, isContiguous, type StridedArray } from './strided.js';

type Buf = TypedArray;

/** One row of a unary map: o[oi + k] = f(x[xi + k·xs]) for k < n; p, q and r are op parameters. */
type UnaryRow = (
  o: Buf,
  oi: number,
  x: Buf,
  xi: number,
  xs: number,
  n: number,
  p: number,
  q: number,
  r: number,
) => void;

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** √(2/π) and the cubic coefficient of GELU's tanh approximation. */
const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/** Rounds half to even, as PyTorch's round (Math.round rounds half up). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** log(1 + eˣ) without overflow. */
function softplusOne(v: number): number {
  return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
}

// ReLU's sign test is a coin flip on real activations, and a mispredicted branch per element costs
// more than the rest of the loop: on float32 rows the kernels below work on the IEEE bit patterns
// with integer masks instead, which have no branch. Short rows keep the plain loop.
const BITS_MIN = 64;

/**
 * max(x, 0) on float32 bits: negative numbers (sign bit set, −0 included) become +0; NaN of
 * either sign stays NaN, as `Math.max` does. Equal to the plain loop.
 */
function reluBits32(o: Float32Array, oi: number, x: Float32Array, xi: number, n: number): void {
  const ob = new Int32Array(o.buffer, o.byteOffset + 4 * oi, n);
  const xb = new Int32Array(x.buffer, x.byteOffset + 4 * xi, n);
  for (let k = 0; k < n; k++) {
    const b = xb[k]!;
    // keep b if its sign bit is clear, or if |b| is above +∞'s pattern (a NaN).
    ob[k] = b & (~(b >> 31) | ((0x7f800000 - (b & 0x7fffffff)) >> 31));
  }
}

/**
 * g where x > 0, else +0, on float32 bits: x > 0 exactly when its pattern lies in
 * [1, 0x7f800000] (positive, not −0, not NaN). Bit-identical to the plain loop.
 */
function reluBackwardBits32(
  o: Float32Array,
  oi: number,
  g: Float32Array,
  gi: number,
  x: Float32Array,
  xi: number,
  n: number,
): void {
  const ob = new Int32Array(o.buffer, o.byteOffset + 4 * oi, n);
  const gb = new Int32Array(g.buffer, g.byteOffset + 4 * gi, n);
  const xb = new Int32Array(x.buffer, x.byteOffset + 4 * xi, n);
  for (let k = 0; k < n; k++) {
    const b = xb[k]!;
    ob[k] = gb[k]! & ((-b & (b - 0x7f800001)) >> 31);
  }
}

/** Row loops of the unary maps, one per op so each inner loop stays monomorphic. */
// biome-ignore format: one row loop per line reads as a table
export const unaryRows = {
  neg: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = -x[xi]!; },
  exp: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Math.exp(x[xi]!); },
  log: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Math.log(x[xi]!); },
  sqrt: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Math.sqrt(x[xi]!); },
  abs: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Math.abs(x[xi]!); },
  sign: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Math.sign(x[xi]!); },
  tanh: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Math.tanh(x[xi]!); },
  sin: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Math.sin(x[xi]!); },
  cos: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Math.cos(x[xi]!); },
  sigmoid: (o, oi, x, xi, xs, n) => {
    for (let k = 0; k < n; k++, xi += xs) o[oi + k] = 1 / (1 + Math.exp(-x[xi]!));
  },
  relu: (o, oi, x, xi, xs, n) => {
    if (xs === 1 && n >= BITS_MIN && o instanceof Float32Array && x instanceof Float32Array) reluBits32(o, oi, x, xi, n);
    else for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Math.max(x[xi]!, 0);
  },
  /** log(1 + e^(βx)) / β as (max(βx, 0) + log1p(e^−|βx|)) / β, which never overflows; x where βx > threshold (p = β, q = threshold). */
  softplus: (o, oi, x, xi, xs, n, beta, threshold) => {
    for (let k = 0; k < n; k++, xi += xs) {
      const v = x[xi]!;
      const bv = beta * v;
      o[oi + k] = bv > threshold ? v : (Math.max(bv, 0) + Math.log1p(Math.exp(-Math.abs(bv)))) / beta;
    }
  },
  logicalNot: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = x[xi] === 0 ? 1 : 0; },
  copy: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = x[xi]!; },
  clamp: (o, oi, x, xi, xs, n, lo, hi) => {
    for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Math.min(Math.max(x[xi]!, lo), hi);
  },
  /** 1 where lo ≤ x ≤ hi (the pass-through mask of clamp), else 0. */
  inRange: (o, oi, x, xi, xs, n, lo, hi) => {
    for (let k = 0; k < n; k++, xi += xs) { const v = x[xi]!; o[oi + k] = v >= lo && v <= hi ? 1 : 0; }
  },
  /** 0 where x ≤ lo or x ≥ hi, else 1 (NaN passes): the gradient mask of hardtanh, as PyTorch's. */
  inOpenRange: (o, oi, x, xi, xs, n, lo, hi) => {
    for (let k = 0; k < n; k++, xi += xs) { const v = x[xi]!; o[oi + k] = v <= lo || v >= hi ? 0 : 1; }
  },
  /** x·Φ(x) with Φ the standard normal CDF, through erf. */
  gelu: (o, oi, x, xi, xs, n) => {
    for (let k = 0; k < n; k++, xi += xs) { const v = x[xi]!; o[oi + k] = 0.5 * v * (1 + erf(v * SQRT1_2)); }
  },
  /** ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
  geluTanh: (o, oi, x, xi, xs, n) => {
    for (let k = 0; k < n; k++, xi += xs) {
      const v = x[xi]!;
      o[oi + k] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + GELU_A * v * v * v)));
    }
  },
  silu: (o, oi, x, xi, xs, n) => {
    for (let k = 0; k < n; k++, xi += xs) { const v = x[xi]!; o[oi + k] = v / (1 + Math.exp(-v)); }
  },
  mish: (o, oi, x, xi, xs, n) => {
    for (let k = 0; k < n; k++, xi += xs) { const v = x[xi]!; o[oi + k] = v * Math.tanh(softplusOne(v)); }
  },
  /** x where x > 0, else p·x (p = negative slope). */
  leakyRelu: (o, oi, x, xi, xs, n, slope) => {
    for (let k = 0; k < n; k++, xi += xs) { const v = x[xi]!; o[oi + k] = v > 0 ? v : v * slope; }
  },
  /** x where x > 0, else p·(eˣ − 1) (p = α). */
  elu: (o, oi, x, xi, xs, n, alpha) => {
    for (let k = 0; k < n; k++, xi += xs) { const v = x[xi]!; o[oi + k] = v > 0 ? v : alpha * Math.expm1(v); }
  },
  erf: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = erf(x[xi]!); },
  erfinv: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = erfinv(x[xi]!); },
  log1p: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Math.log1p(x[xi]!); },
  expm1: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Math.expm1(x[xi]!); },
  rsqrt: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = 1 / Math.sqrt(x[xi]!); },
  reciprocal: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = 1 / x[xi]!; },
  floor: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Math.floor(x[xi]!); },
  ceil: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Math.ceil(x[xi]!); },
  round: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = roundHalfEven(x[xi]!); },
  isnan: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Number.isNaN(x[xi]!) ? 1 : 0; },
  isfinite: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = Number.isFinite(x[xi]!) ? 1 : 0; },
  isinf: (o, oi, x, xi, xs, n) => {
    for (let k = 0; k < n; k++, xi += xs) { const v = x[xi]!; o[oi + k] = v === Infinity || v === -Infinity ? 1 : 0; }
  },
  /** NaN → p, +∞ → q, −∞ → r. */
  nanToNum: (o, oi, x, xi, xs, n, nan, posinf, neginf) => {
    for (let k = 0; k < n; k++, xi += xs) {
      const v = x[xi]!;
      o[oi + k] = Number.isNaN(v) ? nan : v === Infinity ? posinf : v === -Infinity ? neginf : v;
    }
  },
  /** 1 where x ≠ 0 (NaN included), else 0: the cast to bool. */
  nonzero: (o, oi, x, xi, xs, n) => { for (let k = 0; k < n; k++, xi += xs) o[oi + k] = x[xi] !== 0 ? 1 : 0; },
} satisfies Record<string, UnaryRow>;

/** Names of the unary kernels. */
export type UnaryKernel = keyof typeof unaryRows;

/** Applies a unary kernel to a strided array, returning a new contiguous buffer of `dtype`. */
export function unary(kind: UnaryKernel, x: StridedArray, dtype: DType, p = 0, q = 0, r = 0): Buf {
  const row: UnaryRow = unaryRows[kind];
  const size = sizeOf(x.shape);
  const out = allocate(dtype, size);
  if (isContiguous(x.shape, x.strides)) {
    row(out, 0, x.data, x.offset, 1, size, p, q, r);
    return out;
  }
  const rank = x.shape.length;
  const xs = x.strides[rank - 1]!;
  const n = x.shape[rank - 1]!;
  const data = x.data;
  forEachRow(x.shape, [x.strides], [x.offset], (s, o) => row(out, o, data, s[0]!, xs, n, p, q, r));
  return out;
}

/** One row of a binary map: o[oi + k] = f(a[ai + k·as], b[bi + k·bs]) for k < n. */
type BinaryRow = (
  o: Buf,
  oi: number,
  a: Buf,
  ai: number,
  as: number,
  b: Buf,
  bi: number,
  bs: number,
  n: number,
) => void;

/** Row loops of the binary maps (comparisons write 1 or 0). */
// biome-ignore format: one row loop per line reads as a table
export const binaryRows = {
  add: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = a[ai]! + b[bi]!; },
  sub: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = a[ai]! - b[bi]!; },
  mul: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = a[ai]! * b[bi]!; },
  div: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = a[ai]! / b[bi]!; },
  pow: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = a[ai]! ** b[bi]!; },
  maximum: (o, oi, a, ai, as, b, bi, bs, n) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs) { const x = a[ai]!, y = b[bi]!; o[oi + k] = Number.isNaN(x) || x > y ? x : y; }
  },
  minimum: (o, oi, a, ai, as, b, bi, bs, n) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs) { const x = a[ai]!, y = b[bi]!; o[oi + k] = Number.isNaN(x) || x < y ? x : y; }
  },
  logicalAnd: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = a[ai] !== 0 && b[bi] !== 0 ? 1 : 0; },
  logicalOr: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = a[ai] !== 0 || b[bi] !== 0 ? 1 : 0; },
  logicalXor: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = (a[ai] !== 0) !== (b[bi] !== 0) ? 1 : 0; },
  eq: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = a[ai] === b[bi] ? 1 : 0; },
  ne: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = a[ai] !== b[bi] ? 1 : 0; },
  lt: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = a[ai]! < b[bi]! ? 1 : 0; },
  le: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = a[ai]! <= b[bi]! ? 1 : 0; },
  gt: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = a[ai]! > b[bi]! ? 1 : 0; },
  ge: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = a[ai]! >= b[bi]! ? 1 : 0; },
  atan2: (o, oi, a, ai, as, b, bi, bs, n) => { for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = Math.atan2(a[ai]!, b[bi]!); },
  /** a mod b with the sign of b (Python's %, PyTorch's remainder), from fmod as PyTorch computes it. */
  remainder: (o, oi, a, ai, as, b, bi, bs, n) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs) {
      const y = b[bi]!;
      let m = a[ai]! % y;
      if (m !== 0 && y < 0 !== m < 0) m += y;
      o[oi + k] = m;
    }
  },
  /** ⌊a / b⌋, computed as PyTorch's div(rounding_mode='floor') so that a = b·q + remainder(a, b). */
  floorDivide: (o, oi, a, ai, as, b, bi, bs, n) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs) {
      const x = a[ai]!, y = b[bi]!;
      if (y === 0) { o[oi + k] = x / y; continue; }
      const m = x % y;
      let d = (x - m) / y;
      if (m !== 0 && y < 0 !== m < 0) d -= 1;
      let q: number;
      if (d !== 0) { q = Math.floor(d); if (d - q > 0.5) q += 1; } else q = x / y < 0 || Object.is(x / y, -0) ? -0 : 0;
      o[oi + k] = q;
    }
  },
  /** g where x > 0, else 0: relu's backward in one pass (a = g, b = x). */
  reluBackward: (o, oi, a, ai, as, b, bi, bs, n) => {
    if (as === 1 && bs === 1 && n >= BITS_MIN && o instanceof Float32Array && a instanceof Float32Array && b instanceof Float32Array) reluBackwardBits32(o, oi, a, ai, b, bi, n);
    else for (let k = 0; k < n; k++, ai += as, bi += bs) o[oi + k] = b[bi]! > 0 ? a[ai]! : 0;
  },
  /** g·y·(1 − y): sigmoid's backward from its output y, in one pass (a = g, b = y). */
  sigmoidBackward: (o, oi, a, ai, as, b, bi, bs, n) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs) { const y = b[bi]!; o[oi + k] = a[ai]! * (y * (1 - y)); }
  },
  /** g·(1 − y²): tanh's backward from its output y, in one pass (a = g, b = y). */
  tanhBackward: (o, oi, a, ai, as, b, bi, bs, n) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs) { const y = b[bi]!; o[oi + k] = a[ai]! * (1 - y * y); }
  },
  /** g·(Φ(x) + x·φ(x)): exact GELU's backward in one pass (a = g, b = x). */
  geluBackward: (o, oi, a, ai, as, b, bi, bs, n) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs) {
      const x = b[bi]!;
      o[oi + k] = a[ai]! * (0.5 * (1 + erf(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x));
    }
  },
  /** g·d/dx of the tanh-approximated GELU, in one pass (a = g, b = x). */
  geluTanhBackward: (o, oi, a, ai, as, b, bi, bs, n) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs) {
      const x = b[bi]!, x2 = x * x;
      const t = Math.tanh(GELU_C * (x + GELU_A * x2 * x));
      o[oi + k] = a[ai]! * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_A * x2));
    }
  },
  /** g·σ(x)(1 + x(1 − σ(x))): SiLU's backward (a = g, b = x). */
  siluBackward: (o, oi, a, ai, as, b, bi, bs, n) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs) {
      const x = b[bi]!, s = 1 / (1 + Math.exp(-x));
      o[oi + k] = a[ai]! * s * (1 + x * (1 - s));
    }
  },
  /** g·(t + x(1 − t²)σ(x)) with t = tanh(softplus(x)): Mish's backward (a = g, b = x). */
  mishBackward: (o, oi, a, ai, as, b, bi, bs, n) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs) {
      const x = b[bi]!, t = Math.tanh(softplusOne(x)), s = 1 / (1 + Math.exp(-x));
      o[oi + k] = a[ai]! * (t + x * (1 - t * t) * s);
    }
  },
} satisfies Record<string, BinaryRow>;

/** Names of the binary kernels. */
export type BinaryKernel = keyof typeof binaryRows;

/** Applies a binary kernel with broadcasting to `shape` (already checked), into a new buffer of `dtype`. */
export function binary(
  kind: BinaryKernel,
  a: StridedArray,
  b: StridedArray,
  shape: readonly number[],
  dtype: DType,
): Buf {
  const row: BinaryRow = binaryRows[kind];
  const size = sizeOf(shape);
  const out = allocate(dtype, size);
  if (
    sameShape(a.shape, shape) &&
    sameShape(b.shape, shape) &&
    isContiguous(a.shape, a.strides) &&
    isContiguous(b.shape, b.strides)
  ) {
    row(out, 0, a.data, a.offset, 1, b.data, b.offset, 1, size);
    return out;
  }
  const rank = shape.length;
  if (rank === 0) {
    row(out, 0, a.data, a.offset, 0, b.data, b.offset, 0, 1);
    return out;
  }
  const sa = broadcastStrides(a.shape, a.strides, shape);
  const sb = broadcastStrides(b.shape, b.strides, shape);
  const as = sa[rank - 1]!;
  const bs = sb[rank - 1]!;
  const n = shape[rank - 1]!;
  const ad = a.data;
  const bd = b.data;
  forEachRow(shape, [sa, sb], [a.offset, b.offset], (s, o) => row(out, o, ad, s[0]!, as, bd, s[1]!, bs, n));
  return out;
}

/** out = cond ≠ 0 ? a : b, broadcast to `shape`. */
export function where(
  cond: StridedArray,
  a: StridedArray,
  b: StridedArray,
  shape: readonly number[],
  dtype: DType,
): Buf {
  const size = sizeOf(shape);
  const out = allocate(dtype, size);
  const rank = shape.length;
  const sc = broadcastStrides(cond.shape, cond.strides, shape);
  const sa = broadcastStrides(a.shape, a.strides, shape);
  const sb = broadcastStrides(b.shape, b.strides, shape);
  const cs = rank ? sc[rank - 1]! : 0;
  const as = rank ? sa[rank - 1]! : 0;
  const bs = rank ? sb[rank - 1]! : 0;
  const n = rank ? shape[rank - 1]! : 1;
  const cd = cond.data;
  const ad = a.data;
  const bd = b.data;
  forEachRow(shape, [sc, sa, sb], [cond.offset, a.offset, b.offset], (s, o) => {
    let ci = s[0]!;
    let ai = s[1]!;
    let bi = s[2]!;
    for (let k = 0; k < n; k++, ci += cs, ai += as, bi += bs) out[o + k] = cd[ci] !== 0 ? ad[ai]! : bd[bi]!;
  });
  return out;
}

/** out[r, j] += bias[j] over `rows` contiguous rows of `cols` (in place): a layer's bias after its product. */
export function addRowVectorInPlace(out: TypedArray, rows: number, cols: number, bias: TypedArray): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) out[base + j]! += bias[j]!;
  }
}
