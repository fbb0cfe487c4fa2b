/** The kernels of the mask ops: triangles of matrices and masked fills. */

import type { Storage } from '../tensor/device.js';
import type { DType } from '../tensor/dtype.js';
import type { View } from './backend.js';

/** The kernels behind `tril`, `triu` and `maskedFill`. */
export interface MaskKernels {
  /**
   * A contiguous copy of `x` (rank ≥ 2) with the elements outside a triangle of each matrix (the
   * last two dims) set to 0: kept where j − i ≤ diagonal (lower) or j − i ≥ diagonal (`upper`).
   */
  triangle(x: View, diagonal: number, upper: boolean): Storage;
  /** mask ≠ 0 ? value : x, with x and mask broadcast to `shape`, into a new buffer of `dtype`. */
  maskedFill(x: View, mask: View, value: number, shape: readonly number[], dtype: DType): Storage;
}
