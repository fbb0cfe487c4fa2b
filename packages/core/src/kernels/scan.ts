/**
 * Scan kernels: running sums and products along one dim, and the gradient of the running product
 * (which must survive zeros in the input). Plain loops, no autograd.
 */
import type { TypedArray } from '../tensor/dtype.js';
import { contiguousStrides } from '../tensor/shape.js';
import { forEachRow, type StridedArray } from './strided.js';

/**
 * Calls `line(starts)` once per line of `shape` along dim `d` (every other coordinate fixed), with
 * each operand's start offset; each operand then steps by its own stride of `d`. Operands are
 * described by strides over `shape`.
 */
export function forEachLine(
  shape: readonly number[],
  d: number,
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  line: (starts: Int32Array | number[]) => void,
): void {
  if (shape[d] === 0) return;
  // Move `d` last and walk the "rows" of length 1 there: one call per line.
  const order = shape.map((_, i) => i).filter((i) => i !== d);
  const outer = [...order.map((i) => shape[i]!), 1];
  const permuted = strides.map((s) => [...order.map((i) => s[i]!), 0]);
  forEachRow(outer, permuted, offsets, (starts) => line(starts));
}

/** out (contiguous, x's shape) = running sum of x along `d`; float32 accumulates in float64. */
export function cumsumKernel(x: StridedArray, d: number, out: TypedArray): void {
  const n = x.shape[d]!;
  const os = contiguousStrides(x.shape);
  const xStep = x.strides[d]!;
  const oStep = os[d]!;
  const src = x.data;
  forEachLine(x.shape, d, [x.strides, os], [x.offset, 0], (s) => {
    let xp = s[0]!;
    let op = s[1]!;
    let acc = 0;
    for (let k = 0; k < n; k++, xp += xStep, op += oStep) {
      acc += src[xp]!;
      out[op] = acc;
    }
  });
}

/** out (contiguous, x's shape) = running product of x along `d`; returns whether x holds a zero. */
export function cumprodKernel(x: StridedArray, d: number, out: TypedArray): boolean {
  const n = x.shape[d]!;
  const os = contiguousStrides(x.shape);
  const xStep = x.strides[d]!;
  const oStep = os[d]!;
  const src = x.data;
  let zero = false;
  forEachLine(x.shape, d, [x.strides, os], [x.offset, 0], (s) => {
    let xp = s[0]!;
    let op = s[1]!;
    let acc = 1;
    for (let k = 0; k < n; k++, xp += xStep, op += oStep) {
      const v = src[xp]!;
      if (v === 0) zero = true;
      acc *= v;
      out[op] = acc;
    }
  });
  return zero;
}

/**
 * The gradient of cumprod along `d`, exact with zeros in x: out[k] = Σ_{j≥k} g[j]·Π_{i≤j, i≠k} x[i].
 * Before the first zero z of a line this is Σ_{k≤j<z} g[j]·y[j] / x[k]; at z a running product
 * that skips x[z]; after z it is 0. O(n) per line. `out` is contiguous of x's shape.
 */
export function cumprodGradKernel(x: StridedArray, g: StridedArray, d: number, out: TypedArray): void {
  const n = x.shape[d]!;
  const os = contiguousStrides(x.shape);
  const xStep = x.strides[d]!;
  const gStep = g.strides[d]!;
  const oStep = os[d]!;
  const xs = x.data;
  const gs = g.data;
  const xv = new Float64Array(n);
  const gv = new Float64Array(n);
  forEachLine(x.shape, d, [x.strides, g.strides, os], [x.offset, g.offset, 0], (s) => {
    let z = n;
    for (let k = 0, xp = s[0]!, gp = s[1]!; k < n; k++, xp += xStep, gp += gStep) {
      xv[k] = xs[xp]!;
      gv[k] = gs[gp]!;
      if (z === n && xv[k] === 0) z = k;
    }
    const o = s[2]!;
    // Prefix products y[j] for j < z, then the suffix sums of g·y.
    let acc = 0;
    let prefix = 1;
    const y = new Float64Array(z);
    for (let j = 0; j < z; j++) {
      prefix *= xv[j]!;
      y[j] = prefix;
    }
    for (let k = z - 1; k >= 0; k--) {
      acc += gv[k]! * y[k]!;
      out[o + k * oStep] = acc / xv[k]!;
    }
    if (z < n) {
      // d/dx[z]: Σ_{j≥z} g[j]·(Π_{i<z} x[i])·Π_{z<i≤j} x[i].
      let run = z > 0 ? y[z - 1]! : 1;
      let sum = gv[z]! * run;
      for (let j = z + 1; j < n; j++) {
        run *= xv[j]!;
        sum += gv[j]! * run;
      }
      out[o + z * oStep] = sum;
      for (let k = z + 1; k < n; k++) out[o + k * oStep] = 0;
    }
  });
}
