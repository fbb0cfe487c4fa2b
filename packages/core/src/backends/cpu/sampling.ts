/** The CPU sampling kernels (`kernels/sampling.ts`). */
import { fmtShape, ValueError } from '../../errors.js';
import { toContiguous } from '../../kernels/copy.js';
import {
  bernoulliKernel,
  checkDistributionRows,
  multinomialKernel,
  normalKernel,
} from '../../kernels/sampling.js';
import type { StridedArray } from '../../kernels/strided.js';
import { allocate, type TypedArray } from '../../tensor/dtype.js';
import { broadcastStrides, sizeOf } from '../../tensor/shape.js';
import type { SamplingKernels } from '../sampling.js';
import { arr } from './view.js';

const BAD_ROW = {
  negative: 'a probability entry < 0',
  nonfinite: 'a probability entry that is infinite or NaN',
  zeroSum: 'a sum of probabilities ≤ 0',
} as const;

function broadcastBuffer(t: StridedArray, shape: readonly number[]): TypedArray {
  return toContiguous({
    data: t.data,
    shape,
    strides: broadcastStrides(t.shape, t.strides, shape),
    offset: t.offset,
  });
}

/** The CPU's sampling kernels. */
export const cpuSampling: SamplingKernels = {
  multinomial: (probs, rows, n, numSamples, replacement, rng) => {
    const weights = toContiguous(arr(probs), true);
    const bad = checkDistributionRows(weights, rows, n);
    if (bad !== null) {
      const where = probs.shape.length === 2 ? `row ${bad.row} of probs` : 'probs';
      throw new ValueError(`multinomial: invalid distribution: ${where} has ${BAD_ROW[bad.reason]}`);
    }
    const out = allocate('int32', rows * numSamples, 'multinomial') as Int32Array;
    multinomialKernel(weights, rows, n, numSamples, replacement, rng, out);
    return out;
  },
  normal: (mean, std, shape, rng) => {
    const stds = broadcastBuffer(arr(std), shape);
    for (let i = 0; i < stds.length; i++) {
      if (!(stds[i]! >= 0)) throw new ValueError(`normal: std must be ≥ 0 everywhere, got ${stds[i]}`);
    }
    const out = allocate(mean.dtype, sizeOf(shape), 'normal');
    normalKernel(broadcastBuffer(arr(mean), shape), stds, rng, out);
    return out;
  },
  bernoulli: (probs, p, rng) => {
    const out = allocate(probs.dtype, sizeOf(probs.shape), 'bernoulli');
    if (p !== undefined) {
      bernoulliKernel(Float64Array.of(p), 0, 0, rng, out);
      return out;
    }
    const ps = toContiguous(arr(probs), true);
    for (let i = 0; i < ps.length; i++) {
      if (!(ps[i]! >= 0 && ps[i]! <= 1)) {
        throw new ValueError(
          `bernoulli: probabilities must be in [0, 1], got ${ps[i]} at flat index ${i} of shape ${fmtShape(probs.shape)}`,
        );
      }
    }
    bernoulliKernel(ps, 0, 1, rng, out);
    return out;
  },
};
