/**
 * Activation functions of `F`: `relu`, `sigmoid`, `tanh`, `softmax`, `logSoftmax` and `softplus`.
 * They are the core ops under their PyTorch functional names.
 */
import { softplus as coreSoftplus, type SoftplusOptions, type Tensor } from '@tsgrad/core';

/** max(x, 0). */
export function relu(x: Tensor): Tensor {
  return x.relu();
}

/** 1 / (1 + e⁻ˣ). */
export function sigmoid(x: Tensor): Tensor {
  return x.sigmoid();
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return x.tanh();
}

/** Softmax along `dim` (default −1, the class dim of [N, C]). */
export function softmax(x: Tensor, dim = -1): Tensor {
  return x.softmax(dim);
}

/** log(softmax(x)) along `dim` (default −1), computed stably as x − logsumexp(x). */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return x.logSoftmax(dim);
}

/**
 * log(1 + e^(βx)) / β, and x itself where βx > threshold (defaults β = 1, threshold = 20), as
 * `F.softplus`; the core op `softplus`, computed without overflow.
 */
export function softplus(x: Tensor, options: SoftplusOptions = {}): Tensor {
  return coreSoftplus(x, options);
}
