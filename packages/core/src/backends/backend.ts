/**
 * The kernel interface every device implements, and the dispatch that picks the backend of an
 * op's inputs. Ops call `backendOf(op, ...inputs).kernel(...)` and never branch on the device;
 * autograd never sees a device. The interface is one object type, so a backend that lacks a
 * kernel is a compile error (a kernel a device cannot run yet throws a DeviceError naming it).
 */
import { DeviceError, fmtShape } from '../errors.js';
import type { BinaryKernel, UnaryKernel } from '../kernels/elementwise.js';
import type { ReduceKernel } from '../kernels/reduce.js';
import type { Device, Storage } from '../tensor/device.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ActivationKernels } from './activation.js';
import type { ConvKernels } from './conv.js';
import { cpu } from './cpu/index.js';
import type { IndexingKernels } from './indexing.js';
import type { LossKernels } from './loss.js';
import type { MaskKernels } from './mask.js';
import type { MatmulKernels } from './matmul.js';
import type { NormalizationKernels } from './normalization.js';
import type { OptimKernels } from './optim.js';
import type { PoolKernels } from './pool.js';
import type { SamplingKernels } from './sampling.js';
import type { ScanKernels } from './scan.js';
import type { SortKernels } from './sort.js';

/** A strided view of a backend's storage: what kernels read (a Tensor is one). */
export interface View {
  readonly storage: Storage;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
}

/**
 * The kernels of one device: the core kernels below plus one interface per op family, each in
 * its own file (`backends/<family>.ts`), implemented in `cpu/<family>.ts` and `webgpu/<family>.ts`.
 */
export interface Backend
  extends CoreKernels,
    ConvKernels,
    PoolKernels,
    MaskKernels,
    MatmulKernels,
    NormalizationKernels,
    SamplingKernels,
    ScanKernels,
    OptimKernels,
    ActivationKernels,
    IndexingKernels,
    LossKernels,
    SortKernels {
  /** The device this backend runs on. */
  readonly device: Device;
}

/** Storage, copies, elementwise maps and reductions: what every op family builds on. */
export interface CoreKernels {
  /** A zero-filled buffer of `length` elements (`op` names the caller in errors). */
  zeros(dtype: DType, length: number, op?: string): Storage;
  /** A buffer holding a copy of `data` (from the CPU). */
  upload(data: TypedArray): Storage;
  /** The elements of `x` in row-major order, copied to the CPU. */
  read(x: View): Promise<TypedArray>;
  /** Sets elements [start, end) of `dst` to `value`. */
  fill(dst: Storage, value: number, start: number, end: number): void;
  /** The elements of `x` in row-major order in a new buffer (shared if `share` and already contiguous). */
  contiguous(x: View, share?: boolean): Storage;
  /** `x` converted to `dtype` (int32 truncates toward zero). */
  cast(x: View, dtype: DType): Storage;
  /** Writes `src` (broadcast to `shape`) into the region (`shape`, `strides`, `offset`) of `dst`. */
  copyStrided(
    dst: Storage,
    shape: readonly number[],
    strides: readonly number[],
    offset: number,
    src: View,
  ): void;
  /** Adds `src` (broadcast to `shape`) into the region (`shape`, `strides`, `offset`) of `dst`. */
  addStrided(
    dst: Storage,
    shape: readonly number[],
    strides: readonly number[],
    offset: number,
    src: View,
  ): void;
  /** The elements of `x` reversed along `dims`, in a new contiguous buffer. */
  flip(x: View, dims: readonly number[]): Storage;
  /** A unary map (p, q, r are the op's parameters) into a new contiguous buffer of `dtype`. */
  unary(kind: UnaryKernel, x: View, dtype: DType, p?: number, q?: number, r?: number): Storage;
  /** A binary map broadcast to `shape` into a new contiguous buffer of `dtype`. */
  binary(kind: BinaryKernel, a: View, b: View, shape: readonly number[], dtype: DType): Storage;
  /** cond ≠ 0 ? a : b, broadcast to `shape`. */
  where(cond: View, a: View, b: View, shape: readonly number[], dtype: DType): Storage;
  /**
   * Reduces `x` over the sorted, distinct `dims` into a new contiguous buffer laid out as the kept
   * dims (argmax/argmin give int32 indices within the reduced block).
   */
  reduce(kind: ReduceKernel, x: View, dims: readonly number[], dtype: DType): Storage;
}

const backends = new Map<Device, Backend>([['cpu', cpu]]);

/** Makes `backend` the one that runs ops on its device (done by `initDevice`). */
export function registerBackend(backend: Backend): void {
  backends.set(backend.device, backend);
}

/** The registered backend of `device`, or a DeviceError naming `op` that says how to get it. */
export function backendFor(op: string, device: Device): Backend {
  const b = backends.get(device);
  if (b === undefined) {
    throw new DeviceError(
      `${op}: the ${device} device is not initialised; call await initDevice('${device}') first`,
    );
  }
  return b;
}

/**
 * The backend of an op's inputs: the CPU unless one lives on another device; then every input
 * must live there too, except 0-d CPU tensors, which act as scalars (PyTorch's rule). Mixing
 * devices is a DeviceError naming `op` and both devices.
 */
export function backendOf(op: string, ...inputs: readonly Tensor[]): Backend {
  let device: Tensor | null = null;
  for (const t of inputs) {
    if (t.deviceBuffer !== null) {
      if (device !== null && device.device !== t.device) throw mixed(op, device, t);
      device = t;
    }
  }
  if (device === null) return cpu;
  for (const t of inputs) if (t.deviceBuffer === null && t.ndim !== 0) throw mixed(op, device, t);
  return backendFor(op, device.device);
}

function mixed(op: string, a: Tensor, b: Tensor): DeviceError {
  return new DeviceError(
    `${op}: expected all tensors on one device, got ${a.device} (shape ${fmtShape(a.shape)}) and ` +
      `${b.device} (shape ${fmtShape(b.shape)}); move one with .to('${a.device}')`,
  );
}
