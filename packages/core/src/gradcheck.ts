import { grad } from './autograd/backward.js';
import { enableGrad, noGrad } from './autograd/grad-mode.js';
import { DTypeError, TsgradError } from './errors.js';
import { mul } from './ops/elementwise.js';
import { sum } from './ops/reduce.js';
import { Generator } from './random.js';
import { Tensor } from './tensor/tensor.js';

/** Raised by `gradcheck` when an analytical gradient disagrees with finite differences. */
export class GradcheckError extends TsgradError {}

/** Options of `gradcheck`. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Throw a GradcheckError on disagreement (default true); otherwise return false. */
  raiseException?: boolean;
  /** Seed of the random projection of a non-scalar output. */
  seed?: number;
}

/**
 * Checks the gradients of `fn` at `inputs` (float64 tensors that require grad) against central
 * finite differences. A non-scalar output is reduced with a fixed random weighting, so every
 * output element's vector–Jacobian product is exercised. Returns true, or throws a message naming
 * the input and element that disagree.
 *
 * @example
 * const x = randn([3, 4], { dtype: 'float64', requiresGrad: true });
 * gradcheck((a) => a.sigmoid().sum(), [x]);
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): boolean {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  inputs.forEach((x, i) => {
    if (x.dtype !== 'float64') throw new DTypeError(`gradcheck: input ${i} must be float64, got ${x.dtype}`);
  });
  const probe = noGrad(() => fn(...inputs));
  const g = new Generator(options.seed ?? 1234);
  const weights = new Tensor(
    Float64Array.from({ length: probe.size }, () => g.uniform(0.5, 1.5)),
    probe.shape,
  );
  const objective = (): Tensor => sum(mul(fn(...inputs), weights));

  const differentiable = inputs.filter((x) => x.requiresGrad);
  const analytical = enableGrad(() => grad(objective(), differentiable, { allowUnused: true }));
  for (let n = 0; n < inputs.length; n++) {
    const x = inputs[n]!;
    if (!x.requiresGrad) continue;
    const a = analytical[differentiable.indexOf(x)]!.toTypedArray();
    const coords = new Array<number>(x.ndim).fill(0);
    for (let e = 0; e < x.size; e++) {
      let pos = x.offset;
      for (let d = 0; d < x.ndim; d++) pos += coords[d]! * x.strides[d]!;
      const saved = x.data[pos]!;
      x.data[pos] = saved + eps;
      const plus = noGrad(() => objective().item());
      x.data[pos] = saved - eps;
      const minus = noGrad(() => objective().item());
      x.data[pos] = saved;
      const numerical = (plus - minus) / (2 * eps);
      const diff = Math.abs(a[e]! - numerical);
      if (!(diff <= atol + rtol * Math.abs(numerical))) {
        if (options.raiseException === false) return false;
        throw new GradcheckError(
          `gradcheck: input ${n} (shape [${x.shape.join(',')}]) element [${coords.join(',')}]: ` +
            `analytical ${a[e]} vs numerical ${numerical} (difference ${diff.toExponential(3)})`,
        );
      }
      for (let d = x.ndim - 1; d >= 0; d--) {
        if (++coords[d]! < x.shape[d]!) break;
        coords[d] = 0;
      }
    }
  }
  return true;
}
