import { backward as runBackward } from '../autograd/backward.js';
import type { GraphNode } from '../autograd/engine.js';
import type { GradFn } from '../autograd/function.js';
import { AutogradError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { toContiguous } from '../kernels/copy.js';
import { isContiguous } from '../kernels/strided.js';
import * as act from '../ops/activation.js';
import * as ew from '../ops/elementwise.js';
import * as idx from '../ops/index-ops.js';
import * as mm from '../ops/matmul.js';
import * as red from '../ops/reduce.js';
import * as shp from '../ops/shape.js';
import { type DType, dtypeOf, isFloating, type TypedArray } from './dtype.js';
import { formatTensor } from './format.js';
import { contiguousStrides, normalizeDim, sizeOf } from './shape.js';

/** A tensor or a plain number, accepted wherever a tensor operand is. */
export type TensorLike = Tensor | number;

/** Nested arrays of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/** Options of `Tensor.backward`. */
export interface BackwardOptions {
  /** Keep the saved tensors so that backward can run through this graph again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for gradients of gradients. */
  createGraph?: boolean;
}

const NO_PARENTS: readonly Tensor[] = [];

/**
 * An N-d array of `float32` (default), `float64` or `int32` that records the operations applied
 * to it for automatic differentiation. Views (transpose, permute, expand, slicing, reshape of
 * contiguous data) share the buffer; `contiguous()` copies.
 */
export class Tensor implements GraphNode {
  /** The buffer holding the elements (shared by views); element i is at offset + Σ index·stride. */
  readonly data: TypedArray;
  /** Size of each dimension. */
  readonly shape: readonly number[];
  /** Buffer step of each dimension. */
  readonly strides: readonly number[];
  /** Buffer index of the first element. */
  readonly offset: number;
  /** Whether gradients are computed for this tensor. */
  requiresGrad = false;
  /** The gradient accumulated by `backward()` (leaves, and tensors that called `retainGrad()`). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, or null for a leaf. */
  gradFn: GradFn | null = null;
  /** Keeps `.grad` on a non-leaf tensor during backward, as `retain_grad()` does. */
  retainsGrad = false;
  /** Engine bookkeeping for the topological sort. */
  visitMark = 0;

  /**
   * Wraps `data` without copying. Without `strides` the buffer must hold exactly `offset` +
   * size(shape) elements; with them (a view) every addressed element must lie inside it. Both
   * checks are O(rank) arithmetic; a violation is a ShapeError.
   */
  constructor(data: TypedArray, shape: readonly number[], strides?: readonly number[], offset = 0) {
    this.data = data;
    this.shape = shape;
    this.strides = strides ?? contiguousStrides(shape);
    this.offset = offset;
    const rank = shape.length;
    let size = 1;
    let lo = offset;
    let hi = offset;
    for (let i = 0; i < rank; i++) {
      const d = shape[i]!;
      size *= d;
      const span = this.strides[i]! * (d - 1);
      if (span < 0) lo += span;
      else hi += span;
    }
    if (strides === undefined ? data.length !== offset + size : size !== 0 && (lo < 0 || hi >= data.length)) {
      throw badLayout(data, shape, this.strides, offset, strides !== undefined);
    }
    if (!Number.isInteger(offset) || this.strides.length !== rank || !(size >= 0)) {
      throw badLayout(data, shape, this.strides, offset, true);
    }
  }

  /** The element type. */
  get dtype(): DType {
    return dtypeOf(this.data);
  }
  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }
  /** The tensors this one was computed from (for the engine). */
  get parents(): readonly Tensor[] {
    return this.gradFn === null ? NO_PARENTS : this.gradFn.inputs;
  }
  /** True for tensors not produced by a recorded op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** True when the elements lie in the buffer in row-major order. */
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** Size of dimension `dim` (negative counts from the end). */
  dim(dim: number): number {
    return this.shape[normalizeDim('size', dim, this.ndim)]!;
  }

  /** Sets `requiresGrad` (floating dtypes only) and returns this tensor. */
  requiresGrad_(requires = true): this {
    if (requires && !isFloating(this.dtype)) {
      throw new AutogradError(`requiresGrad: only floating tensors can require gradients, got ${this.dtype}`);
    }
    if (!requires && this.gradFn !== null) {
      throw new AutogradError('requiresGrad: cannot turn off gradients of a non-leaf tensor; use detach()');
    }
    this.requiresGrad = requires;
    return this;
  }

  /** Keeps this non-leaf tensor's gradient in `.grad` after backward. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /**
   * Backpropagates from this tensor: `.grad` of every leaf that requires gradients receives
   * d(this)/d(leaf) (accumulated). A non-scalar output needs the upstream `gradient`.
   */
  backward(gradient?: Tensor, options: BackwardOptions = {}): void {
    runBackward([this], gradient === undefined ? undefined : [gradient], options);
  }

  /** A tensor sharing this one's data but cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.strides, this.offset);
  }

  /** The single element of a one-element tensor, as a number. */
  item(): number {
    if (this.size !== 1)
      throw new ValueError(`item: tensor of shape ${fmtShape(this.shape)} has ${this.size} elements, not 1`);
    return this.data[this.offset]!;
  }

  /** The elements as nested arrays (a plain number for a 0-d tensor). */
  toArray(): NestedArray {
    const flat = toContiguous(this, true);
    if (this.ndim === 0) return flat[0]!;
    let pos = 0;
    const build = (d: number): NestedArray[] => {
      const n = this.shape[d]!;
      const out: NestedArray[] = new Array(n);
      if (d === this.ndim - 1) for (let i = 0; i < n; i++) out[i] = flat[pos++]!;
      else for (let i = 0; i < n; i++) out[i] = build(d + 1);
      return out;
    };
    return build(0);
  }

  /** A copy of the elements in row-major order. */
  toTypedArray(): TypedArray {
    return toContiguous(this);
  }

  /** The elements in row-major order as a plain array. */
  toFlatArray(): number[] {
    return Array.from(toContiguous(this, true));
  }

  /** A readable rendering, like PyTorch's: `tensor([[1, 2], [3, 4]], dtype=float32)`. */
  toString(): string {
    return formatTensor(this);
  }

  /** A copy converted to `dtype` (a new leaf; float↔float casts keep the graph). */
  to(dtype: DType): Tensor {
    if (dtype === this.dtype) return this;
    return ew.cast(this, dtype);
  }

  // Elementwise, with NumPy broadcasting (ops/elementwise.ts).
  add(other: TensorLike): Tensor {
    return ew.add(this, other);
  }
  sub(other: TensorLike): Tensor {
    return ew.sub(this, other);
  }
  mul(other: TensorLike): Tensor {
    return ew.mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return ew.div(this, other);
  }
  pow(exponent: TensorLike): Tensor {
    return ew.pow(this, exponent);
  }
  maximum(other: TensorLike): Tensor {
    return ew.maximum(this, other);
  }
  minimum(other: TensorLike): Tensor {
    return ew.minimum(this, other);
  }
  neg(): Tensor {
    return ew.neg(this);
  }
  exp(): Tensor {
    return ew.exp(this);
  }
  log(): Tensor {
    return ew.log(this);
  }
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  abs(): Tensor {
    return ew.abs(this);
  }
  sign(): Tensor {
    return ew.sign(this);
  }
  tanh(): Tensor {
    return ew.tanh(this);
  }
  sigmoid(): Tensor {
    return ew.sigmoid(this);
  }
  relu(): Tensor {
    return ew.relu(this);
  }
  sin(): Tensor {
    return ew.sin(this);
  }
  cos(): Tensor {
    return ew.cos(this);
  }
  square(): Tensor {
    return ew.mul(this, this);
  }
  clamp(min?: number, max?: number): Tensor {
    return ew.clamp(this, min, max);
  }
  eq(other: TensorLike): Tensor {
    return ew.eq(this, other);
  }
  ne(other: TensorLike): Tensor {
    return ew.ne(this, other);
  }
  lt(other: TensorLike): Tensor {
    return ew.lt(this, other);
  }
  le(other: TensorLike): Tensor {
    return ew.le(this, other);
  }
  gt(other: TensorLike): Tensor {
    return ew.gt(this, other);
  }
  ge(other: TensorLike): Tensor {
    return ew.ge(this, other);
  }

  // Reductions (ops/reduce.ts); `dim` may be a number or a list, negative dims allowed.
  sum(dim?: number | readonly number[], keepdim = false): Tensor {
    return red.sum(this, dim, keepdim);
  }
  mean(dim?: number | readonly number[], keepdim = false): Tensor {
    return red.mean(this, dim, keepdim);
  }
  /** Largest element; with a dim, the values and int32 indices along it. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? red.amax(this) : red.maxAlong(this, dim, keepdim);
  }
  /** Smallest element; with a dim, the values and int32 indices along it. */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? red.amin(this) : red.minAlong(this, dim, keepdim);
  }
  amax(dim?: number | readonly number[], keepdim = false): Tensor {
    return red.amax(this, dim, keepdim);
  }
  amin(dim?: number | readonly number[], keepdim = false): Tensor {
    return red.amin(this, dim, keepdim);
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return red.argmax(this, dim, keepdim);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return red.argmin(this, dim, keepdim);
  }
  logsumexp(dim?: number | readonly number[], keepdim = false): Tensor {
    return red.logsumexp(this, dim, keepdim);
  }
  /** Variance with Bessel's correction by default (`correction` = 1), as PyTorch. */
  var(dim?: number | readonly number[], options: red.VarianceOptions = {}): Tensor {
    return red.variance(this, dim, options);
  }
  std(dim?: number | readonly number[], options: red.VarianceOptions = {}): Tensor {
    return red.std(this, dim, options);
  }

  // Products (ops/matmul.ts).
  matmul(other: Tensor): Tensor {
    return mm.matmul(this, other);
  }

  // Shape and views (ops/shape.ts).
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return shp.reshape(this, shp.shapeArg(shape));
  }
  view(...shape: number[] | [readonly number[]]): Tensor {
    return shp.view(this, shp.shapeArg(shape));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return shp.flatten(this, startDim, endDim);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return shp.transpose(this, dim0, dim1);
  }
  permute(...dims: number[]): Tensor {
    return shp.permute(this, dims);
  }
  /** Transpose of a tensor of rank ≤ 2. */
  t(): Tensor {
    return shp.t(this);
  }
  /** Transpose of the last two dims. */
  get mT(): Tensor {
    return shp.transpose(this, -2, -1);
  }
  squeeze(dim?: number): Tensor {
    return shp.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return shp.unsqueeze(this, dim);
  }
  expand(...shape: number[] | [readonly number[]]): Tensor {
    return shp.expand(this, shp.shapeArg(shape));
  }
  expandAs(other: Tensor): Tensor {
    return shp.expand(this, other.shape);
  }
  /** Elements start, start+step, … < end along `dim` (a view); negative indices count from the end. */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return shp.slice(this, dim, start, end, step);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return shp.narrow(this, dim, start, length);
  }
  split(sizes: number | readonly number[], dim = 0): Tensor[] {
    return shp.split(this, sizes, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return shp.chunk(this, chunks, dim);
  }
  contiguous(): Tensor {
    return shp.contiguous(this);
  }
  clone(): Tensor {
    return shp.clone(this);
  }

  // Indexing (ops/index-ops.ts).
  gather(dim: number, index: Tensor): Tensor {
    return idx.gather(this, dim, index);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return idx.indexSelect(this, dim, index);
  }

  // Activations over a dim (ops/activation.ts).
  softmax(dim = -1): Tensor {
    return act.softmax(this, dim);
  }
  logSoftmax(dim = -1): Tensor {
    return act.logSoftmax(this, dim);
  }
}

/** The ShapeError of a Tensor whose shape, strides and offset do not fit its buffer. */
function badLayout(
  data: TypedArray,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  view: boolean,
): ShapeError {
  const where = view ? `strides ${fmtShape(strides)} and offset ${offset}` : `offset ${offset}`;
  return new ShapeError(
    `Tensor: shape ${fmtShape(shape)} with ${where} does not fit a buffer of ${data.length} elements` +
      (view ? '' : ` (needs exactly ${offset + sizeOf(shape)})`),
  );
}
