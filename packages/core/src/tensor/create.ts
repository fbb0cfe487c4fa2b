import { backendFor } from '../backends/backend.js';
import { DeviceError, DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { defaultGenerator, type Generator } from '../random.js';
import { DEVICES, type Device } from './device.js';
import {
  allocate,
  checkDType,
  checkInt32,
  type DType,
  dtypeOf,
  INT32_MAX,
  INT32_MIN,
  isFloating,
  type TypedArray,
} from './dtype.js';
import { checkShape, sizeOf } from './shape.js';
import { type NestedArray, Tensor } from './tensor.js';

/** Options shared by the creation functions. */
export interface TensorOptions {
  /** Element type; `float32` unless said otherwise (or inferred from a typed array). */
  dtype?: DType;
  /** Whether the new leaf requires gradients. */
  requiresGrad?: boolean;
  /** Where the elements live: `'cpu'` (default) or `'webgpu'` (after `initDevice('webgpu')`). */
  device?: Device;
}

/** Options of the random creation functions. */
export interface RandomOptions extends TensorOptions {
  /** The generator to draw from; the global one (`manualSeed`) by default. */
  generator?: Generator;
}

/** Typed arrays `tensor()` also reads: integer ones become int32, unless a dtype is given. */
export type OtherTypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Uint32Array;

/** A shape given as a list, or as the dims one by one. */
export type ShapeLike = readonly number[];

/**
 * The arguments of a creation function that takes a shape: `(2, 3)`, `([2, 3])`, each with an
 * options object as the last argument. Anything else is a ValueError naming `op`.
 */
function shapeArgs<O extends object>(
  op: string,
  args: readonly unknown[],
  allowOptions = true,
): { shape: number[]; options: O } {
  // allowOptions false: the shape is one list argument (full, randint), as in PyTorch.
  let n = args.length;
  let options = {} as O;
  const last = args[n - 1];
  if (allowOptions && n > 1 && last === undefined) n--;
  else if (allowOptions && n > 0 && typeof last === 'object' && last !== null && !isListLike(last)) {
    options = last as O;
    n--;
  }
  const first = args[0];
  let dims: unknown[];
  if (n === 0 || (n === 1 && typeof first !== 'number') || !allowOptions) {
    if (n === 0 || !isListLike(first)) {
      throw new ValueError(
        `${op}: expected a shape (a list of dims such as [2, 3], or the dims one by one), got ${n === 0 ? 'none' : describeValue(first)}`,
      );
    }
    dims = Array.from(first as ArrayLike<unknown>);
  } else dims = args.slice(0, n);
  for (const d of dims) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ValueError(
        `${op}: invalid shape [${dims.map((x) => (typeof x === 'number' ? x : describeValue(x))).join(',')}]: dims must be non-negative integers`,
      );
    }
  }
  return { shape: dims as number[], options };
}

/** Arrays and typed arrays (what a shape may be given as). */
function isListLike(v: unknown): boolean {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** Checks the options object of a creation function: a known dtype (float32 by default). */
function dtypeOption(op: string, options: TensorOptions, fallback: DType = 'float32'): DType {
  return options.dtype === undefined ? fallback : checkDType(op, options.dtype);
}

function finish(data: TypedArray, shape: readonly number[], options: TensorOptions): Tensor {
  const device = options.device ?? 'cpu';
  if (!DEVICES.includes(device)) {
    throw new DeviceError(`tensor: unknown device '${String(device)}' (expected ${DEVICES.join(' or ')})`);
  }
  const t = new Tensor(device === 'cpu' ? data : backendFor('tensor', device).upload(data), shape);
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
  values: NestedArray | TypedArray | OtherTypedArray | readonly number[],
  options: TensorOptions & { shape?: readonly number[] } = {},
): Tensor {
  if (ArrayBuffer.isView(values)) {
    if (values instanceof DataView || values instanceof BigInt64Array || values instanceof BigUint64Array) {
      throw new DTypeError(
        `tensor: cannot read a ${values.constructor.name} (expected a Float32Array, Float64Array or Int32Array)`,
      );
    }
    const data = values as TypedArray | OtherTypedArray;
    const native = data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array;
    // Other integer arrays (Uint8Array, Int16Array, …) become int32, other float arrays float32.
    const natural: DType = native ? dtypeOf(data) : isIntegerArray(data) ? 'int32' : 'float32';
    const dtype = dtypeOption('tensor', options, natural);
    const shape = checkShape('tensor', options.shape ?? [data.length]);
    if (sizeOf(shape) !== data.length) {
      throw new ShapeError(
        `tensor: shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, got ${data.length}`,
      );
    }
    // A copy, as `torch.tensor` makes; `new Tensor(data, shape)` wraps a buffer without copying.
    const buffer = native && dtype === dtypeOf(data) ? data.slice() : convert(data, dtype);
    return finish(buffer, shape, { ...options, dtype });
  }
  const dtype = dtypeOption('tensor', options);
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
      if (dtype === 'int32') checkInt32('tensor', v, ` at [${path.join(',')}]`);
      data[pos++] = dtype === 'bool' ? asBool(v) : v;
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
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'Object'}`;
  return `${typeof v} ${String(v)}`.trim();
}

/** True for the typed arrays of integers. */
function isIntegerArray(data: ArrayBufferView): boolean {
  return !(data instanceof Float32Array || data instanceof Float64Array);
}

/** A number as a bool element: 1 for any non-zero value (NaN too), as `.to('bool')` and PyTorch. */
function asBool(v: number): number {
  return v === 0 ? 0 : 1;
}

function convert(data: TypedArray | OtherTypedArray, dtype: DType): TypedArray {
  const out = allocate(dtype, data.length, 'tensor');
  if (dtype === 'int32') {
    for (let i = 0; i < data.length; i++) out[i] = checkInt32('tensor', data[i]!, ` at [${i}]`);
  } else if (dtype === 'bool') {
    for (let i = 0; i < data.length; i++) out[i] = asBool(data[i]!);
  } else out.set(data);
  return out;
}

/**
 * A 0-d tensor holding `value` (an int32 scalar must be an integer in the int32 range).
 *
 * @example
 * scalar(3); // 0-d float32: 3
 * scalar(-2, { dtype: 'int32' }); // 0-d int32: -2
 */
export function scalar(value: number, options: TensorOptions = {}): Tensor {
  const dtype = dtypeOption('scalar', options);
  const data = allocate(dtype, 1);
  data[0] = dtype === 'int32' ? checkInt32('scalar', value) : dtype === 'bool' ? asBool(value) : value;
  return finish(data, [], options);
}

/**
 * A tensor of `shape` filled with `value` (for int32, an integer in the int32 range).
 *
 * @example
 * full([2, 2], 7); // [[7, 7], [7, 7]]
 * full([3], 1, { dtype: 'int32' }); // int32 [1, 1, 1]
 */
export function full(shape: ShapeLike, value: number, options: TensorOptions = {}): Tensor {
  return fill('full', [shape], value, options, false);
}

function fill(
  op: string,
  args: readonly unknown[],
  value: number,
  extra: TensorOptions = {},
  allowOptions = true,
): Tensor {
  const { shape, options } = shapeArgs<TensorOptions>(op, args, allowOptions);
  const all = { ...extra, ...options };
  const dtype = dtypeOption(op, all);
  if (typeof value !== 'number')
    throw new ValueError(`${op}: fill value must be a number, got ${describeValue(value)}`);
  if (dtype === 'int32') checkInt32(op, value);
  const device = all.device ?? 'cpu';
  if (device !== 'cpu' && DEVICES.includes(device)) {
    // Filled on the device by a kernel: no upload (an upload waits for queued work first).
    const backend = backendFor(op, device);
    const size = sizeOf(shape);
    const storage = backend.zeros(dtype, size, op);
    if (value !== 0) backend.fill(storage, dtype === 'bool' ? asBool(value) : value, 0, size);
    const t = new Tensor(storage, shape);
    if (all.requiresGrad) t.requiresGrad_(true);
    return t;
  }
  const data = allocate(dtype, sizeOf(shape), op);
  if (value !== 0) data.fill(dtype === 'bool' ? asBool(value) : value);
  return finish(data, shape, all);
}

/**
 * A tensor of zeros: `zeros(2, 3)` or `zeros([2, 3])`, options last.
 *
 * @example
 * zeros(2, 3); // [[0, 0, 0], [0, 0, 0]]
 * zeros([2], { dtype: 'int32' }); // int32 [0, 0]
 */
export function zeros(shape: ShapeLike, options?: TensorOptions): Tensor;
export function zeros(...dims: [...number[], TensorOptions] | number[]): Tensor;
export function zeros(...args: unknown[]): Tensor {
  return fill('zeros', args, 0);
}

/**
 * A tensor of ones: `ones(2, 3)` or `ones([2, 3])`, options last.
 *
 * @example
 * ones([2, 2]); // [[1, 1], [1, 1]]
 * ones(3, { dtype: 'bool' }); // bool [1, 1, 1]
 */
export function ones(shape: ShapeLike, options?: TensorOptions): Tensor;
export function ones(...dims: [...number[], TensorOptions] | number[]): Tensor;
export function ones(...args: unknown[]): Tensor {
  return fill('ones', args, 1);
}

/**
 * Values start, start+step, … < end (like `torch.arange`); `arange(n)` is 0..n-1.
 *
 * @example
 * arange(5); // [0, 1, 2, 3, 4]
 * arange(1, 2, 0.25); // [1, 1.25, 1.5, 1.75]
 */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step))
    throw new ValueError(`arange: step must be a non-zero finite number, got ${step}`);
  const dtype = dtypeOption('arange', options);
  if (dtype === 'bool')
    throw new DTypeError('arange: dtype bool is not supported (a range of 0/1 values is not a range)');
  if (dtype === 'int32' && !(Number.isInteger(start) && Number.isInteger(step))) {
    throw new DTypeError(`arange: start ${start} and step ${step} must be integers for dtype int32`);
  }
  if (Number.isNaN(start) || Number.isNaN(end))
    throw new ValueError(`arange: start and end must be numbers, got start=${start}, end=${end}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  if (dtype === 'int32' && n > 0) {
    checkInt32('arange', start, ' (start)');
    checkInt32('arange', start + (n - 1) * step, ' (last value)');
  }
  const data = allocate(dtype, n, 'arange');
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(data, [n], options);
}

/**
 * `steps` evenly spaced values from start to end, both included.
 *
 * @example
 * linspace(0, 1, 5); // [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new ValueError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const dtype = dtypeOption('linspace', options);
  if (dtype === 'bool') throw new DTypeError('linspace: dtype bool is not supported');
  const data = allocate(dtype, steps, 'linspace');
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) {
    const v = i === steps - 1 && steps > 1 ? end : start + i * delta;
    data[i] = dtype === 'int32' ? checkInt32('linspace', v, ` at [${i}]`) : v;
  }
  return finish(data, [steps], options);
}

/**
 * The n×m identity matrix (m = n by default).
 *
 * @example
 * eye(2); // [[1, 0], [0, 1]]
 * eye(2, 3); // [[1, 0, 0], [0, 1, 0]]
 */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  const s = checkShape('eye', [n, m]);
  const data = allocate(dtypeOption('eye', options), n * m, 'eye');
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(data, s, options);
}

function randomFill(
  op: string,
  args: readonly unknown[],
  draw: (g: Generator) => number,
  extra: RandomOptions = {},
): Tensor {
  const { shape, options: given } = shapeArgs<RandomOptions>(op, args);
  const options = { ...extra, ...given };
  const dtype = dtypeOption(op, options);
  if (!isFloating(dtype)) throw new DTypeError(`${op}: expected a floating dtype, got ${dtype}`);
  const g = options.generator ?? defaultGenerator;
  const data = allocate(dtype, sizeOf(shape), op);
  for (let i = 0; i < data.length; i++) data[i] = draw(g);
  return finish(data, shape, options);
}

/**
 * Uniform samples in [0, 1): `rand(2, 3)` or `rand([2, 3])`, options last.
 *
 * @example
 * rand(2, 3); // [2, 3], uniform in [0, 1)
 */
export function rand(shape: ShapeLike, options?: RandomOptions): Tensor;
export function rand(...dims: [...number[], RandomOptions] | number[]): Tensor;
export function rand(...args: unknown[]): Tensor {
  return randomFill('rand', args, (g) => g.random());
}

/**
 * Standard normal samples: `randn(2, 3)` or `randn([2, 3])`, options last.
 *
 * @example
 * randn([2, 3], { dtype: 'float64', requiresGrad: true }); // [2, 3], mean 0, std 1
 * randn(4, { generator: new Generator(7) }); // the same 4 samples on every run
 */
export function randn(shape: ShapeLike, options?: RandomOptions): Tensor;
export function randn(...dims: [...number[], RandomOptions] | number[]): Tensor;
export function randn(...args: unknown[]): Tensor {
  return randomFill('randn', args, (g) => g.normal());
}

/**
 * Uniform integers in [low, high), int32 by default; the shape is a list, as in `torch.randint`.
 *
 * @example
 * randint(0, 10, [2, 3]); // int32 [2, 3], each in 0..9
 */
export function randint(low: number, high: number, shape: ShapeLike, options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValueError(`randint: need integers low < high, got low=${low}, high=${high}`);
  }
  const dtype = dtypeOption('randint', options, 'int32');
  if (dtype === 'int32' && (low < INT32_MIN || high - 1 > INT32_MAX)) {
    throw new DTypeError(`randint: range [${low}, ${high}) does not fit dtype int32`);
  }
  const s = shapeArgs<RandomOptions>('randint', [shape], false).shape;
  const g = options.generator ?? defaultGenerator;
  const data = allocate(dtype, sizeOf(s), 'randint');
  for (let i = 0; i < data.length; i++) data[i] = g.int(low, high);
  return finish(data, s, options);
}

function likeOptions<T extends TensorOptions>(op: string, t: Tensor, options: T): T {
  if (!(t instanceof Tensor)) throw new ValueError(`${op}: expected a Tensor, got ${describeValue(t)}`);
  return { ...options, dtype: dtypeOption(op, options, t.dtype) };
}

/**
 * Zeros with the shape (and dtype) of `t`.
 *
 * @example
 * zerosLike(tensor([[1, 2]], { dtype: 'int32' })); // int32 [[0, 0]]
 */
export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return fill('zerosLike', [t.shape], 0, likeOptions('zerosLike', t, options), false);
}
/**
 * Ones with the shape (and dtype) of `t`.
 *
 * @example
 * onesLike(randn([2, 2])); // [[1, 1], [1, 1]]
 */
export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return fill('onesLike', [t.shape], 1, likeOptions('onesLike', t, options), false);
}
/**
 * `value` with the shape (and dtype) of `t`.
 *
 * @example
 * fullLike(tensor([1, 2, 3]), -1); // [-1, -1, -1]
 */
export function fullLike(t: Tensor, value: number, options: TensorOptions = {}): Tensor {
  return fill('fullLike', [t.shape], value, likeOptions('fullLike', t, options), false);
}
/**
 * Uniform [0, 1) samples with the shape (and dtype) of `t`.
 *
 * @example
 * randLike(zeros([2, 3], { dtype: 'float64' })); // float64 [2, 3], uniform in [0, 1)
 */
export function randLike(t: Tensor, options: RandomOptions = {}): Tensor {
  return randomFill('randLike', [t.shape], (g) => g.random(), likeOptions('randLike', t, options));
}
/**
 * Normal samples with the shape (and dtype) of `t`.
 *
 * @example
 * randnLike(zeros([4])); // [4], standard normal
 */
export function randnLike(t: Tensor, options: RandomOptions = {}): Tensor {
  return randomFill('randnLike', [t.shape], (g) => g.normal(), likeOptions('randnLike', t, options));
}
/**
 * Integers in [low, high) with the shape (and dtype) of `t`.
 *
 * @example
 * randintLike(zeros([2, 2], { dtype: 'int32' }), 0, 2); // int32 [2, 2] of 0s and 1s
 */
export function randintLike(t: Tensor, low: number, high: number, options: RandomOptions = {}): Tensor {
  return randint(low, high, t.shape, likeOptions('randintLike', t, options));
}
