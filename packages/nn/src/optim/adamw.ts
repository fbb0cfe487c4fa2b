import { Adam, type AdamOptions } from './adam.js';
import type { ParamsInput } from './optimizer.js';

/**
 * AdamW, as `torch.optim.AdamW`: decoupled weight decay θ ← θ·(1 − lr·λ), then the Adam step
 * without the L2 term. `weightDecay` defaults to 1e-2.
 *
 * @example
 * const opt = new AdamW(new Linear(4, 2).parameters(), { lr: 1e-3, weightDecay: 0.01 });
 */
export class AdamW extends Adam {
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 1e-2 });
  }

  protected override get name(): string {
    return 'AdamW';
  }

  protected override get decoupledWeightDecay(): boolean {
    return true;
  }
}
