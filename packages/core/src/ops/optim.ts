/**
 * Fused optimizer updates on any device: one in-place pass per parameter over the parameter, its
 * gradient and its state, recording nothing. The nn optimizers use them for parameters that are
 * not on the CPU, so that a GPU training step never reads back.
 */
import { type Backend, backendOf } from '../backends/backend.js';
import type { AdamStepParams, SgdStepParams } from '../backends/optim.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { isFloating } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

export type { AdamStepParams, SgdStepParams } from '../backends/optim.js';

/** Options of `sgdStep_`: the SGD hyper-parameters (all but `lr` default to off). */
export type SgdStepOptions = Pick<SgdStepParams, 'lr'> & Partial<Omit<SgdStepParams, 'lr'>>;

/** Options of `adamStep_`: the Adam hyper-parameters and the step number (from 1). */
export type AdamStepOptions = Pick<AdamStepParams, 'lr' | 'step'> &
  Partial<Omit<AdamStepParams, 'lr' | 'step'>>;

/** Throws unless every tensor is a contiguous floating leaf-like buffer shaped like `param`. */
function checkOperands(op: string, param: Tensor, operands: [string, Tensor | null][]): void {
  if (!isFloating(param.dtype))
    throw new DTypeError(`${op}: expected a floating parameter, got ${param.dtype}`);
  if (!param.isContiguous) {
    throw new ValueError(`${op}: the parameter must be contiguous, got strides [${param.strides.join(',')}]`);
  }
  for (const [name, t] of operands) {
    if (t === null) continue;
    if (t.dtype !== param.dtype) {
      throw new DTypeError(`${op}: ${name} is ${t.dtype}, the parameter is ${param.dtype}`);
    }
    if (t.ndim !== param.ndim || t.shape.some((d, i) => d !== param.shape[i])) {
      throw new ShapeError(
        `${op}: ${name} has shape ${fmtShape(t.shape)}, the parameter has shape ${fmtShape(param.shape)}`,
      );
    }
    if (name !== 'grad' && (!t.isContiguous || t.storage === param.storage)) {
      throw new ValueError(`${op}: ${name} must be a contiguous buffer of its own`);
    }
  }
}

/** `grad` itself when contiguous, else a contiguous copy (an expanded or transposed gradient). */
function dense(backend: Backend, grad: Tensor): Tensor {
  return grad.isContiguous ? grad : new Tensor(backend.contiguous(grad), grad.shape);
}

/**
 * One SGD update of `param` in place from `grad` (as `torch.optim.SGD` does per parameter):
 * g ← ±grad + λθ; b ← g on the first step, else μb + (1−τ)g; g ← g + μb (Nesterov) or b;
 * θ ← θ − lr·g. `momentumBuffer` (shaped like `param`, on its device) is updated in place; pass
 * null without momentum. Records nothing; runs on the device of its operands, with no readback.
 *
 * @example
 * const w = tensor([1, 2, 3]); // or a webgpu tensor, with its buffer on webgpu too
 * const buffer = zeros([3]);
 * sgdStep_(w, onesLike(w), buffer, { lr: 0.1, momentum: 0.9, first: true }); // w: [0.9, 1.9, 2.9]
 */
export function sgdStep_(
  param: Tensor,
  grad: Tensor,
  momentumBuffer: Tensor | null,
  options: SgdStepOptions,
): void {
  const op = 'sgdStep_';
  checkOperands(op, param, [
    ['grad', grad],
    ['momentumBuffer', momentumBuffer],
  ]);
  const o: SgdStepParams = {
    lr: options.lr,
    momentum: options.momentum ?? 0,
    dampening: options.dampening ?? 0,
    weightDecay: options.weightDecay ?? 0,
    nesterov: options.nesterov ?? false,
    maximize: options.maximize ?? false,
    first: options.first ?? false,
  };
  if (o.momentum !== 0 && momentumBuffer === null) {
    throw new ValueError(`${op}: momentum ${o.momentum} needs a momentumBuffer`);
  }
  const inputs = momentumBuffer === null ? [param, grad] : [param, grad, momentumBuffer];
  const backend = backendOf(op, ...inputs);
  backend.sgdStep(param, dense(backend, grad), momentumBuffer, o);
}

/**
 * One Adam (or AdamW, with `decoupled`) update of `param`, `expAvg` and `expAvgSq` in place from
 * `grad`, as `torch.optim.Adam` does per parameter at step `step` (from 1):
 * g ← ±grad + λθ (or θ ← θ(1 − lr·λ) when decoupled); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v̂ / √(1−β₂ᵗ) + ε), v̂ = v or, under AMSGrad, its running
 * maximum kept in `maxExpAvgSq`. Records nothing; runs on the device of its operands, with no
 * readback.
 *
 * @example
 * const w = tensor([1, 2, 3]); // or a webgpu tensor, with its state on webgpu too
 * const [m, v] = [zeros([3]), zeros([3])];
 * adamStep_(w, onesLike(w), m, v, null, { lr: 1e-3, step: 1 }); // w: [0.999, 1.999, 2.999]
 */
export function adamStep_(
  param: Tensor,
  grad: Tensor,
  expAvg: Tensor,
  expAvgSq: Tensor,
  maxExpAvgSq: Tensor | null,
  options: AdamStepOptions,
): void {
  const op = 'adamStep_';
  checkOperands(op, param, [
    ['grad', grad],
    ['expAvg', expAvg],
    ['expAvgSq', expAvgSq],
    ['maxExpAvgSq', maxExpAvgSq],
  ]);
  if (!Number.isInteger(options.step) || options.step < 1) {
    throw new ValueError(`${op}: step must be an integer ≥ 1, got ${String(options.step)}`);
  }
  const o: AdamStepParams = {
    lr: options.lr,
    step: options.step,
    beta1: options.beta1 ?? 0.9,
    beta2: options.beta2 ?? 0.999,
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? 0,
    decoupled: options.decoupled ?? false,
    amsgrad: options.amsgrad ?? maxExpAvgSq !== null,
    maximize: options.maximize ?? false,
  };
  if (o.amsgrad && maxExpAvgSq === null) throw new ValueError(`${op}: amsgrad needs a maxExpAvgSq buffer`);
  const inputs = [param, grad, expAvg, expAvgSq];
  if (maxExpAvgSq !== null) inputs.push(maxExpAvgSq);
  const backend = backendOf(op, ...inputs);
  backend.adamStep(param, dense(backend, grad), expAvg, expAvgSq, o.amsgrad ? maxExpAvgSq : null, o);
}
