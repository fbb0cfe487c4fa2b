import { arange, Generator, ShapeError, tensor, ValueError } from '@tsgrad/core';
import { CharTokenizer, contextWindows, DataLoader, sequenceBatches, TextDataset } from '@tsgrad/datasets';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const ids = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe('sequenceBatches', () => {
  it('yields int32 [B, T] inputs and the targets shifted by one token', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 1000 }),
        (blockSize, batchSize, extra, seed) => {
          const tokens = ids(blockSize + 1 + extra);
          const [x, y] = sequenceBatches(tokens, blockSize, batchSize, new Generator(seed)).next().value!;
          expect(x.shape).toEqual([batchSize, blockSize]);
          expect(y.shape).toEqual([batchSize, blockSize]);
          expect(x.dtype).toBe('int32');
          const xs = x.toTypedArray();
          const ys = y.toTypedArray();
          for (let b = 0; b < batchSize; b++) {
            const start = xs[b * blockSize]!;
            expect(start + blockSize).toBeLessThan(tokens.length);
            for (let t = 0; t < blockSize; t++) {
              expect(xs[b * blockSize + t]).toBe(start + t);
              expect(ys[b * blockSize + t]).toBe(start + t + 1);
            }
          }
        },
      ),
    );
  });

  it('gives the same batches for the same seed', () => {
    const take = (seed: number) => {
      const it = sequenceBatches(ids(100), 8, 4, new Generator(seed));
      return [0, 1, 2].map(() => it.next().value![0].toFlatArray());
    };
    expect(take(3)).toEqual(take(3));
    expect(take(3)).not.toEqual(take(4));
  });

  it('reaches every window, the last one included', () => {
    const starts = new Set<number>();
    const it = sequenceBatches(ids(6), 3, 8, new Generator(0));
    for (let i = 0; i < 10; i++) {
      const x = it.next().value![0].toFlatArray();
      for (let b = 0; b < 8; b++) starts.add(x[b * 3]!);
    }
    expect([...starts].sort()).toEqual([0, 1, 2]);
  });

  it('rejects a block size longer than the text, and bad tokens', () => {
    expect(() => sequenceBatches(ids(5), 5, 2).next()).toThrow(ValueError);
    expect(() => sequenceBatches(ids(5), 5, 2).next()).toThrow(
      /block size 5 is longer than the text allows: 5 tokens/,
    );
    expect(() => sequenceBatches(ids(5), 0, 2).next()).toThrow(/blockSize must be a positive integer/);
    expect(() => sequenceBatches(arange(10), 2, 2).next()).toThrow(/tokens must be int32, got float32/);
    expect(() => sequenceBatches(tensor(new Int32Array(4), { shape: [2, 2] }), 1, 1).next()).toThrow(
      ShapeError,
    );
  });
});

describe('TextDataset', () => {
  it('has n − T windows that are views of one corpus tensor', () => {
    const tokens = tensor(ids(10), { shape: [10] });
    const ds = new TextDataset(tokens, 4);
    expect(ds.length).toBe(6);
    const [x, y] = ds.get(5);
    expect(x.toFlatArray()).toEqual([5, 6, 7, 8]);
    expect(y.toFlatArray()).toEqual([6, 7, 8, 9]);
    expect(x.data).toBe(ds.tokens.data);
    expect(() => ds.get(6)).toThrow(/index 6 is out of range for a dataset of length 6/);
    expect(() => new TextDataset(ids(4), 4)).toThrow(/block size 4 is longer than the text/);
  });

  it('batches through DataLoader into [B, T] pairs', () => {
    const loader = new DataLoader(new TextDataset(ids(20), 5), { batchSize: 4, shuffle: true, seed: 1 });
    const [x, y] = loader[Symbol.iterator]().next().value!;
    expect(x!.shape).toEqual([4, 5]);
    const xs = x!.toFlatArray();
    const ys = y!.toFlatArray();
    for (let i = 0; i < xs.length; i++) expect(ys[i]).toBe(xs[i]! + 1);
  });
});

describe('contextWindows', () => {
  it("builds makemore's examples: k + 1 per word of k characters, padded with the special token", () => {
    const tok = CharTokenizer.fit(['emma'], { special: '.' });
    const { inputs, targets } = contextWindows(['emma'], tok, 3);
    expect(inputs.shape).toEqual([5, 3]);
    const rows = inputs.toArray() as number[][];
    expect(rows.map((r) => tok.decode(r))).toEqual(['...', '..e', '.em', 'emm', 'mma']);
    expect(tok.decode(targets.toTypedArray())).toBe('emma.');
  });

  it('needs a tokenizer with a special token', () => {
    expect(() => contextWindows(['ab'], CharTokenizer.fit('ab'), 3)).toThrow(
      /needs a special start\/end token/,
    );
  });
});
