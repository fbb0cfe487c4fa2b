/**
 * The WebGPU backend: the kernel interface implemented with WGSL kernels over GPU buffers.
 * Loaded (with the optional npm package `webgpu`) by `initDevice('webgpu')`.
 */
import { sizeOf } from '../../tensor/shape.js';
import type { Backend, CoreKernels } from '../backend.js';
import { webgpuActivation } from './activation.js';
import { webgpuConv } from './conv.js';
import { fillKernel, regionKernel } from './copy.js';
import { binaryKernel, castKernel, unaryKernel, whereKernel } from './elementwise.js';
import { checkIndexErrors, webgpuIndexing } from './indexing.js';
import { webgpuLoss } from './loss.js';
import { webgpuMask } from './mask.js';
import { webgpuMatmul } from './matmul.js';
import { webgpuNormalization } from './normalization.js';
import { webgpuOptim } from './optim.js';
import { webgpuPool } from './pool.js';
import { reduceKernel } from './reduce.js';
import { gpu, type Runtime, startRuntime } from './runtime.js';
import { webgpuSampling } from './sampling.js';
import { webgpuScan } from './scan.js';
import { webgpuSort } from './sort.js';
import { buf, contiguous, viewOf } from './views.js';

/** The WebGPU core kernels. */
const webgpuCore: CoreKernels = {
  zeros: (dtype, length, op) => {
    const out = gpu(op).alloc(dtype, length, op);
    fillKernel(out, 0, 0, length);
    return out;
  },
  upload: (data) => gpu('to').upload(data, dtypeOfArray(data)),
  read: async (x) => {
    const c = contiguous(x, true);
    // Index errors found on the device since the last read surface here (see webgpu/indexing.ts).
    const [data] = await Promise.all([gpu('read').read(c, 0, sizeOf(x.shape)), checkIndexErrors()]);
    return data;
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
  // A view with negative strides along `dims`, copied: the strided copy reads it as it is.
  flip: (x, dims) => {
    let offset = x.offset;
    const strides = x.strides.map((st, d) => {
      if (!dims.includes(d) || x.shape[d]! === 0) return st;
      offset += st * (x.shape[d]! - 1);
      return -st;
    });
    return contiguous({ ...viewOf(x), strides, offset }, false);
  },
  unary: unaryKernel,
  binary: binaryKernel,
  where: whereKernel,
  reduce: reduceKernel,
};

/** The WebGPU backend: the core kernels and one object per op family. */
export const webgpu: Backend = {
  device: 'webgpu',
  ...webgpuCore,
  ...webgpuMatmul,
  ...webgpuMask,
  ...webgpuNormalization,
  ...webgpuSampling,
  ...webgpuScan,
  ...webgpuConv,
  ...webgpuPool,
  ...webgpuOptim,
  ...webgpuActivation,
  ...webgpuIndexing,
  ...webgpuLoss,
  ...webgpuSort,
};

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
