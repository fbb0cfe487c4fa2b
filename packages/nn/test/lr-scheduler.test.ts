import { type Tensor, tensor, ValueError } from '@tsgrad/core';
import { describe, expect, it } from 'vitest';
import { CosineAnnealingLR, LinearLR, type LRScheduler, SGD, StepLR } from '../src/optim/index.js';

const param = (): Tensor => tensor([0], { dtype: 'float64', requiresGrad: true });
const sgd = (lr: number): SGD => new SGD([param()], { lr });

/** getLastLr()[0] after construction and after each of `steps` steps. */
function lrs(scheduler: LRScheduler, steps: number): number[] {
  const out = [scheduler.getLastLr()[0]!];
  for (let i = 0; i < steps; i++) {
    scheduler.step();
    out.push(scheduler.getLastLr()[0]!);
  }
  return out;
}
const expectSequence = (actual: number[], expected: number[]): void => {
  expect(actual.length).toBe(expected.length);
  for (const [i, v] of actual.entries()) expect(v).toBeCloseTo(expected[i]!, 12);
};

describe('StepLR', () => {
  it('stepSize 2, gamma 0.1 from 1.0: 1, 1, 0.1, 0.1, 0.01', () => {
    expectSequence(lrs(new StepLR(sgd(1), { stepSize: 2, gamma: 0.1 }), 4), [1, 1, 0.1, 0.1, 0.01]);
  });

  it("PyTorch's example: 0.05 for epochs < 30, 0.005 for 30..59, 0.0005 for 60..89", () => {
    const seq = lrs(new StepLR(sgd(0.05), { stepSize: 30 }), 90);
    expect(seq[0]).toBe(0.05);
    expect(seq[29]).toBe(0.05);
    expect(seq[30]).toBeCloseTo(0.005, 15);
    expect(seq[59]).toBeCloseTo(0.005, 15);
    expect(seq[60]).toBeCloseTo(0.0005, 15);
    expect(seq[90]).toBeCloseTo(0.00005, 15);
  });

  it('sets the lr the optimizer uses', () => {
    const p = param();
    const opt = new SGD([p], { lr: 1 });
    const sched = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    for (let i = 0; i < 3; i++) {
      p.grad = tensor([1], { dtype: 'float64' });
      opt.step();
      sched.step();
    }
    // Steps of 1, 0.5, 0.25.
    expect(p.item()).toBeCloseTo(-1.75, 14);
    expect(opt.paramGroups[0]!.lr).toBe(0.125);
  });

  it('rejects a non-positive or fractional stepSize', () => {
    expect(() => new StepLR(sgd(1), { stepSize: 0 })).toThrow(ValueError);
    expect(() => new StepLR(sgd(1), { stepSize: 1.5 })).toThrow(/invalid stepSize 1.5/);
  });
});

describe('CosineAnnealingLR', () => {
  it('follows etaMin + (base − etaMin)(1 + cos(π t / tMax)) / 2', () => {
    const c1 = (1 + Math.SQRT1_2) / 2; // 0.853553…
    const c3 = (1 - Math.SQRT1_2) / 2; // 0.146446…
    expectSequence(lrs(new CosineAnnealingLR(sgd(1), { tMax: 4 }), 4), [1, c1, 0.5, c3, 0]);
  });

  it('reaches etaMin at tMax', () => {
    const seq = lrs(new CosineAnnealingLR(sgd(0.1), { tMax: 10, etaMin: 0.001 }), 10);
    expect(seq[0]).toBeCloseTo(0.1, 15);
    expect(seq[5]).toBeCloseTo(0.0505, 15);
    expect(seq[10]).toBeCloseTo(0.001, 15);
    for (let i = 1; i <= 10; i++) expect(seq[i]!).toBeLessThan(seq[i - 1]!);
  });

  it('rejects tMax ≤ 0', () => {
    expect(() => new CosineAnnealingLR(sgd(1), { tMax: 0 })).toThrow(/invalid tMax 0/);
  });
});

describe('LinearLR', () => {
  it("PyTorch's example: startFactor 0.5, totalIters 4 from 0.05", () => {
    expectSequence(
      lrs(new LinearLR(sgd(0.05), { startFactor: 0.5, totalIters: 4 }), 5),
      [0.025, 0.03125, 0.0375, 0.04375, 0.05, 0.05],
    );
  });

  it('defaults to a warm-up from 1/3 over 5 steps', () => {
    expectSequence(lrs(new LinearLR(sgd(0.3)), 6), [0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3]);
  });

  it('can decay as well (endFactor < startFactor)', () => {
    expectSequence(
      lrs(new LinearLR(sgd(1), { startFactor: 1, endFactor: 0.5, totalIters: 2 }), 3),
      [1, 0.75, 0.5, 0.5],
    );
  });

  it('rejects factors outside their ranges', () => {
    expect(() => new LinearLR(sgd(1), { startFactor: 0 })).toThrow(/invalid startFactor 0/);
    expect(() => new LinearLR(sgd(1), { endFactor: 1.5 })).toThrow(/invalid endFactor 1.5/);
    expect(() => new LinearLR(sgd(1), { totalIters: 0 })).toThrow(/invalid totalIters 0/);
  });
});

describe('schedulers and parameter groups', () => {
  it('scale each group from its own initial lr', () => {
    const opt = new SGD([
      { params: [param()], lr: 1 },
      { params: [param()], lr: 0.2 },
    ]);
    const sched = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    sched.step();
    expect(sched.getLastLr()).toEqual([0.5, 0.1]);
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([1, 0.2]);
  });

  it('a state dict round trip resumes the schedule', () => {
    const a = new CosineAnnealingLR(sgd(1), { tMax: 8 });
    for (let i = 0; i < 3; i++) a.step();
    const b = new CosineAnnealingLR(sgd(1), { tMax: 8 });
    b.loadStateDict(a.stateDict());
    expect(b.getLastLr()).toEqual(a.getLastLr());
    a.step();
    b.step();
    expect(b.getLastLr()).toEqual(a.getLastLr());
    expect(b.lastEpoch).toBe(4);
  });
});
