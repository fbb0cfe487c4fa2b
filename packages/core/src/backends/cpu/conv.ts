/** The CPU's convolution kernels: kernels/conv.ts (im2col and matmul) behind `ConvKernels`. */
import {
  channelSumKernel,
  conv2dInputGradKernel,
  conv2dKernel,
  conv2dWeightGradKernel,
  keptColumnsLength,
} from '../../kernels/conv.js';
import { toContiguous } from '../../kernels/copy.js';
import { allocate, type TypedArray } from '../../tensor/dtype.js';
import type { View } from '../backend.js';
import type { ConvKernels } from '../conv.js';
import { arr } from './view.js';

/** The contiguous elements of `x` (shared when already contiguous), as the NCHW kernels read them. */
function flat(x: View): TypedArray {
  return toContiguous(arr(x), true);
}

/** The CPU's convolution kernels. */
export const cpuConv: ConvKernels = {
  conv2dKeptColumnsLength: keptColumnsLength,
  conv2d: (x, weight, bias, geo, o, groups, keep) => {
    const out = allocate(x.dtype, geo.n * o * geo.oh * geo.ow);
    const xs = flat(x);
    conv2dKernel(
      xs,
      flat(weight),
      bias === null ? null : flat(bias),
      geo,
      o,
      groups,
      out,
      keep as TypedArray | null,
    );
    return out;
  },
  conv2dInputGrad: (gradOut, weight, geo, o, groups) => {
    const out = allocate(gradOut.dtype, geo.n * geo.c * geo.h * geo.w);
    conv2dInputGradKernel(flat(gradOut), flat(weight), geo, o, groups, out);
    return out;
  },
  conv2dWeightGrad: (x, gradOut, geo, o, groups, columns) => {
    const out = allocate(x.dtype, o * (geo.c / groups) * geo.kh * geo.kw);
    conv2dWeightGradKernel(flat(x), flat(gradOut), geo, o, groups, out, columns as TypedArray | null);
    return out;
  },
  conv2dBiasGrad: (gradOut) => {
    const [n, c, h, w] = gradOut.shape as [number, number, number, number];
    const out = allocate(gradOut.dtype, c);
    channelSumKernel(flat(gradOut), n, c, h * w, out);
    return out;
  },
};
