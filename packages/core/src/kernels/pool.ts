/**
 * Pooling kernels on contiguous NCHW buffers: max pooling with argmax indices and its
 * gather/scatter adjoints, window averaging and its adjoint, and the window geometry they use.
 * Plain loops, no autograd.
 */
import type { TypedArray } from '../tensor/dtype.js';
import type { ConvGeometry } from './conv.js';

/** The first output position whose dilated window has no tap inside [0, size), or −1. */
export function firstEmptyWindow(
  count: number,
  stride: number,
  pad: number,
  kernel: number,
  dilation: number,
  size: number,
): number {
  for (let o = 0; o < count; o++) {
    let any = false;
    for (let i = 0; i < kernel && !any; i++) {
      const at = o * stride - pad + i * dilation;
      any = at >= 0 && at < size;
    }
    if (!any) return o;
  }
  return -1;
}

/** Window bounds along one axis: output i covers [start[i], end[i]). */
export interface WindowRanges {
  start: Int32Array;
  end: Int32Array;
}

/** Windows [i·stride − pad, i·stride − pad + kernel) clipped to [0, size), for `count` outputs. */
export function slidingWindows(
  count: number,
  stride: number,
  pad: number,
  kernel: number,
  size: number,
): WindowRanges {
  const start = new Int32Array(count);
  const end = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const s = i * stride - pad;
    start[i] = Math.max(s, 0);
    end[i] = Math.min(s + kernel, size);
  }
  return { start, end };
}

/** Adaptive pooling windows: output i covers ⌊i·size/count⌋ … ⌈(i+1)·size/count⌉ − 1, as PyTorch. */
export function adaptiveWindows(count: number, size: number): WindowRanges {
  const start = new Int32Array(count);
  const end = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    start[i] = Math.floor((i * size) / count);
    end[i] = Math.ceil(((i + 1) * size) / count);
  }
  return { start, end };
}

/**
 * The divisor of each output window (row-major over rows × cols): `fixed` when given (the kernel
 * area, for count-include-pad), else the number of input elements the window covers.
 */
export function windowDivisors(rows: WindowRanges, cols: WindowRanges, fixed?: number): Float64Array {
  const oh = rows.start.length;
  const ow = cols.start.length;
  const divisor = new Float64Array(oh * ow);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      divisor[oy * ow + ox] = fixed ?? (rows.end[oy]! - rows.start[oy]!) * (cols.end[ox]! - cols.start[ox]!);
    }
  }
  return divisor;
}

/**
 * Max pooling over `planes` = n·c planes of geometry `geo` (padding counts as −∞): writes the
 * maxima to `out` and their positions in the input plane (y·w + x) to `indices`. Ties go to the
 * first position in row-major window order; a NaN wins (and the first NaN stays).
 */
export function maxPool2dKernel(
  x: TypedArray,
  planes: number,
  geo: ConvGeometry,
  out: TypedArray,
  indices: Int32Array,
): void {
  const { h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = geo;
  if (kh === 2 && kw === 2 && sh === 2 && sw === 2 && ph === 0 && pw === 0 && dh === 1 && dw === 1) {
    maxPool2x2(x, planes, h, w, oh, ow, out, indices);
    return;
  }
  for (let p = 0; p < planes; p++) {
    const src = p * h * w;
    const dst = p * oh * ow;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - ph;
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pw;
        let best = Number.NEGATIVE_INFINITY;
        let at = -1;
        for (let i = 0; i < kh; i++) {
          const y = y0 + i * dh;
          if (y < 0 || y >= h) continue;
          for (let j = 0; j < kw; j++) {
            const xx = x0 + j * dw;
            if (xx < 0 || xx >= w) continue;
            const v = x[src + y * w + xx]!;
            if (v > best || at < 0 || (Number.isNaN(v) && !Number.isNaN(best))) {
              best = v;
              at = y * w + xx;
            }
          }
        }
        out[dst + oy * ow + ox] = best;
        indices[dst + oy * ow + ox] = at;
      }
    }
  }
}

/**
 * The common 2×2, stride-2, unpadded case of `maxPool2dKernel`, with the same answer: taps in
 * row-major order, a later tap wins only if greater, or if it is NaN and the best so far is not.
 * Every window lies inside the plane, so no bounds checks are needed.
 */
function maxPool2x2(
  x: TypedArray,
  planes: number,
  h: number,
  w: number,
  oh: number,
  ow: number,
  out: TypedArray,
  indices: Int32Array,
): void {
  for (let p = 0; p < planes; p++) {
    const src = p * h * w;
    let d = p * oh * ow;
    for (let oy = 0; oy < oh; oy++) {
      const top = 2 * oy * w;
      for (let ox = 0; ox < ow; ox++, d++) {
        const i0 = top + 2 * ox;
        const i2 = i0 + w;
        let best = x[src + i0]!;
        let at = i0;
        const b = x[src + i0 + 1]!;
        if (b > best || (Number.isNaN(b) && !Number.isNaN(best))) {
          best = b;
          at = i0 + 1;
        }
        const c = x[src + i2]!;
        if (c > best || (Number.isNaN(c) && !Number.isNaN(best))) {
          best = c;
          at = i2;
        }
        const e = x[src + i2 + 1]!;
        if (e > best || (Number.isNaN(e) && !Number.isNaN(best))) {
          best = e;
          at = i2 + 1;
        }
        out[d] = best;
        indices[d] = at;
      }
    }
  }
}

/** out[p, k] = x[p, indices[p, k]] over `planes` planes of `inPlane` inputs and `outPlane` outputs. */
export function planeGatherKernel(
  x: TypedArray,
  indices: Int32Array,
  planes: number,
  inPlane: number,
  outPlane: number,
  out: TypedArray,
): void {
  for (let p = 0; p < planes; p++) {
    const s = p * inPlane;
    const d = p * outPlane;
    for (let k = 0; k < outPlane; k++) out[d + k] = x[s + indices[d + k]!]!;
  }
}

/** The adjoint of `planeGatherKernel`: out[p, indices[p, k]] += g[p, k] (out zero-filled by the caller). */
export function planeScatterAddKernel(
  g: TypedArray,
  indices: Int32Array,
  planes: number,
  inPlane: number,
  outPlane: number,
  out: TypedArray,
): void {
  for (let p = 0; p < planes; p++) {
    const d = p * inPlane;
    const s = p * outPlane;
    for (let k = 0; k < outPlane; k++) out[d + indices[s + k]!]! += g[s + k]!;
  }
}

/**
 * Rectangular averaging windows over an h×w plane: output (oy, ox) averages the rows of
 * `rows` window oy and the columns of `cols` window ox (already clipped to the plane) and divides by divisor[oy·ow + ox].
 */
export interface AverageWindows {
  h: number;
  w: number;
  rows: WindowRanges;
  cols: WindowRanges;
  divisor: Float64Array;
}

/** Window averages of `planes` planes of `x` into `out` (overwritten). */
export function windowAverageKernel(
  x: TypedArray,
  planes: number,
  win: AverageWindows,
  out: TypedArray,
): void {
  const { h, w, divisor } = win;
  const { start: rowStart, end: rowEnd } = win.rows;
  const { start: colStart, end: colEnd } = win.cols;
  const oh = rowStart.length;
  const ow = colStart.length;
  for (let p = 0; p < planes; p++) {
    const src = p * h * w;
    const dst = p * oh * ow;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let s = 0;
        for (let y = rowStart[oy]!; y < rowEnd[oy]!; y++) {
          const r = src + y * w;
          for (let xx = colStart[ox]!; xx < colEnd[ox]!; xx++) s += x[r + xx]!;
        }
        out[dst + oy * ow + ox] = s / divisor[oy * ow + ox]!;
      }
    }
  }
}

/** The adjoint of `windowAverageKernel`: spreads g/divisor over each window of `out` (zero-filled). */
export function windowAverageAdjointKernel(
  g: TypedArray,
  planes: number,
  win: AverageWindows,
  out: TypedArray,
): void {
  const { h, w, divisor } = win;
  const { start: rowStart, end: rowEnd } = win.rows;
  const { start: colStart, end: colEnd } = win.cols;
  const oh = rowStart.length;
  const ow = colStart.length;
  for (let p = 0; p < planes; p++) {
    const dst = p * h * w;
    const src = p * oh * ow;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const v = g[src + oy * ow + ox]! / divisor[oy * ow + ox]!;
        for (let y = rowStart[oy]!; y < rowEnd[oy]!; y++) {
          const r = dst + y * w;
          for (let xx = colStart[ox]!; xx < colEnd[ox]!; xx++) out[r + xx]! += v;
        }
      }
    }
  }
}
