import {
  bernoulli,
  DTypeError,
  Generator,
  manualSeed,
  multinomial,
  normal,
  randperm,
  ShapeError,
  tensor,
  uniform,
  ValueError,
  zeros,
} from '@tsgrad/core';
import { flat } from '@tsgrad/testing/fixtures';
import { describe, expect, it } from 'vitest';

/** |count − n·p| ≤ 4σ of a binomial(n, p) count. */
function within4Sigma(count: number, n: number, p: number): boolean {
  return Math.abs(count - n * p) <= 4 * Math.sqrt(n * p * (1 - p)) + 1e-9;
}

/** Pearson's χ² of observed counts against expected ones. */
function chiSquare(observed: readonly number[], expected: readonly number[]): number {
  return observed.reduce((acc, o, i) => acc + (o - expected[i]!) ** 2 / expected[i]!, 0);
}

/** A loose upper bound on χ² with `df` degrees of freedom: mean + 4 standard deviations. */
const chiBound = (df: number): number => df + 4 * Math.sqrt(2 * df);

function counts(samples: readonly number[], n: number): number[] {
  const c = new Array<number>(n).fill(0);
  for (const s of samples) c[s]!++;
  return c;
}

describe('multinomial', () => {
  it('with replacement: frequencies of 20,000 draws match the normalised weights within 4σ', () => {
    const w = [1, 3, 0, 6, 10];
    const total = 20;
    const n = 20_000;
    const s = flat(multinomial(tensor(w), n, { replacement: true, generator: new Generator(1) }));
    expect(s.length).toBe(n);
    const c = counts(s, w.length);
    expect(w.map((wi, i) => within4Sigma(c[i]!, n, wi / total))).toEqual(w.map(() => true));
    expect(c[2]).toBe(0);
  });

  it('2-D: each row draws from its own distribution (float64 weights)', () => {
    const rows = tensor(
      [
        [0, 0, 1],
        [1, 1, 2],
      ],
      { dtype: 'float64' },
    );
    const out = multinomial(rows, 10_000, { replacement: true, generator: new Generator(2) });
    expect(out.shape).toEqual([2, 10_000]);
    expect(out.dtype).toBe('int32');
    const [r0, r1] = out.toArray() as number[][];
    expect(r0!.every((x) => x === 2)).toBe(true);
    const c = counts(r1!, 3);
    expect(within4Sigma(c[0]!, 10_000, 0.25) && within4Sigma(c[2]!, 10_000, 0.5)).toBe(true);
  });

  it('without replacement: never repeats a category, and exhausts positive weights before zero ones', () => {
    const g = new Generator(3);
    for (let t = 0; t < 200; t++) {
      const s = flat(multinomial(tensor([5, 1, 0, 2, 0.5, 0]), 6, { generator: g }));
      expect(new Set(s).size).toBe(6);
      expect(new Set(s.slice(0, 4))).toEqual(new Set([0, 1, 3, 4]));
    }
  });

  it('without replacement: first and second draws follow the sequential law (χ² bound)', () => {
    const p = [0.5, 0.3, 0.2];
    const n = 20_000;
    const out = multinomial(tensor([p, p, p, p]), 2, { generator: new Generator(4) }).toArray() as number[][];
    const firsts: number[] = [];
    const seconds: number[] = [];
    for (let i = 0; i < n / 4; i++) {
      const r = multinomial(tensor(p), 2, { generator: new Generator(1000 + i) });
      const [a, b] = flat(r);
      firsts.push(a!);
      seconds.push(b!);
    }
    expect(out.every((row) => row[0] !== row[1])).toBe(true);
    const m = n / 4;
    // P(second = j) = Σ_{i≠j} p_i · p_j / (1 − p_i).
    const second = p.map((pj, j) =>
      p.reduce((acc, pi, i) => (i === j ? acc : acc + (pi * pj) / (1 - pi)), 0),
    );
    expect(
      chiSquare(
        counts(firsts, 3),
        p.map((x) => x * m),
      ),
    ).toBeLessThan(chiBound(2));
    expect(
      chiSquare(
        counts(seconds, 3),
        second.map((x) => x * m),
      ),
    ).toBeLessThan(chiBound(2));
  });

  it('the same seed gives the same samples; another seed others; manualSeed drives the default', () => {
    const w = tensor([1, 2, 3, 4, 5, 6, 7, 8]);
    const a = flat(multinomial(w, 8, { generator: new Generator(9) }));
    expect(flat(multinomial(w, 8, { generator: new Generator(9) }))).toEqual(a);
    expect(flat(multinomial(w, 8, { generator: new Generator(10) }))).not.toEqual(a);
    manualSeed(77);
    const b = flat(w.multinomial(20, { replacement: true }));
    manualSeed(77);
    expect(flat(w.multinomial(20, { replacement: true }))).toEqual(b);
  });

  it("errors as PyTorch's: negative, infinite, NaN or zero-sum rows; too many samples; bad rank or dtype", () => {
    expect(() => multinomial(tensor([1, -1]), 1)).toThrow(
      /multinomial: invalid distribution: probs has a probability entry < 0/,
    );
    expect(() =>
      multinomial(
        tensor([
          [1, 1],
          [0, 0],
        ]),
        1,
      ),
    ).toThrow(/multinomial: invalid distribution: row 1 of probs has a sum of probabilities ≤ 0/);
    expect(() => multinomial(tensor([1, Number.POSITIVE_INFINITY]), 1)).toThrow(/infinite or NaN/);
    expect(() => multinomial(tensor([1, Number.NaN]), 1)).toThrow(/infinite or NaN/);
    expect(() => multinomial(tensor([1, 1]), 3)).toThrow(
      /multinomial: cannot draw 3 samples from 2 categories without replacement/,
    );
    expect(() => multinomial(tensor([1, 1]), 3, { replacement: true })).not.toThrow();
    expect(() => multinomial(tensor([1, 1]), 0)).toThrow(/numSamples must be a positive integer, got 0/);
    expect(() => multinomial(zeros([2, 2, 2]), 1)).toThrow(ShapeError);
    expect(() => multinomial(tensor(new Int32Array([1, 2])), 1)).toThrow(DTypeError);
  });
});

describe('bernoulli', () => {
  it('each element is 1 with its probability (within 4σ over 20,000 draws), 0 and 1 exactly', () => {
    const p = [0, 0.1, 0.5, 0.9, 1];
    const n = 20_000;
    const probs = tensor(p).reshape(1, 5).expand(n, 5);
    const out = bernoulli(probs, { generator: new Generator(5) });
    expect(out.shape).toEqual([n, 5]);
    expect(out.dtype).toBe('float32');
    const d = flat(out);
    expect(d.every((x) => x === 0 || x === 1)).toBe(true);
    p.forEach((pi, j) => {
      let ones = 0;
      for (let i = 0; i < n; i++) ones += d[i * 5 + j]!;
      if (pi === 0 || pi === 1) expect(ones).toBe(pi * n);
      else expect(within4Sigma(ones, n, pi)).toBe(true);
    });
  });

  it('with p: probability p everywhere, the input giving shape and dtype; seeded', () => {
    const x = zeros([100, 100], { dtype: 'float64' });
    const out = x.bernoulli({ p: 0.3, generator: new Generator(6) });
    expect(out.dtype).toBe('float64');
    const ones = flat(out).reduce((a, b) => a + b, 0);
    expect(within4Sigma(ones, 10_000, 0.3)).toBe(true);
    expect(flat(bernoulli(x, { p: 0.3, generator: new Generator(6) }))).toEqual(flat(out));
  });

  it('probabilities outside [0, 1] are errors naming the value', () => {
    expect(() => bernoulli(tensor([0.5, 1.5]))).toThrow(ValueError);
    expect(() => bernoulli(tensor([0.5, 1.5]))).toThrow(
      /bernoulli: probabilities must be in \[0, 1\], got 1.5 at flat index 1/,
    );
    expect(() => bernoulli(tensor([Number.NaN]))).toThrow(ValueError);
    expect(() => bernoulli(zeros([2]), { p: -0.1 })).toThrow(/bernoulli: p must be in \[0, 1\], got -0.1/);
    expect(() => bernoulli(zeros([2], { dtype: 'int32' }))).toThrow(DTypeError);
  });
});

describe('randperm', () => {
  it('is a permutation of 0..n−1, int32 by default, float on request', () => {
    const p = randperm(50, { generator: new Generator(7) });
    expect(p.dtype).toBe('int32');
    expect([...flat(p)].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const f = randperm(5, { generator: new Generator(7), dtype: 'float64' });
    expect(f.dtype).toBe('float64');
    expect(flat(f)).toEqual(flat(randperm(5, { generator: new Generator(7) })));
    expect(randperm(0).shape).toEqual([0]);
  });

  it('all 24 permutations of 4 are equally likely (χ² over 24,000 draws)', () => {
    const g = new Generator(8);
    const c = new Map<string, number>();
    const n = 24_000;
    for (let i = 0; i < n; i++) {
      const key = flat(randperm(4, { generator: g })).join('');
      c.set(key, (c.get(key) ?? 0) + 1);
    }
    expect(c.size).toBe(24);
    expect(chiSquare([...c.values()], new Array(24).fill(n / 24))).toBeLessThan(chiBound(23));
  });

  it('errors on a bad n or dtype', () => {
    expect(() => randperm(-1)).toThrow(/randperm: n must be an integer in \[0, /);
    expect(() => randperm(2.5)).toThrow(ValueError);
  });
});

describe('normal', () => {
  it('number mean and std fill a shape: sample mean, variance and the 1σ fraction within 4σ bounds', () => {
    const n = 20_000;
    const x = flat(normal(3, 2, [n], { generator: new Generator(9) }));
    const m = x.reduce((a, b) => a + b, 0) / n;
    const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1);
    expect(Math.abs(m - 3)).toBeLessThan((4 * 2) / Math.sqrt(n));
    expect(Math.abs(v - 4)).toBeLessThan(4 * 4 * Math.sqrt(2 / n));
    const inside = x.filter((y) => Math.abs(y - 3) < 2).length;
    expect(within4Sigma(inside, n, 0.6826894921370859)).toBe(true);
  });

  it('tensor mean and std broadcast elementwise; std 0 gives the mean; dtype follows the tensor', () => {
    const mean = tensor([[-5], [0], [5]], { dtype: 'float64' });
    const std = tensor([0, 1, 0.1, 2], { dtype: 'float64' });
    const out = normal(mean, std, { generator: new Generator(10) });
    expect(out.shape).toEqual([3, 4]);
    expect(out.dtype).toBe('float64');
    const rows = out.toArray() as number[][];
    expect(rows.map((r) => r[0])).toEqual([-5, 0, 5]);
    const big = normal(tensor([10, -10]).reshape(2, 1).expand(2, 5000), 0.5, {
      generator: new Generator(11),
    });
    const [a, b] = big.toArray() as number[][];
    const avg = (r: number[]) => r.reduce((s, y) => s + y, 0) / r.length;
    expect(Math.abs(avg(a!) - 10)).toBeLessThan((4 * 0.5) / Math.sqrt(5000));
    expect(Math.abs(avg(b!) + 10)).toBeLessThan((4 * 0.5) / Math.sqrt(5000));
    const c = flat(normal(1, tensor([0, 0, 0]), { generator: new Generator(12) }));
    expect(c).toEqual([1, 1, 1]);
  });

  it('is reproducible with the same generator seed and carries no gradient', () => {
    const mean = zeros([4], { requiresGrad: true });
    const a = normal(mean, 1, { generator: new Generator(13) });
    expect(flat(normal(mean, 1, { generator: new Generator(13) }))).toEqual(flat(a));
    expect(a.requiresGrad).toBe(false);
  });

  it('errors: negative std, a shape with tensors, no shape with numbers, mixed dtypes', () => {
    expect(() => normal(0, tensor([1, -1]))).toThrow(/normal: std must be ≥ 0 everywhere, got -1/);
    expect(() => normal(0, -1, [2])).toThrow(ValueError);
    expect(() => normal(zeros([2]), 1, [2] as never)).toThrow(
      /a shape is only accepted when mean and std are both numbers/,
    );
    expect(() => normal(0, 1)).toThrow(/give the shape to fill/);
    expect(() => normal(zeros([2]), zeros([2], { dtype: 'float64' }))).toThrow(DTypeError);
    expect(() => normal(zeros([2]), zeros([3]))).toThrow(ShapeError);
    expect(() => normal(0, 1, [2], { dtype: 'int32' })).toThrow(DTypeError);
  });
});

describe('uniform', () => {
  it('fills [low, high): range, and 10 equal bins by χ² over 20,000 draws', () => {
    const n = 20_000;
    const x = flat(uniform([n], -2, 3, { generator: new Generator(14) }));
    expect(x.every((y) => y >= -2 && y < 3)).toBe(true);
    const bins = counts(
      x.map((y) => Math.floor(((y + 2) / 5) * 10)),
      10,
    );
    expect(chiSquare(bins, new Array(10).fill(n / 10))).toBeLessThan(chiBound(9));
  });

  it('float32 samples never round up to high; the same seed repeats; float64 on request', () => {
    const x = flat(uniform([50_000], 0, 1e-7, { generator: new Generator(15) }));
    expect(x.every((y) => y >= 0 && y < Math.fround(1e-7))).toBe(true);
    const a = uniform([5], 0, 1, { generator: new Generator(16), dtype: 'float64' });
    expect(a.dtype).toBe('float64');
    expect(flat(uniform([5], 0, 1, { generator: new Generator(16), dtype: 'float64' }))).toEqual(flat(a));
  });

  it('errors on low > high, infinite bounds or an integer dtype', () => {
    expect(() => uniform([2], 1, 0)).toThrow(/uniform: need finite low ≤ high, got low=1, high=0/);
    expect(() => uniform([2], 0, Number.POSITIVE_INFINITY)).toThrow(ValueError);
    expect(() => uniform([2], 0, 1, { dtype: 'int32' })).toThrow(DTypeError);
    expect(() => uniform([-1], 0, 1)).toThrow(ValueError);
  });
});

describe('uniform over a range with no float32 in it', () => {
  it('is a ValueError naming the range, never a hang', () => {
    expect(() => uniform([1], 0.1, 0.100000001)).toThrow(
      'uniform: no float32 value lies in [0.1, 0.100000001)',
    );
    expect(() => uniform([1], -5e-324, 0)).toThrow(/uniform: no float32 value/);
    const tiny = uniform([4], 1e-40, 1, { dtype: 'float32' }).toFlatArray();
    expect(tiny.every((v) => v >= 1e-40 && v < 1)).toBe(true);
    expect(
      uniform([2], 0.1, 0.100000001, { dtype: 'float64' })
        .toFlatArray()
        .every((v) => v >= 0.1),
    ).toBe(true);
  });
});
