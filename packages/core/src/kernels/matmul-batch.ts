/**
 * Stacks of matrix products: the batch dims of both operands broadcast, and each pair of
 * matrices goes through `matmulKernel` (transposed views read in place). No autograd.
 */
import type { TypedArray } from '../tensor/dtype.js';
import { broadcastStrides } from '../tensor/shape.js';
import { type MatrixOperand, matmulKernel } from './matmul.js';
import type { StridedArray } from './strided.js';

/**
 * out[i] = a[i] · b[i] for every index i of `batch`, where `a` is [...batchA, m, k], `b` is
 * [...batchB, k, n] and both batch shapes broadcast to `batch`; `out` is contiguous
 * [...batch, m, n].
 */
export function batchedMatmulKernel(
  a: StridedArray,
  b: StridedArray,
  batch: readonly number[],
  out: TypedArray,
): void {
  const m = a.shape[a.shape.length - 2]!;
  const k = a.shape[a.shape.length - 1]!;
  const n = b.shape[b.shape.length - 1]!;
  const aBatch = broadcastStrides(a.shape.slice(0, -2), a.strides.slice(0, -2), batch);
  const bBatch = broadcastStrides(b.shape.slice(0, -2), b.strides.slice(0, -2), batch);
  const A: MatrixOperand = {
    data: a.data,
    offset: a.offset,
    rowStride: a.strides[a.strides.length - 2]!,
    colStride: a.strides[a.strides.length - 1]!,
  };
  const B: MatrixOperand = {
    data: b.data,
    offset: b.offset,
    rowStride: b.strides[b.strides.length - 2]!,
    colStride: b.strides[b.strides.length - 1]!,
  };
  let count = 1;
  for (const d of batch) count *= d;
  const index = new Array<number>(batch.length).fill(0);
  for (let i = 0; i < count; i++) {
    let aOff = a.offset;
    let bOff = b.offset;
    for (let d = 0; d < batch.length; d++) {
      aOff += index[d]! * aBatch[d]!;
      bOff += index[d]! * bBatch[d]!;
    }
    A.offset = aOff;
    B.offset = bOff;
    matmulKernel(m, n, k, A, B, out, i * m * n);
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++index[d]! < batch[d]!) break;
      index[d] = 0;
    }
  }
}
