import type { GraphNode } from '../autograd/engine.js';
import type { GradFn } from '../autograd/function.js';
import { AutogradError, DeviceError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { toContiguous } from '../kernels/copy.js';
import { isContiguous } from '../kernels/strided.js';
import { type Device, type DeviceBuffer, isDeviceBuffer, type Storage } from './device.js';
import { type DType, dtypeOf, isFloating, type TypedArray } from './dtype.js';
import { formatTensor } from './format.js';
import { contiguousStrides, normalizeDim, sizeOf } from './shape.js';

/** A tensor or a plain number, accepted wherever a tensor operand is. */
export type TensorLike = Tensor | number;

/** A gradient hook: sees the gradient flowing into a tensor and may return a replacement. */
export type GradHook = (grad: Tensor) => Tensor | undefined;

/** Nested arrays of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

const NO_PARENTS: readonly Tensor[] = [];

/**
 * An N-d array of `float32` (default), `float64` or `int32` that records the operations applied
 * to it for automatic differentiation. Views (transpose, permute, expand, slicing, reshape of
 * contiguous data) share the buffer; `contiguous()` copies.
 *
 * @example
 * const x = new Tensor(new Float32Array([1, 2, 3, 4]), [2, 2]); // shares the buffer
 * x.t().toArray(); // [[1, 3], [2, 4]]
 * x instanceof Tensor; // true, as is every result of tensor(), randn(), …
 */
export class Tensor implements GraphNode {
  /** The CPU buffer, or null when the elements live on another device (see `deviceBuffer`). */
  private readonly cpuData: TypedArray | null;
  /** The device buffer of a tensor that is not on the CPU, else null. */
  readonly deviceBuffer: DeviceBuffer | null;
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
  /** Functions that see (and may replace) this tensor's gradient during backward; see `registerHook`. */
  hooks: GradHook[] | null = null;

  /**
   * Wraps `data` without copying. Without `strides` the buffer must hold exactly `offset` +
   * size(shape) elements; with them (a view) every addressed element must lie inside it. Both
   * checks are O(rank) arithmetic; a violation is a ShapeError.
   */
  constructor(data: Storage, shape: readonly number[], strides?: readonly number[], offset = 0) {
    if (isDeviceBuffer(data)) {
      this.cpuData = null;
      this.deviceBuffer = data;
    } else {
      this.cpuData = data;
      this.deviceBuffer = null;
    }
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

  /**
   * The buffer holding the elements (shared by views); element i is at offset + Σ index·stride.
   * CPU tensors only: reading it on a GPU tensor is a DeviceError (use `toArrayAsync()`).
   */
  get data(): TypedArray {
    const d = this.cpuData;
    if (d === null) throw notOnCpu(this);
    return d;
  }
  /** The buffer behind this tensor on whichever device it lives: what a view of it shares. */
  get storage(): Storage {
    return this.cpuData ?? (this.deviceBuffer as DeviceBuffer);
  }
  /** The device holding the elements: `'cpu'` or `'webgpu'`. */
  get device(): Device {
    return this.cpuData === null ? (this.deviceBuffer as DeviceBuffer).device : 'cpu';
  }
  /** The element type. */
  get dtype(): DType {
    const d = this.cpuData;
    return d === null ? (this.deviceBuffer as DeviceBuffer).dtype : dtypeOf(d);
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

  /**
   * Registers `hook`, called with the gradient of this tensor each time backward computes it,
   * before it is accumulated into `.grad` or passed further down; a returned tensor (same shape
   * and dtype) replaces the gradient. Returns a handle whose `remove()` unregisters it.
   *
   * @example
   * const w = randn([3], { requiresGrad: true });
   * w.registerHook((g) => g.clamp(-1, 1)); // clip this parameter's gradient
   * w.mul(10).sum().backward(); // w.grad is [1, 1, 1]
   */
  registerHook(hook: GradHook): { remove(): void } {
    if (!this.requiresGrad) {
      throw new AutogradError("registerHook: cannot register a hook on a tensor that doesn't require grad");
    }
    const hooks = this.hooks ?? [];
    hooks.push(hook);
    this.hooks = hooks;
    return {
      remove: () => {
        const i = hooks.indexOf(hook);
        if (i >= 0) hooks.splice(i, 1);
      },
    };
  }

  /** Keeps this non-leaf tensor's gradient in `.grad` after backward. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /** A tensor sharing this one's data but cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }

  /** The single element of a one-element tensor, as a number. */
  item(): number {
    if (this.size !== 1)
      throw new ValueError(`item: tensor of shape ${fmtShape(this.shape)} has ${this.size} elements, not 1`);
    if (this.cpuData === null) throw syncRead(this, 'item', 'itemAsync');
    return this.cpuData[this.offset]!;
  }

  /** The elements as nested arrays (a plain number for a 0-d tensor). */
  toArray(): NestedArray {
    if (this.cpuData === null) throw syncRead(this, 'toArray', 'toArrayAsync');
    return nest(toContiguous(this, true), this.shape);
  }

  /** A copy of the elements in row-major order. */
  toTypedArray(): TypedArray {
    if (this.cpuData === null) throw syncRead(this, 'toTypedArray', 'toTypedArrayAsync');
    return toContiguous(this);
  }

  /** The elements in row-major order as a plain array. */
  toFlatArray(): number[] {
    if (this.cpuData === null) throw syncRead(this, 'toFlatArray', 'toTypedArrayAsync');
    return Array.from(toContiguous(this, true));
  }

  /**
   * A readable rendering, like PyTorch's: `tensor([[1, 2], [3, 4]], dtype=float32)`. A GPU
   * tensor shows its shape, dtype and device (its elements need an asynchronous read).
   */
  toString(): string {
    if (this.cpuData === null)
      return `tensor(<${this.size} elements>, shape=${fmtShape(this.shape)}, dtype=${this.dtype}, device='${this.device}')`;
    return formatTensor(this);
  }
}

/** Row-major `flat` as nested arrays of `shape` (a plain number for a 0-d shape). */
export function nest(flat: ArrayLike<number>, shape: readonly number[]): NestedArray {
  if (shape.length === 0) return flat[0]!;
  let pos = 0;
  const build = (d: number): NestedArray[] => {
    const n = shape[d]!;
    const out: NestedArray[] = new Array(n);
    if (d === shape.length - 1) for (let i = 0; i < n; i++) out[i] = flat[pos++]!;
    else for (let i = 0; i < n; i++) out[i] = build(d + 1);
    return out;
  };
  return build(0);
}

/** The DeviceError of a synchronous read (`method`) of a GPU tensor, naming the awaited form. */
function syncRead(t: Tensor, method: string, asyncForm: string): DeviceError {
  return new DeviceError(
    `${method}: the tensor of shape ${fmtShape(t.shape)} is on ${t.device}, whose elements are read ` +
      `asynchronously: use await t.${asyncForm}() (or move it with await t.toAsync('cpu'))`,
  );
}

/** The DeviceError of reading a GPU tensor's elements synchronously. */
function notOnCpu(t: Tensor): DeviceError {
  return new DeviceError(
    `a ${t.device} tensor of shape ${fmtShape(t.shape)} (${t.dtype}) cannot be read synchronously: use ` +
      "await t.toArrayAsync() or await t.itemAsync(), or move it with await t.toAsync('cpu'); an op that reads it " +
      'here has no kernel on that device (the ops that run on webgpu are listed in docs/webgpu.md)',
  );
}

/** The ShapeError of a Tensor whose shape, strides and offset do not fit its buffer. */
function badLayout(
  data: Storage,
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
