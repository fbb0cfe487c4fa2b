/**
 * Order ops: sort, argsort, topk, kthvalue, median, unique. Values carry gradients, scattered
 * back to the positions they were read from; indices are int32.
 */
import { record } from '../autograd/function.js';
import { backendOf } from '../backends/backend.js';
import { fmtShape, ValueError } from '../errors.js';
import { uniqueKernel } from '../kernels/sort.js';
import { zeros } from '../tensor/create.js';
import { normalizeDim } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { indexSelect, scatterAdd } from './index-ops.js';
import { contiguous, permute, reshape } from './shape.js';

/** Values and their int32 indices along a dim. */
export interface ValuesIndices {
  /** The selected values. */
  values: Tensor;
  /** Where each value was along the dim (int32). */
  indices: Tensor;
}

function zerosLike(x: Tensor): Tensor {
  return zeros(x.shape, { dtype: x.dtype, device: x.device });
}

/** 0-d inputs behave as 1-element 1-D ones (as PyTorch's sort/topk/kthvalue of a scalar). */
function lift(x: Tensor): Tensor {
  return x.ndim === 0 ? reshape(x, [1]) : x;
}

function lower(r: ValuesIndices, scalar: boolean): ValuesIndices {
  return scalar ? { values: reshape(r.values, []), indices: reshape(r.indices, []) } : r;
}

/** The first k elements of each sorted line along d; the values' gradient scatters back. */
function sortedPrefix(op: string, x: Tensor, d: number, k: number, descending: boolean): ValuesIndices {
  const shape = x.shape.map((s, i) => (i === d ? k : s));
  const sorted = backendOf(op, x).sort(x, d, descending, k);
  const values = new Tensor(sorted.values, shape);
  const indices = new Tensor(sorted.indices, shape);
  return {
    values: record(op, [x], values, (g) => [scatterAdd(zerosLike(x), d, indices, g)]),
    indices,
  };
}

/** Options of `sort`. */
export interface SortOptions {
  /** The dim to sort along (default −1). */
  dim?: number;
  /** Largest first (default false). */
  descending?: boolean;
  /** Keep the order of equal elements; always true here (the sort is stable), accepted for PyTorch's signature. */
  stable?: boolean;
}

/**
 * Sorts along `dim` (as `torch.sort`): the sorted values and the int32 indices they came from.
 * The sort is stable; NaN sorts above every number.
 *
 * @example
 * const { values, indices } = sort(tensor([2, 7, 1]), { descending: true }); // [7, 2, 1], [1, 0, 2]
 */
export function sort(x: Tensor, options: SortOptions = {}): ValuesIndices {
  const y = lift(x);
  const d = normalizeDim('sort', options.dim ?? -1, y.ndim);
  return lower(sortedPrefix('sort', y, d, y.shape[d]!, options.descending ?? false), x.ndim === 0);
}

/**
 * The int32 indices that sort `x` along `dim` (as `torch.argsort`; stable).
 *
 * @example
 * argsort(tensor([3, 1, 2])); // int32 [1, 2, 0]
 * argsort(tensor([3, 1, 2]), { descending: true }); // int32 [0, 2, 1]
 */
export function argsort(x: Tensor, options: SortOptions = {}): Tensor {
  const y = lift(x);
  const d = normalizeDim('argsort', options.dim ?? -1, y.ndim);
  return lower(sortedPrefix('argsort', y, d, y.shape[d]!, options.descending ?? false), x.ndim === 0).indices;
}

/** Options of `topk`. */
export interface TopkOptions {
  /** The dim to select along (default −1). */
  dim?: number;
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
  /** Return them in sorted order; they always are here, accepted for PyTorch's signature. */
  sorted?: boolean;
}

/**
 * The `k` largest (or smallest) elements along `dim` and their int32 indices (as `torch.topk`),
 * largest first (smallest first when `largest` is false); ties keep the earlier index first.
 *
 * @example
 * const logits = randn([4, 10]);
 * topk(logits, 5).indices; // the 5 most likely classes of each row, [4, 5]
 */
export function topk(x: Tensor, k: number, options: TopkOptions = {}): ValuesIndices {
  const y = lift(x);
  const d = normalizeDim('topk', options.dim ?? -1, y.ndim);
  const n = y.shape[d]!;
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new ValueError(
      `topk: k = ${k} is out of range for dim ${options.dim ?? -1} of size ${n} (shape ${fmtShape(x.shape)})`,
    );
  }
  return lower(sortedPrefix('topk', y, d, k, options.largest ?? true), x.ndim === 0);
}

/** The selected element of each line along d, with its index; the gradient goes to that index. */
function kth(
  op: string,
  x: Tensor,
  d: number,
  k: number,
  propagateNaN: boolean,
  keepdim: boolean,
): ValuesIndices {
  const kept = x.shape.map((s, i) => (i === d ? 1 : s));
  const found = backendOf(op, x).kth(x, d, k, propagateNaN);
  const values = new Tensor(found.values, kept);
  const indices = new Tensor(found.indices, kept);
  const picked = record(op, [x], values, (g) => [scatterAdd(zerosLike(x), d, indices, g)]);
  if (keepdim) return { values: picked, indices };
  const reduced = x.shape.filter((_, i) => i !== d);
  return { values: reshape(picked, reduced), indices: reshape(indices, reduced) };
}

/**
 * The `k`-th smallest element (1-based) along `dim` (default −1) and its int32 index (as
 * `torch.kthvalue`).
 *
 * @example
 * const { values, indices } = kthvalue(tensor([[4, 1, 3], [2, 6, 5]]), 2); // values [3, 5], indices [2, 2]
 */
export function kthvalue(x: Tensor, k: number, dim = -1, keepdim = false): ValuesIndices {
  const y = lift(x);
  const d = normalizeDim('kthvalue', dim, y.ndim);
  const n = y.shape[d]!;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new ValueError(
      `kthvalue: k = ${k} is out of range for dim ${dim} of size ${n} (shape ${fmtShape(x.shape)})`,
    );
  }
  return lower(kth('kthvalue', y, d, k - 1, false, keepdim || x.ndim === 0), x.ndim === 0);
}

/**
 * The lower median (the ⌊(n−1)/2⌋-th smallest, as PyTorch's `median`; NaN if the slice holds
 * NaN): of all elements without `dim` (a 0-d tensor), else values and int32 indices along `dim`.
 *
 * @example
 * median(tensor([3, 1, 4, 2])); // 0-d: 2 (the lower median)
 * median(tensor([[3, 1, 2], [6, 5, 4]]), 1).values; // [2, 5]
 */
export function median(x: Tensor): Tensor;
export function median(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function median(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  if (dim === undefined) {
    if (x.size === 0)
      throw new ValueError(`median: cannot take the median of an empty tensor (shape ${fmtShape(x.shape)})`);
    return kth('median', reshape(x, [x.size]), 0, (x.size - 1) >> 1, true, false).values;
  }
  const y = lift(x);
  const d = normalizeDim('median', dim, y.ndim);
  const n = y.shape[d]!;
  if (n === 0)
    throw new ValueError(`median: cannot reduce dim ${dim} of size 0 (shape ${fmtShape(x.shape)})`);
  return lower(kth('median', y, d, (n - 1) >> 1, true, keepdim || x.ndim === 0), x.ndim === 0);
}

/** Options of `unique`. */
export interface UniqueOptions {
  /** Sorted ascending; always true here (the output is sorted), accepted for PyTorch's signature. */
  sorted?: boolean;
  /** Also return `inverse`: where each input element (or slice) lands in `values`. */
  returnInverse?: boolean;
  /** Also return `counts`: how often each unique value occurs. */
  returnCounts?: boolean;
  /** Unique slices along this dim instead of unique elements. */
  dim?: number;
}

/** What `unique` returns; `inverse` and `counts` are present when asked for. */
export interface UniqueResult {
  /** The distinct elements (1-D), or the distinct slices along `dim`, in ascending order. */
  values: Tensor;
  /** int32, of x's shape (of size x.shape[dim] with a dim): the position of each in `values`. */
  inverse?: Tensor;
  /** int32: how often each unique value or slice occurs. */
  counts?: Tensor;
}

/**
 * The distinct elements of `x` in ascending order (as `torch.unique`), or its distinct slices along
 * `dim` in lexicographic order; no gradient. NaN values compare equal to each other here.
 *
 * @example
 * unique(tensor([3, 1, 3]), { returnCounts: true }); // values [1, 3], counts [1, 2]
 */
export function unique(x: Tensor, options: UniqueOptions = {}): UniqueResult {
  let values: Tensor;
  let result: ReturnType<typeof uniqueKernel>;
  let inverseShape: number[];
  if (options.dim === undefined) {
    result = uniqueKernel(x, x.size, 1);
    values = indexSelect(reshape(x.detach(), [x.size]), 0, new Tensor(result.rows, [result.rows.length]));
    inverseShape = [...x.shape];
  } else {
    if (x.ndim === 0) throw new ValueError('unique: a 0-d tensor has no dim to take unique slices along');
    const d = normalizeDim('unique', options.dim, x.ndim);
    const order = [d, ...x.shape.map((_, i) => i).filter((i) => i !== d)];
    const moved = contiguous(permute(x.detach(), order));
    const n = x.shape[d]!;
    result = uniqueKernel(moved, n, n === 0 ? 0 : x.size / n);
    values = indexSelect(x.detach(), d, new Tensor(result.rows, [result.rows.length]));
    inverseShape = [n];
  }
  const out: UniqueResult = { values };
  if (options.returnInverse) out.inverse = new Tensor(result.inverse, inverseShape);
  if (options.returnCounts) out.counts = new Tensor(result.counts, [result.counts.length]);
  return out;
}
