import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, ValueError } from '@tsgrad/core';
import {
  Adagrad,
  Adam,
  CosineAnnealingLR,
  LambdaLR,
  LinearLR,
  type LRScheduler,
  type LrLambda,
  MultiplicativeLR,
  OneCycleLR,
  type OneCycleLROptions,
  Parameter,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  RMSprop,
  type Scheduler,
  SequentialLR,
  SGD,
  StepLR,
} from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';

interface Part {
  cls: string;
  options?: Record<string, unknown>;
  lambdas?: string[];
}
interface SchedulerCase {
  name: string;
  optimizer: { cls: 'SGD' | 'Adam' | 'RMSprop' | 'Adagrad'; lrs: number[]; options: Record<string, number> };
  scheduler: Part & { parts?: Part[]; milestones?: number[] };
  steps: number;
  metrics: number[] | null;
  lrs: number[][];
  momenta: (number[] | null)[];
}
const reference = JSON.parse(readFileSync(join(__dirname, 'reference', 'optim_reference.json'), 'utf8')) as {
  schedulers: SchedulerCase[];
};

/** The lambdas of make_optim_reference.py, by name. */
const LAMBDAS: Record<string, LrLambda> = {
  pow095: (e) => 0.95 ** e,
  inverse: (e) => 1 / (e + 1),
  const09: () => 0.9,
  linear: (e) => 1 - 0.01 * e,
};

type AnyOptimizer = SGD | Adam | RMSprop | Adagrad;

function makeOptimizer(spec: SchedulerCase['optimizer']): AnyOptimizer {
  const groups = spec.lrs.map((lr) => ({ params: [new Parameter(tensor([0], { dtype: 'float64' }))], lr }));
  switch (spec.cls) {
    case 'SGD':
      return new SGD(groups, spec.options);
    case 'Adam':
      return new Adam(groups, spec.options);
    case 'RMSprop':
      return new RMSprop(groups, spec.options);
    case 'Adagrad':
      return new Adagrad(groups, spec.options);
  }
}

function makeScheduler(opt: AnyOptimizer, part: SchedulerCase['scheduler']): Scheduler {
  const lambdas = (part.lambdas ?? []).map((n) => LAMBDAS[n]!);
  const o = part.options ?? {};
  switch (part.cls) {
    case 'LambdaLR':
      return new LambdaLR(opt, { lrLambda: lambdas.length === 1 ? lambdas[0]! : lambdas });
    case 'MultiplicativeLR':
      return new MultiplicativeLR(opt, { lrLambda: lambdas.length === 1 ? lambdas[0]! : lambdas });
    case 'OneCycleLR':
      return new OneCycleLR(opt, o as unknown as OneCycleLROptions);
    case 'LinearLR':
      return new LinearLR(opt, o);
    case 'CosineAnnealingLR':
      return new CosineAnnealingLR(opt, o as { tMax: number });
    case 'StepLR':
      return new StepLR(opt, o as { stepSize: number });
    case 'SequentialLR':
      return new SequentialLR(opt, {
        schedulers: part.parts!.map((p) => makeScheduler(opt, p) as LRScheduler),
        milestones: part.milestones!,
      });
    case 'ReduceLROnPlateau':
      return new ReduceLROnPlateau(opt, o as ReduceLROnPlateauOptions);
    default:
      throw new Error(`unknown scheduler ${part.cls}`);
  }
}

function momenta(opt: AnyOptimizer): number[] | null {
  const groups = opt.paramGroups as Array<{ momentum?: number; betas?: readonly [number, number] }>;
  if (groups[0]!.betas !== undefined) return groups.map((g) => g.betas![0]);
  if (groups[0]!.momentum !== undefined) return groups.map((g) => g.momentum!);
  return null;
}

function expectClose(
  actual: readonly number[] | null,
  expected: readonly number[] | null,
  what: string,
): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual!.length).toBe(expected.length);
  actual!.forEach((a, i) => {
    const tol = 1e-12 * Math.max(1e-3, Math.abs(expected[i]!));
    if (!(Math.abs(a - expected[i]!) <= tol))
      throw new Error(`${what}[${i}]: ${a} vs PyTorch ${expected[i]}`);
  });
}

function stepOnce(s: Scheduler, metric: number | undefined): void {
  if (s instanceof ReduceLROnPlateau) s.step(metric!);
  else (s as LRScheduler | SequentialLR).step();
}

describe('lr schedulers: the lr (and momentum) sequences equal PyTorch 1.13', () => {
  for (const c of reference.schedulers) {
    it(`${c.name}: ${c.scheduler.cls} on ${c.optimizer.cls}, ${c.steps} steps`, () => {
      const opt = makeOptimizer(c.optimizer);
      const sched = makeScheduler(opt, c.scheduler);
      const lrs = () => opt.paramGroups.map((g) => g.lr);
      expectClose(lrs(), c.lrs[0]!, 'lr after construction');
      expectClose(momenta(opt), c.momenta[0]!, 'momentum after construction');
      for (let i = 0; i < c.steps; i++) {
        stepOnce(sched, c.metrics?.[i]);
        expectClose(lrs(), c.lrs[i + 1]!, `lr after step ${i + 1}`);
        expectClose(momenta(opt), c.momenta[i + 1]!, `momentum after step ${i + 1}`);
        expectClose(sched.getLastLr(), c.lrs[i + 1]!, `getLastLr after step ${i + 1}`);
      }
    });

    it(`${c.name}: a state dict taken half way, loaded into fresh objects, continues the same sequence`, () => {
      const half = Math.floor(c.steps / 2);
      const opt = makeOptimizer(c.optimizer);
      const sched = makeScheduler(opt, c.scheduler);
      for (let i = 0; i < half; i++) stepOnce(sched, c.metrics?.[i]);
      const optDict = opt.stateDict();
      const schedDict = JSON.parse(JSON.stringify(sched.stateDict()));
      const opt2 = makeOptimizer(c.optimizer);
      const sched2 = makeScheduler(opt2, c.scheduler);
      opt2.loadStateDict(optDict as never);
      sched2.loadStateDict(schedDict);
      expect(opt2.paramGroups.map((g) => g.lr)).toEqual(c.lrs[half]!.map((_, g) => opt.paramGroups[g]!.lr));
      for (let i = half; i < c.steps; i++) {
        stepOnce(sched, c.metrics?.[i]);
        stepOnce(sched2, c.metrics?.[i]);
        expect(opt2.paramGroups.map((g) => g.lr)).toEqual(opt.paramGroups.map((g) => g.lr));
        expect(momenta(opt2)).toEqual(momenta(opt));
      }
    });
  }
});

describe('lr schedulers: errors', () => {
  const sgd = () => new SGD([new Parameter(tensor([0]))], { lr: 0.1, momentum: 0.9 });

  it('OneCycleLR refuses to step past totalSteps and needs momentum to cycle it', () => {
    const s = new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 2 });
    s.step();
    s.step();
    expect(() => s.step()).toThrow(/tried to step 3 times; the specified number of total steps is 2/);
    const adagrad = new Adagrad([new Parameter(tensor([0]))]);
    expect(() => new OneCycleLR(adagrad, { maxLr: 1, totalSteps: 5 })).toThrow(/momentum or betas/);
    expect(() => new OneCycleLR(sgd(), { maxLr: 1 })).toThrow(/totalSteps or both epochs and stepsPerEpoch/);
    expect(() => new OneCycleLR(sgd(), { maxLr: [1, 2], totalSteps: 3 })).toThrow(ValueError);
  });

  it('LambdaLR needs one function per group; SequentialLR one milestone fewer than schedulers', () => {
    const opt = sgd();
    expect(() => new LambdaLR(opt, { lrLambda: [() => 1, () => 1] })).toThrow(/expected 1 lrLambda/);
    const a = new LinearLR(opt);
    const b = new StepLR(opt, { stepSize: 2 });
    expect(() => new SequentialLR(opt, { schedulers: [a, b], milestones: [] })).toThrow(
      /expected 1 milestones/,
    );
    expect(() => new SequentialLR(sgd(), { schedulers: [a, b], milestones: [3] })).toThrow(
      /another optimizer/,
    );
  });

  it('ReduceLROnPlateau checks its options', () => {
    expect(() => new ReduceLROnPlateau(sgd(), { factor: 1 })).toThrow(/factor/);
    expect(() => new ReduceLROnPlateau(sgd(), { mode: 'up' as 'min' })).toThrow(/mode/);
  });
});
