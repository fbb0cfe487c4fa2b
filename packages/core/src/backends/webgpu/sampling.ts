/**
 * Sampling on the GPU. The uniform draws come from the same `Generator` on the CPU, in the same
 * row-major order as the CPU kernel, and are uploaded: a seed gives the same samples on the CPU
 * and on a GPU. The comparison u < p is exact: u (a float64 draw) is rounded down to float32
 * first, and for a float32 p, u < p ⟺ roundDown32(u) < p.
 */
import { DeviceError, fmtShape } from '../../errors.js';
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
  multinomial: (probs) => {
    throw new DeviceError(
      `multinomial: no webgpu kernel yet; read the probabilities (shape ${fmtShape(probs.shape)}) back first with await probs.toAsync('cpu')`,
    );
  },
  normal: (mean, std, shape, rng) => {
    // One standard normal draw per element on the CPU (the CPU kernel's order), then mean + std·z
    // here. std is not read back, so not checked: a negative one gives NaN.
    const n = sizeOf(shape);
    const z = new Float32Array(n);
    for (let i = 0; i < n; i++) z[i] = rng.normal();
    const draws = {
      storage: gpu('normal').upload(z, 'float32', 'normal'),
      shape,
      strides: contiguousStrides(shape),
      offset: 0,
      dtype: 'float32' as const,
    };
    return mapKernel(
      'normal',
      'select(a + b * c, bitcast<f32>(NAN_BITS), b < 0.0)',
      [mean, std, draws],
      shape,
      mean.dtype,
    );
  },
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
