/**
 * The convolution kernels of a backend: conv2d's forward (with bias), its input and weight
 * gradients, and the bias gradient, on NCHW views, for any stride, padding, dilation and groups
 * (the geometry is checked by the op).
 */
import type { ConvGeometry } from '../kernels/conv.js';
import type { Storage } from '../tensor/device.js';
import type { View } from './backend.js';

/** The convolution family of a backend's kernels. */
export interface ConvKernels {
  /**
   * How many elements of the input's columns `conv2d` can keep (in `keep`) for
   * `conv2dWeightGrad`, or −1 when this backend keeps none (for these sizes or at all).
   */
  conv2dKeptColumnsLength(geo: ConvGeometry, bias: boolean, groups: number): number;
  /**
   * conv2d of x [n, c, h, w] with weight [o, c/groups, kh, kw] and optional bias [o]: a new
   * contiguous [n, o, oh, ow]. `keep` (cpu only: `conv2dKeptColumnsLength` elements, else null)
   * receives the input's columns for `conv2dWeightGrad`.
   */
  conv2d(
    x: View,
    weight: View,
    bias: View | null,
    geo: ConvGeometry,
    o: number,
    groups: number,
    keep: Storage | null,
  ): Storage;
  /** The gradient of conv2d with respect to its input: a new contiguous [n, c, h, w]. */
  conv2dInputGrad(gradOut: View, weight: View, geo: ConvGeometry, o: number, groups: number): Storage;
  /**
   * The gradient of conv2d with respect to its weight: a new contiguous [o, c/groups, kh, kw].
   * `columns`, when given, are those `conv2d` kept for this input (cpu only).
   */
  conv2dWeightGrad(
    x: View,
    gradOut: View,
    geo: ConvGeometry,
    o: number,
    groups: number,
    columns: Storage | null,
  ): Storage;
  /** The bias gradient: Σ over n, oh, ow of gradOut [n, o, oh, ow], a new [o]. */
  conv2dBiasGrad(gradOut: View): Storage;
}
