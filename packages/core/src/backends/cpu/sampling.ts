/** The CPU sampling kernels (`kernels/sampling.ts`). */
import { fmtShape, ValueError } from '../../errors.js';
import { toContiguous } from '../../kernels/copy.js';
import { bernoulliKernel } from '../../kernels/sampling.js';
import { allocate } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import type { SamplingKernels } from '../sampling.js';
import { arr } from './view.js';

/** The CPU's sampling kernels. */
export const cpuSampling: SamplingKernels = {
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
