/** Batching and shuffling over a dataset, iterable with for…of. */
import {
  type DType,
  DTypeError,
  defaultGenerator,
  fmtShape,
  Generator,
  ShapeError,
  sizeOf,
  stack,
  Tensor,
  type TypedArray,
  ValueError,
} from '@tsgrad/core';
import { type Dataset, Subset, TensorDataset } from './dataset.js';

/**
 * What the default collate makes of a batch of samples of type T: tensors are stacked along a
 * new first dim, numbers become a float32 `[batch]` tensor, and arrays (tuples) are collated
 * position by position.
 */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number
    ? Tensor
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : never;

/** Options of `DataLoader`. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Draw a new random order at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Seed of a generator owned by this loader (the same seed gives the same sequence of epochs). */
  seed?: number;
  /** The generator to shuffle with; the global one (`manualSeed`) when neither this nor `seed` is given. */
  generator?: Generator;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Turns a list of samples into a batch; by default see `Collated`. */
  collate?: (samples: T[]) => B;
}

/** A TensorDataset seen through zero or more Subsets: rows of the base tensors, optionally remapped. */
interface RowSource {
  tensors: readonly Tensor[];
  /** Contiguous row-major elements of each tensor. */
  data: TypedArray[];
  /** Elements per row of each tensor. */
  rowSize: number[];
  /** Maps a sample index to a row of the base tensors (identity when null). */
  rows: Int32Array | null;
}

function rowSource(dataset: Dataset<unknown>): RowSource | null {
  let rows: Int32Array | null = null;
  let ds = dataset;
  while (ds instanceof Subset) {
    const idx: Int32Array = ds.indices;
    rows = rows === null ? idx : rows.map((i) => idx[i]!);
    ds = ds.dataset;
  }
  if (!(ds instanceof TensorDataset)) return null;
  // A tensor that requires grad keeps the generic path (stack), so batches stay in the graph.
  if (ds.tensors.some((t) => t.requiresGrad)) return null;
  const data = ds.tensors.map((t) =>
    t.isContiguous ? t.data.subarray(t.offset, t.offset + t.size) : t.toTypedArray(),
  );
  const rowSize = ds.tensors.map((t) => sizeOf(t.shape.slice(1)));
  return { tensors: ds.tensors, data, rowSize, rows };
}

function allocateLike(data: TypedArray, length: number): TypedArray {
  const Ctor = data.constructor as new (n: number) => TypedArray;
  return new Ctor(length);
}

/**
 * Batches a dataset, optionally shuffled with a seed, for `for (const batch of loader)`. A new
 * order is drawn each time iteration starts (each epoch); every sample is visited exactly once
 * per epoch (minus the short tail with `dropLast`).
 *
 * For a `TensorDataset` (or a Subset of one) a batch is one new tensor per dataset tensor,
 * `[batch, ...rest]` with the original dtype, filled by copying the selected rows straight into
 * one typed array.
 *
 * @example
 * const { images, labels } = loadMnist({ split: 'test' });
 * const loader = new DataLoader(new TensorDataset(images, labels), { batchSize: 64, shuffle: true, seed: 0 });
 * for (const [x, y] of loader) {
 *   console.log(x!.shape, y!.shape); // float32 [64,1,28,28], int32 [64]
 *   break;
 * }
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  /** The dataset being batched. */
  readonly dataset: Dataset<T>;
  /** Samples per batch (the last batch may be shorter unless `dropLast`). */
  readonly batchSize: number;
  /** Whether each epoch visits the samples in a new random order. */
  readonly shuffle: boolean;
  /** Whether a short final batch is dropped. */
  readonly dropLast: boolean;
  private readonly generator: Generator;
  private readonly collate: ((samples: T[]) => B) | null;
  private source: RowSource | null | undefined;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ValueError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    }
    if (options.seed !== undefined && options.generator !== undefined) {
      throw new ValueError('DataLoader: pass either seed or generator, not both');
    }
    const seed = options.seed;
    if (seed !== undefined && !(typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0)) {
      throw new ValueError(
        `DataLoader: seed must be an integer in 0..${Number.MAX_SAFE_INTEGER}, got ${String(seed)}`,
      );
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.generator =
      options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : defaultGenerator);
    this.collate = options.collate ?? null;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Starts an epoch: draws the order now (when shuffling), then yields its batches. */
  [Symbol.iterator](): Iterator<B> {
    const n = this.dataset.length;
    const order = this.shuffle ? this.generator.permutation(n) : null;
    return this.batches(order, n);
  }

  private *batches(order: Int32Array | null, n: number): IterableIterator<B> {
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const start = b * this.batchSize;
      const size = Math.min(this.batchSize, n - start);
      const idx = new Int32Array(size);
      for (let j = 0; j < size; j++) idx[j] = order === null ? start + j : order[start + j]!;
      yield this.batch(idx);
    }
  }

  /** The batch of the samples at `indices`, collated as this loader does. */
  batch(indices: Int32Array): B {
    if (this.collate === null) {
      if (this.source === undefined) this.source = rowSource(this.dataset);
      if (this.source !== null) return gatherRows(this.source, indices) as B;
    }
    const samples: T[] = [];
    for (const i of indices) samples.push(this.dataset.get(i));
    return this.collate === null ? (defaultCollate(samples) as B) : this.collate(samples);
  }
}

function gatherRows(src: RowSource, indices: Int32Array): Tensor[] {
  const { tensors, data, rowSize, rows } = src;
  return tensors.map((t, k) => {
    const size = rowSize[k]!;
    const from = data[k]!;
    const out = allocateLike(from, indices.length * size);
    for (let j = 0; j < indices.length; j++) {
      const row = rows === null ? indices[j]! : rows[indices[j]!]!;
      if (size === 1) out[j] = from[row]!;
      else out.set(from.subarray(row * size, row * size + size), j * size);
    }
    return new Tensor(out, [indices.length, ...t.shape.slice(1)]);
  });
}

/**
 * The default collate (see `Collated`).
 *
 * @example
 * defaultCollate([tensor([1, 2]), tensor([3, 4])]); // a tensor of shape [2, 2]
 * defaultCollate([[tensor([1]), 0], [tensor([2]), 1]]); // [tensor [2, 1], tensor [2]]
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  if (samples.length === 0) throw new ValueError('collate: expected at least one sample');
  const first = samples[0];
  if (first instanceof Tensor) return stackSamples(samples as readonly Tensor[]) as Collated<T>;
  if (typeof first === 'number') {
    const out = new Float32Array(samples.length);
    samples.forEach((s, i) => {
      if (typeof s !== 'number') throw new ValueError(`collate: sample ${i} is not a number like sample 0`);
      out[i] = s;
    });
    return new Tensor(out, [samples.length]) as Collated<T>;
  }
  if (Array.isArray(first)) {
    const width = first.length;
    const columns: unknown[] = [];
    for (let p = 0; p < width; p++) {
      columns.push(
        defaultCollate(
          samples.map((s, i) => {
            if (!Array.isArray(s) || s.length !== width) {
              throw new ValueError(`collate: sample ${i} is not an array of length ${width} like sample 0`);
            }
            return s[p] as unknown;
          }),
        ),
      );
    }
    return columns as Collated<T>;
  }
  throw new ValueError(
    `collate: cannot batch samples of type ${typeof first} (expected Tensor, number or arrays of them); pass a collate function`,
  );
}

/** Stacks same-shape tensors along a new first dim by a straight copy (through `stack` when gradients are needed). */
function stackSamples(samples: readonly Tensor[]): Tensor {
  const first = samples[0]!;
  const dtype: DType = first.dtype;
  samples.forEach((s, i) => {
    if (!(s instanceof Tensor))
      throw new ValueError(`collate: sample ${i} is a ${typeof s}, not a Tensor like sample 0`);
    if (s.dtype !== dtype) throw new DTypeError(`collate: sample ${i} is ${s.dtype}, sample 0 is ${dtype}`);
    if (s.ndim !== first.ndim || s.shape.some((d, k) => d !== first.shape[k])) {
      throw new ShapeError(
        `collate: sample ${i} has shape ${fmtShape(s.shape)}, sample 0 has ${fmtShape(first.shape)}`,
      );
    }
  });
  if (samples.some((s) => s.requiresGrad)) return stack(samples, 0);
  const size = first.size;
  const out = allocateLike(first.data, samples.length * size);
  samples.forEach((s, i) => {
    if (s.isContiguous) out.set(s.data.subarray(s.offset, s.offset + size), i * size);
    else out.set(s.toTypedArray(), i * size);
  });
  return new Tensor(out, [samples.length, ...first.shape]);
}
