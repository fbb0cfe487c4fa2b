import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { defaultGenerator, type Generator } from '../random.js';
import { allocate, checkDType, type DType, dtypeOf, isFloating, type TypedArray } from './dtype.js';
import { checkShape, sizeOf } from './shape.js';
import { type NestedArray, Tensor } from './tensor.js';

/** Options shared by the creation functions. */
export interface TensorOptions {
  /** Element type; `float32` unless said otherwise (or inferred from a typed array). */
  dtype?: DType;
  /** Whether the new leaf requires gradients. */
  requiresGrad?: boolean;
}

/** Options of the random creation functions. */
export interface RandomOptions extends TensorOptions {
  /** The generator to draw from; the global one (`manualSeed`) by default. */
  generator?: Generator;
}

/** A shape given as a list, or as the dims one by one. */
export type ShapeLike = readonly number[];

function finish(data: TypedArray, shape: readonly number[], options: TensorOptions): Tensor {
  const t = new Tensor(data, shape);
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

/**
 * Creates a tensor from nested arrays, a number (0-d), or a typed array with an optional `shape`.
 * The values are copied; `new Tensor(typedArray, shape)` shares the buffer instead.
 *
 * @example
 * tensor([[1, 2], [3, 4]]);                       // float32 [2,2]
 * tensor(new Int32Array([3, 1]), { shape: [2] });  // int32 [2]
 */
export function tensor(
  values: NestedArray | TypedArray | readonly number[],
  options: TensorOptions & { shape?: readonly number[] } = {},
): Tensor {
  if (ArrayBuffer.isView(values)) {
    const data = values as TypedArray;
    const dtype = options.dtype ?? dtypeOf(data);
    const shape = checkShape('tensor', options.shape ?? [data.length]);
    if (sizeOf(shape) !== data.length) {
      throw new ShapeError(
        `tensor: shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, got ${data.length}`,
      );
    }
    // A copy, as `torch.tensor` makes; `new Tensor(data, shape)` wraps a buffer without copying.
    const buffer = dtype === dtypeOf(data) ? data.slice() : convert(data, dtype);
    return finish(buffer, shape, { ...options, dtype });
  }
  const dtype = checkDType('tensor', options.dtype ?? 'float32');
  const shape: number[] = [];
  let probe: NestedArray = values as NestedArray;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0]!;
  }
  const data = allocate(dtype, sizeOf(shape), 'tensor');
  let pos = 0;
  const fill = (v: NestedArray, d: number, path: number[]): void => {
    if (d === shape.length) {
      if (typeof v !== 'number') {
        const what = Array.isArray(v) ? 'ragged nested array' : 'non-numeric value';
        throw new ValueError(
          `tensor: ${what} at index [${path.join(',')}]: expected a number, got ${describeValue(v)}`,
        );
      }
      if (dtype === 'int32' && !Number.isInteger(v)) {
        throw new DTypeError(`tensor: ${v} at [${path.join(',')}] is not an integer (dtype int32)`);
      }
      data[pos++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d]) {
      const got = Array.isArray(v) ? `length ${v.length}` : describeValue(v);
      throw new ValueError(
        `tensor: ragged nested array at index [${path.join(',')}]: expected length ${shape[d]}, got ${got}`,
      );
    }
    for (let i = 0; i < v.length; i++) fill(v[i]!, d + 1, [...path, i]);
  };
  fill(values as NestedArray, 0, []);
  if (options.shape !== undefined) {
    const target = checkShape('tensor', options.shape);
    if (sizeOf(target) !== data.length) {
      throw new ShapeError(
        `tensor: shape ${fmtShape(target)} needs ${sizeOf(target)} elements, got ${data.length}`,
      );
    }
    return finish(data, target, options);
  }
  return finish(data, shape, options);
}

/** How an unexpected element reads in an error message: `an array`, `string "a"`, `null`. */
function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return 'a number';
  return v === null ? 'null' : `${typeof v} ${JSON.stringify(v) ?? ''}`.trim();
}

function convert(data: TypedArray, dtype: DType): TypedArray {
  const out = allocate(dtype, data.length);
  if (dtype === 'int32') {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isInteger(data[i]))
        throw new DTypeError(`tensor: ${data[i]} at ${i} is not an integer (dtype int32)`);
      out[i] = data[i]!;
    }
  } else out.set(data);
  return out;
}

/** A 0-d tensor holding `value`. */
export function scalar(value: number, options: TensorOptions = {}): Tensor {
  const data = allocate(checkDType('scalar', options.dtype ?? 'float32'), 1);
  data[0] = value;
  return finish(data, [], options);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: ShapeLike, value: number, options: TensorOptions = {}): Tensor {
  const s = checkShape('full', shape);
  const data = allocate(checkDType('full', options.dtype ?? 'float32'), sizeOf(s), 'full');
  if (value !== 0) data.fill(value);
  return finish(data, s, options);
}

/** A tensor of zeros. */
export function zeros(shape: ShapeLike, options: TensorOptions = {}): Tensor {
  return full(shape, 0, options);
}

/** A tensor of ones. */
export function ones(shape: ShapeLike, options: TensorOptions = {}): Tensor {
  return full(shape, 1, options);
}

/** Values start, start+step, … < end (like `torch.arange`); `arange(n)` is 0..n-1. */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step))
    throw new ValueError(`arange: step must be a non-zero finite number, got ${step}`);
  if (options.dtype === 'int32' && !(Number.isInteger(start) && Number.isInteger(step))) {
    throw new DTypeError(`arange: start ${start} and step ${step} must be integers for dtype int32`);
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  const data = allocate(options.dtype ?? 'float32', n, 'arange');
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(data, [n], options);
}

/** `steps` evenly spaced values from start to end, both included. */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new ValueError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const data = allocate(options.dtype ?? 'float32', steps, 'linspace');
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) data[i] = i === steps - 1 && steps > 1 ? end : start + i * delta;
  return finish(data, [steps], options);
}

/** The n×m identity matrix (m = n by default). */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  const s = checkShape('eye', [n, m]);
  const data = allocate(options.dtype ?? 'float32', n * m, 'eye');
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(data, s, options);
}

function randomFill(
  op: string,
  shape: ShapeLike,
  options: RandomOptions,
  draw: (g: Generator) => number,
): Tensor {
  const s = checkShape(op, shape);
  const dtype = options.dtype ?? 'float32';
  if (!isFloating(dtype)) throw new DTypeError(`${op}: expected a floating dtype, got ${dtype}`);
  const g = options.generator ?? defaultGenerator;
  const data = allocate(dtype, sizeOf(s), op);
  for (let i = 0; i < data.length; i++) data[i] = draw(g);
  return finish(data, s, options);
}

/** Uniform samples in [0, 1). */
export function rand(shape: ShapeLike, options: RandomOptions = {}): Tensor {
  return randomFill('rand', shape, options, (g) => g.random());
}

/** Standard normal samples. */
export function randn(shape: ShapeLike, options: RandomOptions = {}): Tensor {
  return randomFill('randn', shape, options, (g) => g.normal());
}

/** Uniform integers in [low, high), int32 by default. */
export function randint(low: number, high: number, shape: ShapeLike, options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValueError(`randint: need integers low < high, got low=${low}, high=${high}`);
  }
  const s = checkShape('randint', shape);
  const g = options.generator ?? defaultGenerator;
  const data = allocate(options.dtype ?? 'int32', sizeOf(s), 'randint');
  for (let i = 0; i < data.length; i++) data[i] = g.int(low, high);
  return finish(data, s, options);
}

function likeOptions<T extends TensorOptions>(t: Tensor, options: T): T {
  return { ...options, dtype: options.dtype ?? t.dtype };
}

/** Zeros with the shape (and dtype) of `t`. */
export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return zeros(t.shape, likeOptions(t, options));
}
/** Ones with the shape (and dtype) of `t`. */
export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return ones(t.shape, likeOptions(t, options));
}
/** `value` with the shape (and dtype) of `t`. */
export function fullLike(t: Tensor, value: number, options: TensorOptions = {}): Tensor {
  return full(t.shape, value, likeOptions(t, options));
}
/** Uniform [0, 1) samples with the shape (and dtype) of `t`. */
export function randLike(t: Tensor, options: RandomOptions = {}): Tensor {
  return rand(t.shape, likeOptions(t, options));
}
/** Normal samples with the shape (and dtype) of `t`. */
export function randnLike(t: Tensor, options: RandomOptions = {}): Tensor {
  return randn(t.shape, likeOptions(t, options));
}
/** Integers in [low, high) with the shape (and dtype) of `t`. */
export function randintLike(t: Tensor, low: number, high: number, options: RandomOptions = {}): Tensor {
  return randint(low, high, t.shape, likeOptions(t, options));
}
