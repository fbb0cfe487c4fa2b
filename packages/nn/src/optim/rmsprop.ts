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

/** Hyper-parameters of `RMSprop`. */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant α of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Term added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor μ (default 0). */
  momentum: number;
  /** Normalize by the estimated variance of the gradient instead of its second moment (default false). */
  centered: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * RMSprop, as `torch.optim.RMSprop` (PyTorch 1.13): g ← ±∇ + λθ; v ← αv + (1−α)g²;
 * centered: ḡ ← αḡ + (1−α)g, d ← √(v − ḡ²) + ε, else d ← √v + ε; with momentum
 * b ← μb + g/d, θ ← θ − lr·b, else θ ← θ − lr·g/d. State per parameter: `step`, `squareAvg`
 * (and `momentumBuffer`, `gradAvg`).
 *
 * @example
 * const opt = new RMSprop(new Linear(4, 2).parameters(), { lr: 0.01, momentum: 0.9 });
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: ParamsInput<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, {
      lr: options.lr ?? 1e-2,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      momentum: options.momentum ?? 0,
      centered: options.centered ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected override get name(): string {
    return 'RMSprop';
  }

  protected checkOptions(o: RMSpropOptions): void {
    checkNonNegative('RMSprop', 'lr', o.lr);
    checkNonNegative('RMSprop', 'alpha', o.alpha);
    checkNonNegative('RMSprop', 'eps', o.eps);
    checkNonNegative('RMSprop', 'weightDecay', o.weightDecay);
    checkNonNegative('RMSprop', 'momentum', o.momentum);
    checkBoolean('RMSprop', 'centered', o.centered);
    checkBoolean('RMSprop', 'maximize', o.maximize);
  }

  protected override checkState(state: ParamState, index: number): void {
    this.checkStepAndBuffers(state, index, ['squareAvg'], ['momentumBuffer', 'gradAvg']);
  }

  protected update(
    p: FloatArray,
    po: number,
    n: number,
    g: FloatArray,
    go: number,
    group: ParamGroup<RMSpropOptions>,
    state: ParamState,
  ): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = group;
    if (state.step === undefined) {
      state.step = 0;
      state.squareAvg = zerosBuffer(p, n);
    }
    if (momentum > 0 && state.momentumBuffer === undefined) state.momentumBuffer = zerosBuffer(p, n);
    if (centered && state.gradAvg === undefined) state.gradAvg = zerosBuffer(p, n);
    state.step = (state.step as number) + 1;
    const v = state.squareAvg as FloatArray;
    const gAvg = state.gradAvg as FloatArray | undefined;
    const buf = state.momentumBuffer as FloatArray | undefined;
    const sign = group.maximize ? -1 : 1;
    for (let i = 0; i < n; i++) {
      let gi = sign * g[go + i]!;
      if (weightDecay !== 0) gi += weightDecay * p[po + i]!;
      v[i] = alpha * v[i]! + (1 - alpha) * gi * gi;
      let avg: number;
      if (centered) {
        gAvg![i] = alpha * gAvg![i]! + (1 - alpha) * gi;
        avg = Math.sqrt(v[i]! - gAvg![i]! * gAvg![i]!) + eps;
      } else avg = Math.sqrt(v[i]!) + eps;
      if (momentum > 0) {
        buf![i] = momentum * buf![i]! + gi / avg;
        p[po + i] = p[po + i]! - lr * buf![i]!;
      } else p[po + i] = p[po + i]! - (lr * gi) / avg;
    }
  }
}
