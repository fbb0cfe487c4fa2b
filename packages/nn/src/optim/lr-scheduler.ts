/**
 * Learning-rate schedulers, as `torch.optim.lr_scheduler`: each sets every group's `lr` from the
 * lr it started with (`initialLr`, recorded on the group) by a closed form in the epoch count.
 * Call `scheduler.step()` after `optimizer.step()`, once per epoch (or per iteration).
 *
 * Being closed forms, these do not chain: two schedulers on one optimizer do not multiply
 * (PyTorch's chainable forms do); the last one stepped sets the lr.
 */
import { ValueError } from '@tsgrad/core';

/** The part of an optimizer a scheduler needs: groups with a mutable lr. */
export interface SchedulableOptimizer {
  readonly paramGroups: Array<{ lr: number; initialLr?: number }>;
}

/** A saved scheduler. */
export interface LRSchedulerStateDict {
  /** Number of `step()` calls since the start (0 right after construction). */
  lastEpoch: number;
  /** The initial lr of each group. */
  baseLrs: number[];
}

/** Base class of the schedulers. */
export abstract class LRScheduler {
  /** The optimizer whose lr is scheduled. */
  readonly optimizer: SchedulableOptimizer;
  /** The initial lr of each group. */
  baseLrs: number[];
  /** The epoch count: 0 after construction, +1 per `step()`. */
  lastEpoch = 0;
  private lastLrs: number[] = [];

  /** Records each group's `initialLr` (kept if a scheduler set it already). */
  constructor(optimizer: SchedulableOptimizer) {
    this.optimizer = optimizer;
    for (const group of optimizer.paramGroups) group.initialLr ??= group.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
  }

  /** The lr of a group whose initial lr is `baseLr`, at `epoch`. */
  protected abstract lrAt(baseLr: number, epoch: number): number;

  /** Applies the lr of epoch 0, as PyTorch's constructor does; subclasses call it last in their constructor. */
  protected start(): void {
    this.lastEpoch = 0;
    this.apply();
  }

  /** Advances one epoch and sets each group's lr. */
  step(): void {
    this.lastEpoch += 1;
    this.apply();
  }

  /** The lr of each group as last set by this scheduler. */
  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  /** The epoch count and base lrs. */
  stateDict(): LRSchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  /** Restores `stateDict()` and sets the lrs of that epoch. */
  loadStateDict(dict: LRSchedulerStateDict): void {
    if (!Number.isInteger(dict.lastEpoch) || dict.lastEpoch < 0) {
      throw new ValueError(`LRScheduler.loadStateDict: invalid lastEpoch ${String(dict.lastEpoch)}`);
    }
    const groups = this.optimizer.paramGroups.length;
    if (!Array.isArray(dict.baseLrs) || dict.baseLrs.length !== groups) {
      throw new ValueError(
        `LRScheduler.loadStateDict: ${String(dict.baseLrs?.length)} base lrs for ${groups} parameter groups`,
      );
    }
    this.lastEpoch = dict.lastEpoch;
    this.baseLrs = [...dict.baseLrs];
    this.apply();
  }

  private apply(): void {
    this.lastLrs = this.optimizer.paramGroups.map((group, i) => {
      group.lr = this.lrAt(this.baseLrs[i]!, this.lastEpoch);
      return group.lr;
    });
  }
}

function checkNumber(
  op: string,
  option: string,
  value: unknown,
  ok: (v: number) => boolean,
  expected: string,
): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new ValueError(`${op}: invalid ${option} ${String(value)} (expected ${expected})`);
  }
}

/** Options of `StepLR`. */
export interface StepLROptions {
  /** Epochs between decays. */
  stepSize: number;
  /** Multiplicative decay (default 0.1). */
  gamma?: number;
}

/**
 * Decays the lr by `gamma` every `stepSize` epochs: lr = initialLr · gamma^⌊epoch / stepSize⌋.
 *
 * @example
 * const opt = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
 * const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 }); // lr 0.1, then 0.01 from epoch 30
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: StepLROptions) {
    super(optimizer);
    checkNumber(
      'StepLR',
      'stepSize',
      options.stepSize,
      (v) => v > 0 && Number.isInteger(v),
      'a positive integer',
    );
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    checkNumber('StepLR', 'gamma', this.gamma, (v) => v >= 0, 'a finite number ≥ 0');
    this.start();
  }

  protected lrAt(baseLr: number, epoch: number): number {
    return baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/** Options of `CosineAnnealingLR`. */
export interface CosineAnnealingLROptions {
  /** Epochs of the half cosine from the initial lr down to `etaMin`. */
  tMax: number;
  /** The lowest lr (default 0). */
  etaMin?: number;
}

/**
 * Cosine annealing without restarts (the closed form of `torch.optim.lr_scheduler.CosineAnnealingLR`):
 * lr = etaMin + (initialLr − etaMin) · (1 + cos(π · epoch / tMax)) / 2.
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingLROptions) {
    super(optimizer);
    checkNumber('CosineAnnealingLR', 'tMax', options.tMax, (v) => v > 0, 'a positive number');
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    checkNumber('CosineAnnealingLR', 'etaMin', this.etaMin, (v) => v >= 0, 'a finite number ≥ 0');
    this.start();
  }

  protected lrAt(baseLr: number, epoch: number): number {
    return this.etaMin + ((baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

/** Options of `LinearLR`. */
export interface LinearLROptions {
  /** Factor of the initial lr at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** Factor reached at `totalIters` and kept after, in [0, 1] (default 1). */
  endFactor?: number;
  /** Epochs to go from `startFactor` to `endFactor` (default 5). */
  totalIters?: number;
}

/**
 * Linear warm-up (or decay) of the lr factor:
 * lr = initialLr · (startFactor + (endFactor − startFactor) · min(epoch, totalIters) / totalIters).
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: SchedulableOptimizer, options: LinearLROptions = {}) {
    super(optimizer);
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    checkNumber('LinearLR', 'startFactor', this.startFactor, (v) => v > 0 && v <= 1, 'a number in (0, 1]');
    checkNumber('LinearLR', 'endFactor', this.endFactor, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
    checkNumber(
      'LinearLR',
      'totalIters',
      this.totalIters,
      (v) => v > 0 && Number.isInteger(v),
      'a positive integer',
    );
    this.start();
  }

  protected lrAt(baseLr: number, epoch: number): number {
    const progress = Math.min(epoch, this.totalIters) / this.totalIters;
    return baseLr * (this.startFactor + (this.endFactor - this.startFactor) * progress);
  }
}
