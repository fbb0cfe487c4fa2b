import { allocate, type DType, dtypeOf, type TypedArray } from '../tensor/dtype.js';
import { broadcastStrides, sizeOf } from '../tensor/shape.js';
import { forEachRow, type StridedArray } from './strided.js';

/**
 * A contiguous copy of `x` (rank ≥ 2) with the elements outside a triangle of each matrix (the last
 * two dims) set to 0: kept where j − i ≤ diagonal (lower) or j − i ≥ diagonal (upper).
 */
export function triangle(x: StridedArray, diagonal: number, upper: boolean): TypedArray {
  const shape = x.shape;
  const rank = shape.length;
  const rows = shape[rank - 2]!;
  const cols = shape[rank - 1]!;
  const out = allocate(dtypeOf(x.data), sizeOf(shape));
  const data = x.data;
  const xs = x.strides[rank - 1]!;
  forEachRow(shape, [x.strides], [x.offset], (s, o) => {
    const i = (o / cols) % rows;
    const from = upper ? Math.min(cols, Math.max(0, i + diagonal)) : 0;
    const to = upper ? cols : Math.min(cols, Math.max(0, i + diagonal + 1));
    let xi = s[0]! + from * xs;
    for (let j = from; j < to; j++, xi += xs) out[o + j] = data[xi]!;
  });
  return out;
}

/** out = mask ≠ 0 ? value : x, with x and mask broadcast to `shape` (already checked). */
export function maskedFill(
  x: StridedArray,
  mask: StridedArray,
  value: number,
  shape: readonly number[],
  dtype: DType,
): TypedArray {
  const out = allocate(dtype, sizeOf(shape));
  const rank = shape.length;
  const sx = broadcastStrides(x.shape, x.strides, shape);
  const sm = broadcastStrides(mask.shape, mask.strides, shape);
  const xs = rank ? sx[rank - 1]! : 0;
  const ms = rank ? sm[rank - 1]! : 0;
  const n = rank ? shape[rank - 1]! : 1;
  const xd = x.data;
  const md = mask.data;
  forEachRow(shape, [sx, sm], [x.offset, mask.offset], (s, o) => {
    let xi = s[0]!;
    let mi = s[1]!;
    for (let k = 0; k < n; k++, xi += xs, mi += ms) out[o + k] = md[mi] !== 0 ? value : xd[xi]!;
  });
  return out;
}
