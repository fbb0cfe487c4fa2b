/** Helpers for reading views in WebGPU kernels. */
import { DeviceError } from '../../errors.js';
import { isContiguous } from '../../kernels/strided.js';
import type { Storage } from '../../tensor/device.js';
import { sizeOf } from '../../tensor/shape.js';
import type { View } from '../backend.js';
import { contiguousKernel } from './elementwise.js';
import { WebGPUBuffer } from './runtime.js';

/** A storage as a WebGPU buffer (a DeviceError naming `op` otherwise). */
export function buf(s: Storage, op: string): WebGPUBuffer {
  if (!(s instanceof WebGPUBuffer)) throw new DeviceError(`${op}: expected a webgpu buffer`);
  return s;
}

/** A contiguous buffer of `x`'s elements: its own if it already is one, else a copy. */
export function contiguous(x: View, share = false): WebGPUBuffer {
  const size = sizeOf(x.shape);
  const own = buf(x.storage, 'contiguous');
  if (share && x.offset === 0 && own.length === size && isContiguous(x.shape, x.strides)) return own;
  return contiguousKernel(x);
}

/** A view's layout as contiguous (for a freshly copied source). */
export function viewOf(x: View): View {
  const strides: number[] = [];
  let s = 1;
  for (let d = x.shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= x.shape[d]!;
  }
  return { storage: x.storage, shape: x.shape, strides, offset: 0, dtype: x.dtype };
}
