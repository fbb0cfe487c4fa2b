/** Matrix products with PyTorch's `matmul` semantics. */
import { record, sameDType } from '../autograd/function.js';
import { backendOf } from '../backends/backend.js';
import { DTypeError, fmtShape, ShapeError } from '../errors.js';
import { broadcastShapes } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { reshape, squeeze, transpose, unsqueeze } from './shape.js';

/**
 * The matrix product: 1-D·1-D is a dot product, a 1-D operand is promoted to a matrix (and the
 * added dim removed again), and N-D operands are stacks of matrices with broadcast batch dims.
 *
 * @example
 * matmul(tensor([[1, 2], [3, 4]]), tensor([[1], [1]])); // [[3], [7]]
 * matmul(tensor([1, 2, 3]), tensor([4, 5, 6])); // dot product, 0-d: 32
 * matmul(randn([10, 2, 3]), randn([3, 4])); // batched, [10, 2, 4]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  sameDType('matmul', a, b);
  if (a.dtype === 'bool')
    throw new DTypeError("matmul: not supported for bool tensors; cast first, e.g. mask.to('float32')");
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(
      `matmul: both operands need at least 1 dim, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  const k1 = a.shape[a.ndim - 1]!;
  const k2 = b.ndim === 1 ? b.shape[0]! : b.shape[b.ndim - 2]!;
  if (k1 !== k2) {
    throw new ShapeError(
      `matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not align (${k1} ≠ ${k2})`,
    );
  }
  if (a.ndim === 1 && b.ndim === 1) return reshape(batchedMatmul(unsqueeze(a, 0), unsqueeze(b, 1)), []);
  if (a.ndim === 1) return squeeze(batchedMatmul(unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(batchedMatmul(a, unsqueeze(b, 1)), -1);
  return batchedMatmul(a, b);
}

/** Products of operands of rank ≥ 2 whose batch dims broadcast. Transposed views are read in place. */
function batchedMatmul(a: Tensor, b: Tensor): Tensor {
  const m = a.shape[a.ndim - 2]!;
  const n = b.shape[b.ndim - 1]!;
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = new Tensor(backendOf('matmul', a, b).matmul(a, b, batch), [...batch, m, n]);
  // Only the gradients that are needed: a batch of inputs (no requiresGrad) would cost a full product.
  return record('matmul', [a, b], out, (g, needs) => [
    needs[0] ? matmul(g, transpose(b, -2, -1)) : null,
    needs[1] ? matmul(transpose(a, -2, -1), g) : null,
  ]);
}
