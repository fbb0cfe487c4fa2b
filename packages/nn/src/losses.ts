/** Losses as modules: `MSELoss`, `CrossEntropyLoss`, `NLLLoss`, `BCEWithLogitsLoss` (options as in `F`). */
import type { Tensor } from '@tsgrad/core';
import {
  type BCEWithLogitsOptions,
  binaryCrossEntropyWithLogits,
  type CrossEntropyOptions,
  crossEntropy,
  type LossOptions,
  mseLoss,
  type NLLLossOptions,
  nllLoss,
  type Reduction,
} from './functional/index.js';
import { asLayer } from './layers/checks.js';
import { Module } from './module.js';

/**
 * Mean squared error between input and target (see `F.mseLoss`).
 *
 * @example
 * new MSELoss().call(tensor([1, 2]), tensor([1, 4])); // (0 + 4) / 2 = 2
 */
export class MSELoss extends Module {
  /** How the per-element losses are combined: 'mean', 'sum' or 'none'. */
  readonly reduction: Reduction;

  constructor(options: LossOptions = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return asLayer(this.constructor.name, () => mseLoss(input, target, { reduction: this.reduction }));
  }

  override extraRepr(): string {
    return this.reduction === 'mean' ? '' : `reduction=${this.reduction}`;
  }
}

/**
 * Negative log-likelihood of class labels under log-probabilities (see `F.nllLoss`).
 *
 * @example
 * new NLLLoss().call(randn([4, 10]).logSoftmax(-1), tensor([1, 0, 9, 3], { dtype: 'int32' }));
 */
export class NLLLoss extends Module {
  /** How the per-sample losses are combined: 'mean', 'sum' or 'none'. */
  readonly reduction: Reduction;
  /** A label that contributes nothing to the loss (default -100). */
  readonly ignoreIndex: number;
  /** Per-class weight, a buffer (saved in `stateDict`) as in PyTorch; null when not given. */
  weight: Tensor | null;

  constructor(options: NLLLossOptions = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.weight = this.registerBuffer('weight', options.weight ?? null);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return asLayer(this.constructor.name, () =>
      nllLoss(input, target, {
        reduction: this.reduction,
        ignoreIndex: this.ignoreIndex,
        weight: this.weight ?? undefined,
      }),
    );
  }
}

/**
 * Cross-entropy of logits against class labels or probabilities (see `F.crossEntropy`).
 *
 * @example
 * const loss = new CrossEntropyLoss({ labelSmoothing: 0.1 });
 * loss.call(randn([4, 10]), tensor([1, 0, 9, 3], { dtype: 'int32' }));
 */
export class CrossEntropyLoss extends Module {
  /** How the per-sample losses are combined: 'mean', 'sum' or 'none'. */
  readonly reduction: Reduction;
  /** A label that contributes nothing to the loss (none when undefined). */
  readonly ignoreIndex: number | undefined;
  /** The share of probability spread uniformly over the classes (0 to 1). */
  readonly labelSmoothing: number;
  /** Per-class weight, a buffer (saved in `stateDict`) as in PyTorch; null when not given. */
  weight: Tensor | null;

  constructor(options: CrossEntropyOptions = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
    this.ignoreIndex = options.ignoreIndex;
    this.labelSmoothing = options.labelSmoothing ?? 0;
    this.weight = this.registerBuffer('weight', options.weight ?? null);
  }

  override forward(logits: Tensor, target: Tensor): Tensor {
    return asLayer(this.constructor.name, () =>
      crossEntropy(logits, target, {
        reduction: this.reduction,
        ignoreIndex: this.ignoreIndex,
        labelSmoothing: this.labelSmoothing,
        weight: this.weight ?? undefined,
      }),
    );
  }

  override extraRepr(): string {
    return this.labelSmoothing === 0 ? '' : `labelSmoothing=${this.labelSmoothing}`;
  }
}

/**
 * Binary cross-entropy of logits, computed stably (see `F.binaryCrossEntropyWithLogits`).
 *
 * @example
 * new BCEWithLogitsLoss().call(randn([4]), tensor([1, 0, 1, 1]));
 */
export class BCEWithLogitsLoss extends Module {
  /** How the per-element losses are combined: 'mean', 'sum' or 'none'. */
  readonly reduction: Reduction;
  /** Buffers (saved in `stateDict`) as in PyTorch; null when not given. */
  weight: Tensor | null;
  /** Weight of the positive examples of each class, a buffer; null when not given. */
  posWeight: Tensor | null;

  constructor(options: BCEWithLogitsOptions = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
    this.weight = this.registerBuffer('weight', options.weight ?? null);
    this.posWeight = this.registerBuffer('posWeight', options.posWeight ?? null);
  }

  override forward(logits: Tensor, target: Tensor): Tensor {
    return asLayer(this.constructor.name, () =>
      binaryCrossEntropyWithLogits(logits, target, {
        reduction: this.reduction,
        weight: this.weight ?? undefined,
        posWeight: this.posWeight ?? undefined,
      }),
    );
  }
}
