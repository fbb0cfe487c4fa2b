/**
 * Order kernels: sorting lines along a dim (values and int32 indices), the k-th smallest element
 * of each line, and unique values or slices. NaN sorts above every number, as in PyTorch. Plain
 * loops, no autograd.
 */
import type { TypedArray } from '../tensor/dtype.js';
import { contiguousStrides } from '../tensor/shape.js';
import { toContiguous } from './copy.js';
import { forEachLine } from './scan.js';
import type { StridedArray } from './strided.js';

/** Orders positions a, b of `v`: NaN above everything, ties by position (so the sort is stable). */
function ascending(v: Float64Array): (a: number, b: number) => number {
  return (a, b) => {
    const x = v[a]!;
    const y = v[b]!;
    if (x < y) return -1;
    if (x > y) return 1;
    const nx = Number.isNaN(x);
    const ny = Number.isNaN(y);
    if (nx !== ny) return nx ? 1 : -1;
    return a - b;
  };
}

function descending(v: Float64Array): (a: number, b: number) => number {
  return (a, b) => {
    const x = v[a]!;
    const y = v[b]!;
    if (x > y) return -1;
    if (x < y) return 1;
    const nx = Number.isNaN(x);
    const ny = Number.isNaN(y);
    if (nx !== ny) return nx ? -1 : 1;
    return a - b;
  };
}

/**
 * Sorts every line of `x` along `d` (stably: equal elements keep their order) and writes the first
 * `k` of each into `values` and `indices`, contiguous buffers of x's shape with dim d of size k.
 */
export function sortKernel(
  x: StridedArray,
  d: number,
  descendingOrder: boolean,
  k: number,
  values: TypedArray,
  indices: Int32Array,
): void {
  const n = x.shape[d]!;
  const outShape = x.shape.map((s, i) => (i === d ? k : s));
  const os = contiguousStrides(outShape);
  const xStep = x.strides[d]!;
  const oStep = os[d]!;
  const src = x.data;
  const line = new Float64Array(n);
  const order = new Int32Array(n);
  const compare = descendingOrder ? descending(line) : ascending(line);
  forEachLine(x.shape, d, [x.strides, os], [x.offset, 0], (s) => {
    for (let j = 0, xp = s[0]!; j < n; j++, xp += xStep) {
      line[j] = src[xp]!;
      order[j] = j;
    }
    order.sort(compare);
    for (let j = 0, op = s[1]!; j < k; j++, op += oStep) {
      const i = order[j]!;
      values[op] = line[i]!;
      indices[op] = i;
    }
  });
}

/**
 * The k-th smallest (0-based `k`) element of every line of `x` along `d` and its index, into
 * contiguous buffers of the reduced shape. With `propagateNaN`, a line holding NaN gives NaN and
 * the index of its first NaN (as `torch.median`).
 */
export function kthKernel(
  x: StridedArray,
  d: number,
  k: number,
  propagateNaN: boolean,
  values: TypedArray,
  indices: Int32Array,
): void {
  const n = x.shape[d]!;
  const os = contiguousStrides(x.shape.map((s, i) => (i === d ? 1 : s)));
  const xStep = x.strides[d]!;
  const src = x.data;
  const line = new Float64Array(n);
  const order = new Int32Array(n);
  const compare = ascending(line);
  forEachLine(x.shape, d, [x.strides, os], [x.offset, 0], (s) => {
    let firstNaN = -1;
    for (let j = 0, xp = s[0]!; j < n; j++, xp += xStep) {
      const v = src[xp]!;
      line[j] = v;
      order[j] = j;
      if (firstNaN < 0 && Number.isNaN(v)) firstNaN = j;
    }
    const o = s[1]!;
    if (propagateNaN && firstNaN >= 0) {
      values[o] = Number.NaN;
      indices[o] = firstNaN;
      return;
    }
    order.sort(compare);
    values[o] = line[order[k]!]!;
    indices[o] = order[k]!;
  });
}

/** Unique rows of a contiguous [n, m] buffer, in lexicographic order. */
export interface UniqueResult {
  /** Index (into the n rows) of one row of each distinct value, in sorted order. */
  rows: Int32Array;
  /** For each of the n rows, the position of its value among the unique ones. */
  inverse: Int32Array;
  /** How often each unique value occurs. */
  counts: Int32Array;
}

/**
 * The distinct rows of `x` viewed as n rows of m elements (m = 1 for unique elements), sorted
 * lexicographically. Rows compare elementwise; NaN sorts last and equals NaN here.
 */
export function uniqueKernel(x: StridedArray, n: number, m: number): UniqueResult {
  const data = toContiguous(x, true);
  const same = (a: number, b: number) => (a === b ? true : Number.isNaN(a) && Number.isNaN(b));
  const compareRows = (a: number, b: number): number => {
    for (let j = 0; j < m; j++) {
      const u = data[a * m + j]!;
      const v = data[b * m + j]!;
      if (u < v) return -1;
      if (u > v) return 1;
      const nu = Number.isNaN(u);
      const nv = Number.isNaN(v);
      if (nu !== nv) return nu ? 1 : -1;
    }
    return a - b;
  };
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort(compareRows);
  const rows: number[] = [];
  const counts: number[] = [];
  const inverse = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    const r = order[p]!;
    const prev = rows.length > 0 ? rows[rows.length - 1]! : -1;
    let equal = prev >= 0;
    for (let j = 0; equal && j < m; j++) equal = same(data[r * m + j]!, data[prev * m + j]!);
    if (!equal) {
      rows.push(r);
      counts.push(0);
    }
    counts[counts.length - 1]!++;
    inverse[r] = rows.length - 1;
  }
  return { rows: Int32Array.from(rows), inverse, counts: Int32Array.from(counts) };
}
