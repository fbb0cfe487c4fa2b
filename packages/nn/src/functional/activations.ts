/**
 * Activation functions of `F`: `relu`, `sigmoid`, `tanh`, `softmax`, `logSoftmax` and `softplus`.
 * They are the core ops under their PyTorch functional names.
 */
import { softplus as coreSoftplus, type SoftplusOptions, type Tensor } from '@tsgrad/core';

/**
 * max(x, 0).
 *
 * @example
 * F.relu(tensor([-1, 0, 2])); // [0, 0, 2]
 */
export function relu(x: Tensor): Tensor {
  return x.relu();
}

/**
 * 1 / (1 + e⁻ˣ).
 *
 * @example
 * F.sigmoid(tensor([0])); // [0.5]
 */
export function sigmoid(x: Tensor): Tensor {
  return x.sigmoid();
}

/**
 * Hyperbolic tangent.
 *
 * @example
 * F.tanh(tensor([0, 1])); // [0, 0.7616]
 */
export function tanh(x: Tensor): Tensor {
  return x.tanh();
}

/**
 * Softmax along `dim` (default −1, the class dim of [N, C]).
 *
 * @example
 * const probs = F.softmax(randn([4, 10])); // shape [4, 10], each row sums to 1
 */
export function softmax(x: Tensor, dim = -1): Tensor {
  return x.softmax(dim);
}

/**
 * log(softmax(x)) along `dim` (default −1), computed stably as x − logsumexp(x).
 *
 * @example
 * const logProbs = F.logSoftmax(randn([4, 10])); // shape [4, 10], log-probabilities
 */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return x.logSoftmax(dim);
}

/**
 * log(1 + e^(βx)) / β, and x itself where βx > threshold (defaults β = 1, threshold = 20), as
 * `F.softplus`; the core op `softplus`, computed without overflow.
 *
 * @example
 * F.softplus(tensor([0, 30]), { beta: 2 }); // [0.3466, 30]
 */
export function softplus(x: Tensor, options: SoftplusOptions = {}): Tensor {
  return coreSoftplus(x, options);
}
