/**
 * The pooling kernels of a backend on NCHW views: max pooling with argmax indices, its backward
 * (a scatter of the gradient onto each window's maximum) and that backward's adjoint (a gather),
 * and window averaging (avgPool2d, adaptiveAvgPool2d) and its adjoint.
 */
import type { ConvGeometry } from '../kernels/conv.js';
import type { AverageWindows } from '../kernels/pool.js';
import type { Storage } from '../tensor/device.js';
import type { View } from './backend.js';

/** The pooling family of a backend's kernels. */
export interface PoolKernels {
  /**
   * Max pooling of x [n, c, h, w] (padding counts as −∞): new contiguous values [n, c, oh, ow]
   * and int32 indices (each maximum's position y·w + x in its input plane; ties to the first tap
   * in row-major window order; a NaN wins).
   */
  maxPool2d(x: View, geo: ConvGeometry): { values: Storage; indices: Storage };
  /**
   * The backward of max pooling: a new [n, c, h, w] holding, at each input position, the sum of
   * gradOut [n, c, oh, ow] over the windows whose maximum (`indices`) lies there.
   */
  maxPool2dBackward(gradOut: View, indices: View, geo: ConvGeometry): Storage;
  /** The adjoint of `maxPool2dBackward`: out[n, c, k] = x[n, c, indices[n, c, k]] over flat planes. */
  maxPool2dGather(x: View, indices: View, geo: ConvGeometry): Storage;
  /** Window averages of x [n, c, win.h, win.w]: a new [n, c, rows, cols] (as `AverageWindows`). */
  windowAverage(x: View, win: AverageWindows): Storage;
  /** The adjoint of `windowAverage`: spreads gradOut/divisor over each window, a new [n, c, win.h, win.w]. */
  windowAverageAdjoint(gradOut: View, win: AverageWindows): Storage;
}
