/** The kernels of the order ops along one dim (`sort`, `argsort`, `topk`, `kthvalue`, `median`). */
import type { Storage } from '../tensor/device.js';
import type { View } from './backend.js';

/** Sorted values and the int32 positions they came from along the dim. */
export interface SortedStorage {
  /** Values, contiguous. */
  values: Storage;
  /** Positions along the dim (int32), contiguous. */
  indices: Storage;
}

/** The kernels behind the order ops; NaN sorts above every number, and equal elements keep their order. */
export interface SortKernels {
  /** The first `k` elements of each line of x along `d` sorted (x's shape with dim d of size k). */
  sort(x: View, d: number, descending: boolean, k: number): SortedStorage;
  /**
   * The k-th smallest (0-based) element of each line along `d` (x's shape with dim d of size 1);
   * with `propagateNaN` a line holding NaN gives NaN at its first NaN (as `torch.median`).
   */
  kth(x: View, d: number, k: number, propagateNaN: boolean): SortedStorage;
}
