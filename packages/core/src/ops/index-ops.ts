/** Indexing ops: gather, indexSelect (any-rank index), take, their adjoints (scatterAdd, indexAdd), and oneHot. */
import { record, sameDType } from '../autograd/function.js';
import { backendOf } from '../backends/backend.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { normalizeDim, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { reshape } from './shape.js';

/** An int32 index tensor (checked by `requireIndex`). */
type IndexTensor = Tensor;

function requireIndex(op: string, index: Tensor): IndexTensor {
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be int32, got ${index.dtype}`);
  return index as IndexTensor;
}

function checkGatherShapes(op: string, x: Tensor, d: number, index: Tensor): void {
  if (index.ndim !== x.ndim) {
    throw new ShapeError(
      `${op}: index of shape ${fmtShape(index.shape)} must have the rank of input ${fmtShape(x.shape)}`,
    );
  }
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i]! > x.shape[i]!) {
      throw new ShapeError(
        `${op}: index shape ${fmtShape(index.shape)} exceeds input shape ${fmtShape(x.shape)} at dim ${i}`,
      );
    }
  }
}

/**
 * A 1-D index viewed as an index of `shape` that varies along `d` only: what turns indexSelect
 * into gather (and indexAdd into scatterAdd) without copying the index.
 */
function alongDim(index: IndexTensor, shape: readonly number[], d: number): IndexTensor {
  const strides = shape.map((_, i) => (i === d ? (index.ndim === 0 ? 0 : index.strides[0]!) : 0));
  return new Tensor(index.storage, shape, strides, index.offset) as IndexTensor;
}

/** Zeros of `like`'s dtype and `shape`, on `like`'s device. */
function zerosOf(op: string, like: Tensor, shape: readonly number[]): Tensor {
  return new Tensor(backendOf(op, like).zeros(like.dtype, sizeOf(shape), op), shape);
}

/**
 * out[…i…] = x[…index[…i…]…] along `dim` (as `torch.gather`); the gradient scatters back.
 *
 * @example
 * const x = tensor([[1, 2], [3, 4]]);
 * gather(x, 1, tensor([[0, 0], [1, 0]], { dtype: 'int32' })); // [[1, 1], [4, 3]]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim('gather', dim, x.ndim);
  checkGatherShapes('gather', x, d, index);
  const idx = requireIndex('gather', index);
  const out = new Tensor(backendOf('gather', x, idx).gather('gather', x, d, idx, index.shape), index.shape);
  return record('gather', [x], out, (g) => [scatterAdd(zerosOf('gather', g, x.shape), d, index, g)]);
}

/**
 * base with src added at the positions `index` names along `dim` (as `Tensor.scatter_add`).
 *
 * @example
 * const index = tensor([[0, 1, 0]], { dtype: 'int32' });
 * scatterAdd(zeros([1, 2]), 1, index, tensor([[1, 2, 3]])); // [[4, 2]]
 */
export function scatterAdd(base: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  sameDType('scatterAdd', base, src);
  if (base.dtype === 'bool')
    throw new DTypeError(
      `scatterAdd: adding into a bool tensor is not supported; cast it first, e.g. .to('int32')`,
    );
  const d = normalizeDim('scatterAdd', dim, base.ndim);
  checkGatherShapes('scatterAdd', base, d, index);
  const idx = requireIndex('scatterAdd', index);
  if (src.ndim !== index.ndim || index.shape.some((s, i) => s > src.shape[i]!)) {
    throw new ShapeError(
      `scatterAdd: index shape ${fmtShape(index.shape)} exceeds source shape ${fmtShape(src.shape)}`,
    );
  }
  const out = new Tensor(
    backendOf('scatterAdd', base, idx, src).scatterAdd('scatterAdd', base, d, idx, src, index.shape),
    base.shape,
  );
  return record('scatterAdd', [base, src], out, (g, needs) => [
    needs[0] ? g : null,
    needs[1] ? gather(g, d, index) : null,
  ]);
}

/**
 * The slices of `x` along `dim` at the positions of the int32 `index` (as `torch.index_select`
 * for a 1-D index). An index of any rank is a lookup table: the output has shape
 * x.shape[:dim] + index.shape + x.shape[dim+1:] (as PyTorch's `x[:, idx]`, or `embedding` for
 * dim 0); a 0-d index removes the dim.
 *
 * @example
 * const tokens = tensor([[1, 0, 4]], { dtype: 'int32' }); // [B, T] = [1, 3]
 * indexSelect(randn([5, 8]), 0, tokens); // weight [V, E] = [5, 8] → [B, T, E] = [1, 3, 8]
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim('indexSelect', dim, x.ndim);
  const idx = requireIndex('indexSelect', index);
  if (index.ndim === 1 || x.ndim === 0) return indexSelect1d(x, d, idx);
  const picked = indexSelect1d(x, d, reshape(idx, [index.size]) as IndexTensor);
  return reshape(picked, [...x.shape.slice(0, d), ...index.shape, ...x.shape.slice(d + 1)]);
}

function indexSelect1d(x: Tensor, d: number, idx: IndexTensor): Tensor {
  if (idx.ndim > 1)
    throw new ShapeError(
      `indexSelect: index of shape ${fmtShape(idx.shape)} on a 0-d tensor must be 0-D or 1-D`,
    );
  const shape = [...x.shape];
  if (x.ndim > 0) shape[d] = idx.size;
  const out = new Tensor(
    backendOf('indexSelect', x, idx).gather('indexSelect', x, d, alongDim(idx, shape, d), shape),
    shape,
  );
  return record('indexSelect', [x], out, (g) => [indexAdd(zerosOf('indexSelect', g, x.shape), d, idx, g)]);
}

/**
 * The elements of `x`, read as a 1-D tensor, at the positions of the int32 `index` (any shape,
 * negative entries count from the end); the output has the index's shape (as `torch.take`).
 *
 * @example
 * take(tensor([[1, 2], [3, 4]]), tensor([0, 3, -1], { dtype: 'int32' })); // [1, 4, 4]
 */
export function take(x: Tensor, index: Tensor): Tensor {
  const idx = requireIndex('take', index);
  const n = x.size;
  const wrapped = backendOf('take', x, idx).wrapIndex('take', idx, n, x.shape);
  return indexSelect(reshape(x, [n]), 0, new Tensor(wrapped, index.shape));
}

/**
 * base with the slices of src added at the positions `index` names along `dim` (as `index_add`).
 *
 * @example
 * const index = tensor([0, 2], { dtype: 'int32' });
 * indexAdd(zeros([3, 2]), 0, index, ones([2, 2])); // [[1, 1], [0, 0], [1, 1]]
 */
export function indexAdd(base: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  sameDType('indexAdd', base, src);
  if (base.dtype === 'bool')
    throw new DTypeError(
      `indexAdd: adding into a bool tensor is not supported; cast it first, e.g. .to('int32')`,
    );
  const d = normalizeDim('indexAdd', dim, base.ndim);
  if (index.ndim > 1) throw new ShapeError(`indexAdd: index must be 1-D, got shape ${fmtShape(index.shape)}`);
  const idx = requireIndex('indexAdd', index);
  const expected = [...base.shape];
  if (base.ndim > 0) expected[d] = index.size;
  if (src.ndim !== base.ndim || src.shape.some((s, i) => s !== expected[i])) {
    throw new ShapeError(`indexAdd: source shape ${fmtShape(src.shape)} should be ${fmtShape(expected)}`);
  }
  const out = new Tensor(
    backendOf('indexAdd', base, idx, src).scatterAdd(
      'indexAdd',
      base,
      d,
      alongDim(idx, src.shape, d),
      src,
      src.shape,
    ),
    base.shape,
  );
  return record('indexAdd', [base, src], out, (g, needs) => [
    needs[0] ? g : null,
    needs[1] ? indexSelect(g, d, index) : null,
  ]);
}

/**
 * One-hot encoding of int32 class labels: shape [...labels.shape, numClasses], float32 by default
 * (so it mixes with float logits without a cast).
 *
 * @example
 * oneHot(tensor([2, 0], { dtype: 'int32' }), 3); // [[0, 0, 1], [1, 0, 0]]
 */
export function oneHot(labels: Tensor, numClasses: number, options: { dtype?: DType } = {}): Tensor {
  requireIndex('oneHot', labels);
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new ValueError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  }
  const dtype = options.dtype ?? 'float32';
  return new Tensor(backendOf('oneHot', labels).oneHot(labels, numClasses, dtype), [
    ...labels.shape,
    numClasses,
  ]);
}
