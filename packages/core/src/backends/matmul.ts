/** The matrix-product kernels: batched strided products, and the fully connected layer's x·Wᵀ + b. */
import type { Storage } from '../tensor/device.js';
import type { View } from './backend.js';

/** Matrix products (float32 everywhere; int32 and float64 where the device has them). */
export interface MatmulKernels {
  /**
   * out[i] = a[i] · b[i] for every index i of `batch`: `a` is [...batchA, m, k], `b` is
   * [...batchB, k, n] (any strides: transposed views are read in place) and both batch shapes
   * broadcast to `batch`. The result is a new contiguous [...batch, m, n] buffer of a's dtype.
   */
  matmul(a: View, b: View, batch: readonly number[]): Storage;
  /**
   * x · weightᵀ + bias for x [*, in] (any strides), weight [out, in] and bias [out] or null: a
   * new contiguous [rows, out] buffer (rows = the product of x's leading dims), the bias added
   * as the product is written.
   */
  linear(x: View, weight: View, bias: View | null): Storage;
}
