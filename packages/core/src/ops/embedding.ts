/**
 * Embedding lookup as a functional op (`torch.nn.functional.embedding`): rows of a weight table at
 * int32 indices of any shape. The backward scatter-adds gradient rows into the table's rows (no
 * dense one-hot); its own backward is the lookup again, so gradients of gradients work.
 */
import { record } from '../autograd/function.js';
import { backendOf } from '../backends/backend.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { requireFloating } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

/** Options of `embedding`. */
export interface EmbeddingOptions {
  /** Row whose entries get no gradient (negative counts from the end), as PyTorch's `padding_idx`. */
  paddingIdx?: number;
  /** Looked-up rows whose `normType`-norm exceeds this are rescaled in place to it before the lookup. */
  maxNorm?: number;
  /** The p of the norm that `maxNorm` bounds (default 2). */
  normType?: number;
}

/**
 * Rows of `weight` ([numEmbeddings, dim]) at the int32 `indices`: shape [...indices.shape, dim].
 *
 * @example
 * embedding(tensor([[0, 2]], { dtype: 'int32' }), randn([5, 3])); // shape [1, 2, 3]
 */
export function embedding(indices: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  if (indices.dtype !== 'int32') {
    throw new DTypeError(`embedding: indices must be int32, got ${indices.dtype}`);
  }
  requireFloating('embedding', weight.dtype);
  if (weight.ndim !== 2) {
    throw new ShapeError(
      `embedding: weight must be 2-D [numEmbeddings, dim], got shape ${fmtShape(weight.shape)}`,
    );
  }
  const rows = weight.shape[0]!;
  let padding = -1;
  if (options.paddingIdx !== undefined) {
    const p = options.paddingIdx;
    if (!Number.isInteger(p) || p < -rows || p >= rows) {
      throw new ValueError(`embedding: paddingIdx ${p} is out of range for ${rows} embeddings`);
    }
    padding = p < 0 ? p + rows : p;
  }
  const be = backendOf('embedding', indices, weight);
  // A contiguous copy: the backward reads the indices as they were at the lookup.
  const idx = new Tensor(be.contiguous(indices), [indices.size]);
  if (options.maxNorm !== undefined) {
    const maxNorm = options.maxNorm;
    const normType = options.normType ?? 2;
    if (!(maxNorm >= 0)) throw new ValueError(`embedding: maxNorm must be ≥ 0, got ${maxNorm}`);
    if (!(normType > 0)) throw new ValueError(`embedding: normType must be > 0, got ${normType}`);
    // In place and unrecorded, as PyTorch renormalises under no_grad before the lookup.
    be.renormRows(idx, weight, maxNorm, normType);
  } else if (options.normType !== undefined && !(options.normType > 0)) {
    throw new ValueError(`embedding: normType must be > 0, got ${options.normType}`);
  }
  return lookup(indices, idx, weight, padding, false);
}

/**
 * The recorded lookup. `zeroPadding` zeroes the padding row's outputs: the adjoint of the
 * scatter (which skips that row) needs it; the user-facing forward returns the row as it is.
 */
function lookup(indices: Tensor, idx: Tensor, table: Tensor, padding: number, zeroPadding: boolean): Tensor {
  const rows = table.shape[0]!;
  const dim = table.shape[1]!;
  const out = new Tensor(
    backendOf('embedding', idx, table).lookupRows(idx, table, zeroPadding ? padding : -1),
    [...indices.shape, dim],
  );
  return record('embedding', [table], out, (g) => [scatterRows(g, indices, idx, rows, padding)]);
}

/** Gradient rows (shape [...indices.shape, dim]) summed into a [rows, dim] table, skipping `padding`. */
function scatterRows(g: Tensor, indices: Tensor, idx: Tensor, rows: number, padding: number): Tensor {
  const dim = g.shape[g.ndim - 1]!;
  const out = new Tensor(backendOf('embedding', idx, g).scatterRows(idx, g, rows, padding), [rows, dim]);
  return record('embeddingBackward', [g], out, (gg) => [lookup(indices, idx, gg, padding, true)]);
}
