import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError, type Tensor, ValueError } from '@tsgrad/core';
import {
  FASHION_MNIST_CLASSES,
  loadMnist,
  MNIST_CLASSES,
  MNIST_MEAN,
  MNIST_STD,
  type MnistData,
  writeIdx,
} from '@tsgrad/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

function labelCounts(labels: Tensor): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of labels.data) counts[l]!++;
  return counts;
}

function range(data: ArrayLike<number>): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

describe('loadMnist on the bundled MNIST files', () => {
  let train: MnistData;
  let test: MnistData;
  beforeAll(() => {
    train = loadMnist({ split: 'train' });
    test = loadMnist({ split: 'test' });
  });

  it('has 60,000 training and 10,000 test samples in the documented shapes and dtypes', () => {
    expect(train.images.shape).toEqual([60000, 1, 28, 28]);
    expect(train.images.dtype).toBe('float32');
    expect(train.labels.shape).toEqual([60000]);
    expect(train.labels.dtype).toBe('int32');
    expect(test.images.shape).toEqual([10000, 1, 28, 28]);
    expect(test.labels.shape).toEqual([10000]);
  });

  it('has the known label counts of MNIST', () => {
    expect(labelCounts(train.labels)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(labelCounts(test.labels)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it('starts with a 5 in training and a 7 in test', () => {
    expect(train.labels.data[0]).toBe(5);
    expect(test.labels.data[0]).toBe(7);
  });

  it('scales pixels into [0, 1], using both ends', () => {
    expect(range(train.images.data)).toEqual({ min: 0, max: 1 });
    expect(range(test.images.data)).toEqual({ min: 0, max: 1 });
  });

  it('has the well-known mean and std of the training pixels', () => {
    let sum = 0;
    let sumSq = 0;
    const data = train.images.data;
    for (let i = 0; i < data.length; i++) {
      sum += data[i]!;
      sumSq += data[i]! * data[i]!;
    }
    const mean = sum / data.length;
    const std = Math.sqrt(sumSq / data.length - mean * mean);
    expect(mean).toBeCloseTo(MNIST_MEAN, 4);
    expect(std).toBeCloseTo(MNIST_STD, 4);
  });

  it('flattens to [N, 784] and keeps only `limit` samples, the same ones', () => {
    const small = loadMnist({ split: 'train', flatten: true, limit: 100 });
    expect(small.images.shape).toEqual([100, 784]);
    expect(Array.from(small.labels.data)).toEqual(Array.from(train.labels.data.subarray(0, 100)));
    expect(Array.from(small.images.data)).toEqual(Array.from(train.images.data.subarray(0, 100 * 784)));
  });

  it('standardises with mean 0.1307 and std 0.3081, or with given constants', () => {
    const scaled = loadMnist({ split: 'test', limit: 20 }).images.data;
    const standard = loadMnist({ split: 'test', limit: 20, normalize: 'standardize' }).images.data;
    const custom = loadMnist({ split: 'test', limit: 20, normalize: { mean: 0.5, std: 0.25 } }).images.data;
    const raw = loadMnist({ split: 'test', limit: 20, normalize: 'none' }).images.data;
    for (let i = 0; i < scaled.length; i += 7) {
      expect(Number.isInteger(raw[i])).toBe(true);
      expect(scaled[i]).toBeCloseTo(raw[i]! / 255, 6);
      expect(standard[i]).toBeCloseTo((raw[i]! / 255 - 0.1307) / 0.3081, 5);
      expect(custom[i]).toBeCloseTo((raw[i]! / 255 - 0.5) / 0.25, 5);
    }
  });

  it('loads more than the file holds as the whole file', () => {
    expect(loadMnist({ split: 'test', limit: 10 ** 6 }).labels.shape).toEqual([10000]);
  });

  it('rejects bad options with ValueError', () => {
    expect(() => loadMnist({ split: 'val' as 'train' })).toThrow(ValueError);
    expect(() => loadMnist({ limit: -1 })).toThrow(/limit must be a non-negative integer/);
    expect(() => loadMnist({ normalize: 'minmax' as 'scale' })).toThrow(ValueError);
    expect(() => loadMnist({ normalize: { mean: 0, std: 0 } })).toThrow(/positive std/);
  });

  it('exports the class names of MNIST and Fashion-MNIST', () => {
    expect(MNIST_CLASSES).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(FASHION_MNIST_CLASSES).toHaveLength(10);
    expect(FASHION_MNIST_CLASSES[0]).toBe('T-shirt/top');
    expect(FASHION_MNIST_CLASSES[9]).toBe('Ankle boot');
  });
});

describe('loadMnist from a directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'tsgrad-mnist-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const N = 10;
  const pixels = new Uint8Array(N * 28 * 28).map((_, i) => (i * 37 + 11) % 256);
  const labels = new Uint8Array(N).map((_, i) => (i * 3) % 10);
  const images = { dtype: 'uint8' as const, shape: [N, 28, 28], data: pixels };
  const labelArray = { dtype: 'uint8' as const, shape: [N], data: labels };

  let n = 0;
  /** A fresh directory holding the given files. */
  function makeDir(files: Record<string, Uint8Array>): string {
    const dir = join(root, `set${n++}`);
    mkdirSync(dir);
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    return dir;
  }

  it('reads gzipped training files and raw test files', () => {
    const dir = makeDir({
      'train-images-idx3-ubyte.gz': writeIdx(images, { gzip: true }),
      'train-labels-idx1-ubyte.gz': writeIdx(labelArray, { gzip: true }),
      't10k-images-idx3-ubyte': writeIdx(images),
      't10k-labels-idx1-ubyte': writeIdx(labelArray),
    });
    for (const split of ['train', 'test'] as const) {
      const set = loadMnist({ split, dir });
      expect(set.images.shape).toEqual([N, 1, 28, 28]);
      expect(Array.from(set.labels.data)).toEqual(Array.from(labels));
      for (let i = 0; i < pixels.length; i += 13) expect(set.images.data[i]).toBeCloseTo(pixels[i]! / 255, 6);
    }
  });

  it('reads the dotted file names some mirrors use', () => {
    const dir = makeDir({
      'train-images.idx3-ubyte': writeIdx(images),
      'train-labels.idx1-ubyte': writeIdx(labelArray),
    });
    expect(loadMnist({ dir, limit: 3 }).labels.shape).toEqual([3]);
  });

  it('names the missing file', () => {
    const dir = makeDir({ 'train-images-idx3-ubyte': writeIdx(images) });
    expect(() => loadMnist({ dir })).toThrow(ValueError);
    expect(() => loadMnist({ dir })).toThrow(
      /neither train-labels-idx1-ubyte nor train-labels-idx1-ubyte.gz/,
    );
  });

  it('rejects image and label counts that differ', () => {
    const dir = makeDir({
      'train-images-idx3-ubyte': writeIdx(images),
      'train-labels-idx1-ubyte': writeIdx({ dtype: 'uint8', shape: [N - 1], data: labels.subarray(1) }),
    });
    expect(() => loadMnist({ dir })).toThrow(FormatError);
    expect(() => loadMnist({ dir })).toThrow(/has 10 images but .*train-labels-idx1-ubyte has 9 labels/);
  });

  it('rejects labels outside 0..9, naming the file and the index', () => {
    const bad = labels.slice();
    bad[4] = 10;
    const dir = makeDir({
      'train-images-idx3-ubyte': writeIdx(images),
      'train-labels-idx1-ubyte.gz': writeIdx({ dtype: 'uint8', shape: [N], data: bad }, { gzip: true }),
    });
    expect(() => loadMnist({ dir })).toThrow(
      /train-labels-idx1-ubyte.gz: label 10 at index 4 is outside 0..9/,
    );
  });

  it('rejects images that are not 28×28 uint8', () => {
    const wrongSize = makeDir({
      'train-images-idx3-ubyte': writeIdx({
        dtype: 'uint8',
        shape: [N, 27, 28],
        data: pixels.subarray(0, N * 27 * 28),
      }),
      'train-labels-idx1-ubyte': writeIdx(labelArray),
    });
    expect(() => loadMnist({ dir: wrongSize })).toThrow(
      /holds uint8 of shape \[10,27,28\], expected uint8 images/,
    );
    const wrongType = makeDir({
      'train-images-idx3-ubyte': writeIdx({
        dtype: 'int8',
        shape: [N, 28, 28],
        data: new Int8Array(pixels.buffer),
      }),
      'train-labels-idx1-ubyte': writeIdx(labelArray),
    });
    expect(() => loadMnist({ dir: wrongType })).toThrow(/holds int8 of shape/);
  });

  it('rejects a truncated image file, naming it', () => {
    const bytes = writeIdx(images);
    const dir = makeDir({
      'train-images-idx3-ubyte': bytes.subarray(0, bytes.length - 100),
      'train-labels-idx1-ubyte': writeIdx(labelArray),
    });
    expect(() => loadMnist({ dir })).toThrow(FormatError);
    expect(() => loadMnist({ dir })).toThrow(
      /train-images-idx3-ubyte\): file has 7740 bytes of data, expected 7840/,
    );
  });

  it('rejects a corrupt gzip file with FormatError', () => {
    const gz = writeIdx(images, { gzip: true });
    const dir = makeDir({
      'train-images-idx3-ubyte.gz': gz.subarray(0, gz.length >> 1),
      'train-labels-idx1-ubyte': writeIdx(labelArray),
    });
    expect(() => loadMnist({ dir })).toThrow(FormatError);
  });
});
