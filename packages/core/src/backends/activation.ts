/** The kernels of the activations over a dim: softmax and logSoftmax, forward and backward. */
import type { Storage } from '../tensor/device.js';
import type { View } from './backend.js';

/** The forward's output, and what the backend keeps from it for its backward (opaque to ops). */
export interface SoftmaxResult {
  out: Storage;
  saved: readonly Storage[];
}

/** Kernels of softmax and logSoftmax along one dim. */
export interface ActivationKernels {
  /**
   * softmax(x) along dim `d` (shifted by the maximum), or logSoftmax (x − logsumexp(x), shifted
   * by the maximum where it is finite) when `log`; a new contiguous buffer of x's shape.
   */
  softmax(x: View, d: number, log: boolean): SoftmaxResult;
  /**
   * The input gradient from the output `y` and its gradient `g` (same shape): y·(g − Σ_d g·y)
   * for softmax, g − exp(y)·Σ_d g for logSoftmax; a new contiguous buffer. `saved` is the
   * forward's (the CPU keeps logSoftmax's exponentials rather than computing exp(y) again).
   */
  softmaxBackward(y: View, g: View, d: number, log: boolean, saved: readonly Storage[]): Storage;
}
