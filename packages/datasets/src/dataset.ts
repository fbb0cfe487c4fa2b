/** Datasets: anything with a length and samples by index, as in PyTorch's map-style datasets. */
import {
  defaultGenerator,
  fmtShape,
  type Generator,
  narrow,
  ShapeError,
  squeeze,
  type Tensor,
  ValueError,
} from '@tsgrad/core';

/** A map-style dataset: `length` samples, sample `i` by `get(i)`. */
export interface Dataset<T> {
  /** The number of samples. */
  readonly length: number;
  /** Sample `index`, for 0 ≤ index < length. */
  get(index: number): T;
}

function checkIndex(op: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new ValueError(`${op}: index ${index} is out of range for a dataset of length ${length}`);
  }
}

/**
 * Samples that are rows of tensors sharing their first dim: sample `i` is `[t0[i], t1[i], …]`
 * (views, no copy). A `DataLoader` batches a TensorDataset by copying rows straight into one
 * typed array per tensor.
 *
 * @example
 * const ds = new TensorDataset(randn([10, 1, 28, 28]), zeros([10], { dtype: 'int32' }));
 * ds.get(0); // [image [1,28,28], label []]
 */
export class TensorDataset implements Dataset<Tensor[]> {
  /** The tensors, all with the same first dim. */
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ValueError('TensorDataset: expected at least one tensor');
    const first = tensors[0]!;
    for (const t of tensors) {
      if (t.ndim === 0 || t.shape[0] !== first.shape[0] || first.ndim === 0) {
        throw new ShapeError(
          `TensorDataset: all tensors must share their first dim, got ${tensors.map((x) => fmtShape(x.shape)).join(', ')}`,
        );
      }
    }
    this.tensors = tensors;
  }

  /** Number of samples (the shared first dim). */
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  /** Row `index` of every tensor (views). */
  get(index: number): Tensor[] {
    checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => squeeze(narrow(t, 0, index, 1), 0));
  }
}

/**
 * The samples of `dataset` at `indices`, in that order.
 *
 * @example
 * const ds = new TensorDataset(arange(10));
 * const evens = new Subset(ds, [0, 2, 4, 6, 8]);
 * evens.length; // 5; evens.get(1) is [tensor 2]
 */
export class Subset<T> implements Dataset<T> {
  /** The dataset the samples come from. */
  readonly dataset: Dataset<T>;
  /** The indices into `dataset`, in the order of this subset. */
  readonly indices: Int32Array;

  constructor(dataset: Dataset<T>, indices: ArrayLike<number>) {
    const idx = Int32Array.from(indices);
    for (let i = 0; i < idx.length; i++) {
      if (idx[i] !== indices[i]) throw new ValueError(`Subset: index ${indices[i]} is not an int32`);
      checkIndex('Subset', idx[i]!, dataset.length);
    }
    this.dataset = dataset;
    this.indices = idx;
  }

  /** The number of samples (the number of indices). */
  get length(): number {
    return this.indices.length;
  }

  /** Sample `index` of the subset: `dataset.get(indices[index])`. */
  get(index: number): T {
    checkIndex('Subset.get', index, this.length);
    return this.dataset.get(this.indices[index]!);
  }
}

/** Options of `randomSplit`. */
export interface RandomSplitOptions {
  /** The generator to draw the permutation from; the global one (`manualSeed`) by default. */
  generator?: Generator;
}

/**
 * Splits a dataset into non-overlapping random subsets. `lengths` are either sample counts that
 * sum to `dataset.length`, or fractions that sum to 1 (each gets floor(f·n) samples, and the
 * remainder is handed out one by one from the first subset on, as PyTorch does).
 *
 * @example
 * const ds = new TensorDataset(arange(100));
 * const [train, val] = randomSplit(ds, [0.9, 0.1], { generator: new Generator(42) }); // 90 and 10 samples
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  options: RandomSplitOptions = {},
): Subset<T>[] {
  const n = dataset.length;
  const sizes = splitSizes(lengths, n);
  const perm = (options.generator ?? defaultGenerator).permutation(n);
  const out: Subset<T>[] = [];
  let start = 0;
  for (const size of sizes) {
    out.push(new Subset(dataset, perm.subarray(start, start + size)));
    start += size;
  }
  return out;
}

function splitSizes(lengths: readonly number[], n: number): number[] {
  if (lengths.length === 0) throw new ValueError('randomSplit: expected at least one length');
  if (lengths.some((l) => !Number.isFinite(l) || l < 0)) {
    throw new ValueError(`randomSplit: lengths must be non-negative numbers, got [${lengths.join(', ')}]`);
  }
  const total = lengths.reduce((a, b) => a + b, 0);
  if (lengths.every(Number.isInteger) && total === n) return [...lengths];
  if (lengths.every((l) => l <= 1) && Math.abs(total - 1) < 1e-9) {
    const sizes = lengths.map((f) => Math.floor(f * n));
    let rest = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % sizes.length, rest--) sizes[i]!++;
    return sizes;
  }
  throw new ValueError(
    `randomSplit: lengths [${lengths.join(', ')}] must be counts summing to the dataset length ${n} or fractions summing to 1`,
  );
}
