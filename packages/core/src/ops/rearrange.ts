/**
 * Rearrangement ops: flip, roll, repeat/tile, select, diagonal/diag, outer, meshgrid, broadcastTo.
 * `select`, `diagonal`, `meshgrid` and `broadcastTo` are views; the rest copy. Composites validate
 * their arguments first, so errors name the op the user called.
 */

import { record, sameDType } from '../autograd/function.js';
import { backendOf } from '../backends/backend.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { normalizeDim, normalizeDims, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { mul } from './elementwise.js';
import { cat, clone, expand, narrow, reshape, sliceGradient, unsqueeze } from './shape.js';

function dimList(dims: number | readonly number[]): readonly number[] {
  return typeof dims === 'number' ? [dims] : dims;
}

/**
 * Reverses the order of the elements along each of `dims` (a copy, as `torch.flip`).
 *
 * @example
 * flip(tensor([[1, 2], [3, 4]]), [1]); // [[2, 1], [4, 3]]
 */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const ds = normalizeDims('flip', dimList(dims), x.ndim);
  const out = new Tensor(backendOf('flip', x).flip(x, ds), x.shape);
  return record('flip', [x], out, (g) => [flip(g, ds)]);
}

/**
 * Rotates the elements along `dims` by `shifts` (elements pushed past the end come back at the
 * start, as `torch.roll`); without dims, rolls the flattened tensor and restores the shape.
 *
 * @example
 * roll(tensor([1, 2, 3, 4]), 1); // [4, 1, 2, 3]
 */
export function roll(
  x: Tensor,
  shifts: number | readonly number[],
  dims?: number | readonly number[],
): Tensor {
  const shiftList = dimList(shifts);
  for (const s of shiftList) {
    if (!Number.isInteger(s))
      throw new ValueError(`roll: shifts must be integers, got [${shiftList.join(',')}]`);
  }
  if (dims === undefined) {
    if (shiftList.length !== 1) {
      throw new ValueError(`roll: without dims, shifts must be one number, got [${shiftList.join(',')}]`);
    }
    return reshape(roll(reshape(x, [x.size]), shiftList, [0]), x.shape);
  }
  const dimsList = dimList(dims);
  if (dimsList.length !== shiftList.length) {
    throw new ValueError(
      `roll: shifts [${shiftList.join(',')}] and dims [${dimsList.join(',')}] must have the same length`,
    );
  }
  const ds = dimsList.map((d) => normalizeDim('roll', d, x.ndim));
  let out = x;
  ds.forEach((d, i) => {
    const n = out.ndim === 0 ? 1 : out.shape[d]!;
    const s = n === 0 ? 0 : ((shiftList[i]! % n) + n) % n;
    if (s !== 0) out = cat([narrow(out, d, n - s, s), narrow(out, d, 0, n - s)], d);
  });
  return out === x ? clone(x) : out;
}

/**
 * Repeats the tensor `repeats[i]` times along each dim (as PyTorch's `Tensor.repeat`); leading
 * repeats beyond the rank add new dims.
 *
 * @example
 * repeat(tensor([1, 2]), [2, 2]); // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export function repeat(x: Tensor, repeats: readonly number[]): Tensor {
  return repeatAs('repeat', x, repeats);
}

function repeatAs(op: string, x: Tensor, repeats: readonly number[]): Tensor {
  if (repeats.length < x.ndim) {
    throw new ValueError(
      `${op}: got ${repeats.length} repeats [${repeats.join(',')}] for a tensor of rank ${x.ndim} (shape ${fmtShape(x.shape)})`,
    );
  }
  for (const r of repeats) {
    if (!Number.isInteger(r) || r < 0) {
      throw new ValueError(`${op}: repeats must be non-negative integers, got [${repeats.join(',')}]`);
    }
  }
  const lead = repeats.length - x.ndim;
  const shape = [...new Array<number>(lead).fill(1), ...x.shape];
  // [s0, s1, …] → [1, s0, 1, s1, …] (views) → expanded [r0, s0, r1, s1, …] → merged pairs (a copy).
  let v = reshape(x, shape);
  for (let i = 0; i < shape.length; i++) v = unsqueeze(v, 2 * i);
  const expanded = expand(
    v,
    shape.flatMap((s, i) => [repeats[i]!, s]),
  );
  const out = reshape(
    expanded,
    shape.map((s, i) => s * repeats[i]!),
  );
  // All-1 repeats of contiguous data reshape to a view; repeat always returns a copy, as PyTorch's.
  return out.storage === x.storage ? clone(out) : out;
}

/**
 * Repeats the tensor along each dim (as `torch.tile`): like `repeat`, but fewer repeats than dims
 * are padded with leading 1s.
 *
 * @example
 * tile(tensor([[1, 2]]), [2]); // [[1, 2, 1, 2]]
 * tile(tensor([1, 2]), [2, 1]); // [[1, 2], [1, 2]]
 */
export function tile(x: Tensor, dims: readonly number[]): Tensor {
  const padded = dims.length < x.ndim ? [...new Array<number>(x.ndim - dims.length).fill(1), ...dims] : dims;
  return repeatAs('tile', x, padded);
}

/**
 * The slice at `index` along `dim`, with that dim removed (a view; negative index counts from the end).
 *
 * @example
 * select(tensor([[1, 2], [3, 4]]), 1, -1); // the last column: [2, 4]
 */
export function select(x: Tensor, dim: number, index: number): Tensor {
  if (x.ndim === 0) throw new ShapeError('select: cannot select from a 0-d tensor');
  const d = normalizeDim('select', dim, x.ndim);
  const n = x.shape[d]!;
  if (!Number.isInteger(index) || index < -n || index >= n) {
    throw new ValueError(`select: index ${index} is out of range for dim ${dim} of size ${n}`);
  }
  const i = index < 0 ? index + n : index;
  const out = new Tensor(
    x.storage,
    x.shape.filter((_, k) => k !== d),
    x.strides.filter((_, k) => k !== d),
    x.offset + i * x.strides[d]!,
  );
  return record('select', [x], out, (g) => [sliceGradient(unsqueeze(g, d), x.shape, d, i, 1)]);
}

/** Options of `diagonal`. */
export interface DiagonalOptions {
  /** Which diagonal: 0 the main one, > 0 above it, < 0 below it. */
  offset?: number;
  /** First dim of the matrices (default 0). */
  dim1?: number;
  /** Second dim of the matrices (default 1). */
  dim2?: number;
}

interface DiagonalView {
  shape: number[];
  strides: number[];
  start: number;
}

/** Shape, strides and start (relative to the offset) of the diagonal view of a tensor. */
function diagonalView(
  op: string,
  shape: readonly number[],
  strides: readonly number[],
  options: DiagonalOptions,
): DiagonalView {
  const offset = options.offset ?? 0;
  if (!Number.isInteger(offset)) throw new ValueError(`${op}: offset must be an integer, got ${offset}`);
  if (shape.length < 2) {
    throw new ShapeError(`${op}: expects a tensor of rank ≥ 2, got shape ${fmtShape(shape)}`);
  }
  const d1 = normalizeDim(op, options.dim1 ?? 0, shape.length);
  const d2 = normalizeDim(op, options.dim2 ?? 1, shape.length);
  if (d1 === d2) throw new ValueError(`${op}: dim1 and dim2 must differ, both are ${d1}`);
  const n1 = shape[d1]!;
  const n2 = shape[d2]!;
  const length = Math.max(0, offset >= 0 ? Math.min(n1, n2 - offset) : Math.min(n1 + offset, n2));
  const start = length === 0 ? 0 : offset >= 0 ? offset * strides[d2]! : -offset * strides[d1]!;
  const keep = shape.map((_, i) => i).filter((i) => i !== d1 && i !== d2);
  return {
    shape: [...keep.map((i) => shape[i]!), length],
    strides: [...keep.map((i) => strides[i]!), strides[d1]! + strides[d2]!],
    start,
  };
}

/**
 * The diagonal of the matrices spanned by `dim1` and `dim2` (a view, as `torch.diagonal`): those
 * two dims are removed and the diagonal becomes the last dim.
 *
 * @example
 * diagonal(tensor([[1, 2], [3, 4]]), { offset: 1 }); // the superdiagonal: [2]
 */
export function diagonal(x: Tensor, options: DiagonalOptions = {}): Tensor {
  const v = diagonalView('diagonal', x.shape, x.strides, options);
  const out = new Tensor(x.storage, v.shape, v.strides, x.offset + v.start);
  return record('diagonal', [x], out, (g) => [diagonalScatter('diagonal', g, x.shape, options)]);
}

/** A zero tensor of `shape` with `g` written on its diagonal: the adjoint of `diagonal`. */
function diagonalScatter(op: string, g: Tensor, shape: readonly number[], options: DiagonalOptions): Tensor {
  const backend = backendOf(op, g);
  const out = new Tensor(backend.zeros(g.dtype, sizeOf(shape), op), [...shape]);
  const v = diagonalView(op, out.shape, out.strides, options);
  backend.copyStrided(out.storage, v.shape, v.strides, v.start, g);
  return record(op, [g], out, (gg) => [diagonal(gg, options)]);
}

/**
 * As `torch.diag`: a 1-D tensor becomes a square matrix with it on diagonal `diagonal`; a matrix
 * gives its diagonal `diagonal` (a view).
 *
 * @example
 * diag(tensor([1, 2])); // [[1, 0], [0, 2]]
 */
export function diag(x: Tensor, diagonal_ = 0): Tensor {
  if (!Number.isInteger(diagonal_))
    throw new ValueError(`diag: diagonal must be an integer, got ${diagonal_}`);
  if (x.ndim === 1) {
    const n = x.shape[0]! + Math.abs(diagonal_);
    return diagonalScatter('diag', x, [n, n], { offset: diagonal_ });
  }
  if (x.ndim === 2) return diagonal(x, { offset: diagonal_ });
  throw new ShapeError(`diag: expects a 1-D or 2-D tensor, got shape ${fmtShape(x.shape)}`);
}

/**
 * The outer product of two 1-D tensors: out[i][j] = a[i]·b[j].
 *
 * @example
 * outer(tensor([1, 2]), tensor([1, 10, 100])); // [[1, 10, 100], [2, 20, 200]]
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError(
      `outer: expects two 1-D tensors, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  sameDType('outer', a, b);
  return mul(unsqueeze(a, 1), unsqueeze(b, 0));
}

/** Options of `meshgrid`. */
export interface MeshgridOptions {
  /** 'ij' (matrix indexing, the default) or 'xy' (Cartesian: the first two output dims swapped). */
  indexing?: 'ij' | 'xy';
}

/**
 * Coordinate grids from 1-D tensors (as `torch.meshgrid`); each output is a broadcast view.
 *
 * @example
 * const [gx, gy] = meshgrid([arange(3), arange(2)], { indexing: 'xy' }); // both of shape [2, 3]
 */
export function meshgrid(tensors: readonly Tensor[], options: MeshgridOptions = {}): Tensor[] {
  const indexing = options.indexing ?? 'ij';
  if (indexing !== 'ij' && indexing !== 'xy') {
    throw new ValueError(`meshgrid: indexing must be 'ij' or 'xy', got '${String(indexing)}'`);
  }
  if (tensors.length === 0) throw new ValueError('meshgrid: expected at least one tensor');
  for (const t of tensors) {
    if (t.ndim > 1) {
      throw new ShapeError(
        `meshgrid: expects 0-D or 1-D tensors, got shapes ${tensors.map((u) => fmtShape(u.shape)).join(', ')}`,
      );
    }
    sameDType('meshgrid', tensors[0]!, t);
  }
  const sizes = tensors.map((t) => t.size);
  // The output dim each input varies along: 'xy' swaps the first two.
  const axis = tensors.map((_, i) => (indexing === 'xy' && tensors.length > 1 && i < 2 ? 1 - i : i));
  const shape = new Array<number>(tensors.length);
  axis.forEach((a, i) => {
    shape[a] = sizes[i]!;
  });
  return tensors.map((t, i) => {
    const own = shape.map((s, k) => (k === axis[i] ? s : 1));
    return expand(reshape(t, own), shape);
  });
}

/**
 * Broadcasts to `shape` without copying (as `torch.broadcast_to`; −1 keeps a dim).
 *
 * @example
 * broadcastTo(tensor([1, 2]), [3, 2]); // [[1, 2], [1, 2], [1, 2]]
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  const ok =
    lead >= 0 &&
    shape.every((d, i) => {
      if (i < lead) return Number.isInteger(d) && d >= 0;
      const own = x.shape[i - lead]!;
      return d === -1 || d === own || (own === 1 && Number.isInteger(d) && d >= 0);
    });
  if (!ok)
    throw new ShapeError(`broadcastTo: shape ${fmtShape(x.shape)} cannot be broadcast to ${fmtShape(shape)}`);
  return expand(x, shape);
}
