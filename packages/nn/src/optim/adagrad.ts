import {
  checkBoolean,
  checkNonNegative,
  type FloatArray,
  Optimizer,
  type ParamGroup,
  type ParamState,
  type ParamsInput,
  zerosBuffer,
} from './optimizer.js';

/** Hyper-parameters of `Adagrad`. */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Decay of the lr with the step count: lr / (1 + (t−1)·lrDecay) (default 0). */
  lrDecay: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue: number;
  /** Term added to the denominator for numerical stability (default 1e-10). */
  eps: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * Adagrad, as `torch.optim.Adagrad` (PyTorch 1.13): g ← ±∇ + λθ; s ← s + g²;
 * θ ← θ − (lr / (1 + (t−1)·lrDecay)) · g / (√s + ε). State per parameter: `step`, `sum`.
 *
 * @example
 * const opt = new Adagrad(new Linear(4, 2).parameters(), { lr: 0.1, lrDecay: 1e-3 });
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: ParamsInput<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(params, {
      lr: options.lr ?? 1e-2,
      lrDecay: options.lrDecay ?? 0,
      weightDecay: options.weightDecay ?? 0,
      initialAccumulatorValue: options.initialAccumulatorValue ?? 0,
      eps: options.eps ?? 1e-10,
      maximize: options.maximize ?? false,
    });
  }

  protected override get name(): string {
    return 'Adagrad';
  }

  protected checkOptions(o: AdagradOptions): void {
    checkNonNegative('Adagrad', 'lr', o.lr);
    checkNonNegative('Adagrad', 'lrDecay', o.lrDecay);
    checkNonNegative('Adagrad', 'weightDecay', o.weightDecay);
    checkNonNegative('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue);
    checkNonNegative('Adagrad', 'eps', o.eps);
    checkBoolean('Adagrad', 'maximize', o.maximize);
  }

  protected override checkState(state: ParamState, index: number): void {
    this.checkStepAndBuffers(state, index, ['sum']);
  }

  protected update(
    p: FloatArray,
    po: number,
    n: number,
    g: FloatArray,
    go: number,
    group: ParamGroup<AdagradOptions>,
    state: ParamState,
  ): void {
    const { lr, lrDecay, weightDecay, eps } = group;
    if (state.step === undefined) {
      state.step = 0;
      const sum = zerosBuffer(p, n);
      sum.fill(group.initialAccumulatorValue);
      state.sum = sum;
    }
    const step = (state.step as number) + 1;
    state.step = step;
    const sum = state.sum as FloatArray;
    const clr = lr / (1 + (step - 1) * lrDecay);
    const sign = group.maximize ? -1 : 1;
    for (let i = 0; i < n; i++) {
      let gi = sign * g[go + i]!;
      if (weightDecay !== 0) gi += weightDecay * p[po + i]!;
      sum[i] = sum[i]! + gi * gi;
      p[po + i] = p[po + i]! - (clr * gi) / (Math.sqrt(sum[i]!) + eps);
    }
  }
}
