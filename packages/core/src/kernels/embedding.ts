/**
 * Embedding kernels: row lookups of a [numEmbeddings, dim] table at int32 indices, their adjoint
 * (a scatter-add of gradient rows into the table's rows, never a dense one-hot), and the in-place
 * max-norm renormalisation of looked-up rows. Plain loops, no autograd.
 */
import type { TypedArray } from '../tensor/dtype.js';
import type { StridedArray } from './strided.js';

/**
 * out[i·dim + j] = table[indices[i], j] (a row of zeros where `zeroRow` equals the index, −1 for
 * none). `out` is contiguous [indices.length, dim]. Returns the position of the first index out of
 * [0, rows), or −1 when all are in range.
 */
export function lookupRowsKernel(
  indices: Int32Array,
  table: StridedArray,
  zeroRow: number,
  out: TypedArray,
): number {
  const rows = table.shape[0]!;
  const dim = table.shape[1]!;
  const rs = table.strides[0]!;
  const cs = table.strides[1]!;
  const src = table.data;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i]!;
    if (v < 0 || v >= rows) return i;
    if (v === zeroRow) continue;
    let p = table.offset + v * rs;
    const o = i * dim;
    for (let j = 0; j < dim; j++, p += cs) out[o + j] = src[p]!;
  }
  return -1;
}

/**
 * out[indices[i], j] += grad[i·dim + j] for every i whose index is not `skipRow` (−1 for none);
 * `out` is a contiguous zero-initialised [rows, dim] buffer and `grad` a contiguous
 * [indices.length, dim] one. Indices are assumed checked by the forward.
 */
export function scatterRowsKernel(
  indices: Int32Array,
  grad: TypedArray,
  dim: number,
  skipRow: number,
  out: TypedArray,
): void {
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i]!;
    if (v === skipRow) continue;
    const o = v * dim;
    const s = i * dim;
    for (let j = 0; j < dim; j++) out[o + j]! += grad[s + j]!;
  }
}

/**
 * Rescales in place every row of `table` named in `indices` whose p-norm exceeds `maxNorm` to
 * norm maxNorm (times maxNorm / (norm + 1e-7), as `torch.embedding_renorm_`); each row once.
 */
export function renormRowsKernel(
  indices: Int32Array,
  table: StridedArray,
  maxNorm: number,
  normType: number,
): void {
  const dim = table.shape[1]!;
  const rs = table.strides[0]!;
  const cs = table.strides[1]!;
  const data = table.data;
  const seen = new Set<number>();
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i]!;
    if (seen.has(v)) continue;
    seen.add(v);
    const start = table.offset + v * rs;
    let norm = 0;
    if (normType === Number.POSITIVE_INFINITY) {
      for (let j = 0, p = start; j < dim; j++, p += cs) norm = Math.max(norm, Math.abs(data[p]!));
    } else if (normType === 1) {
      for (let j = 0, p = start; j < dim; j++, p += cs) norm += Math.abs(data[p]!);
    } else if (normType === 2) {
      for (let j = 0, p = start; j < dim; j++, p += cs) norm += data[p]! * data[p]!;
      norm = Math.sqrt(norm);
    } else {
      for (let j = 0, p = start; j < dim; j++, p += cs) norm += Math.abs(data[p]!) ** normType;
      norm **= 1 / normType;
    }
    if (norm > maxNorm) {
      const scale = maxNorm / (norm + 1e-7);
      for (let j = 0, p = start; j < dim; j++, p += cs) data[p]! *= scale;
    }
  }
}
