/** The CPU scan kernels (`kernels/scan.ts`). */
import { flipKernel } from '../../kernels/rearrange.js';
import { cumprodGradKernel, cumprodKernel, cumsumKernel } from '../../kernels/scan.js';
import { allocate } from '../../tensor/dtype.js';
import { contiguousStrides, sizeOf } from '../../tensor/shape.js';
import type { ScanKernels } from '../scan.js';
import { arr } from './view.js';

/** The CPU's scan kernels. */
export const cpuScan: ScanKernels = {
  cumsum: (x, d, reverse) => {
    const out = allocate(x.dtype, sizeOf(x.shape), 'cumsum');
    if (!reverse) {
      cumsumKernel(arr(x), d, out);
      return out;
    }
    // The running sum of x read backwards along d (a view, no copy), then flipped back.
    const n = x.shape[d]!;
    const strides = [...x.strides];
    strides[d] = -strides[d]!;
    const offset = n > 0 ? x.offset + (n - 1) * x.strides[d]! : x.offset;
    cumsumKernel({ data: arr(x).data, shape: x.shape, strides, offset }, d, out);
    return flipKernel({ data: out, shape: x.shape, strides: contiguousStrides(x.shape), offset: 0 }, [d]);
  },
  cumprod: (x, d) => {
    const out = allocate(x.dtype, sizeOf(x.shape), 'cumprod');
    const hasZero = cumprodKernel(arr(x), d, out);
    return { storage: out, hasZero };
  },
  cumprodGrad: (x, g, d) => {
    const out = allocate(x.dtype, sizeOf(x.shape), 'cumprod');
    cumprodGradKernel(arr(x), arr(g), d, out);
    return out;
  },
};
