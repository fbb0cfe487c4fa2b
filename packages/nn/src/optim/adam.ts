import { adamStep_, type Tensor, ValueError } from '@tsgrad/core';
import {
  checkBoolean,
  checkNonNegative,
  type FloatArray,
  Optimizer,
  type ParamGroup,
  type ParamState,
  type ParamsInput,
  zerosBuffer,
  zerosState,
} from './optimizer.js';

/** Hyper-parameters of `Adam` and `AdamW`. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates β₁, β₂ of the first and second moment averages, each in [0, 1) (default [0.9, 0.999]). */
  betas: readonly [number, number];
  /** Term added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** Weight decay: an L2 penalty added to the gradient in Adam (default 0), decoupled in AdamW (default 1e-2). */
  weightDecay: number;
  /** Use the maximum of the second moment seen so far (AMSGrad, default false). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * Adam, as `torch.optim.Adam`: g ← ±∇ + λθ; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε), with v replaced by its running maximum under AMSGrad.
 * State per parameter: `step`, `expAvg`, `expAvgSq` (and `maxExpAvgSq`).
 *
 * @example
 * const opt = new Adam(new Linear(4, 2).parameters(), { lr: 1e-3 });
 */
export class Adam extends Optimizer<AdamOptions> {
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      amsgrad: options.amsgrad ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected override get name(): string {
    return 'Adam';
  }

  /** True for AdamW: weight decay shrinks the weights directly instead of joining the gradient. */
  protected get decoupledWeightDecay(): boolean {
    return false;
  }

  protected checkOptions(o: AdamOptions): void {
    const op = this.name;
    checkNonNegative(op, 'lr', o.lr);
    checkNonNegative(op, 'eps', o.eps);
    checkNonNegative(op, 'weightDecay', o.weightDecay);
    checkBoolean(op, 'amsgrad', o.amsgrad);
    checkBoolean(op, 'maximize', o.maximize);
    if (!Array.isArray(o.betas) || o.betas.length !== 2) {
      throw new ValueError(`${op}: invalid betas ${String(o.betas)} (expected two numbers in [0, 1))`);
    }
    o.betas.forEach((beta, i) => {
      if (typeof beta !== 'number' || !(beta >= 0 && beta < 1)) {
        throw new ValueError(
          `${op}: invalid beta parameter at index ${i}: ${String(beta)} (expected a number in [0, 1))`,
        );
      }
    });
  }

  protected override checkState(state: ParamState, index: number): void {
    this.checkStepAndBuffers(state, index, ['expAvg', 'expAvgSq'], ['maxExpAvgSq']);
  }

  protected override updateOnDevice(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<AdamOptions>,
    state: ParamState,
  ): void {
    if (state.step === undefined) {
      state.step = 0;
      state.expAvg = zerosState(p);
      state.expAvgSq = zerosState(p);
    }
    if (group.amsgrad && state.maxExpAvgSq === undefined) state.maxExpAvgSq = zerosState(p);
    const step = (state.step as number) + 1;
    state.step = step;
    const [beta1, beta2] = group.betas;
    const max = group.amsgrad ? (state.maxExpAvgSq as Tensor) : null;
    const o = { ...group, beta1, beta2, step, decoupled: this.decoupledWeightDecay };
    adamStep_(p, grad, state.expAvg as Tensor, state.expAvgSq as Tensor, max, o);
  }

  protected update(
    p: FloatArray,
    po: number,
    n: number,
    g: FloatArray,
    go: number,
    group: ParamGroup<AdamOptions>,
    state: ParamState,
  ): void {
    const { lr, eps, weightDecay, amsgrad } = group;
    const [beta1, beta2] = group.betas;
    if (state.step === undefined) {
      state.step = 0;
      state.expAvg = zerosBuffer(p, n);
      state.expAvgSq = zerosBuffer(p, n);
    }
    if (amsgrad && state.maxExpAvgSq === undefined) state.maxExpAvgSq = zerosBuffer(p, n);
    const step = (state.step as number) + 1;
    state.step = step;
    const m = state.expAvg as FloatArray;
    const v = state.expAvgSq as FloatArray;
    const vMax = amsgrad ? (state.maxExpAvgSq as FloatArray) : v;
    const stepSize = lr / (1 - beta1 ** step);
    const bias2Sqrt = Math.sqrt(1 - beta2 ** step);
    const sign = group.maximize ? -1 : 1;
    const decoupled = this.decoupledWeightDecay;
    const shrink = decoupled ? 1 - lr * weightDecay : 1;
    const l2 = decoupled ? 0 : weightDecay;
    if (l2 === 0 && shrink === 1 && !amsgrad) {
      // The common case without loop-invariant branches; the same arithmetic as the loop below.
      const c1 = 1 - beta1;
      const c2 = 1 - beta2;
      for (let i = 0; i < n; i++) {
        const gi = sign * g[go + i]!;
        m[i] = beta1 * m[i]! + c1 * gi;
        v[i] = beta2 * v[i]! + c2 * gi * gi;
        p[po + i] = p[po + i]! - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / bias2Sqrt + eps);
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      let gi = sign * g[go + i]!;
      let pi = p[po + i]!;
      if (l2 !== 0) gi += l2 * pi;
      if (shrink !== 1) pi *= shrink;
      m[i] = beta1 * m[i]! + (1 - beta1) * gi;
      v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
      // Math.max propagates NaN, as torch.maximum does.
      if (amsgrad) vMax[i] = Math.max(vMax[i]!, v[i]!);
      const denom = Math.sqrt(vMax[i]!) / bias2Sqrt + eps;
      p[po + i] = pi - (stepSize * m[i]!) / denom;
    }
  }
}
