import { allocate, type DType, type TypedArray } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/shape.js';
import { toContiguous } from './copy.js';
import { isContiguous, type StridedArray } from './strided.js';

/** Reductions available as kernels; `argmax`/`argmin` give int32 indices within the reduced block. */
export type ReduceKernel = 'sum' | 'max' | 'min' | 'argmax' | 'argmin';

/**
 * Reduces `x` over the sorted, distinct `dims`. Returns a contiguous buffer laid out as the kept
 * dims in order. The input is viewed as [outer, reduced, inner] without copying when the reduced
 * dims are adjacent in a contiguous array; otherwise it is first copied with the reduced dims last.
 */
export function reduce(
  kind: ReduceKernel,
  x: StridedArray,
  dims: readonly number[],
  dtype: DType,
): TypedArray {
  const shape = x.shape;
  const rank = shape.length;
  let data: TypedArray;
  let outer = 1;
  let reduced = 1;
  let inner = 1;
  const adjacent = dims.length > 0 && dims[dims.length - 1]! - dims[0]! === dims.length - 1;
  if (adjacent && isContiguous(shape, x.strides)) {
    data = x.data.subarray(x.offset, x.offset + sizeOf(shape));
    for (let d = 0; d < rank; d++) {
      if (d < dims[0]!) outer *= shape[d]!;
      else if (d > dims[dims.length - 1]!) inner *= shape[d]!;
      else reduced *= shape[d]!;
    }
  } else {
    const kept = [];
    for (let d = 0; d < rank; d++) if (!dims.includes(d)) kept.push(d);
    const order = [...kept, ...dims];
    data = toContiguous(
      {
        data: x.data,
        shape: order.map((d) => shape[d]!),
        strides: order.map((d) => x.strides[d]!),
        offset: x.offset,
      },
      true,
    );
    for (const d of kept) outer *= shape[d]!;
    for (const d of dims) reduced *= shape[d]!;
  }
  const out = allocate(kind === 'argmax' || kind === 'argmin' ? 'int32' : dtype, outer * inner);
  if (kind === 'sum') sumBlocks(data, out, outer, reduced, inner);
  else extremeBlocks(kind, data, out, outer, reduced, inner);
  return out;
}

function sumBlocks(x: TypedArray, out: TypedArray, outer: number, reduced: number, inner: number): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let acc = 0;
      const base = o * reduced;
      for (let r = 0; r < reduced; r++) acc += x[base + r]!;
      out[o] = acc;
    }
    return;
  }
  // Accumulate whole rows in float64, then store once.
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    let base = o * reduced * inner;
    for (let r = 0; r < reduced; r++, base += inner) {
      for (let j = 0; j < inner; j++) acc[j]! += x[base + j]!;
    }
    const ob = o * inner;
    for (let j = 0; j < inner; j++) out[ob + j] = acc[j]!;
  }
}

/** max/min/argmax/argmin; NaN wins (propagates) as in PyTorch, and ties keep the first index. */
function extremeBlocks(
  kind: Exclude<ReduceKernel, 'sum'>,
  x: TypedArray,
  out: TypedArray,
  outer: number,
  reduced: number,
  inner: number,
): void {
  const wantMax = kind === 'max' || kind === 'argmax';
  const wantIndex = kind === 'argmax' || kind === 'argmin';
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let base = o * reduced * inner + j;
      let best = x[base]!;
      let bestIndex = 0;
      for (let r = 1; r < reduced; r++) {
        base += inner;
        const v = x[base]!;
        if (Number.isNaN(best)) break;
        if (Number.isNaN(v) || (wantMax ? v > best : v < best)) {
          best = v;
          bestIndex = r;
        }
      }
      out[o * inner + j] = wantIndex ? bestIndex : best;
    }
  }
}
