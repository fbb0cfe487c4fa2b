/** The CPU's pooling kernels: kernels/pool.ts behind `PoolKernels`. */
import { toContiguous } from '../../kernels/copy.js';
import {
  maxPool2dKernel,
  planeGatherKernel,
  planeScatterAddKernel,
  windowAverageAdjointKernel,
  windowAverageKernel,
} from '../../kernels/pool.js';
import { allocate, type TypedArray } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import type { View } from '../backend.js';
import type { PoolKernels } from '../pool.js';
import { arr } from './view.js';

/** The contiguous elements of `x` (shared when already contiguous), as the NCHW kernels read them. */
function flat(x: View): TypedArray {
  return toContiguous(arr(x), true);
}

/** The CPU's pooling kernels. */
export const cpuPool: PoolKernels = {
  maxPool2d: (x, geo) => {
    const size = geo.n * geo.c * geo.oh * geo.ow;
    const values = allocate(x.dtype, size);
    const indices = new Int32Array(size);
    maxPool2dKernel(flat(x), geo.n * geo.c, geo, values, indices);
    return { values, indices };
  },
  maxPool2dBackward: (gradOut, indices, geo) => {
    const planes = geo.n * geo.c;
    const out = allocate(gradOut.dtype, planes * geo.h * geo.w);
    const size = sizeOf(indices.shape);
    planeScatterAddKernel(
      flat(gradOut),
      flat(indices) as Int32Array,
      planes,
      geo.h * geo.w,
      size / planes,
      out,
    );
    return out;
  },
  maxPool2dGather: (x, indices, geo) => {
    const planes = geo.n * geo.c;
    const size = sizeOf(indices.shape);
    const out = allocate(x.dtype, size);
    planeGatherKernel(flat(x), flat(indices) as Int32Array, planes, geo.h * geo.w, size / planes, out);
    return out;
  },
  windowAverage: (x, win) => {
    const [n, c] = x.shape as [number, number];
    const out = allocate(x.dtype, n * c * win.rows.start.length * win.cols.start.length);
    windowAverageKernel(flat(x), n * c, win, out);
    return out;
  },
  windowAverageAdjoint: (gradOut, win) => {
    const [n, c] = gradOut.shape as [number, number];
    const out = allocate(gradOut.dtype, n * c * win.h * win.w);
    windowAverageAdjointKernel(flat(gradOut), n * c, win, out);
    return out;
  },
};
