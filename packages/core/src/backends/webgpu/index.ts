/**
 * The WebGPU backend: the kernel interface implemented with WGSL kernels over GPU buffers.
 * Loaded (with the optional npm package `webgpu`) by `initDevice('webgpu')`.
 */
import { DeviceError } from '../../errors.js';
import { isContiguous } from '../../kernels/strided.js';
import type { Storage } from '../../tensor/device.js';
import { sizeOf } from '../../tensor/shape.js';
import type { Backend, View } from '../backend.js';
import { fillKernel, regionKernel } from './copy.js';
import { binaryKernel, castKernel, contiguousKernel, unaryKernel, whereKernel } from './elementwise.js';
import { reduceKernel } from './reduce.js';
import { gpu, type Runtime, startRuntime, WebGPUBuffer } from './runtime.js';

function buf(s: Storage, op: string): WebGPUBuffer {
  if (!(s instanceof WebGPUBuffer)) throw new DeviceError(`${op}: expected a webgpu buffer`);
  return s;
}

/** A contiguous buffer of `x`'s elements: its own if it already is one, else a copy. */
function contiguous(x: View, share = false): WebGPUBuffer {
  const size = sizeOf(x.shape);
  const own = buf(x.storage, 'contiguous');
  if (share && x.offset === 0 && own.length === size && isContiguous(x.shape, x.strides)) return own;
  return contiguousKernel(x);
}

/** The WebGPU backend. */
export const webgpu: Backend = {
  device: 'webgpu',
  zeros: (dtype, length, op) => {
    const out = gpu(op).alloc(dtype, length, op);
    fillKernel(out, 0, 0, length);
    return out;
  },
  upload: (data) => gpu('to').upload(data, dtypeOfArray(data)),
  read: async (x) => {
    const c = contiguous(x, true);
    return gpu('read').read(c, 0, sizeOf(x.shape));
  },
  fill: (dst, value, start, end) => fillKernel(buf(dst, 'fill'), value, start, end),
  contiguous: (x, share) => contiguous(x, share),
  cast: (x, dtype) => castKernel(x, dtype),
  copyStrided: (dst, shape, strides, offset, src) => {
    const d = buf(dst, 'copyStrided');
    regionKernel(
      false,
      d,
      shape,
      strides,
      offset,
      src.storage === d ? { ...viewOf(src), storage: contiguous(src) } : src,
    );
  },
  addStrided: (dst, shape, strides, offset, src) => {
    const d = buf(dst, 'addStrided');
    regionKernel(
      true,
      d,
      shape,
      strides,
      offset,
      src.storage === d ? { ...viewOf(src), storage: contiguous(src) } : src,
    );
  },
  unary: unaryKernel,
  binary: binaryKernel,
  where: whereKernel,
  reduce: reduceKernel,
};

/** A plain copy of a view's layout fields with a contiguous layout (for a copied source). */
function viewOf(x: View): View {
  const strides: number[] = [];
  let s = 1;
  for (let d = x.shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= x.shape[d]!;
  }
  return { storage: x.storage, shape: x.shape, strides, offset: 0, dtype: x.dtype };
}

function dtypeOfArray(data: ArrayLike<number>): 'float32' | 'int32' | 'bool' | 'float64' {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'bool';
  return 'float64';
}

/** Starts the device (once) and returns its runtime. */
export async function start(): Promise<Runtime> {
  return startRuntime();
}
