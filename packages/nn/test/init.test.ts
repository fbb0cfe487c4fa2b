import {
  AutogradError,
  DTypeError,
  Generator,
  manualSeed,
  ones,
  randn,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from '@tsgrad/core';
import {
  calculateFanInAndFanOut,
  calculateGain,
  init,
  kaimingNormal,
  Parameter,
  xavierUniform,
} from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const v = t.toFlatArray();
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { mean, std: Math.sqrt(variance), min, max };
}

describe('fan computation', () => {
  it('reads [out, in] for Linear weights', () => {
    expect(calculateFanInAndFanOut(zeros([5, 3]))).toEqual({ fanIn: 3, fanOut: 5 });
  });

  it('multiplies by the receptive field for conv weights [out, in, kh, kw]', () => {
    expect(calculateFanInAndFanOut(zeros([8, 4, 3, 3]))).toEqual({ fanIn: 36, fanOut: 72 });
    expect(calculateFanInAndFanOut([6, 2, 5])).toEqual({ fanIn: 10, fanOut: 30 });
  });

  it('needs at least 2 dims', () => {
    expect(() => calculateFanInAndFanOut(zeros([7]))).toThrow(ValueError);
    expect(() => calculateFanInAndFanOut(zeros([7]))).toThrow('got shape [7]');
  });
});

describe('calculateGain', () => {
  it('gives the documented gains', () => {
    expect(calculateGain('linear')).toBe(1);
    expect(calculateGain('conv2d')).toBe(1);
    expect(calculateGain('sigmoid')).toBe(1);
    expect(calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(calculateGain('relu')).toBeCloseTo(Math.sqrt(2), 15);
    expect(calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(calculateGain('leakyRelu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 15);
    expect(calculateGain('selu')).toBe(0.75);
    expect(() => calculateGain('swish' as 'relu')).toThrow(ValueError);
  });
});

describe('random initialisers', () => {
  it('xavierUniform stays within ±gain·√(6/(fanIn+fanOut)) and fills the range', () => {
    const t = zeros([200, 300], { dtype: 'float64' });
    xavierUniform(t, { gain: 2, generator: new Generator(1) });
    const bound = 2 * Math.sqrt(6 / 500);
    const s = stats(t);
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.max).toBeGreaterThan(0.99 * bound);
    expect(s.min).toBeLessThan(-0.99 * bound);
    expect(Math.abs(s.std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.02);
  });

  it('xavierNormal has std gain·√(2/(fanIn+fanOut))', () => {
    const t = init.xavierNormal(zeros([300, 200], { dtype: 'float64' }), { generator: new Generator(2) });
    expect(Math.abs(stats(t).std / Math.sqrt(2 / 500) - 1)).toBeLessThan(0.02);
    expect(Math.abs(stats(t).mean)).toBeLessThan(0.001);
  });

  it('kaimingNormal has std gain/√fan for either fan mode', () => {
    const a = kaimingNormal(zeros([250, 200], { dtype: 'float64' }), {
      nonlinearity: 'relu',
      generator: new Generator(3),
    });
    expect(Math.abs(stats(a).std / (Math.SQRT2 / Math.sqrt(200)) - 1)).toBeLessThan(0.02);
    const b = kaimingNormal(zeros([250, 200], { dtype: 'float64' }), {
      mode: 'fanOut',
      nonlinearity: 'relu',
      generator: new Generator(3),
    });
    expect(Math.abs(stats(b).std / (Math.SQRT2 / Math.sqrt(250)) - 1)).toBeLessThan(0.02);
  });

  it('kaimingUniform with a = √5 is U(±1/√fanIn), the Linear/Conv default', () => {
    const t = init.kaimingUniform(zeros([64, 16, 3, 3]), { a: Math.sqrt(5), generator: new Generator(4) });
    const bound = 1 / Math.sqrt(16 * 9);
    const s = stats(t);
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.max).toBeGreaterThan(0.98 * bound);
  });

  it('uniform and normal have the asked range, mean and std', () => {
    const u = init.uniform(zeros([100_000], { dtype: 'float64' }), -1, 3, { generator: new Generator(5) });
    const su = stats(u);
    expect(su.min).toBeGreaterThanOrEqual(-1);
    expect(su.max).toBeLessThan(3);
    expect(Math.abs(su.mean - 1)).toBeLessThan(0.02);
    const n = init.normal(zeros([100_000], { dtype: 'float64' }), 2, 0.5, { generator: new Generator(6) });
    const sn = stats(n);
    expect(Math.abs(sn.mean - 2)).toBeLessThan(0.01);
    expect(Math.abs(sn.std / 0.5 - 1)).toBeLessThan(0.02);
  });

  it('is reproducible from a generator, or from the global seed', () => {
    const a = init.normal(zeros([20]), 0, 1, { generator: new Generator(9) });
    const b = init.normal(zeros([20]), 0, 1, { generator: new Generator(9) });
    expect(a.toArray()).toEqual(b.toArray());
    manualSeed(77);
    const c = init.kaimingUniform(zeros([4, 5]));
    manualSeed(77);
    const d = init.kaimingUniform(zeros([4, 5]));
    expect(c.toArray()).toEqual(d.toArray());
  });

  it('rejects int32 tensors, reversed bounds and a negative std', () => {
    expect(() => init.uniform(zeros([2], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => init.uniform(zeros([2]), 1, 0)).toThrow(ValueError);
    expect(() => init.normal(zeros([2]), 0, -1)).toThrow(ValueError);
    expect(() => init.kaimingUniform(zeros([2, 2]), { mode: 'fan_in' as 'fanIn' })).toThrow(ValueError);
  });

  it('leaves a tensor without elements as it is', () => {
    const t = zeros([0, 3]);
    expect(init.kaimingUniform(t)).toBe(t);
  });
});

describe('writing in place', () => {
  it('returns the same tensor, still a leaf, without recording an op', () => {
    const p = new Parameter(zeros([3, 2]));
    const out = init.xavierUniform(p);
    expect(out).toBe(p);
    expect(p.isLeaf).toBe(true);
    expect(p.requiresGrad).toBe(true);
    expect(p.toFlatArray().some((v) => v !== 0)).toBe(true);
  });

  it('zeros, ones and constant fill every element', () => {
    expect(init.ones(zeros([2, 2])).toFlatArray()).toEqual([1, 1, 1, 1]);
    expect(init.zeros(ones([3])).toFlatArray()).toEqual([0, 0, 0]);
    expect(init.constant(zeros([2], { dtype: 'int32' }), 7).toFlatArray()).toEqual([7, 7]);
    expect(() => init.constant(zeros([2], { dtype: 'int32' }), 0.5)).toThrow(DTypeError);
  });

  it('writes through views: a transpose, and a slice only', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    init.constant(t.t(), 9);
    expect(t.toFlatArray()).toEqual([9, 9, 9, 9, 9, 9]);
    const u = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    init.zeros(u.slice(1, 1, 3));
    expect(u.toArray()).toEqual([
      [1, 0, 0],
      [4, 0, 0],
    ]);
  });

  it('refuses a tensor produced by an op', () => {
    const x = randn([3], { requiresGrad: true }).mul(2);
    expect(() => init.zeros(x)).toThrow(AutogradError);
  });
});
