import { arange, DTypeError, Generator, manualSeed, type Tensor, tensor, ValueError } from '@tsgrad/core';
import {
  DataLoader,
  type Dataset,
  defaultCollate,
  randomSplit,
  Subset,
  TensorDataset,
} from '@tsgrad/datasets';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * n samples: x row i is [2, 3] float32 holding 100·i + 0..5, y is i (int32), so a batch shows
 * which samples it holds and whether rows stayed aligned.
 */
function indexed(n: number): TensorDataset {
  const x = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) for (let k = 0; k < 6; k++) x[i * 6 + k] = 100 * i + k;
  return new TensorDataset(
    tensor(x, { shape: [n, 2, 3] }),
    tensor(
      Int32Array.from({ length: n }, (_, i) => i),
      { shape: [n] },
    ),
  );
}

/** The sample ids of each batch of one epoch, checking that x rows match y. */
function epoch(loader: DataLoader<Tensor[]>): number[][] {
  const out: number[][] = [];
  for (const [x, y] of loader) {
    const ids = Array.from(y!.data);
    const xs = x!.data;
    ids.forEach((id, j) => {
      for (let k = 0; k < 6; k++) expect(xs[j * 6 + k]).toBe(100 * id + k);
    });
    out.push(ids);
  }
  return out;
}

describe('DataLoader over a TensorDataset', () => {
  it('visits every sample exactly once per epoch (minus the dropped tail)', () => {
    fc.assert(
      fc.property(
        fc.nat(40),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.boolean(),
        fc.nat(),
        (n, batchSize, shuffle, dropLast, seed) => {
          const loader = new DataLoader(indexed(n), { batchSize, shuffle, dropLast, seed });
          for (let e = 0; e < 2; e++) {
            const batches = epoch(loader);
            expect(batches.length).toBe(loader.length);
            const full = Math.floor(n / batchSize);
            expect(loader.length).toBe(dropLast || n % batchSize === 0 ? full : full + 1);
            for (const [i, b] of batches.entries())
              expect(b.length).toBe(i < full ? batchSize : n % batchSize);
            const seen = batches.flat();
            expect(new Set(seen).size).toBe(seen.length);
            expect(seen.length).toBe(dropLast ? full * batchSize : n);
            for (const id of seen) expect(id >= 0 && id < n).toBe(true);
            if (!shuffle) expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives batches of shape [batch, ...rest] in the original dtypes', () => {
    const ds = new TensorDataset(
      tensor(new Float64Array(7 * 4), { shape: [7, 4] }),
      tensor(new Int32Array(7), { shape: [7] }),
      tensor(new Float32Array(7 * 3 * 2), { shape: [7, 1, 3, 2] }),
    );
    const batches = [...new DataLoader(ds, { batchSize: 3 })];
    expect(batches.map((b) => b.map((t) => t.shape))).toEqual([
      [[3, 4], [3], [3, 1, 3, 2]],
      [[3, 4], [3], [3, 1, 3, 2]],
      [[1, 4], [1], [1, 1, 3, 2]],
    ]);
    expect(batches[0]!.map((t) => t.dtype)).toEqual(['float64', 'int32', 'float32']);
  });

  it('reshuffles every epoch', () => {
    const loader = new DataLoader(indexed(100), { batchSize: 10, shuffle: true, seed: 1 });
    const first = epoch(loader).flat();
    const second = epoch(loader).flat();
    expect(first).not.toEqual(second);
    expect([...first].sort((a, b) => a - b)).toEqual([...second].sort((a, b) => a - b));
  });

  it('gives the same sequence of epochs for the same seed, another for another seed', () => {
    const run = (seed: number): number[][][] => {
      const loader = new DataLoader(indexed(50), { batchSize: 8, shuffle: true, seed });
      return [epoch(loader), epoch(loader), epoch(loader)];
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('shuffles with a given generator, or the global one after manualSeed', () => {
    const withGen = (g: Generator): number[] =>
      epoch(new DataLoader(indexed(30), { shuffle: true, generator: g })).flat();
    expect(withGen(new Generator(5))).toEqual(withGen(new Generator(5)));
    manualSeed(9);
    const a = epoch(new DataLoader(indexed(30), { batchSize: 4, shuffle: true })).flat();
    manualSeed(9);
    const b = epoch(new DataLoader(indexed(30), { batchSize: 4, shuffle: true })).flat();
    expect(a).toEqual(b);
  });

  it('copies the right rows from non-contiguous tensors', () => {
    // x is the transpose of a [3, 5] tensor: row i of x is column i of the original.
    const base = arange(15).reshape(3, 5);
    const ds = new TensorDataset(base.transpose(0, 1), arange(5, undefined, 1, { dtype: 'int32' }));
    const [[x, y]] = [...new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 3 })];
    const ids = Array.from(y!.data);
    expect(x!.shape).toEqual([5, 3]);
    for (const [j, id] of ids.entries()) {
      expect(Array.from(x!.data.subarray(j * 3, j * 3 + 3))).toEqual([id, id + 5, id + 10]);
    }
  });

  it('batches a Subset of a TensorDataset (randomSplit) by its rows', () => {
    const [train, rest] = randomSplit(indexed(20), [15, 5], { generator: new Generator(2) });
    const ids = epoch(new DataLoader(train!, { batchSize: 4 })).flat();
    expect(ids).toEqual(Array.from({ length: 15 }, (_, i) => train!.get(i)[1]!.item()));
    const nested = new Subset(rest!, [4, 0]);
    expect(epoch(new DataLoader(nested, { batchSize: 2 })).flat()).toEqual([
      rest!.get(4)[1]!.item(),
      rest!.get(0)[1]!.item(),
    ]);
  });

  it('batches by copying rows, without building per-sample tensors through get()', () => {
    class NoGet extends TensorDataset {
      override get(): Tensor[] {
        throw new Error('get() called');
      }
    }
    const base = indexed(9);
    const ds = new NoGet(...base.tensors);
    expect(
      epoch(new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 0 }))
        .flat()
        .sort((a, b) => a - b),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('has no batches for an empty dataset', () => {
    const loader = new DataLoader(indexed(0), { batchSize: 4, shuffle: true, seed: 0 });
    expect(loader.length).toBe(0);
    expect([...loader]).toEqual([]);
  });

  it('rejects a bad batch size and a seed given with a generator', () => {
    expect(() => new DataLoader(indexed(3), { batchSize: 0 })).toThrow(ValueError);
    expect(() => new DataLoader(indexed(3), { batchSize: 1.5 })).toThrow(
      /batchSize must be a positive integer/,
    );
    expect(() => new DataLoader(indexed(3), { seed: 1, generator: new Generator(1) })).toThrow(ValueError);
  });
});

describe('DataLoader over a generic Dataset', () => {
  const pairs: Dataset<[Tensor, number]> = {
    length: 5,
    get: (i) => [tensor([i, -i]), i / 2],
  };

  it('stacks tensors and turns numbers into a float32 tensor, position by position', () => {
    const batches = [...new DataLoader(pairs, { batchSize: 2 })];
    expect(batches).toHaveLength(3);
    const [x, y] = batches[1]!;
    expect(x.shape).toEqual([2, 2]);
    expect(x.toArray()).toEqual([
      [2, -2],
      [3, -3],
    ]);
    expect(y.dtype).toBe('float32');
    expect(y.toFlatArray()).toEqual([1, 1.5]);
    expect(batches[2]![0].shape).toEqual([1, 2]);
  });

  it('uses a custom collate when given', () => {
    const loader = new DataLoader(pairs, { batchSize: 5, collate: (samples) => samples.map(([, n]) => n) });
    expect([...loader]).toEqual([[0, 0.5, 1, 1.5, 2]]);
  });

  it('visits every sample once per epoch when shuffled', () => {
    const loader = new DataLoader(pairs, { batchSize: 2, shuffle: true, seed: 11 });
    const seen = [...loader].flatMap(([, y]) => y.toFlatArray());
    expect(seen.sort()).toEqual([0, 0.5, 1, 1.5, 2]);
  });

  it('reports samples it cannot batch', () => {
    expect(() => defaultCollate([tensor([1, 2]), tensor([1, 2, 3])])).toThrow(
      /sample 1 has shape \[3\], sample 0 has \[2\]/,
    );
    expect(() => defaultCollate([tensor([1]), tensor(new Int32Array([1]))])).toThrow(DTypeError);
    expect(() => defaultCollate([{ a: 1 }])).toThrow(/pass a collate function/);
  });
});
