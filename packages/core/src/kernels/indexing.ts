/**
 * Indexing kernels: reads and accumulating writes along one dim at positions an int32 index
 * gives. `gather`/`scatterAdd` follow `torch.gather`/`scatter_add_`; `indexSelect`/`indexAdd` are
 * the same kernels with a 1-D index broadcast over the other dims. Plain loops, no autograd.
 */
import { ValueError } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { forEachRow, type StridedArray } from './strided.js';

/** Strides of `x` with dim `d` zeroed: the base offset of a position, before its index along `d`. */
function withoutDim(strides: readonly number[], d: number): number[] {
  const out = [...strides];
  out[d] = 0;
  return out;
}

function outOfRange(op: string, v: number, dim: number, size: number): ValueError {
  return new ValueError(`${op}: index ${v} is out of range for dim ${dim} of size ${size}`);
}

/**
 * out[p] = x[p with coordinate d replaced by index[p]] for every position p of `shape` (the
 * index's shape; `index` may broadcast to it). `out` is contiguous of that shape.
 */
export function gatherKernel(
  op: string,
  x: StridedArray,
  d: number,
  index: StridedArray & { data: Int32Array },
  shape: readonly number[],
  out: TypedArray,
): void {
  const rank = shape.length;
  if (rank === 0) {
    // A 0-d tensor: index 0 is its only element.
    const v = index.data[index.offset]!;
    if (v !== 0) throw outOfRange(op, v, 0, 1);
    out[0] = x.data[x.offset]!;
    return;
  }
  const size = x.shape[d]!;
  const step = x.strides[d]!;
  const xs = withoutDim(x.strides, d);
  const is = index.strides;
  const xRow = xs[rank - 1]!;
  const iRow = is[rank - 1]!;
  const n = shape[rank - 1]!;
  const src = x.data;
  const idx = index.data;
  forEachRow(shape, [xs, is], [x.offset, index.offset], (s, o) => {
    let xp = s[0]!;
    let ip = s[1]!;
    for (let k = 0; k < n; k++, xp += xRow, ip += iRow) {
      const v = idx[ip]!;
      if (v < 0 || v >= size) throw outOfRange(op, v, d, size);
      out[o + k] = src[xp + v * step]!;
    }
  });
}

/**
 * out[p with coordinate d replaced by index[p]] += src[p] for every position p of `shape`; `out`
 * is a contiguous buffer of `outShape` (already holding the base values).
 */
export function scatterAddKernel(
  op: string,
  out: TypedArray,
  outShape: readonly number[],
  d: number,
  index: StridedArray & { data: Int32Array },
  src: StridedArray,
  shape: readonly number[],
): void {
  const rank = shape.length;
  if (rank === 0) {
    const v = index.data[index.offset]!;
    if (v !== 0) throw outOfRange(op, v, 0, 1);
    out[0]! += src.data[src.offset]!;
    return;
  }
  const outStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    outStrides[i] = s;
    s *= outShape[i]!;
  }
  const size = outShape[d]!;
  const step = outStrides[d]!;
  const os = withoutDim(outStrides, d);
  const is = index.strides;
  const ss = src.strides;
  const oRow = os[rank - 1]!;
  const iRow = is[rank - 1]!;
  const sRow = ss[rank - 1]!;
  const n = shape[rank - 1]!;
  const values = src.data;
  const idx = index.data;
  forEachRow(shape, [os, is, ss], [0, index.offset, src.offset], (s) => {
    let op_ = s[0]!;
    let ip = s[1]!;
    let sp = s[2]!;
    for (let k = 0; k < n; k++, op_ += oRow, ip += iRow, sp += sRow) {
      const v = idx[ip]!;
      if (v < 0 || v >= size) throw outOfRange(op, v, d, size);
      out[op_ + v * step]! += values[sp]!;
    }
  });
}

/** Writes 1 at out[i·numClasses + labels[i]] (out zero-filled); returns the first bad label's position, or −1. */
export function oneHotKernel(labels: Int32Array, numClasses: number, out: TypedArray): number {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v < 0 || v >= numClasses) return i;
    out[i * numClasses + v] = 1;
  }
  return -1;
}

/**
 * The elements of a contiguous int32 index with negative entries wrapped (i + size), as a new
 * buffer; returns the position of the first entry outside [−size, size) as `bad` (−1 if none).
 */
export function wrapIndexKernel(index: Int32Array, size: number): { data: Int32Array; bad: number } {
  const data = new Int32Array(index.length);
  for (let i = 0; i < index.length; i++) {
    const v = index[i]!;
    if (v < -size || v >= size) return { data, bad: i };
    data[i] = v < 0 ? v + size : v;
  }
  return { data, bad: -1 };
}
