/**
 * Gradient clipping, as `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`: both change the
 * `.grad` of the given parameters in place, before `optimizer.step()`. On a GPU, `clipGradValue`
 * works as on the CPU; `clipGradNorm` returns a number, which would read the GPU back every
 * step, so there it is a DeviceError naming `clipGradNormTensor`, which returns the norm as a
 * tensor on the gradients' device and reads nothing.
 */
import { DeviceError, noGrad, norm, stack, Tensor, tensor, ValueError, where } from '@tsgrad/core';

/** Options of `clipGradNorm`. */
export interface ClipGradNormOptions {
  /** The p of the p-norm over all gradients together: a number ≥ 1 (default 2) or `Infinity` (the largest |g|). */
  normType?: number;
  /** Throw a ValueError when the total norm is NaN or infinite, instead of returning it (default false). */
  errorIfNonfinite?: boolean;
}

/** The parameters with a gradient, checked to be tensors. */
function withGrads(op: string, parameters: Iterable<Tensor> | Tensor): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : Array.from(parameters ?? []);
  const out: Tensor[] = [];
  for (const [i, p] of list.entries()) {
    if (!(p instanceof Tensor)) throw new ValueError(`${op}: parameter ${i} is not a Tensor`);
    if (p.grad !== null) out.push(p);
  }
  return out;
}

/** Replaces the elements of `p.grad` in place by `f(p.grad)`, without recording a graph. */
function updateGrad(p: Tensor, f: (g: Tensor) => Tensor): void {
  const grad = p.grad!;
  noGrad(() => grad.copy_(f(grad)));
}

/**
 * Scales all gradients together so that their total `normType`-norm is at most `maxNorm`, and
 * returns the total norm before clipping (computed in float64). As in PyTorch the scale is
 * maxNorm / (total + 1e-6), applied only when it is below 1. A NaN or infinite norm leaves the
 * gradients unchanged and is returned (or thrown, with `errorIfNonfinite`), so a training loop
 * can skip the step:
 *
 * @example
 * const model = new Linear(4, 2);
 * const optimizer = new SGD(model.parameters(), { lr: 0.1 });
 * model.call(randn([8, 4])).pow(2).sum().backward();
 * const norm = clipGradNorm(model.parameters(), 1.0);
 * if (Number.isFinite(norm)) optimizer.step();
 */
export function clipGradNorm(
  parameters: Iterable<Tensor> | Tensor,
  maxNorm: number,
  options: ClipGradNormOptions = {},
): number {
  const op = 'clipGradNorm';
  const normType = options.normType ?? 2;
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) {
    throw new ValueError(`${op}: maxNorm must be a number ≥ 0, got ${String(maxNorm)}`);
  }
  if (typeof normType !== 'number' || !(normType >= 1)) {
    throw new ValueError(`${op}: normType must be a number ≥ 1 or Infinity, got ${String(normType)}`);
  }
  const params = withGrads(op, parameters);
  if (params.length === 0) return 0;
  const away = params.find((p) => p.grad!.device !== 'cpu');
  if (away !== undefined) {
    throw new DeviceError(
      `${op}: the gradients are on ${away.grad!.device}; returning the norm as a number would read it back ` +
        'every step: use clipGradNormTensor (the norm as a tensor on that device, no readback), or ' +
        'await (clipGradNormTensor(…)).itemAsync() when the number is needed',
    );
  }
  // Per-parameter norms in float64, then the norm of those norms (the same p-norm of everything).
  const norms = noGrad(() => params.map((p) => norm(p.grad!.to('float64'), { p: normType })));
  const total = norms.length === 1 ? norms[0]!.item() : norm(stack(norms), { p: normType }).item();
  if (!Number.isFinite(total)) {
    if (options.errorIfNonfinite) {
      throw new ValueError(
        `${op}: the total ${normType}-norm of the gradients is ${total}; the gradients hold NaN or Infinity ` +
          '(pass errorIfNonfinite: false to get the norm back instead)',
      );
    }
    return total;
  }
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) for (const p of params) updateGrad(p, (g) => g.mul(coef));
  return total;
}

/**
 * `clipGradNorm` for gradients on any device, as PyTorch's `clip_grad_norm_`: returns the total
 * norm before clipping as a 0-d tensor on the gradients' device (float64 on the CPU, float32 on a
 * GPU) and scales the gradients there, so a GPU training step reads nothing back. A NaN or
 * infinite norm leaves the gradients unchanged (as `clipGradNorm`); `errorIfNonfinite` needs a
 * read and is refused on a GPU (check the returned tensor instead).
 *
 * @example
 * const model = new Linear(4, 2); // or on webgpu, after model.to('webgpu')
 * model.call(randn([8, 4])).pow(2).sum().backward();
 * const total = clipGradNormTensor(model.parameters(), 1.0); // a 0-d tensor
 * console.log(await total.itemAsync()); // read it only when logging
 */
export function clipGradNormTensor(
  parameters: Iterable<Tensor> | Tensor,
  maxNorm: number,
  options: ClipGradNormOptions = {},
): Tensor {
  const op = 'clipGradNormTensor';
  const params = withGrads(op, parameters);
  const device = params.map((p) => p.grad!.device).find((d) => d !== 'cpu');
  if (device === undefined) return tensor(clipGradNorm(params, maxNorm, options), { dtype: 'float64' });
  const normType = options.normType ?? 2;
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) {
    throw new ValueError(`${op}: maxNorm must be a number ≥ 0, got ${String(maxNorm)}`);
  }
  if (typeof normType !== 'number' || !(normType >= 1)) {
    throw new ValueError(`${op}: normType must be a number ≥ 1 or Infinity, got ${String(normType)}`);
  }
  if (options.errorIfNonfinite) {
    throw new DeviceError(
      `${op}: errorIfNonfinite reads the norm back from ${device}; check the returned tensor instead ` +
        '(await total.itemAsync()) when you log',
    );
  }
  return noGrad(() => {
    const norms = params.map((p) => norm(p.grad!, { p: normType }));
    const total = norms.length === 1 ? norms[0]! : norm(stack(norms), { p: normType });
    // min(maxNorm / (total + 1e-6), 1), or 1 (no change) when the norm is not finite.
    const coef = where(total.isfinite(), total.add(1e-6).reciprocal().mul(maxNorm).clamp(0, 1), 1);
    for (const p of params) updateGrad(p, (g) => g.mul(coef));
    return total;
  });
}

/**
 * Clamps every gradient element into [-clipValue, clipValue] in place, as
 * `torch.nn.utils.clip_grad_value_` (NaN stays NaN).
 *
 * @example
 * const model = new Linear(4, 2);
 * model.call(randn([8, 4])).pow(2).sum().backward();
 * clipGradValue(model.parameters(), 0.5); // every grad element now in [-0.5, 0.5]
 */
export function clipGradValue(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  const op = 'clipGradValue';
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue) || clipValue < 0) {
    throw new ValueError(`${op}: clipValue must be a number ≥ 0, got ${String(clipValue)}`);
  }
  for (const p of withGrads(op, parameters)) {
    updateGrad(p, (g) => g.clamp(-clipValue, clipValue));
  }
}
