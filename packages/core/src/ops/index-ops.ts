/** Indexing ops: gather, indexSelect and their adjoints (scatterAdd, indexAdd), and oneHot. */
import { record, sameDType } from '../autograd/function.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { toContiguous } from '../kernels/copy.js';
import { allocate, type DType } from '../tensor/dtype.js';
import { contiguousStrides, normalizeDim, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

function requireIndex(op: string, index: Tensor): Int32Array {
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be int32, got ${index.dtype}`);
  return toContiguous(index, true) as Int32Array;
}

function checkIndexValue(op: string, v: number, dim: number, size: number): void {
  if (v < 0 || v >= size)
    throw new ValueError(`${op}: index ${v} is out of range for dim ${dim} of size ${size}`);
}

/**
 * Walks every position of `shape` (row-major) and calls `visit(linear, coords)`; the coords array
 * is reused between calls.
 */
function forEachIndex(shape: readonly number[], visit: (linear: number, coords: number[]) => void): void {
  const total = sizeOf(shape);
  const coords = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < total; i++) {
    visit(i, coords);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++coords[d]! < shape[d]!) break;
      coords[d] = 0;
    }
  }
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

/** out[…i…] = x[…index[…i…]…] along `dim` (as `torch.gather`); the gradient scatters back. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim('gather', dim, x.ndim);
  checkGatherShapes('gather', x, d, index);
  const idx = requireIndex('gather', index);
  const out = new Tensor(allocate(x.dtype, index.size), index.shape);
  const src = x.data;
  forEachIndex(index.shape, (i, c) => {
    const v = idx[i]!;
    checkIndexValue('gather', v, d, x.shape[d]!);
    let p = x.offset;
    for (let k = 0; k < c.length; k++) p += (k === d ? v : c[k]!) * x.strides[k]!;
    out.data[i] = src[p]!;
  });
  return record('gather', [x], out, (g) => [scatterAdd(zerosOf(x.dtype, x.shape), d, index, g)]);
}

function zerosOf(dtype: DType, shape: readonly number[]): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)), shape);
}

/** base with src added at the positions `index` names along `dim` (as `Tensor.scatter_add`). */
export function scatterAdd(base: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  sameDType('scatterAdd', base, src);
  const d = normalizeDim('scatterAdd', dim, base.ndim);
  checkGatherShapes('scatterAdd', base, d, index);
  const idx = requireIndex('scatterAdd', index);
  if (src.ndim !== index.ndim || index.shape.some((s, i) => s > src.shape[i]!)) {
    throw new ShapeError(
      `scatterAdd: index shape ${fmtShape(index.shape)} exceeds source shape ${fmtShape(src.shape)}`,
    );
  }
  const out = new Tensor(toContiguous(base), base.shape);
  const strides = contiguousStrides(base.shape);
  const values = toContiguous(src, true);
  const srcStrides = contiguousStrides(src.shape);
  forEachIndex(index.shape, (i, c) => {
    const v = idx[i]!;
    checkIndexValue('scatterAdd', v, d, base.shape[d]!);
    let p = 0;
    let q = 0;
    for (let k = 0; k < c.length; k++) {
      p += (k === d ? v : c[k]!) * strides[k]!;
      q += c[k]! * srcStrides[k]!;
    }
    out.data[p]! += values[q]!;
  });
  return record('scatterAdd', [base, src], out, (g) => [g, gather(g, d, index)]);
}

/** The slices of `x` along `dim` at the positions of the 1-D int32 `index` (as `torch.index_select`). */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim('indexSelect', dim, x.ndim);
  if (index.ndim > 1)
    throw new ShapeError(`indexSelect: index must be 1-D, got shape ${fmtShape(index.shape)}`);
  const idx = requireIndex('indexSelect', index);
  const shape = [...x.shape];
  shape[d] = idx.length;
  const out = new Tensor(allocate(x.dtype, sizeOf(shape)), shape);
  const src = x.data;
  forEachIndex(shape, (i, c) => {
    const v = idx[c[d]!]!;
    checkIndexValue('indexSelect', v, d, x.shape[d]!);
    let p = x.offset;
    for (let k = 0; k < c.length; k++) p += (k === d ? v : c[k]!) * x.strides[k]!;
    out.data[i] = src[p]!;
  });
  return record('indexSelect', [x], out, (g) => [indexAdd(zerosOf(x.dtype, x.shape), d, index, g)]);
}

/** base with the slices of src added at the positions `index` names along `dim` (as `index_add`). */
export function indexAdd(base: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  sameDType('indexAdd', base, src);
  const d = normalizeDim('indexAdd', dim, base.ndim);
  const idx = requireIndex('indexAdd', index);
  const expected = [...base.shape];
  expected[d] = idx.length;
  if (src.ndim !== base.ndim || src.shape.some((s, i) => s !== expected[i])) {
    throw new ShapeError(`indexAdd: source shape ${fmtShape(src.shape)} should be ${fmtShape(expected)}`);
  }
  const out = new Tensor(toContiguous(base), base.shape);
  const strides = contiguousStrides(base.shape);
  const values = toContiguous(src, true);
  forEachIndex(src.shape, (i, c) => {
    const v = idx[c[d]!]!;
    checkIndexValue('indexAdd', v, d, base.shape[d]!);
    let p = 0;
    for (let k = 0; k < c.length; k++) p += (k === d ? v : c[k]!) * strides[k]!;
    out.data[p]! += values[i]!;
  });
  return record('indexAdd', [base, src], out, (g) => [g, indexSelect(g, d, index)]);
}

/**
 * One-hot encoding of int32 class labels: shape [...labels.shape, numClasses], float32 by default
 * (so it mixes with float logits without a cast).
 */
export function oneHot(labels: Tensor, numClasses: number, options: { dtype?: DType } = {}): Tensor {
  const idx = requireIndex('oneHot', labels);
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new ValueError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  }
  const out = new Tensor(allocate(options.dtype ?? 'float32', idx.length * numClasses), [
    ...labels.shape,
    numClasses,
  ]);
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (v < 0 || v >= numClasses)
      throw new ValueError(`oneHot: label ${v} at ${i} is out of range [0, ${numClasses})`);
    out.data[i * numClasses + v] = 1;
  }
  return out;
}
