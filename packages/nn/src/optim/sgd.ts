import { sgdStep_, type Tensor, ValueError } from '@tsgrad/core';
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

/** Hyper-parameters of `SGD`. */
export interface SGDOptions {
  /** Learning rate (default 1e-3, as PyTorch). */
  lr: number;
  /** Momentum factor μ (default 0). */
  momentum: number;
  /** Dampening τ of the momentum (default 0). */
  dampening: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * Stochastic gradient descent, optionally with momentum, as `torch.optim.SGD`:
 * g ← ±∇ + λθ; b ← g on the first step, else μb + (1−τ)g; g ← g + μb (Nesterov) or b; θ ← θ − lr·g.
 *
 * @example
 * const model = new Linear(4, 1);
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * const loss = model.call(randn([8, 4])).pow(2).mean();
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super(params, {
      lr: options.lr ?? 1e-3,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected override get name(): string {
    return 'SGD';
  }

  protected checkOptions(o: SGDOptions): void {
    checkNonNegative('SGD', 'lr', o.lr);
    checkNonNegative('SGD', 'momentum', o.momentum);
    checkNonNegative('SGD', 'weightDecay', o.weightDecay);
    if (typeof o.dampening !== 'number' || !Number.isFinite(o.dampening)) {
      throw new ValueError(`SGD: invalid dampening ${String(o.dampening)} (expected a finite number)`);
    }
    checkBoolean('SGD', 'nesterov', o.nesterov);
    checkBoolean('SGD', 'maximize', o.maximize);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new ValueError(
        `SGD: nesterov requires momentum > 0 and dampening 0, got momentum ${o.momentum} and dampening ${o.dampening}`,
      );
    }
  }

  protected override checkState(state: ParamState, index: number): void {
    const buf = state.momentumBuffer;
    if (buf !== undefined && typeof buf === 'number') {
      throw new ValueError(`SGD.loadStateDict: momentumBuffer of parameter ${index} must be a Tensor`);
    }
  }

  protected override updateOnDevice(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<SGDOptions>,
    state: ParamState,
  ): void {
    let buffer = (state.momentumBuffer as Tensor | undefined) ?? null;
    const first = group.momentum !== 0 && buffer === null;
    if (first) state.momentumBuffer = buffer = zerosState(p);
    sgdStep_(p, grad, group.momentum === 0 ? null : buffer, { ...group, first });
  }

  protected update(
    p: FloatArray,
    po: number,
    n: number,
    g: FloatArray,
    go: number,
    group: ParamGroup<SGDOptions>,
    state: ParamState,
  ): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = group;
    const sign = group.maximize ? -1 : 1;
    if (momentum === 0 && weightDecay === 0) {
      // Plain SGD, the common case, without loop-invariant branches: lr·(±g) is (±lr)·g exactly.
      const step = sign * lr;
      for (let i = 0; i < n; i++) p[po + i] = p[po + i]! - step * g[go + i]!;
      return;
    }
    if (momentum === 0) {
      for (let i = 0; i < n; i++) {
        let gi = sign * g[go + i]!;
        if (weightDecay !== 0) gi += weightDecay * p[po + i]!;
        p[po + i] = p[po + i]! - lr * gi;
      }
      return;
    }
    let buf = state.momentumBuffer as FloatArray | undefined;
    // PyTorch starts the buffer at the first gradient, without dampening.
    const first = buf === undefined;
    if (buf === undefined) {
      buf = zerosBuffer(p, n);
      state.momentumBuffer = buf;
    }
    const keep = 1 - dampening;
    for (let i = 0; i < n; i++) {
      let gi = sign * g[go + i]!;
      if (weightDecay !== 0) gi += weightDecay * p[po + i]!;
      buf[i] = first ? gi : momentum * buf[i]! + keep * gi;
      const d = nesterov ? gi + momentum * buf[i]! : buf[i]!;
      p[po + i] = p[po + i]! - lr * d;
    }
  }
}
