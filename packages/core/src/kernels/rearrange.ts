/** Rearrangement kernels: copies that reverse dims or wrap indices. Plain loops, no autograd. */
import type { TypedArray } from '../tensor/dtype.js';
import { toContiguous } from './copy.js';
import type { StridedArray } from './strided.js';

/** The elements of `x` with the order along each of `dims` reversed, as a new contiguous buffer. */
export function flipKernel(x: StridedArray, dims: readonly number[]): TypedArray {
  const strides = [...x.strides];
  let offset = x.offset;
  for (const d of dims) {
    const n = x.shape[d]!;
    if (n > 1) {
      offset += (n - 1) * strides[d]!;
      strides[d] = -strides[d]!;
    }
  }
  return toContiguous({ data: x.data, shape: x.shape, strides, offset });
}
