/**
 * Sampling ops drawing from a `Generator` (the global one, reseeded by `manualSeed`, unless one is
 * passed), so the same seed gives the same samples. Samples carry no gradient, as in PyTorch
 * (`torch.normal` and `torch.bernoulli` give zero gradients; write mean + std·randn for the
 * reparameterised form).
 */
import { backendFor, backendOf } from '../backends/backend.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { uniformKernel } from '../kernels/sampling.js';
import { defaultGenerator, type Generator } from '../random.js';
import type { RandomOptions } from '../tensor/create.js';
import { isDeviceBuffer, type Storage } from '../tensor/device.js';
import { allocate, type DType, MAX_ELEMENTS, requireFloating } from '../tensor/dtype.js';
import { broadcastShapes, checkShape, sizeOf } from '../tensor/shape.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { checkDevice } from './device.js';

/** Options of the sampling ops that take only a generator. */
export interface SamplingOptions {
  /** The generator to draw from; the global one (`manualSeed`) by default. */
  generator?: Generator;
}

/** Options of `multinomial`. */
export interface MultinomialOptions extends SamplingOptions {
  /** Draw with replacement (default false: no category twice in a row of samples). */
  replacement?: boolean;
}

/** Options of `bernoulli`. */
export interface BernoulliOptions extends SamplingOptions {
  /** One probability for every element; the input then gives only the shape and dtype. */
  p?: number;
}

/**
 * A new leaf from `data`: where it was drawn on the CPU, moved to `options.device` when one is
 * given (samples computed on a device from tensors there stay there).
 */
function finish(op: string, data: Storage, shape: readonly number[], options: RandomOptions): Tensor {
  const device = checkDevice(op, options.device ?? 'cpu');
  const storage = device !== 'cpu' && !isDeviceBuffer(data) ? backendFor(op, device).upload(data) : data;
  const t = new Tensor(storage, shape);
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

function floatDType(op: string, dtype: DType | undefined): DType {
  const d = dtype ?? 'float32';
  if (d !== 'float32' && d !== 'float64') {
    throw new DTypeError(`${op}: expected a floating dtype (float32 or float64), got ${String(d)}`);
  }
  return d;
}

/**
 * `numSamples` category indices (int32) per row of the non-negative weights `probs` (1-D [n] or
 * 2-D [rows, n]; rows need not sum to 1), as `torch.multinomial`.
 *
 * @example
 * multinomial(tensor([0.1, 0.6, 0.3]), 5, { replacement: true, generator: new Generator(1) });
 */
export function multinomial(probs: Tensor, numSamples: number, options: MultinomialOptions = {}): Tensor {
  const replacement = options.replacement ?? false;
  if (probs.dtype !== 'float32' && probs.dtype !== 'float64') {
    throw new DTypeError(`multinomial: probs must be float32 or float64, got ${probs.dtype}`);
  }
  if (probs.ndim !== 1 && probs.ndim !== 2) {
    throw new ShapeError(`multinomial: probs must be 1-D or 2-D, got shape ${fmtShape(probs.shape)}`);
  }
  if (!Number.isInteger(numSamples) || numSamples <= 0) {
    throw new ValueError(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  }
  const n = probs.shape[probs.ndim - 1]!;
  const rows = probs.ndim === 2 ? probs.shape[0]! : 1;
  if (n === 0) throw new ShapeError(`multinomial: probs of shape ${fmtShape(probs.shape)} has no categories`);
  if (!replacement && numSamples > n) {
    throw new ValueError(
      `multinomial: cannot draw ${numSamples} samples from ${n} categories without replacement (probs shape ${fmtShape(probs.shape)})`,
    );
  }
  const rng = options.generator ?? defaultGenerator;
  const out = backendOf('multinomial', probs).multinomial(probs, rows, n, numSamples, replacement, rng);
  return new Tensor(out, probs.ndim === 2 ? [rows, numSamples] : [numSamples]);
}

/**
 * 1 with probability `probs` (elementwise, in [0, 1]) else 0, in the input's dtype; with
 * `options.p`, probability p everywhere and `probs` gives only the shape (as `torch.bernoulli`).
 *
 * @example
 * const x = randn([2, 3]);
 * bernoulli(fullLike(x, 0.3), { generator: new Generator(7) }); // a 0/1 mask shaped like x
 */
export function bernoulli(probs: Tensor, options: BernoulliOptions = {}): Tensor {
  requireFloating('bernoulli', probs.dtype);
  const rng = options.generator ?? defaultGenerator;
  const p = options.p;
  if (p !== undefined && !(p >= 0 && p <= 1))
    throw new ValueError(`bernoulli: p must be in [0, 1], got ${p}`);
  // On a GPU the draws come from the same generator on the CPU: a seed gives the same mask there.
  return new Tensor(backendOf('bernoulli', probs).bernoulli(probs, p, rng), probs.shape);
}

/**
 * A random permutation of 0..n−1, int32 by default (as `torch.randperm`).
 *
 * @example
 * randperm(5, { generator: new Generator(3) }); // e.g. [3, 0, 4, 1, 2]
 */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0 || n > MAX_ELEMENTS) {
    throw new ValueError(`randperm: n must be an integer in [0, ${MAX_ELEMENTS}], got ${n}`);
  }
  const dtype = options.dtype ?? 'int32';
  if (dtype !== 'int32' && dtype !== 'float32' && dtype !== 'float64') {
    throw new DTypeError(`randperm: unknown dtype '${String(dtype)}'`);
  }
  const perm = (options.generator ?? defaultGenerator).permutation(n);
  const data = dtype === 'int32' ? perm : allocate(dtype, n, 'randperm');
  if (data !== perm) data.set(perm);
  return finish('randperm', data, [n], options);
}

/** `value` as a tensor of `dtype`, or the tensor itself after checking it is floating. */
function asFloatOperand(op: string, name: string, value: TensorLike, dtype: DType): Tensor {
  if (typeof value === 'number') {
    const data = allocate(dtype, 1);
    data[0] = value;
    return new Tensor(data, []);
  }
  if (value.dtype !== dtype) {
    throw new DTypeError(`${op}: ${name} has dtype ${value.dtype}, expected ${dtype}`);
  }
  return value;
}

/**
 * Normal samples with elementwise `mean` and `std` (tensors broadcast together, or numbers), as
 * `torch.normal`; with two numbers, the `shape` to fill. No gradient flows to mean or std.
 *
 * @example
 * normal(0, 2, [3, 4], { generator: new Generator(5) });
 * normal(tensor([0, 10, 100]), 1); // one sample per element of the tensor of means
 */
export function normal(mean: number, std: number, shape: readonly number[], options?: RandomOptions): Tensor;
export function normal(mean: TensorLike, std: TensorLike, options?: RandomOptions): Tensor;
export function normal(
  mean: TensorLike,
  std: TensorLike,
  shapeOrOptions?: readonly number[] | RandomOptions,
  maybeOptions?: RandomOptions,
): Tensor {
  const shapeGiven = Array.isArray(shapeOrOptions);
  const options = (shapeGiven ? maybeOptions : (shapeOrOptions as RandomOptions | undefined)) ?? {};
  const tensorOperand = typeof mean !== 'number' ? mean : typeof std !== 'number' ? std : null;
  if (tensorOperand === null && !shapeGiven) {
    throw new ValueError(
      'normal: with a number mean and std, give the shape to fill, e.g. normal(0, 1, [2, 3])',
    );
  }
  if (tensorOperand !== null && shapeGiven) {
    throw new ValueError('normal: a shape is only accepted when mean and std are both numbers');
  }
  const dtype = tensorOperand === null ? floatDType('normal', options.dtype) : tensorOperand.dtype;
  requireFloating('normal', dtype);
  const m = asFloatOperand('normal', 'mean', mean, dtype);
  const s = asFloatOperand('normal', 'std', std, dtype);
  const outShape = shapeGiven
    ? checkShape('normal', shapeOrOptions as readonly number[])
    : broadcastShapes('normal', m.shape, s.shape);
  const rng = options.generator ?? defaultGenerator;
  const out = backendOf('normal', m, s).normal(m, s, outShape, rng);
  return finish('normal', out, outShape, options);
}

/**
 * Uniform samples in [low, high) filling `shape` (float32 by default), like `Tensor.uniform_`.
 *
 * @example
 * uniform([2, 3], -1, 1, { generator: new Generator(9) });
 */
export function uniform(shape: readonly number[], low = 0, high = 1, options: RandomOptions = {}): Tensor {
  const s = checkShape('uniform', shape);
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
    throw new ValueError(`uniform: need finite low ≤ high, got low=${low}, high=${high}`);
  }
  const dtype = floatDType('uniform', options.dtype);
  if (dtype === 'float32' && low < high && !(roundUpToFloat32(low) < high)) {
    throw new ValueError(
      `uniform: no float32 value lies in [${low}, ${high}); widen the range or use float64`,
    );
  }
  const out = allocate(dtype, sizeOf(s), 'uniform');
  uniformKernel(low, high, options.generator ?? defaultGenerator, out);
  return finish('uniform', out, s, options);
}

/** The smallest float32 value ≥ v. */
function roundUpToFloat32(v: number): number {
  const f = Math.fround(v);
  if (f >= v) return f;
  const bits = new Float32Array([f]);
  const ints = new Int32Array(bits.buffer);
  // One step up in magnitude for a positive f, down for a negative one (f < v ≤ 0 means f < 0).
  if (f > 0) ints[0]! += 1;
  else if (f === 0) ints[0] = 1;
  else ints[0]! -= 1;
  return bits[0]!;
}
