/** Masks and triangles: tril, triu, maskedFill, and the any/all reductions over masks. */
import { record } from '../autograd/function.js';
import { backendOf } from '../backends/backend.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { broadcastShapes, normalizeDims } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { cast, eq, gt, where } from './elementwise.js';
import { sum } from './reduce.js';

function checkTriangle(op: string, x: Tensor, diagonal: number): void {
  if (x.ndim < 2) {
    throw new ShapeError(`${op}: expected a tensor of at least 2 dims, got shape ${fmtShape(x.shape)}`);
  }
  if (!Number.isInteger(diagonal))
    throw new ValueError(`${op}: diagonal must be an integer, got ${diagonal}`);
}

/**
 * The lower triangle of each matrix (last two dims), zeros above `diagonal`: `tril(ones([3, 3]))`.
 *
 * @example
 * tril(ones([3, 3])); // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  checkTriangle('tril', x, diagonal);
  const out = new Tensor(backendOf('tril', x).triangle(x, diagonal, false), x.shape);
  return record('tril', [x], out, (g) => [tril(g, diagonal)]);
}

/**
 * The upper triangle of each matrix (last two dims), zeros below `diagonal`: `triu(x, 1)` drops the diagonal.
 *
 * @example
 * triu(tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), 1); // [[0, 2, 3], [0, 0, 6], [0, 0, 0]]
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  checkTriangle('triu', x, diagonal);
  const out = new Tensor(backendOf('triu', x).triangle(x, diagonal, true), x.shape);
  return record('triu', [x], out, (g) => [triu(g, diagonal)]);
}

/**
 * `value` where `mask` is true, else x; mask and x broadcast together. The mask is bool (int32 or
 * float masks count non-zero as true). The gradient flows to x where it was not filled.
 * @example
 * const T = 4;
 * maskedFill(randn([T, T]), triu(ones([T, T], { dtype: 'bool' }), 1), -Infinity); // a causal mask
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (typeof value !== 'number')
    throw new ValueError(`maskedFill: value must be a number, got ${typeof value}`);
  if (x.dtype === 'int32' && !Number.isInteger(value)) {
    throw new DTypeError(`maskedFill: ${value} is not an integer and x is int32`);
  }
  if (x.dtype === 'bool' && value !== 0 && value !== 1) {
    throw new DTypeError(`maskedFill: ${value} is not 0 or 1 and x is bool`);
  }
  const shape = broadcastShapes('maskedFill', x.shape, mask.shape);
  const out = new Tensor(backendOf('maskedFill', x, mask).maskedFill(x, mask, value, shape, x.dtype), shape);
  return record('maskedFill', [x], out, (g) => [where(mask, 0, g)]);
}

type Dims = number | readonly number[] | undefined;

/**
 * True where any element over `dim` (all dims by default) is non-zero; a bool tensor.
 *
 * @example
 * any(tensor([[0, 1], [0, 0]]), 1); // bool [1, 0]
 */
export function any(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normalizeDims('any', dim, x.ndim);
  return gt(sum(cast(cast(x, 'bool'), 'int32'), dims, keepdim), 0);
}

/**
 * True where every element over `dim` (all dims by default) is non-zero; true for an empty slice.
 *
 * @example
 * all(tensor([[1, 1], [0, 1]]), 1); // bool [1, 0]
 * all(tensor([[1, 1], [0, 1]])); // bool 0-d: 0
 */
export function all(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normalizeDims('all', dim, x.ndim);
  return eq(sum(cast(eq(x, 0), 'int32'), dims, keepdim), 0);
}
