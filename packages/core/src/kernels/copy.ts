import { DTypeError } from '../errors.js';
import { allocate, dtypeOf, type TypedArray } from '../tensor/dtype.js';
import { broadcastStrides, sizeOf } from '../tensor/shape.js';
import { forEachRow, isContiguous, type StridedArray } from './strided.js';

/** The elements of a strided array in row-major order, as a new (or, if `share`, possibly shared) buffer. */
export function toContiguous(x: StridedArray, share = false): TypedArray {
  const size = sizeOf(x.shape);
  if (isContiguous(x.shape, x.strides)) {
    const view = x.data.subarray(x.offset, x.offset + size);
    return share ? view : view.slice();
  }
  const out = allocate(dtypeOf(x.data), size);
  copyInto(out, x);
  return out;
}

/** Writes the elements of `x` in row-major order into `out` (a contiguous buffer of the same size). */
export function copyInto(out: TypedArray, x: StridedArray): void {
  const src = x.data;
  const rank = x.shape.length;
  const step = rank === 0 ? 0 : x.strides[rank - 1]!;
  const len = rank === 0 ? 1 : x.shape[rank - 1]!;
  forEachRow(x.shape, [x.strides], [x.offset], (starts, o) => {
    let s = starts[0]!;
    for (let k = 0; k < len; k++, s += step) out[o + k] = src[s]!;
  });
}

/**
 * Converts a buffer to another dtype. Going to int32, values truncate toward zero as PyTorch's
 * `.to(torch.int32)` does (2.7 → 2, -2.7 → -2); NaN, ±Infinity and values whose truncation is
 * outside [-2^31, 2^31 - 1] are a DTypeError naming the value, never a silent wrap or 0.
 */
export function castBuffer(data: TypedArray, dtype: 'float32' | 'float64' | 'int32'): TypedArray {
  const out = allocate(dtype, data.length);
  if (dtype === 'int32') {
    for (let i = 0; i < data.length; i++) {
      const v = Math.trunc(data[i]!);
      if (!(v >= -2147483648 && v <= 2147483647)) {
        throw new DTypeError(
          `to: ${data[i]} at [${i}] cannot be cast to int32 (NaN, infinite or outside [-2147483648, 2147483647])`,
        );
      }
      out[i] = v;
    }
  } else out.set(data);
  return out;
}

/**
 * Writes the elements of `src` into the region of `dst` given by `shape`, `strides` and `offset`
 * (e.g. a slice of a bigger buffer). `src` has `shape`, or broadcasts to it (stride-0 dims).
 */
export function copyStrided(
  dst: TypedArray,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  src: StridedArray,
): void {
  region(false, dst, shape, strides, offset, src);
}

/**
 * Adds the elements of `src` into the region of `dst` given by `shape`, `strides` and `offset`
 * (dst[region] += src). `src` has `shape`, or broadcasts to it.
 */
export function addStrided(
  dst: TypedArray,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  src: StridedArray,
): void {
  region(true, dst, shape, strides, offset, src);
}

/** dst[region] = src, or += src with `add`: one row loop per innermost row. */
function region(
  add: boolean,
  dst: TypedArray,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  src: StridedArray,
): void {
  const rank = shape.length;
  const srcStrides = broadcastStrides(src.shape, src.strides, shape);
  const ds = rank === 0 ? 0 : strides[rank - 1]!;
  const ss = rank === 0 ? 0 : srcStrides[rank - 1]!;
  const len = rank === 0 ? 1 : shape[rank - 1]!;
  const data = src.data;
  forEachRow(shape, [strides, srcStrides], [offset, src.offset], (starts) => {
    let d = starts[0]!;
    let s = starts[1]!;
    if (add) for (let k = 0; k < len; k++, d += ds, s += ss) dst[d]! += data[s]!;
    else for (let k = 0; k < len; k++, d += ds, s += ss) dst[d] = data[s]!;
  });
}
