/**
 * Learning-rate schedulers, as `torch.optim.lr_scheduler`. `StepLR`, `CosineAnnealingLR`,
 * `LinearLR`, `LambdaLR` and `OneCycleLR` set every group's `lr` from the lr it started with
 * (`initialLr`, recorded on the group) by a closed form in the epoch count; `MultiplicativeLR`
 * multiplies the current lr; `SequentialLR` hands over from one scheduler to the next at milestones;
 * `ReduceLROnPlateau` reacts to a metric (`step(metric)`). Call `scheduler.step()` after
 * `optimizer.step()`, once per epoch (or per iteration; per batch for `OneCycleLR`).
 *
 * The closed forms do not chain: two of them stepped on one optimizer do not multiply (PyTorch's
 * chainable forms do); the last one stepped sets the lr. Use `SequentialLR` to combine them.
 * Every scheduler's `stateDict()` is JSON, so `saveCheckpoint` carries it.
 */
import { ValueError } from '@tsgrad/core';

/** The part of an optimizer a scheduler needs: groups with a mutable lr (and momentum or betas). */
export interface SchedulableOptimizer {
  readonly paramGroups: Array<{
    lr: number;
    initialLr?: number;
    momentum?: number;
    betas?: readonly [number, number];
  }>;
}

/** A saved scheduler of any kind: its epoch count and JSON-serializable fields. */
export interface SchedulerStateDict {
  /** Number of `step()` calls since the start (0 right after construction). */
  lastEpoch: number;
  [key: string]: unknown;
}

/** What every scheduler offers (`LRScheduler`, `SequentialLR`, `ReduceLROnPlateau`); `saveCheckpoint` takes any. */
export interface Scheduler {
  /** The optimizer whose lr is scheduled. */
  readonly optimizer: SchedulableOptimizer;
  /** The lr of each group as last set. */
  getLastLr(): number[];
  /** The scheduler's state, JSON-serializable. */
  stateDict(): SchedulerStateDict;
  /** Restores `stateDict()`. */
  loadStateDict(dict: SchedulerStateDict): void;
}

/** A saved `LRScheduler`. */
export interface LRSchedulerStateDict extends SchedulerStateDict {
  /** The initial lr of each group. */
  baseLrs: number[];
  /** The lr of each group as last set. */
  lastLr?: number[];
}

/** Restores a scheduler's fields without setting any lr (for `SequentialLR`'s idle schedulers); not exported. */
const restoreFields = Symbol('restoreFields');

/**
 * Base class of the schedulers.
 *
 * @example
 * const opt = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
 * const sched: LRScheduler = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
 * for (let epoch = 0; epoch < 4; epoch++) sched.step(); // call once per epoch, after opt.step()
 * sched.getLastLr(); // [0.025]
 */
export abstract class LRScheduler implements Scheduler {
  /** The optimizer whose lr is scheduled. */
  readonly optimizer: SchedulableOptimizer;
  /** The initial lr of each group. */
  baseLrs: number[];
  /** The epoch count: 0 after construction, +1 per `step()`. */
  lastEpoch = 0;
  /** The lr of each group as last set by this scheduler. */
  protected lastLrs: number[] = [];

  /** Records each group's `initialLr` (kept if a scheduler set it already). */
  constructor(optimizer: SchedulableOptimizer) {
    this.optimizer = optimizer;
    for (const group of optimizer.paramGroups) group.initialLr ??= group.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
  }

  /** The lr of group `group`, whose initial lr is `baseLr`, at `epoch` (closed-form schedulers). */
  protected abstract lrAt(baseLr: number, epoch: number, group: number): number;

  /** The lr of each group at `lastEpoch`; chainable schedulers override it to use the current lrs. */
  protected computeLrs(): number[] {
    return this.baseLrs.map((baseLr, i) => this.lrAt(baseLr, this.lastEpoch, i));
  }

  /** Applies the lr of epoch 0, as PyTorch's constructor does; subclasses call it last in their constructor. */
  protected start(): void {
    this.lastEpoch = 0;
    this.apply();
  }

  /**
   * Advances one epoch and sets each group's lr. With `epoch`, jumps to that epoch instead (as
   * PyTorch's deprecated `step(epoch)`; `SequentialLR` uses `step(0)` at a milestone).
   */
  step(epoch?: number): void {
    if (epoch !== undefined && (!Number.isInteger(epoch) || epoch < 0)) {
      throw new ValueError(`${this.constructor.name}.step: invalid epoch ${String(epoch)}`);
    }
    this.lastEpoch = epoch ?? this.lastEpoch + 1;
    this.apply();
  }

  /** The lr of each group as last set by this scheduler. */
  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  /** The epoch count and base lrs. */
  stateDict(): LRSchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLrs] };
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
    this.restore(dict);
  }

  /** Restores the epoch, base lrs and last lrs as saved, setting no lr (the epoch may be -1: not started). */
  [restoreFields](dict: LRSchedulerStateDict): void {
    this.lastEpoch = dict.lastEpoch;
    this.baseLrs = [...dict.baseLrs];
    if (Array.isArray(dict.lastLr)) this.lastLrs = [...dict.lastLr];
  }

  /** Sets the lrs after `loadStateDict` restored the epoch: by default, those of that epoch. */
  protected restore(_dict: LRSchedulerStateDict): void {
    this.apply();
  }

  /** Sets each group's lr to `computeLrs()`. */
  protected apply(): void {
    const lrs = this.computeLrs();
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = lrs[i]!;
    });
    this.lastLrs = lrs;
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
 *
 * @example
 * const opt = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
 * const sched = new CosineAnnealingLR(opt, { tMax: 10, etaMin: 0.001 });
 * for (let i = 0; i < 5; i++) sched.step();
 * sched.getLastLr(); // [0.0505]: halfway down
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
 *
 * @example
 * const opt = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
 * const warmup = new LinearLR(opt, { startFactor: 0.1, endFactor: 1, totalIters: 4 }); // lr 0.01
 * for (let i = 0; i < 4; i++) warmup.step(); // lr 0.1 from epoch 4 on
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

/** A factor of the lr as a function of the epoch count. */
export type LrLambda = (epoch: number) => number;

function lambdasFor(op: string, optimizer: SchedulableOptimizer, lrLambda: unknown): LrLambda[] {
  const groups = optimizer.paramGroups.length;
  const list = Array.isArray(lrLambda) ? lrLambda : Array.from({ length: groups }, () => lrLambda);
  if (list.length !== groups) {
    throw new ValueError(`${op}: expected ${groups} lrLambda functions (one per group), got ${list.length}`);
  }
  for (const f of list) {
    if (typeof f !== 'function')
      throw new ValueError(`${op}: lrLambda must be a function or a list of functions`);
  }
  return list as LrLambda[];
}

/** Options of `LambdaLR`. */
export interface LambdaLROptions {
  /** The factor of the initial lr at each epoch: one function, or one per parameter group. */
  lrLambda: LrLambda | readonly LrLambda[];
}

/**
 * lr = initialLr · lrLambda(epoch), as `torch.optim.lr_scheduler.LambdaLR`. The functions are not
 * part of the state dict: a resumed run builds the scheduler with the same functions.
 *
 * @example
 * const opt = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
 * const sched = new LambdaLR(opt, { lrLambda: (epoch) => 0.95 ** epoch });
 */
export class LambdaLR extends LRScheduler {
  /** The factor function of each group. */
  readonly lrLambdas: readonly LrLambda[];

  constructor(optimizer: SchedulableOptimizer, options: LambdaLROptions) {
    super(optimizer);
    this.lrLambdas = lambdasFor('LambdaLR', optimizer, options.lrLambda);
    this.start();
  }

  protected lrAt(baseLr: number, epoch: number, group: number): number {
    return baseLr * this.lrLambdas[group]!(epoch);
  }
}

/** Options of `MultiplicativeLR`. */
export interface MultiplicativeLROptions {
  /** The factor applied to the current lr at each step: one function, or one per parameter group. */
  lrLambda: LrLambda | readonly LrLambda[];
}

/**
 * Multiplies each group's current lr by lrLambda(epoch) at every step (from epoch 1), as
 * `torch.optim.lr_scheduler.MultiplicativeLR`.
 *
 * @example
 * const opt = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
 * const sched = new MultiplicativeLR(opt, { lrLambda: () => 0.95 });
 */
export class MultiplicativeLR extends LRScheduler {
  /** The factor function of each group. */
  readonly lrLambdas: readonly LrLambda[];

  constructor(optimizer: SchedulableOptimizer, options: MultiplicativeLROptions) {
    super(optimizer);
    this.lrLambdas = lambdasFor('MultiplicativeLR', optimizer, options.lrLambda);
    this.start();
  }

  protected lrAt(baseLr: number, epoch: number, group: number): number {
    let lr = baseLr;
    for (let e = 1; e <= epoch; e++) lr *= this.lrLambdas[group]!(e);
    return lr;
  }

  protected override computeLrs(): number[] {
    return this.optimizer.paramGroups.map((group, i) =>
      this.lastEpoch > 0 ? group.lr * this.lrLambdas[i]!(this.lastEpoch) : group.lr,
    );
  }

  /** Restores the saved lrs (a chain of products cannot be recomputed from the epoch alone if lrs were changed by hand). */
  protected override restore(dict: LRSchedulerStateDict): void {
    const saved = dict.lastLr;
    if (!Array.isArray(saved) || saved.length !== this.optimizer.paramGroups.length) {
      throw new ValueError('MultiplicativeLR.loadStateDict: the state dict needs lastLr, one per group');
    }
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = saved[i]!;
    });
    this.lastLrs = [...saved];
  }
}

/** Options of `OneCycleLR`. */
export interface OneCycleLROptions {
  /** The peak lr: one for all groups, or one per group. */
  maxLr: number | readonly number[];
  /** Steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  /** Epochs, with `stepsPerEpoch`, when `totalSteps` is not given. */
  epochs?: number;
  /** Steps per epoch, with `epochs`. */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear' annealing. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle the momentum (or β₁) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Lowest momentum, at the lr's peak (default 0.85). */
  baseMomentum?: number | readonly number[];
  /** Highest momentum, at the start and end (default 0.95). */
  maxMomentum?: number | readonly number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, back down to initialLr, annihilation) instead of two (default false). */
  threePhase?: boolean;
}

type Phase = {
  endStep: number;
  lr: ['initial' | 'max' | 'min', 'initial' | 'max' | 'min'];
  momentum: [0 | 1, 0 | 1];
};

/**
 * The 1cycle policy, as `torch.optim.lr_scheduler.OneCycleLR`: the lr rises from maxLr / divFactor
 * to maxLr over `pctStart` of the steps, then falls to initialLr / finalDivFactor; the momentum
 * (SGD, RMSprop) or β₁ (Adam) moves the other way between maxMomentum and baseMomentum. Step it
 * after every batch; stepping more than `totalSteps` times is an error.
 *
 * @example
 * const opt = new SGD(new Linear(4, 2).parameters(), { lr: 0.01, momentum: 0.9 });
 * const sched = new OneCycleLR(opt, { maxLr: 0.01, totalSteps: 1000 });
 */
export class OneCycleLR extends LRScheduler {
  /** Steps in the cycle. */
  readonly totalSteps: number;
  /** Peak lr of each group. */
  readonly maxLrs: readonly number[];
  /** Final lr of each group. */
  readonly minLrs: readonly number[];
  readonly #phases: Phase[];
  readonly #cos: boolean;
  readonly #cycleMomentum: boolean;
  readonly #useBeta1: boolean;
  readonly #momenta: readonly (readonly [number, number])[];

  constructor(optimizer: SchedulableOptimizer, options: OneCycleLROptions) {
    const op = 'OneCycleLR';
    const groups = optimizer.paramGroups.length;
    const perGroup = (name: string, value: unknown): number[] => {
      const list = Array.isArray(value) ? (value as unknown[]) : Array.from({ length: groups }, () => value);
      if (list.length !== groups)
        throw new ValueError(`${op}: expected ${groups} values for ${name}, got ${list.length}`);
      list.forEach((v) => {
        checkNumber(op, name, v, (x) => x >= 0, 'a finite number ≥ 0');
      });
      return list as number[];
    };
    let totalSteps: number;
    if (options.totalSteps !== undefined) {
      checkNumber(
        op,
        'totalSteps',
        options.totalSteps,
        (v) => v > 0 && Number.isInteger(v),
        'a positive integer',
      );
      totalSteps = options.totalSteps;
    } else if (options.epochs !== undefined && options.stepsPerEpoch !== undefined) {
      checkNumber(op, 'epochs', options.epochs, (v) => v > 0 && Number.isInteger(v), 'a positive integer');
      checkNumber(
        op,
        'stepsPerEpoch',
        options.stepsPerEpoch,
        (v) => v > 0 && Number.isInteger(v),
        'a positive integer',
      );
      totalSteps = options.epochs * options.stepsPerEpoch;
    } else {
      throw new ValueError(`${op}: you must define either totalSteps or both epochs and stepsPerEpoch`);
    }
    const pctStart = options.pctStart ?? 0.3;
    checkNumber(op, 'pctStart', pctStart, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
    const strategy = options.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') {
      throw new ValueError(`${op}: annealStrategy must be 'cos' or 'linear', got ${String(strategy)}`);
    }
    const divFactor = options.divFactor ?? 25;
    const finalDivFactor = options.finalDivFactor ?? 1e4;
    checkNumber(op, 'divFactor', divFactor, (v) => v > 0, 'a positive number');
    checkNumber(op, 'finalDivFactor', finalDivFactor, (v) => v > 0, 'a positive number');
    const maxLrs = perGroup('maxLr', options.maxLr);
    // As PyTorch, the initial lr of each group becomes maxLr / divFactor.
    maxLrs.forEach((maxLr, i) => {
      optimizer.paramGroups[i]!.initialLr = maxLr / divFactor;
    });
    super(optimizer);
    this.totalSteps = totalSteps;
    this.maxLrs = maxLrs;
    this.minLrs = this.baseLrs.map((lr) => lr / finalDivFactor);
    this.#cos = strategy === 'cos';
    this.#phases = options.threePhase
      ? [
          { endStep: pctStart * totalSteps - 1, lr: ['initial', 'max'], momentum: [1, 0] },
          { endStep: 2 * pctStart * totalSteps - 2, lr: ['max', 'initial'], momentum: [0, 1] },
          { endStep: totalSteps - 1, lr: ['initial', 'min'], momentum: [1, 1] },
        ]
      : [
          { endStep: pctStart * totalSteps - 1, lr: ['initial', 'max'], momentum: [1, 0] },
          { endStep: totalSteps - 1, lr: ['max', 'min'], momentum: [0, 1] },
        ];
    this.#cycleMomentum = options.cycleMomentum ?? true;
    const first = optimizer.paramGroups[0]!;
    this.#useBeta1 = first.betas !== undefined;
    this.#momenta = [];
    if (this.#cycleMomentum) {
      if (first.momentum === undefined && first.betas === undefined) {
        throw new ValueError(`${op}: the optimizer must have momentum or betas when cycleMomentum is true`);
      }
      const base = perGroup('baseMomentum', options.baseMomentum ?? 0.85);
      const max = perGroup('maxMomentum', options.maxMomentum ?? 0.95);
      this.#momenta = base.map((b, i) => [b, max[i]!] as const);
    }
    this.start();
  }

  #anneal(start: number, end: number, pct: number): number {
    if (this.#cos) return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  protected lrAt(): number {
    throw new ValueError('OneCycleLR: lrAt is not used');
  }

  protected override computeLrs(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new ValueError(
        `OneCycleLR: tried to step ${step} times; the specified number of total steps is ${this.totalSteps}`,
      );
    }
    return this.optimizer.paramGroups.map((group, g) => {
      const lrOf = { initial: this.baseLrs[g]!, max: this.maxLrs[g]!, min: this.minLrs[g]! };
      let startStep = 0;
      for (const [i, phase] of this.#phases.entries()) {
        if (step <= phase.endStep || i === this.#phases.length - 1) {
          const pct = (step - startStep) / (phase.endStep - startStep);
          const lr = this.#anneal(lrOf[phase.lr[0]], lrOf[phase.lr[1]], pct);
          if (this.#cycleMomentum) {
            const m = this.#momenta[g]!;
            const momentum = this.#anneal(m[phase.momentum[0]], m[phase.momentum[1]], pct);
            if (this.#useBeta1) group.betas = [momentum, group.betas![1]];
            else group.momentum = momentum;
          }
          return lr;
        }
        startStep = phase.endStep;
      }
      throw new ValueError('OneCycleLR: no phase');
    });
  }
}

/** Options of `SequentialLR`. */
export interface SequentialLROptions {
  /** The schedulers, each built on the same optimizer, used one after the other. */
  schedulers: readonly LRScheduler[];
  /** The epochs at which the next scheduler takes over (one fewer than the schedulers). */
  milestones: readonly number[];
}

/**
 * Runs schedulers one after the other, as `torch.optim.lr_scheduler.SequentialLR`: each takes over at
 * its milestone, restarting from its epoch 0 (e.g. a LinearLR warm-up, then a CosineAnnealingLR decay).
 *
 * @example
 * const opt = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const decay = new CosineAnnealingLR(opt, { tMax: 95 });
 * const sched = new SequentialLR(opt, { schedulers: [warmup, decay], milestones: [5] });
 */
export class SequentialLR implements Scheduler {
  /** The optimizer whose lr is scheduled. */
  readonly optimizer: SchedulableOptimizer;
  /** The schedulers in order. */
  readonly schedulers: readonly LRScheduler[];
  /** The epochs at which the next scheduler takes over. */
  readonly milestones: readonly number[];
  /** The epoch count: 0 after construction, +1 per `step()`. */
  lastEpoch = 0;
  #lastLrs: number[];

  constructor(optimizer: SchedulableOptimizer, options: SequentialLROptions) {
    const op = 'SequentialLR';
    const { schedulers, milestones } = options;
    if (!Array.isArray(schedulers) || schedulers.length === 0) {
      throw new ValueError(`${op}: expects at least one scheduler`);
    }
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) throw new ValueError(`${op}: schedulers[${i}] is not an LRScheduler`);
      if (s.optimizer !== optimizer) {
        throw new ValueError(`${op}: schedulers[${i}] is bound to another optimizer than the one given`);
      }
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new ValueError(
        `${op}: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${String(milestones?.length)}`,
      );
    }
    milestones.forEach((m, i) => {
      checkNumber(
        op,
        `milestones[${i}]`,
        m,
        (v) => Number.isInteger(v) && v > 0 && (i === 0 || v > milestones[i - 1]!),
        'increasing positive integers',
      );
    });
    this.optimizer = optimizer;
    this.schedulers = schedulers;
    this.milestones = milestones;
    // As PyTorch: reset the lrs, undo the step each scheduler's constructor made, and start the first.
    for (const group of optimizer.paramGroups) group.lr = group.initialLr ?? group.lr;
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0]!.step();
    this.#lastLrs = schedulers[0]!.getLastLr();
  }

  #index(epoch: number): number {
    let i = 0;
    while (i < this.milestones.length && this.milestones[i]! <= epoch) i++;
    return i;
  }

  /** Advances one epoch with the scheduler in charge (restarting it at its milestone). */
  step(): void {
    this.lastEpoch += 1;
    const idx = this.#index(this.lastEpoch);
    const scheduler = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this.#lastLrs = scheduler.getLastLr();
  }

  /** The lr of each group as last set. */
  getLastLr(): number[] {
    return [...this.#lastLrs];
  }

  /** The epoch count and each scheduler's state. */
  stateDict(): SchedulerStateDict {
    return {
      lastEpoch: this.lastEpoch,
      lastLr: [...this.#lastLrs],
      schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  /** Restores `stateDict()`: every scheduler's state, and the lrs of the one in charge. */
  loadStateDict(dict: SchedulerStateDict): void {
    const op = 'SequentialLR.loadStateDict';
    const saved = dict.schedulers;
    if (!Number.isInteger(dict.lastEpoch) || dict.lastEpoch < 0) {
      throw new ValueError(`${op}: invalid lastEpoch ${String(dict.lastEpoch)}`);
    }
    if (!Array.isArray(saved) || saved.length !== this.schedulers.length) {
      throw new ValueError(`${op}: expected the states of ${this.schedulers.length} schedulers`);
    }
    const active = this.#index(dict.lastEpoch);
    saved.forEach((s: LRSchedulerStateDict, i) => {
      if (i === active) return;
      // An idle scheduler's epoch may be -1 (not started): restore it without setting lrs.
      if (!Number.isInteger(s?.lastEpoch) || !Array.isArray(s.baseLrs)) {
        throw new ValueError(`${op}: the state of scheduler ${i} needs lastEpoch and baseLrs`);
      }
      this.schedulers[i]![restoreFields](s);
    });
    this.schedulers[active]!.loadStateDict(saved[active] as LRSchedulerStateDict);
    this.lastEpoch = dict.lastEpoch;
    this.#lastLrs = this.schedulers[active]!.getLastLr();
  }
}

/** Options of `ReduceLROnPlateau`. */
export interface ReduceLROnPlateauOptions {
  /** 'min' (default): a lower metric is better; 'max': a higher one is. */
  mode?: 'min' | 'max';
  /** Factor by which the lr is reduced, < 1 (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** The least change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): relative to the best; 'abs': absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** The lowest lr: one for all groups or one per group (default 0). */
  minLr?: number | readonly number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduces the lr by `factor` when a metric has stopped improving for `patience` epochs, as
 * `torch.optim.lr_scheduler.ReduceLROnPlateau`. Call `step(metric)` after each evaluation.
 *
 * @example
 * const opt = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
 * const sched = new ReduceLROnPlateau(opt, { patience: 3 });
 * sched.step(0.42); // the validation loss of this epoch
 */
export class ReduceLROnPlateau implements Scheduler {
  /** The optimizer whose lr is scheduled. */
  readonly optimizer: SchedulableOptimizer;
  /** 'min': lower metrics are better; 'max': higher ones. */
  readonly mode: 'min' | 'max';
  /** Factor of each reduction. */
  readonly factor: number;
  /** Epochs without improvement tolerated. */
  readonly patience: number;
  /** The least change that counts as an improvement. */
  readonly threshold: number;
  /** Whether `threshold` is relative or absolute. */
  readonly thresholdMode: 'rel' | 'abs';
  /** Epochs to wait after a reduction. */
  readonly cooldown: number;
  /** The lowest lr of each group. */
  readonly minLrs: readonly number[];
  /** Reductions smaller than this are skipped. */
  readonly eps: number;
  /** The number of `step` calls. */
  lastEpoch = 0;
  /** The best metric so far (±Infinity before the first). */
  best: number;
  /** Epochs since the last improvement. */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  #lastLrs: number[];

  constructor(optimizer: SchedulableOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const op = 'ReduceLROnPlateau';
    this.optimizer = optimizer;
    this.mode = options.mode ?? 'min';
    if (this.mode !== 'min' && this.mode !== 'max')
      throw new ValueError(`${op}: mode ${String(this.mode)} is unknown (expected 'min' or 'max')`);
    this.thresholdMode = options.thresholdMode ?? 'rel';
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new ValueError(
        `${op}: thresholdMode ${String(this.thresholdMode)} is unknown (expected 'rel' or 'abs')`,
      );
    }
    this.factor = options.factor ?? 0.1;
    checkNumber(op, 'factor', this.factor, (v) => v < 1 && v >= 0, 'a number in [0, 1)');
    this.patience = options.patience ?? 10;
    checkNumber(
      op,
      'patience',
      this.patience,
      (v) => Number.isInteger(v) && v >= 0,
      'a non-negative integer',
    );
    this.threshold = options.threshold ?? 1e-4;
    checkNumber(op, 'threshold', this.threshold, (v) => v >= 0, 'a finite number ≥ 0');
    this.cooldown = options.cooldown ?? 0;
    checkNumber(
      op,
      'cooldown',
      this.cooldown,
      (v) => Number.isInteger(v) && v >= 0,
      'a non-negative integer',
    );
    this.eps = options.eps ?? 1e-8;
    checkNumber(op, 'eps', this.eps, (v) => v >= 0, 'a finite number ≥ 0');
    const groups = optimizer.paramGroups.length;
    const minLr = options.minLr ?? 0;
    const minLrs = Array.isArray(minLr) ? [...minLr] : Array.from({ length: groups }, () => minLr as number);
    if (minLrs.length !== groups)
      throw new ValueError(`${op}: expected ${groups} minLr values, got ${minLrs.length}`);
    minLrs.forEach((v) => {
      checkNumber(op, 'minLr', v, (x) => x >= 0, 'a finite number ≥ 0');
    });
    this.minLrs = minLrs;
    this.best = this.#worse();
    this.#lastLrs = optimizer.paramGroups.map((g) => g.lr);
  }

  #worse(): number {
    return this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  #isBetter(a: number, best: number): boolean {
    const rel = this.thresholdMode === 'rel';
    if (this.mode === 'min') return rel ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return rel ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  /** Records one epoch's metric, and reduces the lrs after `patience` epochs without improvement. */
  step(metric: number): void {
    if (typeof metric !== 'number')
      throw new ValueError(`ReduceLROnPlateau.step: metric must be a number, got ${typeof metric}`);
    this.lastEpoch += 1;
    if (this.#isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs += 1;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((group, i) => {
        const newLr = Math.max(group.lr * this.factor, this.minLrs[i]!);
        if (group.lr - newLr > this.eps) group.lr = newLr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.#lastLrs = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lr of each group after the last step. */
  getLastLr(): number[] {
    return [...this.#lastLrs];
  }

  /** The counters and the best metric (null while none was recorded, as JSON has no Infinity). */
  stateDict(): SchedulerStateDict {
    return {
      lastEpoch: this.lastEpoch,
      best: Number.isFinite(this.best) ? this.best : null,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastLr: [...this.#lastLrs],
    };
  }

  /** Restores `stateDict()` (the lrs themselves live in the optimizer's state). */
  loadStateDict(dict: SchedulerStateDict): void {
    const op = 'ReduceLROnPlateau.loadStateDict';
    for (const key of ['lastEpoch', 'numBadEpochs', 'cooldownCounter']) {
      const v = dict[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
        throw new ValueError(`${op}: invalid ${key} ${String(v)}`);
    }
    if (dict.best !== null && typeof dict.best !== 'number')
      throw new ValueError(`${op}: invalid best ${String(dict.best)}`);
    this.lastEpoch = dict.lastEpoch;
    this.best = dict.best === null ? this.#worse() : (dict.best as number);
    this.numBadEpochs = dict.numBadEpochs as number;
    this.cooldownCounter = dict.cooldownCounter as number;
    this.#lastLrs = Array.isArray(dict.lastLr)
      ? [...(dict.lastLr as number[])]
      : this.optimizer.paramGroups.map((g) => g.lr);
  }
}
