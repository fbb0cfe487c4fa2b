/**
 * Elementwise WGSL kernels: one generated kernel per (expression, operand types, rank), reading
 * strided and broadcast views in place and writing a new contiguous buffer. The expressions
 * mirror the CPU rows of `kernels/elementwise.ts` (same names, same special cases: NaN handling,
 * round half to even, PyTorch's remainder and floor division).
 */
import { DeviceError } from '../../errors.js';
import type { BinaryKernel, UnaryKernel } from '../../kernels/elementwise.js';
import type { DType } from '../../tensor/dtype.js';
import { broadcastStrides, sizeOf } from '../../tensor/shape.js';
import type { View } from '../backend.js';
import { collapse, f32bits, header, stridedMeta, stridedPositions, wgslType } from './codegen.js';
import { gpu, type Kernel, WebGPUBuffer } from './runtime.js';

/** Float helpers the expressions call (WGSL has no erf, log1p, expm1). */
export const FLOAT_HELPERS = `
// Private (not constant) so that NaN and infinities are not rejected by constant evaluation.
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
var<private> NINF_BITS: u32 = 0xff800000u;
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn safe_tanh(x: f32) -> f32 { if (abs(x) > 15.0) { return sign(x); } return tanh(x); }
fn sigm(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn log1p_(x: f32) -> f32 { let u = 1.0 + x; if (u == 1.0) { return x; } return log(u) * x / (u - 1.0); }
fn expm1_(x: f32) -> f32 { if (abs(x) < 1e-5) { return x + 0.5 * x * x; } return exp(x) - 1.0; }
fn softplus1(x: f32) -> f32 { return max(x, 0.0) + log1p_(exp(-abs(x))); }
fn erf_(x: f32) -> f32 {
  // Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), odd extension.
  let t = 1.0 / (1.0 + 0.3275911 * abs(x));
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-x * x);
  return select(y, -y, x < 0.0);
}
fn erfinv_(x: f32) -> f32 {
  // Giles' single-precision approximation.
  if (abs(x) >= 1.0) { return select(select(bitcast<f32>(NAN_BITS), bitcast<f32>(INF_BITS), x == 1.0), bitcast<f32>(NINF_BITS), x == -1.0); }
  var w = -log((1.0 - x) * (1.0 + x));
  var p: f32;
  if (w < 5.0) {
    w = w - 2.5;
    p = 2.81022636e-08; p = 3.43273939e-07 + p * w; p = -3.5233877e-06 + p * w; p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w; p = -0.00125372503 + p * w; p = -0.00417768164 + p * w; p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = sqrt(w) - 3.0;
    p = -0.000200214257; p = 0.000100950558 + p * w; p = 0.00134934322 + p * w; p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w; p = -0.0076224613 + p * w; p = 0.00943887047 + p * w; p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  return p * x;
}
fn gelu_(x: f32) -> f32 { return 0.5 * x * (1.0 + erf_(x * 0.70710678118654752)); }
fn gelu_tanh_(x: f32) -> f32 { return 0.5 * x * (1.0 + safe_tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))); }
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a >= 0.0) { return pow(a, b); }
  if (floor(b) != b) { return bitcast<f32>(NAN_BITS); }
  let m = pow(-a, b);
  return select(m, -m, (abs(b) % 2.0) == 1.0);
}
fn maximum_(a: f32, b: f32) -> f32 { if (is_nan(a) || a > b) { return a; } return b; }
fn minimum_(a: f32, b: f32) -> f32 { if (is_nan(a) || a < b) { return a; } return b; }
fn remainder_(a: f32, b: f32) -> f32 { var m = a - b * trunc(a / b); if (m != 0.0 && ((b < 0.0) != (m < 0.0))) { m += b; } return m; }
fn floor_divide_(a: f32, b: f32) -> f32 { if (b == 0.0) { return a / b; } return floor(a / b); }
`;

/**
 * The helper functions (and private constants) that `code` calls, with the ones they call in turn:
 * each kernel compiles only what it uses (a software adapter compiles every function it is given).
 */
export function helpersFor(code: string, library: string = FLOAT_HELPERS): string {
  const blocks = splitHelpers(library);
  const wanted = new Set<string>();
  const visit = (text: string) => {
    for (const [name, src] of blocks) {
      if (!wanted.has(name) && new RegExp(`\\b${name}\\b`).test(text)) {
        wanted.add(name);
        visit(src.slice(src.indexOf(name) + name.length));
      }
    }
  };
  visit(code);
  return [...blocks]
    .filter(([name]) => wanted.has(name))
    .map(([, src]) => src)
    .join('\n');
}

const helperCache = new Map<string, Map<string, string>>();

/** The library's top-level declarations (`fn name…` up to the next one, `var<private> NAME…`), by name. */
function splitHelpers(library: string): Map<string, string> {
  let out = helperCache.get(library);
  if (out !== undefined) return out;
  out = new Map();
  const starts = [...library.matchAll(/^(fn|var<private>) (\w+)/gm)];
  starts.forEach((m, k) => {
    const end = k + 1 < starts.length ? starts[k + 1]!.index : library.length;
    out!.set(m[2]!, library.slice(m.index, end).replace(/\n\/\/[^\n]*\n?$/, '\n'));
  });
  helperCache.set(library, out);
  return out;
}

const INT_HELPERS = `
fn remainder_i(a: i32, b: i32) -> i32 { var m = a % b; if (m != 0 && ((b < 0) != (m < 0))) { m += b; } return m; }
fn floor_divide_i(a: i32, b: i32) -> i32 { let q = a / b; if ((a % b != 0) && ((a < 0) != (b < 0))) { return q - 1; } return q; }
`;

/** WGSL for each unary kernel on a float `x` (P, Q, R: the op's parameters). */
const unaryFloat: Partial<Record<UnaryKernel, string>> = {
  neg: '-x',
  exp: 'exp(x)',
  log: 'log(x)',
  sqrt: 'sqrt(x)',
  abs: 'abs(x)',
  sign: 'select(sign(x), x, is_nan(x))',
  tanh: 'safe_tanh(x)',
  sin: 'sin(x)',
  cos: 'cos(x)',
  sigmoid: 'sigm(x)',
  relu: 'select(max(x, 0.0), x, is_nan(x))',
  softplus: 'select(log1p_(exp(P * x)) / P, x, x * P > Q)',
  copy: 'x',
  clamp: 'select(min(max(x, P), Q), x, is_nan(x))',
  gelu: 'gelu_(x)',
  geluTanh: 'gelu_tanh_(x)',
  silu: 'x * sigm(x)',
  mish: 'x * safe_tanh(softplus1(x))',
  leakyRelu: 'select(x * P, x, x > 0.0)',
  elu: 'select(P * expm1_(x), x, x > 0.0)',
  erf: 'erf_(x)',
  erfinv: 'erfinv_(x)',
  log1p: 'log1p_(x)',
  expm1: 'expm1_(x)',
  rsqrt: 'inverseSqrt(x)',
  reciprocal: '1.0 / x',
  floor: 'floor(x)',
  ceil: 'ceil(x)',
  round: 'round(x)',
  nanToNum:
    'select(select(select(x, R, x == bitcast<f32>(NINF_BITS)), Q, x == bitcast<f32>(INF_BITS)), P, is_nan(x))',
};
/** Unary kernels whose result is a bool (u32 0/1) from a float `x`. */
const unaryFloatBool: Partial<Record<UnaryKernel, string>> = {
  logicalNot: 'x == 0.0',
  isnan: 'is_nan(x)',
  isfinite: '!is_nan(x) && !is_inf(x)',
  isinf: 'is_inf(x)',
  nonzero: 'x != 0.0',
  inRange: 'x >= P && x <= Q',
  inOpenRange: 'x > P && x < Q',
};
/** WGSL of the unary kernels on an int32 or bool `x`. */
const unaryInt: Partial<Record<UnaryKernel, string>> = {
  neg: '-x',
  abs: 'abs(x)',
  sign: 'sign(x)',
  copy: 'x',
  relu: 'max(x, 0)',
  clamp: 'min(max(x, P), Q)',
};
const unaryIntBool: Partial<Record<UnaryKernel, string>> = {
  logicalNot: 'x == X(0)',
  nonzero: 'x != X(0)',
  isnan: 'false',
  isinf: 'false',
  isfinite: 'true',
};

/** WGSL of the binary kernels on float `a`, `b`. */
const binaryFloat: Partial<Record<BinaryKernel, string>> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'pow_(a, b)',
  maximum: 'maximum_(a, b)',
  minimum: 'minimum_(a, b)',
  atan2: 'atan2(a, b)',
  remainder: 'remainder_(a, b)',
  floorDivide: 'floor_divide_(a, b)',
  reluBackward: 'select(0.0, a, b > 0.0)',
  sigmoidBackward: 'a * (b * (1.0 - b))',
  tanhBackward: 'a * (1.0 - b * b)',
  geluBackward:
    'a * (0.5 * (1.0 + erf_(b * 0.70710678118654752)) + b * 0.3989422804014327 * exp(-0.5 * b * b))',
  geluTanhBackward:
    'a * (0.5 * (1.0 + safe_tanh(0.7978845608028654 * (b + 0.044715 * b * b * b))) + 0.5 * b * (1.0 - safe_tanh(0.7978845608028654 * (b + 0.044715 * b * b * b)) * safe_tanh(0.7978845608028654 * (b + 0.044715 * b * b * b))) * 0.7978845608028654 * (1.0 + 3.0 * 0.044715 * b * b))',
  siluBackward: 'a * sigm(b) * (1.0 + b * (1.0 - sigm(b)))',
  mishBackward:
    'a * (safe_tanh(softplus1(b)) + b * (1.0 - safe_tanh(softplus1(b)) * safe_tanh(softplus1(b))) * sigm(b))',
};
const binaryInt: Partial<Record<BinaryKernel, string>> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  maximum: 'max(a, b)',
  minimum: 'min(a, b)',
  remainder: 'remainder_i(a, b)',
  floorDivide: 'floor_divide_i(a, b)',
};
/** Binary kernels with a bool result (any operand type). */
const binaryBool: Partial<Record<BinaryKernel, string>> = {
  logicalAnd: 'a != X(0) && b != X(0)',
  logicalOr: 'a != X(0) || b != X(0)',
  logicalXor: '(a != X(0)) != (b != X(0))',
  eq: 'a == b',
  ne: 'a != b',
  lt: 'a < b',
  le: 'a <= b',
  gt: 'a > b',
  ge: 'a >= b',
};

/** An operand of a generated map: a strided view in a buffer, or a 0-d CPU tensor passed as a value. */
interface Operand {
  view: View;
  scalar: boolean;
}

function operand(x: View): Operand {
  return { view: x, scalar: !(x.storage instanceof WebGPUBuffer) };
}

/** The bits of a CPU scalar as a meta word of its WGSL type. */
function scalarWord(x: View): number {
  const v = (x.storage as ArrayLike<number>)[x.offset]!;
  return x.dtype === 'float32' || x.dtype === 'float64' ? f32bits(v) : v | 0;
}

function paramWord(type: string, v: number): number {
  return type === 'f32' ? f32bits(v) : Math.max(-2147483648, Math.min(2147483647, Math.round(v)));
}

/**
 * Runs `expr` (WGSL over `a`, `b`, `c`, parameters P, Q, R, and X = the operands' type) over
 * `shape`, reading each operand broadcast to it, into a new contiguous buffer of `outDtype`.
 */
export function mapKernel(
  name: string,
  expr: string,
  operands: readonly View[],
  shape: readonly number[],
  outDtype: DType,
  params: readonly number[] = [],
): WebGPUBuffer {
  const rt = gpu(name);
  const size = sizeOf(shape);
  const out = rt.alloc(outDtype, size, name);
  if (size === 0) return out;
  const ops = operands.map(operand);
  const buffered = ops.filter((o) => !o.scalar);
  const { shape: cshape, strides } = collapse(
    shape,
    buffered.map((o) => broadcastStrides(o.view.shape, o.view.strides, shape)),
  );
  const rank = cshape.length;
  const meta = stridedMeta(
    size,
    cshape,
    buffered.map((o) => o.view.offset),
    strides,
  );
  const inType = wgslType(operands[0]!.dtype);
  const extra = meta.length;
  for (const p of params) meta.push(paramWord(inType, p));
  const scalarsAt = meta.length;
  for (const o of ops) if (o.scalar) meta.push(scalarWord(o.view));
  const names = ['a', 'b', 'c'];
  const outType = wgslType(outDtype);
  const key = `map:${name}:${expr}:${ops.map((o) => (o.scalar ? 's' : 'b') + wgslType(o.view.dtype)).join(',')}:${outType}:${rank}:${params.length}`;
  const kernel: Kernel = {
    key,
    wgsl: () => {
      const bindings = [`@group(0) @binding(1) var<storage, read_write> out: array<${outType}>;`];
      const loads: string[] = [];
      let b = 0;
      let s = 0;
      ops.forEach((o, k) => {
        const t = wgslType(o.view.dtype);
        if (o.scalar) {
          const word = `prm[${scalarsAt + s++}]`;
          loads.push(`  let ${names[k]} = ${t === 'f32' ? `bitcast<f32>(${word})` : `${t}(${word})`};`);
        } else {
          bindings.push(`@group(0) @binding(${b + 2}) var<storage, read> in${b}: array<${t}>;`);
          loads.push(`  let ${names[k]} = in${b}[p${b}];`);
          b++;
        }
      });
      const P = params.map((_, j) =>
        inType === 'f32' ? `bitcast<f32>(prm[${extra + j}])` : `${inType}(prm[${extra + j}])`,
      );
      const body = expr
        .replaceAll('P', P[0] ?? 'P')
        .replaceAll('Q', P[1] ?? 'Q')
        .replaceAll('R', P[2] ?? 'R')
        .replaceAll('X(', `${inType}(`);
      return `${helpersFor(body, inType === 'f32' ? FLOAT_HELPERS : INT_HELPERS)}
${header(bindings.join('\n'))}
  if (i >= prm[0]) { return; }
${stridedPositions(rank, buffered.length)}
${loads.join('\n')}
  let x = a;
  out[i] = ${outType}(${body});
}`;
    },
  };
  rt.run(kernel, meta, [out, ...buffered.map((o) => o.view.storage as WebGPUBuffer)], size);
  return out;
}

function unsupported(what: string, dtype: DType): DeviceError {
  return new DeviceError(`${what}: no webgpu kernel for ${dtype} tensors yet`);
}

/** A unary kernel on the GPU (the CPU row of the same name, in WGSL). */
export function unaryKernel(kind: UnaryKernel, x: View, dtype: DType, p = 0, q = 0, r = 0): WebGPUBuffer {
  const float = x.dtype === 'float32';
  const boolOut = (float ? unaryFloatBool : unaryIntBool)[kind];
  const expr = boolOut ?? (float ? unaryFloat : unaryInt)[kind];
  if (expr === undefined) throw unsupported(kind, x.dtype);
  return mapKernel(kind, expr, [x], x.shape, dtype, [p, q, r]);
}

/** A binary kernel on the GPU, broadcast to `shape`. */
export function binaryKernel(
  kind: BinaryKernel,
  a: View,
  b: View,
  shape: readonly number[],
  dtype: DType,
): WebGPUBuffer {
  const expr = binaryBool[kind] ?? (a.dtype === 'float32' ? binaryFloat : binaryInt)[kind];
  if (expr === undefined) throw unsupported(kind, a.dtype);
  return mapKernel(kind, expr, [a, b], shape, dtype);
}

/** cond ≠ 0 ? a : b on the GPU. */
export function whereKernel(
  cond: View,
  a: View,
  b: View,
  shape: readonly number[],
  dtype: DType,
): WebGPUBuffer {
  // select(false_value, true_value, condition); the condition operand is `a` (its own type).
  const zero = cond.dtype === 'float32' ? '0.0' : cond.dtype === 'int32' ? '0' : '0u';
  return mapKernel('where', `select(c, b, a != ${zero})`, [cond, a, b], shape, dtype);
}

/** `x` converted to `dtype` (int32 truncates toward zero; bool is x ≠ 0). */
export function castKernel(x: View, dtype: DType): WebGPUBuffer {
  if (dtype === 'bool')
    return mapKernel('to', x.dtype === 'float32' ? 'x != 0.0' : 'x != X(0)', [x], x.shape, dtype);
  return mapKernel('to', 'a', [x], x.shape, dtype);
}

/** A contiguous copy of `x`. */
export function contiguousKernel(x: View): WebGPUBuffer {
  return mapKernel('contiguous', 'a', [x], x.shape, x.dtype);
}
