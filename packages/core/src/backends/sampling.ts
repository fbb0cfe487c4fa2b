/** The kernels of the sampling ops that read a tensor of parameters. */
import type { RandomSource } from '../kernels/sampling.js';
import type { Storage } from '../tensor/device.js';
import type { View } from './backend.js';

/** The kernels behind `bernoulli`. */
export interface SamplingKernels {
  /**
   * 1 where the next uniform draw of `rng` (one per element, row-major) is below the probability,
   * else 0, in the dtype of `probs`: the probability is `p` everywhere when given, else the
   * element of `probs` (checked to lie in [0, 1] where the values can be read synchronously).
   */
  bernoulli(probs: View, p: number | undefined, rng: RandomSource): Storage;
}
