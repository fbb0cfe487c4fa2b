/**
 * Sampling on the GPU. The uniform draws come from the same `Generator` on the CPU, in the same
 * row-major order as the CPU kernel, and are uploaded: a seed gives the same samples on the CPU
 * and on a GPU. The comparison u < p is exact: u (a float64 draw) is rounded down to float32
 * first, and for a float32 p, u < p ⟺ roundDown32(u) < p.
 */
import { bernoulliKernel, type RandomSource } from '../../kernels/sampling.js';
import { contiguousStrides, sizeOf } from '../../tensor/shape.js';
import type { SamplingKernels } from '../sampling.js';
import { mapKernel } from './elementwise.js';
import { gpu } from './runtime.js';

/** `n` uniform draws of `rng`, each rounded down to a float32. */
function drawsRoundedDown(rng: RandomSource, n: number): Float32Array {
  const out = new Float32Array(n);
  const bits = new Int32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const u = rng.random();
    out[i] = u;
    // Draws lie in [0, 1): a float32 above u steps down by one unit in the last place.
    if (out[i]! > u) bits[i]! -= 1;
  }
  return out;
}

/** The WebGPU sampling kernels. */
export const webgpuSampling: SamplingKernels = {
  bernoulli: (probs, p, rng) => {
    const n = sizeOf(probs.shape);
    const rt = gpu('bernoulli');
    if (p !== undefined) {
      // One probability: the CPU kernel itself, uploaded.
      const out = new Float32Array(n);
      bernoulliKernel(Float64Array.of(p), 0, 0, rng, out);
      return rt.upload(out, probs.dtype, 'bernoulli');
    }
    // Probabilities on the device are not read back, so not checked: outside [0, 1] they act as
    // clamped into it (NaN gives 0).
    const u = rt.upload(drawsRoundedDown(rng, n), 'float32', 'bernoulli');
    const draws = {
      storage: u,
      shape: probs.shape,
      strides: contiguousStrides(probs.shape),
      offset: 0,
      dtype: 'float32' as const,
    };
    return mapKernel('bernoulli', 'select(0.0, 1.0, b < a)', [probs, draws], probs.shape, probs.dtype);
  },
};
