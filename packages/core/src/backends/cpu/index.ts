/**
 * The CPU backend: the typed-array kernels of `kernels/` (WebAssembly SIMD and the worker pool
 * behind the heavy ones), behind the kernel interface. On the CPU every storage is a typed array.
 */
import { addStrided, castBuffer, copyStrided, toContiguous } from '../../kernels/copy.js';
import * as ew from '../../kernels/elementwise.js';
import { flipKernel } from '../../kernels/rearrange.js';
import { reduce } from '../../kernels/reduce.js';
import { allocate, type TypedArray } from '../../tensor/dtype.js';
import type { Backend, CoreKernels } from '../backend.js';
import { cpuActivation } from './activation.js';
import { cpuConv } from './conv.js';
import { cpuIndexing } from './indexing.js';
import { cpuLoss } from './loss.js';
import { cpuMask } from './mask.js';
import { cpuMatmul } from './matmul.js';
import { cpuNormalization } from './normalization.js';
import { cpuOptim } from './optim.js';
import { cpuPool } from './pool.js';
import { cpuSampling } from './sampling.js';
import { cpuScan } from './scan.js';
import { cpuSort } from './sort.js';
import { arr } from './view.js';

/** The CPU's core kernels. */
const cpuCore: CoreKernels = {
  zeros: (dtype, length, op) => allocate(dtype, length, op),
  upload: (data) => data.slice(),
  read: (x) => Promise.resolve(toContiguous(arr(x))),
  fill: (dst, value, start, end) => {
    (dst as TypedArray).fill(value, start, end);
  },
  contiguous: (x, share = false) => toContiguous(arr(x), share),
  cast: (x, dtype) => {
    if (dtype === 'bool') return ew.unary('nonzero', arr(x), 'bool');
    return castBuffer(toContiguous(arr(x), true), dtype);
  },
  copyStrided: (dst, shape, strides, offset, src) =>
    copyStrided(dst as TypedArray, shape, strides, offset, arr(src)),
  addStrided: (dst, shape, strides, offset, src) =>
    addStrided(dst as TypedArray, shape, strides, offset, arr(src)),
  flip: (x, dims) => flipKernel(arr(x), dims),
  unary: (kind, x, dtype, p, q, r) => ew.unary(kind, arr(x), dtype, p, q, r),
  binary: (kind, a, b, shape, dtype) => ew.binary(kind, arr(a), arr(b), shape, dtype),
  where: (cond, a, b, shape, dtype) => ew.where(arr(cond), arr(a), arr(b), shape, dtype),
  reduce: (kind, x, dims, dtype) => reduce(kind, arr(x), dims, dtype),
};

/** The CPU backend: the core kernels and one object per op family. */
export const cpu: Backend = {
  device: 'cpu',
  ...cpuCore,
  ...cpuMatmul,
  ...cpuMask,
  ...cpuNormalization,
  ...cpuSampling,
  ...cpuScan,
  ...cpuConv,
  ...cpuPool,
  ...cpuOptim,
  ...cpuActivation,
  ...cpuIndexing,
  ...cpuLoss,
  ...cpuSort,
};
