/**
 * In-place initialisers, as `torch.nn.init` (named without the trailing underscore): each writes
 * into the tensor's buffer, records nothing in the autograd graph, and returns the tensor.
 * Random ones draw from the `generator` option, or from the global generator (`manualSeed`).
 *
 * @example
 * const layer = new Linear(4, 2);
 * init.kaimingNormal(layer.weight, { mode: 'fanOut', nonlinearity: 'relu' });
 * init.zeros(layer.bias!);
 */
import {
  AutogradError,
  DTypeError,
  defaultGenerator,
  fmtShape,
  type Generator,
  requireFloating,
  Tensor,
  ValueError,
} from '@tsgrad/core';

/** Nonlinearities known to `calculateGain` (PyTorch's names in camelCase). */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'convTranspose1d'
  | 'convTranspose2d'
  | 'convTranspose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'selu';

/** Which fan Kaiming initialisation preserves: the forward pass's variance (`fanIn`) or the backward's. */
export type FanMode = 'fanIn' | 'fanOut';

/** Options of the random initialisers. */
export interface InitOptions {
  /** The generator to draw from; the global one by default. */
  generator?: Generator;
}

/** Options of `xavierUniform` / `xavierNormal`. */
export interface XavierOptions extends InitOptions {
  /** Scaling factor (default 1), e.g. `calculateGain('tanh')`. */
  gain?: number;
}

/** Options of `kaimingUniform` / `kaimingNormal`. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the rectifier that follows (only for `leakyRelu`; default 0). */
  a?: number;
  /** `fanIn` (default) or `fanOut`. */
  mode?: FanMode;
  /** The nonlinearity that follows (default `leakyRelu`, as PyTorch). */
  nonlinearity?: Nonlinearity;
}

/**
 * Copies `values` into `t` in place (whatever its strides), without recording a graph. Refuses
 * tensors produced by an op, whose buffers the autograd graph may still read.
 *
 * @example
 * const w = zeros([2, 2]);
 * init.writeInPlace('myInit', w, ones([2, 2])); // w is now all ones
 */
export function writeInPlace(op: string, t: Tensor, values: Tensor): Tensor {
  if (t.gradFn !== null) {
    throw new AutogradError(
      `${op}: cannot write in place into a tensor produced by an op (${t.gradFn.name}); use a leaf`,
    );
  }
  return t.copy_(values.dtype === t.dtype ? values : values.to(t.dtype));
}

/**
 * Writes `value(i)` into element i (row-major order) of `t`, computed in float64 and rounded once
 * to `t`'s dtype, whatever `t`'s strides.
 *
 * @example
 * const w = zeros([2, 3]);
 * init.writeElements('myInit', w, (i) => i / 10); // [[0, 0.1, 0.2], [0.3, 0.4, 0.5]]
 */
export function writeElements(op: string, t: Tensor, value: (i: number) => number): Tensor {
  return writeInPlace(
    op,
    t,
    new Tensor(
      Float64Array.from({ length: t.size }, (_, i) => value(i)),
      t.shape,
    ),
  );
}

/**
 * The recommended gain for a nonlinearity (`calculate_gain`): 1 for linear, conv and sigmoid,
 * 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leakyRelu (slope `param`, default 0.01),
 * 3/4 for selu.
 *
 * @example
 * calculateGain('relu'); // √2 ≈ 1.4142
 * calculateGain('leakyRelu', 0.2); // √(2 / 1.04) ≈ 1.3868
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'convTranspose1d':
    case 'convTranspose2d':
    case 'convTranspose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope))
        throw new ValueError(`calculateGain: negative slope ${slope} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ValueError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/**
 * fanIn and fanOut of a weight, as PyTorch's `_calculate_fan_in_and_fan_out`: for a weight of
 * shape [out, in, k1, k2, …] (Linear: [out, in]; Conv2d: [out, in/groups, kh, kw]) they are
 * in·k1·k2·… and out·k1·k2·….
 *
 * @example
 * calculateFanInAndFanOut([16, 3, 5, 5]); // { fanIn: 75, fanOut: 400 }
 */
export function calculateFanInAndFanOut(t: Tensor | readonly number[]): { fanIn: number; fanOut: number } {
  const shape = Array.isArray(t) ? (t as readonly number[]) : (t as Tensor).shape;
  if (shape.length < 2) {
    throw new ValueError(
      `calculateFanInAndFanOut: fan in and fan out need a tensor of at least 2 dims, got shape ${fmtShape(shape)}`,
    );
  }
  let receptive = 1;
  for (let d = 2; d < shape.length; d++) receptive *= shape[d]!;
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/**
 * Fills `t` with samples of U(a, b).
 *
 * @example
 * const w = init.uniform(zeros([3, 4]), -0.1, 0.1); // elements in [-0.1, 0.1)
 */
export function uniform(t: Tensor, a = 0, b = 1, options: InitOptions = {}): Tensor {
  requireFloating('uniform', t.dtype);
  if (!(a <= b)) throw new ValueError(`uniform: lower bound ${a} is greater than upper bound ${b}`);
  const g = options.generator ?? defaultGenerator;
  return writeElements('uniform', t, () => g.uniform(a, b));
}

/**
 * Fills `t` with samples of N(mean, std²).
 *
 * @example
 * const w = init.normal(zeros([3, 4]), 0, 0.02); // N(0, 0.02²) samples
 */
export function normal(t: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  requireFloating('normal', t.dtype);
  if (!(std >= 0)) throw new ValueError(`normal: std must be non-negative, got ${std}`);
  const g = options.generator ?? defaultGenerator;
  return writeElements('normal', t, () => g.normal(mean, std));
}

/**
 * Fills `t` with `value`.
 *
 * @example
 * const b = init.constant(zeros([4]), 0.1); // [0.1, 0.1, 0.1, 0.1]
 */
export function constant(t: Tensor, value: number): Tensor {
  if (t.dtype === 'int32' && !Number.isInteger(value)) {
    throw new DTypeError(`constant: ${value} is not an integer (tensor dtype int32)`);
  }
  return writeElements('constant', t, () => value);
}

/**
 * Fills `t` with zeros.
 *
 * @example
 * const b = init.zeros(randn([4])); // [0, 0, 0, 0]
 */
export function zeros(t: Tensor): Tensor {
  return writeElements('zeros', t, () => 0);
}

/**
 * Fills `t` with ones.
 *
 * @example
 * const gamma = init.ones(randn([4])); // [1, 1, 1, 1]
 */
export function ones(t: Tensor): Tensor {
  return writeElements('ones', t, () => 1);
}

function xavierStd(op: string, t: Tensor, gain: number): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  if (fanIn + fanOut === 0)
    throw new ValueError(`${op}: tensor of shape ${fmtShape(t.shape)} has no elements`);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/**
 * Glorot uniform: U(−b, b) with b = gain·√(6 / (fanIn + fanOut)).
 *
 * @example
 * const layer = new Linear(64, 32);
 * xavierUniform(layer.weight); // U(−b, b), b = √(6 / 96) = 0.25
 */
export function xavierUniform(t: Tensor, options: XavierOptions = {}): Tensor {
  requireFloating('xavierUniform', t.dtype);
  const bound = Math.sqrt(3) * xavierStd('xavierUniform', t, options.gain ?? 1);
  return uniform(t, -bound, bound, options);
}

/**
 * Glorot normal: N(0, std²) with std = gain·√(2 / (fanIn + fanOut)).
 *
 * @example
 * const layer = new Linear(64, 32);
 * xavierNormal(layer.weight, { gain: calculateGain('tanh') }); // std = 5/3 · √(2 / 96)
 */
export function xavierNormal(t: Tensor, options: XavierOptions = {}): Tensor {
  requireFloating('xavierNormal', t.dtype);
  return normal(t, 0, xavierStd('xavierNormal', t, options.gain ?? 1), options);
}

/** std = gain / √fan for Kaiming init, or null for a tensor without elements (left untouched). */
function kaimingStd(op: string, t: Tensor, options: KaimingOptions): number | null {
  requireFloating(op, t.dtype);
  const mode = options.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') {
    throw new ValueError(`${op}: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  }
  if (t.size === 0) return null;
  const fans = calculateFanInAndFanOut(t);
  const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut;
  const gain = calculateGain(options.nonlinearity ?? 'leakyRelu', options.a ?? 0);
  return gain / Math.sqrt(fan);
}

/**
 * He uniform: U(−b, b) with b = gain·√(3 / fan). PyTorch's default for Linear and Conv weights is
 * `kaimingUniform(w, { a: Math.sqrt(5) })`, i.e. b = 1/√fanIn.
 *
 * @example
 * const layer = new Linear(64, 32);
 * kaimingUniform(layer.weight); // U(−b, b), b = √2 · √(3 / 64) (defaults: fanIn, leakyRelu a = 0)
 */
export function kaimingUniform(t: Tensor, options: KaimingOptions = {}): Tensor {
  const std = kaimingStd('kaimingUniform', t, options);
  if (std === null) return t;
  const bound = Math.sqrt(3) * std;
  return uniform(t, -bound, bound, options);
}

/**
 * He normal: N(0, std²) with std = gain / √fan.
 *
 * @example
 * const layer = new Linear(64, 32);
 * kaimingNormal(layer.weight, { mode: 'fanOut', nonlinearity: 'relu' }); // std = √2 / √32 = 0.25
 */
export function kaimingNormal(t: Tensor, options: KaimingOptions = {}): Tensor {
  const std = kaimingStd('kaimingNormal', t, options);
  if (std === null) return t;
  return normal(t, 0, std, options);
}
