import { arange, Generator, ShapeError, tensor, ValueError } from '@tsgrad/core';
import { type Dataset, randomSplit, Subset, TensorDataset } from '@tsgrad/datasets';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** A dataset whose sample i is i. */
const numbers = (n: number): Dataset<number> => ({ length: n, get: (i) => i });

describe('TensorDataset', () => {
  const x = arange(12).reshape(4, 3);
  const y = tensor(new Int32Array([7, 8, 9, 10]), { shape: [4] });

  it('has the shared first dim as length and returns rows of every tensor', () => {
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(4);
    const [xi, yi] = ds.get(2);
    expect(xi!.shape).toEqual([3]);
    expect(xi!.toFlatArray()).toEqual([6, 7, 8]);
    expect(yi!.shape).toEqual([]);
    expect(yi!.dtype).toBe('int32');
    expect(yi!.item()).toBe(9);
  });

  it('rejects tensors that do not share their first dim', () => {
    expect(() => new TensorDataset(x, arange(5))).toThrow(ShapeError);
    expect(() => new TensorDataset(x, arange(5))).toThrow(/\[4,3\], \[5\]/);
    expect(() => new TensorDataset(tensor(1))).toThrow(ShapeError);
  });

  it('rejects no tensors and out-of-range indices', () => {
    expect(() => new TensorDataset()).toThrow(ValueError);
    const ds = new TensorDataset(x);
    expect(() => ds.get(4)).toThrow(/index 4 is out of range for a dataset of length 4/);
    expect(() => ds.get(-1)).toThrow(ValueError);
    expect(() => ds.get(1.5)).toThrow(ValueError);
  });
});

describe('Subset', () => {
  it('maps indices to the samples of the underlying dataset', () => {
    const sub = new Subset(numbers(10), [9, 0, 4]);
    expect(sub.length).toBe(3);
    expect([sub.get(0), sub.get(1), sub.get(2)]).toEqual([9, 0, 4]);
  });

  it('rejects indices outside the dataset', () => {
    expect(() => new Subset(numbers(3), [0, 3])).toThrow(ValueError);
    expect(() => new Subset(numbers(3), [0.5])).toThrow(ValueError);
  });
});

describe('randomSplit', () => {
  const samplesOf = (ds: Dataset<number>): number[] => Array.from({ length: ds.length }, (_, i) => ds.get(i));

  it('splits into disjoint subsets that cover the dataset, for counts', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(20), { minLength: 1, maxLength: 5 }), fc.nat(), (sizes, seed) => {
        const n = sizes.reduce((a, b) => a + b, 0);
        const parts = randomSplit(numbers(n), sizes, { generator: new Generator(seed) });
        expect(parts.map((p) => p.length)).toEqual(sizes);
        const all = parts.flatMap(samplesOf).sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
      { numRuns: 50 },
    );
  });

  it('hands the remainder of fractions out from the first subset on', () => {
    const parts = randomSplit(numbers(10), [0.33, 0.33, 0.34], { generator: new Generator(1) });
    expect(parts.map((p) => p.length)).toEqual([4, 3, 3]);
    const parts2 = randomSplit(numbers(101), [0.8, 0.2], { generator: new Generator(1) });
    expect(parts2.map((p) => p.length)).toEqual([81, 20]);
  });

  it('gives the same split for the same seed and a different one for another seed', () => {
    const a = randomSplit(numbers(50), [25, 25], { generator: new Generator(3) }).map(samplesOf);
    const b = randomSplit(numbers(50), [25, 25], { generator: new Generator(3) }).map(samplesOf);
    const c = randomSplit(numbers(50), [25, 25], { generator: new Generator(4) }).map(samplesOf);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('rejects lengths that are neither counts of the dataset nor fractions of 1', () => {
    expect(() => randomSplit(numbers(10), [5, 4])).toThrow(ValueError);
    expect(() => randomSplit(numbers(10), [0.5, 0.4])).toThrow(
      /must be counts summing to the dataset length 10/,
    );
    expect(() => randomSplit(numbers(10), [-1, 11])).toThrow(ValueError);
    expect(() => randomSplit(numbers(10), [])).toThrow(ValueError);
  });
});
