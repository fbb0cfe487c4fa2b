/**
 * The kernels of the indexing ops (gather, scatterAdd, indexSelect, indexAdd, oneHot) and of the
 * embedding lookup, and the messages of their index errors (shared by every device, so that an
 * out-of-range index reads the same wherever it is found). On the CPU an index is checked as it
 * is read and the op throws at once; on a GPU the kernel records the first bad position in an
 * error slot and the ValueError is thrown by the next read of any tensor on that device.
 */
import { fmtShape, ValueError } from '../errors.js';
import type { Storage } from '../tensor/device.js';
import type { DType } from '../tensor/dtype.js';
import type { View } from './backend.js';

/** Kernels of the indexing and embedding ops. */
export interface IndexingKernels {
  /**
   * out[p] = x[p with coordinate d replaced by index[p]] for every position p of `shape` (the
   * index's shape; `index`, int32, may broadcast to it), into a new contiguous buffer.
   */
  gather(op: string, x: View, d: number, index: View, shape: readonly number[]): Storage;
  /**
   * A contiguous copy of `base` with src[p] added at p with coordinate d replaced by index[p],
   * for every position p of `shape` (the index's shape; `index` may broadcast to it).
   */
  scatterAdd(op: string, base: View, d: number, index: View, src: View, shape: readonly number[]): Storage;
  /**
   * The int32 `index` as a new contiguous buffer with negative entries wrapped (i + size); an
   * entry outside [−size, size) is a ValueError naming `op` and the tensor's `shape`.
   */
  wrapIndex(op: string, index: View, size: number, shape: readonly number[]): Storage;
  /** [...labels.shape, numClasses] of `dtype`: 1 at each int32 label, 0 elsewhere. */
  oneHot(labels: View, numClasses: number, dtype: DType): Storage;
  /**
   * Rows of `table` [rows, dim] at the contiguous int32 `indices` ([n] elements), into a new
   * contiguous [n, dim] buffer; a row of zeros where the index equals `zeroRow` (−1 for none).
   */
  lookupRows(indices: View, table: View, zeroRow: number): Storage;
  /**
   * The adjoint of `lookupRows`: [rows, dim] with grad[i] (contiguous [n, dim]) summed into row
   * indices[i], skipping rows equal to `skipRow` (−1 for none). Indices are checked by the lookup.
   */
  scatterRows(indices: View, grad: View, rows: number, skipRow: number): Storage;
  /**
   * Rescales in place the rows of `table` named in `indices` whose `normType`-norm exceeds
   * `maxNorm` (as `torch.embedding_renorm_`); indices out of [0, rows) are a ValueError.
   */
  renormRows(indices: View, table: View, maxNorm: number, normType: number): void;
}

/** The error of an index out of range along a dim (gather, scatterAdd, indexSelect, indexAdd). */
export function indexOutOfRange(op: string, v: number, dim: number, size: number): ValueError {
  return new ValueError(`${op}: index ${v} is out of range for dim ${dim} of size ${size}`);
}

/** The error of an embedding index out of range. */
export function embeddingOutOfRange(v: number, position: number, rows: number): ValueError {
  return new ValueError(
    `embedding: index ${v} at position ${position} is out of range for ${rows} embeddings`,
  );
}

/** The error of a one-hot label out of range. */
export function labelOutOfRange(op: string, v: number, position: number, classes: number): ValueError {
  const at = op === 'oneHot' ? `at ${position}` : `at index ${position}`;
  return new ValueError(`${op}: label ${v} ${at} is out of range [0, ${classes})`);
}

/** The error of a flat index outside [−size, size) (take). */
export function flatIndexOutOfRange(
  op: string,
  v: number,
  size: number,
  shape: readonly number[],
): ValueError {
  return new ValueError(
    `${op}: index ${v} is out of range for a tensor of ${size} elements (shape ${fmtShape(shape)})`,
  );
}
