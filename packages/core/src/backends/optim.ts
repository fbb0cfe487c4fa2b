/**
 * The optimizers' update steps as kernels: one fused in-place pass per parameter, so that a GPU
 * optimizer step runs on the device with no readback (issue 17). The nn optimizers call them
 * (through `sgdStep_` / `adamStep_` in ops/optim.ts) for parameters that are not on the CPU.
 */
import type { View } from './backend.js';

/** The scalars of one SGD update (see `SGD` in @tsgrad/nn for the formula). */
export interface SgdStepParams {
  /** Learning rate. */
  lr: number;
  /** Momentum factor μ (0: no momentum buffer). */
  momentum: number;
  /** Dampening τ of the momentum. */
  dampening: number;
  /** L2 penalty λ added to the gradient. */
  weightDecay: number;
  /** Nesterov momentum. */
  nesterov: boolean;
  /** Ascend instead of descend. */
  maximize: boolean;
  /** The first step of this momentum buffer: it is set to the gradient, without dampening (PyTorch). */
  first: boolean;
}

/** The scalars of one Adam / AdamW update (see `Adam` in @tsgrad/nn for the formula). */
export interface AdamStepParams {
  /** Learning rate. */
  lr: number;
  /** Decay rate of the first moment average. */
  beta1: number;
  /** Decay rate of the second moment average. */
  beta2: number;
  /** Term added to the denominator. */
  eps: number;
  /** Weight decay λ: an L2 term added to the gradient, or decoupled (AdamW) θ ← θ(1 − lr·λ). */
  weightDecay: number;
  /** AdamW's decoupled weight decay. */
  decoupled: boolean;
  /** The step number, from 1 (for the bias corrections). */
  step: number;
  /** AMSGrad: divide by the running maximum of the second moment. */
  amsgrad: boolean;
  /** Ascend instead of descend. */
  maximize: boolean;
}

/** In-place optimizer updates. Every view is contiguous and holds the same number of elements. */
export interface OptimKernels {
  /** One SGD update of `param` (in place) from `grad`; `momentumBuffer` (if any) is updated in place. */
  sgdStep(param: View, grad: View, momentumBuffer: View | null, o: SgdStepParams): void;
  /**
   * One Adam update of `param`, `expAvg` and `expAvgSq` in place (and `maxExpAvgSq`, under
   * AMSGrad) from `grad`.
   */
  adamStep(
    param: View,
    grad: View,
    expAvg: View,
    expAvgSq: View,
    maxExpAvgSq: View | null,
    o: AdamStepParams,
  ): void;
}

/** The step-dependent constants of Adam, computed once per step on the host (in float64). */
export function adamConstants(o: AdamStepParams): {
  stepSize: number;
  bias2Sqrt: number;
  l2: number;
  shrink: number;
  sign: number;
} {
  return {
    stepSize: o.lr / (1 - o.beta1 ** o.step),
    bias2Sqrt: Math.sqrt(1 - o.beta2 ** o.step),
    l2: o.decoupled ? 0 : o.weightDecay,
    shrink: o.decoupled ? 1 - o.lr * o.weightDecay : 1,
    sign: o.maximize ? -1 : 1,
  };
}
