/** The CPU mask kernels (`kernels/mask.ts`). */
import { maskedFill, triangle } from '../../kernels/mask.js';
import type { MaskKernels } from '../mask.js';
import { arr } from './view.js';

/** The CPU's mask kernels. */
export const cpuMask: MaskKernels = {
  triangle: (x, diagonal, upper) => triangle(arr(x), diagonal, upper),
  maskedFill: (x, mask, value, shape, dtype) => maskedFill(arr(x), arr(mask), value, shape, dtype),
};
