import { Generator } from '@tsgrad/core';
import { logicGate, makeLinear, makeMoons, makeSpirals } from '@tsgrad/datasets';
import { describe, expect, it } from 'vitest';

describe('logicGate', () => {
  it('gives the truth tables over (0,0), (0,1), (1,0), (1,1)', () => {
    expect(logicGate('and').x).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    expect(logicGate('and').y).toEqual([0, 0, 0, 1]);
    expect(logicGate('or').y).toEqual([0, 1, 1, 1]);
    expect(logicGate('nand').y).toEqual([1, 1, 1, 0]);
    expect(logicGate('nor').y).toEqual([1, 0, 0, 0]);
    expect(logicGate('xor').y).toEqual([0, 1, 1, 0]);
  });

  it('returns fresh arrays and rejects unknown gates', () => {
    logicGate('and').y[0] = 9;
    expect(logicGate('and').y[0]).toBe(0);
    expect(() => logicGate('xnor' as 'xor')).toThrow(/logicGate: unknown gate "xnor"/);
  });
});

describe('makeMoons', () => {
  it('returns n × 2 points with ⌊n/2⌋ zeros and ⌈n/2⌉ ones', () => {
    const { x, y } = makeMoons(101, { generator: new Generator(0) });
    expect(x).toHaveLength(101);
    expect(x.every((row) => row.length === 2)).toBe(true);
    expect(y.filter((v) => v === 0)).toHaveLength(50);
    expect(y.filter((v) => v === 1)).toHaveLength(51);
  });

  it('puts noise-free points on the two half circles', () => {
    const { x, y } = makeMoons(50, { generator: new Generator(0) });
    x.forEach(([a, b], i) => {
      const [cx, cy] = y[i] === 0 ? [0, 0] : [1, 0.5];
      expect(Math.hypot(a! - cx, b! - cy)).toBeCloseTo(1, 12);
      expect(y[i] === 0 ? b! >= -1e-12 : b! <= 0.5 + 1e-12).toBe(true);
    });
  });

  it('is reproducible from a seed, and the noise moves the points', () => {
    const a = makeMoons(20, { noise: 0.1, generator: new Generator(4) });
    const b = makeMoons(20, { noise: 0.1, generator: new Generator(4) });
    const c = makeMoons(20, { noise: 0.1, generator: new Generator(5) });
    expect(a).toEqual(b);
    expect(a.x).not.toEqual(c.x);
    const clean = makeMoons(20, { generator: new Generator(4) });
    expect(a.y).toEqual(clean.y);
    expect(a.x).not.toEqual(clean.x);
  });

  it('keeps the outer moon first when not shuffled', () => {
    expect(makeMoons(6, { shuffle: false }).y).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it('rejects bad arguments, naming the function and the value', () => {
    expect(() => makeMoons(0)).toThrow(/makeMoons: n must be a positive integer, got 0/);
    expect(() => makeMoons(2.5)).toThrow(/got 2.5/);
    expect(() => makeMoons(10, { noise: -1 })).toThrow(/makeMoons: noise must be finite and ≥ 0, got -1/);
  });
});

describe('makeSpirals', () => {
  it('splits n points over the classes, inside the unit disc', () => {
    const { x, y } = makeSpirals(100, { classes: 3, generator: new Generator(1) });
    expect(x).toHaveLength(100);
    expect([0, 1, 2].map((k) => y.filter((v) => v === k).length)).toEqual([34, 33, 33]);
    expect(x.every(([a, b]) => Math.hypot(a!, b!) <= 1 + 1e-12)).toBe(true);
  });

  it('is reproducible from a seed', () => {
    const a = makeSpirals(30, { noise: 0.2, generator: new Generator(2) });
    expect(makeSpirals(30, { noise: 0.2, generator: new Generator(2) })).toEqual(a);
  });

  it('rejects bad arguments', () => {
    expect(() => makeSpirals(10, { classes: 0 })).toThrow(
      /makeSpirals: classes must be a positive integer, got 0/,
    );
    expect(() => makeSpirals(-3)).toThrow(/makeSpirals: n must be a positive integer, got -3/);
    expect(() => makeSpirals(10, { noise: Number.NaN })).toThrow(/makeSpirals: noise/);
  });
});

describe('makeLinear', () => {
  it('puts noise-free points on y = a·x + b with x in range', () => {
    const { x, y } = makeLinear(50, { a: -3, b: 0.5, xRange: [2, 4], generator: new Generator(3) });
    expect(x).toHaveLength(50);
    x.forEach(([xi], i) => {
      expect(xi).toBeGreaterThanOrEqual(2);
      expect(xi).toBeLessThan(4);
      expect(y[i]).toBeCloseTo(-3 * xi! + 0.5, 12);
    });
  });

  it('defaults to y = 2x + 1, and noise has about the asked standard deviation', () => {
    const { x, y } = makeLinear(20_000, { noise: 0.1, generator: new Generator(3) });
    const residuals = y.map((yi, i) => yi - (2 * x[i]![0]! + 1));
    const mean = residuals.reduce((s, r) => s + r, 0) / residuals.length;
    const std = Math.sqrt(residuals.reduce((s, r) => s + (r - mean) ** 2, 0) / residuals.length);
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(std).toBeCloseTo(0.1, 2);
  });

  it('rejects bad arguments', () => {
    expect(() => makeLinear(5, { xRange: [1, 1] })).toThrow(
      /makeLinear: xRange must be finite with low < high, got \[1, 1\]/,
    );
    expect(() => makeLinear(5, { a: Number.POSITIVE_INFINITY })).toThrow(
      /makeLinear: a and b must be finite/,
    );
    expect(() => makeLinear(0)).toThrow(/makeLinear: n must be a positive integer, got 0/);
  });
});
