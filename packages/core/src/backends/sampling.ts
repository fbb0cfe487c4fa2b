/** The kernels of the sampling ops that read a tensor of parameters. */
import type { RandomSource } from '../kernels/sampling.js';
import type { Storage } from '../tensor/device.js';
import type { View } from './backend.js';

/** The kernels behind `bernoulli`, `normal` and `multinomial`. */
export interface SamplingKernels {
  /**
   * `numSamples` int32 category indices per row of the weights `probs` ([rows, n] row-major),
   * with or without replacement (rows checked to be valid distributions).
   */
  multinomial(
    probs: View,
    rows: number,
    n: number,
    numSamples: number,
    replacement: boolean,
    rng: RandomSource,
  ): Storage;
  /**
   * mean + std·z with z standard normal (one draw of `rng` per element, row-major), `mean` and
   * `std` broadcast to `shape` (std checked to be ≥ 0 where it can be read synchronously).
   */
  normal(mean: View, std: View, shape: readonly number[], rng: RandomSource): Storage;
  /**
   * 1 where the next uniform draw of `rng` (one per element, row-major) is below the probability,
   * else 0, in the dtype of `probs`: the probability is `p` everywhere when given, else the
   * element of `probs` (checked to lie in [0, 1] where the values can be read synchronously).
   */
  bernoulli(probs: View, p: number | undefined, rng: RandomSource): Storage;
}
