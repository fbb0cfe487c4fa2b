import { arange, ValueError } from '@tsgrad/core';
import { DataLoader, TensorDataset } from '@tsgrad/datasets';
import { describe, expect, it } from 'vitest';

const data = new TensorDataset(arange(20));
const order = (seed: number): number[] =>
  [...new DataLoader(data, { batchSize: 20, shuffle: true, seed })].flatMap(
    ([x]) => x!.toArray() as number[],
  );

describe('DataLoader seeds (#18.4)', () => {
  it('rejects a fractional, negative or NaN seed instead of rounding it', () => {
    for (const seed of [1.5, -1, Number.NaN, 2 ** 53]) {
      expect(() => new DataLoader(data, { batchSize: 4, shuffle: true, seed })).toThrow(ValueError);
    }
    expect(() => new DataLoader(data, { batchSize: 4, seed: 1.5 })).toThrow(
      'DataLoader: seed must be an integer',
    );
  });
  it('a seed of 2^32 shuffles differently from seed 0', () => {
    expect(order(2 ** 32)).not.toEqual(order(0));
    expect(order(7)).toEqual(order(7));
  });
});
