/**
 * Reductions over all dims or given dims (negative dims allowed), with `keepdim`. The backward
 * of a reduction expands the gradient back over the reduced dims.
 */

import { record } from '../autograd/function.js';
import { backendOf } from '../backends/backend.js';
import { fmtShape, ValueError } from '../errors.js';
import type * as k from '../kernels/reduce.js';
import { arange } from '../tensor/create.js';
import { requireFloating } from '../tensor/dtype.js';
import { normalizeDims, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { abs, add, cast, div, eq, exp, log, lt, mul, sqrt, sub, where } from './elementwise.js';
import { expand, reshape } from './shape.js';

type Dims = number | readonly number[] | undefined;

function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (!dims.includes(d)) out.push(shape[d]!);
    else if (keepdim) out.push(1);
  }
  return out;
}

function runKernel(
  op: string,
  kind: k.ReduceKernel,
  x: Tensor,
  dims: readonly number[],
  keepdim: boolean,
): Tensor {
  if (kind !== 'sum') {
    for (const d of dims) {
      if (x.shape[d] === 0)
        throw new ValueError(`${op}: cannot reduce over dim ${d} of size 0 (shape ${fmtShape(x.shape)})`);
    }
    if (x.size === 0 && dims.length === 0) throw new ValueError(`${op}: empty tensor`);
  }
  return new Tensor(backendOf(op, x).reduce(kind, x, dims, x.dtype), reducedShape(x.shape, dims, keepdim));
}

/** Expands a reduced gradient back to the input's shape. */
function unreduce(g: Tensor, shape: readonly number[], dims: readonly number[]): Tensor {
  return expand(reshape(g, reducedShape(shape, dims, true)), shape);
}

/**
 * Sum over `dim` (all dims by default); a bool tensor sums to an int32 count, as PyTorch's to int64.
 *
 * @example
 * const x = tensor([[1, 2], [3, 4]]);
 * sum(x); // 0-d: 10
 * sum(x, 0); // [4, 6]
 * sum(x, -1, true); // [[3], [7]]
 */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normalizeDims('sum', dim, x.ndim);
  if (x.dtype === 'bool') return runKernel('sum', 'sum', cast(x, 'int32'), dims, keepdim);
  return record('sum', [x], runKernel('sum', 'sum', x, dims, keepdim), (g) => [unreduce(g, x.shape, dims)]);
}

/**
 * Mean over `dim` (all dims by default).
 *
 * @example
 * mean(tensor([[1, 2], [3, 4]]), 1); // [1.5, 3.5]
 */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  requireFloating('mean', x.dtype);
  const dims = normalizeDims('mean', dim, x.ndim);
  let count = 1;
  for (const d of dims) count *= x.shape[d]!;
  return div(sum(x, dims, keepdim), count);
}

function extreme(op: 'amax' | 'amin', x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const dims = normalizeDims(op, dim, x.ndim);
  const out = runKernel(op, op === 'amax' ? 'max' : 'min', x, dims, keepdim);
  return record(op, [x], out, (g) => {
    // Split the gradient evenly among tied extremes.
    const mask = cast(eq(x, unreduce(out, x.shape, dims)), x.dtype);
    return [div(mul(unreduce(g, x.shape, dims), mask), unreduce(sum(mask, dims, true), x.shape, dims))];
  });
}

/**
 * Largest value over `dim` (all dims by default); ties share the gradient.
 *
 * @example
 * amax(tensor([[1, 5], [3, 4]]), 0); // [3, 5]
 */
export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extreme('amax', x, dim, keepdim);
}

/**
 * Smallest value over `dim` (all dims by default); ties share the gradient.
 *
 * @example
 * amin(tensor([[1, 5], [3, 4]])); // 0-d: 1
 */
export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extreme('amin', x, dim, keepdim);
}

function along(
  op: 'max' | 'min',
  x: Tensor,
  dim: number,
  keepdim: boolean,
): { values: Tensor; indices: Tensor } {
  const dims = normalizeDims(op, dim, x.ndim);
  const indices = runKernel(op, op === 'max' ? 'argmax' : 'argmin', x, dims, keepdim);
  const values = runKernel(op, op, x, dims, keepdim);
  const d = dims[0] ?? 0;
  return {
    indices,
    values: record(op, [x], values, (g) => {
      // The gradient goes to the position of the selected index only.
      const positions = reshape(arange(x.shape[d] ?? 1, undefined, 1, { dtype: 'int32', device: x.device }), [
        ...x.shape.map((_, i) => (i === d ? (x.shape[d] ?? 1) : 1)),
      ]);
      const chosen = eq(positions, unreduce(indices, x.shape, dims));
      return [where(chosen, unreduce(g, x.shape, dims), 0)];
    }),
  };
}

/**
 * Largest values along `dim` and their int32 indices (the first one at ties).
 *
 * @example
 * const { values, indices } = maxAlong(tensor([[1, 5], [4, 3]]), 1); // values [5, 4], indices [1, 0]
 */
export function maxAlong(x: Tensor, dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
  return along('max', x, dim, keepdim);
}

/**
 * Smallest values along `dim` and their int32 indices (the first one at ties).
 *
 * @example
 * const { values, indices } = minAlong(tensor([[1, 5], [4, 3]]), 0); // values [1, 3], indices [0, 1]
 */
export function minAlong(x: Tensor, dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
  return along('min', x, dim, keepdim);
}

/**
 * Index of the largest value along `dim`, or in the flattened tensor when no dim is given; int32.
 *
 * @example
 * argmax(tensor([[1, 5], [4, 3]]), 1); // int32 [1, 0]
 * argmax(tensor([[1, 5], [4, 3]])); // flattened, 0-d: 1
 */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  if (dim === undefined) return runKernel('argmax', 'argmax', reshape(x, [x.size]), [0], false);
  return runKernel('argmax', 'argmax', x, normalizeDims('argmax', dim, x.ndim), keepdim);
}

/**
 * Index of the smallest value along `dim`, or in the flattened tensor; int32.
 *
 * @example
 * argmin(tensor([[1, 5], [4, 3]]), 0); // int32 [0, 1]
 */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  if (dim === undefined) return runKernel('argmin', 'argmin', reshape(x, [x.size]), [0], false);
  return runKernel('argmin', 'argmin', x, normalizeDims('argmin', dim, x.ndim), keepdim);
}

/**
 * log Σ exp(x) over `dim`, computed stably by shifting by the maximum (finite for inputs of ±1000).
 *
 * @example
 * logsumexp(tensor([1000, 1000]), 0); // 0-d ≈ 1000.693 (1000 + log 2), no overflow
 */
export function logsumexp(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  requireFloating('logsumexp', x.dtype);
  const dims = normalizeDims('logsumexp', dim, x.ndim);
  if (dims.some((d) => x.shape[d] === 0)) {
    // An empty sum is 0, so log of it is −∞ (as PyTorch); there is no maximum to shift by.
    const empty = log(sum(exp(x), dims, true));
    return keepdim ? empty : reshape(empty, reducedShape(x.shape, dims, false));
  }
  const m = amax(x.detach(), dims, true);
  // An all −∞ (or +∞) slice would give ∞ − ∞; shift by 0 there instead.
  const shift = where(lt(abs(m), Number.POSITIVE_INFINITY), m, 0);
  const out = add(log(sum(exp(sub(x, shift)), dims, true)), shift);
  return keepdim ? out : reshape(out, reducedShape(x.shape, dims, false));
}

/** Options of `var` and `std`. */
export interface VarianceOptions {
  /** Subtracted from the count in the denominator: 1 (Bessel, the default) or 0 (population). */
  correction?: number;
  /** Keep reduced dims with size 1. */
  keepdim?: boolean;
}

/**
 * Variance over `dim` with `correction` (1 by default, as PyTorch).
 *
 * @example
 * variance(tensor([1, 2, 3, 4])); // 0-d ≈ 1.667 (divides by n − 1)
 * variance(tensor([1, 2, 3, 4]), 0, { correction: 0 }); // 0-d: 1.25
 */
export function variance(x: Tensor, dim?: Dims, options: VarianceOptions = {}): Tensor {
  return varianceFor('var', x, dim, options);
}

function varianceFor(op: string, x: Tensor, dim: Dims, options: VarianceOptions): Tensor {
  requireFloating(op, x.dtype);
  const dims = normalizeDims(op, dim, x.ndim);
  const n = sizeOf(dims.map((d) => x.shape[d]!));
  const correction = options.correction ?? 1;
  const centered = sub(x, mean(x, dims, true));
  return div(sum(mul(centered, centered), dims, options.keepdim ?? false), Math.max(n - correction, 0));
}

/**
 * Standard deviation over `dim` with `correction` (1 by default).
 *
 * @example
 * std(tensor([[1, 3], [2, 2]]), 1); // ≈ [1.414, 0]
 */
export function std(x: Tensor, dim?: Dims, options: VarianceOptions = {}): Tensor {
  return sqrt(varianceFor('std', x, dim, options));
}
