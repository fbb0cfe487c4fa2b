/**
 * Elementwise ops with NumPy broadcasting. Each op: its forward (a kernel call) and its backward
 * (the vector–Jacobian product, in Tensor ops) side by side. Gradients of broadcast operands are
 * summed back to their shapes by the engine.
 */
import { record, sameDType } from '../autograd/function.js';
import { backendOf } from '../backends/backend.js';
import { DTypeError, ValueError } from '../errors.js';
import { toContiguous } from '../kernels/copy.js';
import type * as k from '../kernels/elementwise.js';
import { allocate, type DType, isFloating, requireFloating } from '../tensor/dtype.js';
import { broadcastShapes } from '../tensor/shape.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';

/**
 * Turns a number operand into a 0-d tensor of the other operand's dtype, and checks dtypes. Bool
 * operands are refused unless `allowBool` (comparisons, where): arithmetic on masks is an error.
 */
function operands(op: string, a: TensorLike, b: TensorLike, allowBool = false): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new ValueError(`${op}: at least one operand must be a tensor, got two numbers`);
  }
  if (!allowBool) noBool(op, typeof a === 'number' ? (b as Tensor) : a);
  const x = typeof a === 'number' ? constant(op, a, (b as Tensor).dtype) : a;
  const y = typeof b === 'number' ? constant(op, b, x.dtype) : b;
  sameDType(op, x, y);
  return [x, y];
}

/** Throws for a bool tensor: arithmetic on masks needs an explicit cast, as the message says. */
function noBool(op: string, x: Tensor): void {
  if (x.dtype === 'bool') {
    throw new DTypeError(`${op}: not supported for bool tensors; cast first, e.g. mask.to('float32')`);
  }
}

function constant(op: string, value: number, dtype: DType): Tensor {
  // An int32 buffer would truncate 0.5 to 0 and give a wrong answer (x.lt(0.5)) without a word.
  if (dtype === 'int32' && !Number.isInteger(value)) {
    throw new DTypeError(
      `${op}: ${value} is not an integer and the tensor operand is int32; cast it with .to() first`,
    );
  }
  if (dtype === 'bool' && value !== 0 && value !== 1) {
    throw new DTypeError(
      `${op}: ${value} is not 0 or 1 and the tensor operand is bool; cast it with .to() first`,
    );
  }
  const data = allocate(dtype, 1);
  data[0] = value;
  return new Tensor(data, []);
}

function map(op: string, kind: k.UnaryKernel, x: Tensor, p = 0, q = 0, r = 0): Tensor {
  noBool(op, x);
  return new Tensor(backendOf(op, x).unary(kind, x, x.dtype, p, q, r), x.shape);
}

function floatMap(op: string, kind: k.UnaryKernel, x: Tensor, p = 0, q = 0): Tensor {
  requireFloating(op, x.dtype);
  return new Tensor(backendOf(op, x).unary(kind, x, x.dtype, p, q), x.shape);
}

function zip(op: string, kind: k.BinaryKernel, a: Tensor, b: Tensor, dtype: DType = a.dtype): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  return new Tensor(backendOf(op, a, b).binary(kind, a, b, shape, dtype), shape);
}

/** A zero tensor like `g`: the gradient of piecewise-constant ops (floor, round, …). */
function zerosLike(g: Tensor): Tensor {
  return new Tensor(backendOf('zerosLike', g).zeros(g.dtype, g.size), g.shape);
}

/** 1 or 0 in `dtype` from a bool mask. */
function maskOf(mask: Tensor, dtype: DType): Tensor {
  return new Tensor(backendOf('cast', mask).cast(mask, dtype), mask.shape);
}

/**
 * a + b
 *
 * @example
 * add(tensor([[1, 2], [3, 4]]), tensor([10, 20])); // broadcasts: [[11, 22], [13, 24]]
 * add(tensor([1, 2]), 0.5); // [1.5, 2.5]
 */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('add', a, b);
  return record('add', [x, y], zip('add', 'add', x, y), (g, needs) => [
    needs[0] ? g : null,
    needs[1] ? g : null,
  ]);
}

/**
 * a − b
 *
 * @example
 * sub(tensor([5, 7]), tensor([1, 2])); // [4, 5]
 * sub(1, tensor([0.25, 1])); // [0.75, 0]
 */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('sub', a, b);
  return record('sub', [x, y], zip('sub', 'sub', x, y), (g, needs) => [
    needs[0] ? g : null,
    needs[1] ? neg(g) : null,
  ]);
}

/**
 * a · b
 *
 * @example
 * mul(tensor([[1, 2], [3, 4]]), tensor([[10], [100]])); // [[10, 20], [300, 400]]
 */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('mul', a, b);
  return record('mul', [x, y], zip('mul', 'mul', x, y), (g, needs) => [
    needs[0] ? mul(g, y) : null,
    needs[1] ? mul(g, x) : null,
  ]);
}

/**
 * a / b (floating dtypes; integer division is not silently truncated).
 *
 * @example
 * div(tensor([1, 2, 3]), 2); // [0.5, 1, 1.5]
 */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('div', a, b);
  requireFloating('div', x.dtype);
  const out = zip('div', 'div', x, y);
  return record('div', [x, y], out, (g, needs) => [
    needs[0] ? div(g, y) : null,
    needs[1] ? neg(mul(g, div(out, y))) : null,
  ]);
}

/**
 * a ** b, with a number or a tensor exponent (gradients for both base and exponent).
 *
 * @example
 * pow(tensor([1, 2, 3]), 2); // [1, 4, 9]
 * pow(2, tensor([0, 1, 10])); // [1, 2, 1024]
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('pow', a, b);
  requireFloating('pow', x.dtype);
  const out = zip('pow', 'pow', x, y);
  const exponentIsConstant = typeof b === 'number';
  return record('pow', [x, y], out, (g, needs) => [
    needs[0] ? mul(g, mul(y, pow(x, sub(y, 1)))) : null,
    // d/db a^b = a^b · ln a; taken as 0 where a = 0 and b ≥ 0, as PyTorch does.
    needs[1] && !exponentIsConstant
      ? where(mul(maskOf(eq(x, 0), x.dtype), maskOf(ge(y, 0), x.dtype)), 0, mul(g, mul(out, log(x))))
      : null,
  ]);
}

/**
 * Elementwise maximum; at ties the gradient is split evenly, as PyTorch does.
 *
 * @example
 * maximum(tensor([1, 5, 3]), tensor([4, 2, 3])); // [4, 5, 3]
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('maximum', a, b);
  return record('maximum', [x, y], zip('maximum', 'maximum', x, y), (g, needs) => {
    const share = add(maskOf(gt(x, y), x.dtype), mul(maskOf(eq(x, y), x.dtype), 0.5));
    return [needs[0] ? mul(g, share) : null, needs[1] ? mul(g, sub(1, share)) : null];
  });
}

/**
 * Elementwise minimum; at ties the gradient is split evenly.
 *
 * @example
 * minimum(tensor([1, 5, 3]), 2); // [1, 2, 2]
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('minimum', a, b);
  return record('minimum', [x, y], zip('minimum', 'minimum', x, y), (g, needs) => {
    const share = add(maskOf(lt(x, y), x.dtype), mul(maskOf(eq(x, y), x.dtype), 0.5));
    return [needs[0] ? mul(g, share) : null, needs[1] ? mul(g, sub(1, share)) : null];
  });
}

/**
 * −x
 *
 * @example
 * neg(tensor([1, -2, 3])); // [-1, 2, -3]
 */
export function neg(x: Tensor): Tensor {
  return record('neg', [x], map('neg', 'neg', x), (g) => [neg(g)]);
}

/**
 * eˣ
 *
 * @example
 * exp(tensor([0, 1])); // ≈ [1, 2.718]
 */
export function exp(x: Tensor): Tensor {
  const out = floatMap('exp', 'exp', x);
  return record('exp', [x], out, (g) => [mul(g, out)]);
}

/**
 * Natural logarithm.
 *
 * @example
 * log(tensor([1, Math.E, 0])); // ≈ [0, 1, -Infinity]
 */
export function log(x: Tensor): Tensor {
  return record('log', [x], floatMap('log', 'log', x), (g) => [div(g, x)]);
}

/**
 * Square root.
 *
 * @example
 * sqrt(tensor([4, 9, 2])); // ≈ [2, 3, 1.414]
 */
export function sqrt(x: Tensor): Tensor {
  const out = floatMap('sqrt', 'sqrt', x);
  return record('sqrt', [x], out, (g) => [div(g, mul(out, 2))]);
}

/**
 * |x|; the gradient at 0 is 0.
 *
 * @example
 * abs(tensor([-1.5, 0, 2])); // [1.5, 0, 2]
 */
export function abs(x: Tensor): Tensor {
  return record('abs', [x], map('abs', 'abs', x), (g) => [mul(g, sign(x))]);
}

/**
 * −1, 0 or 1 (not differentiable: the result carries no history).
 *
 * @example
 * sign(tensor([-3, 0, 0.5])); // [-1, 0, 1]
 */
export function sign(x: Tensor): Tensor {
  return map('sign', 'sign', x);
}

/**
 * Hyperbolic tangent.
 *
 * @example
 * tanh(tensor([-1, 0, 1])); // ≈ [-0.762, 0, 0.762]
 */
export function tanh(x: Tensor): Tensor {
  const out = floatMap('tanh', 'tanh', x);
  return record('tanh', [x], out, (g) => [tanhBackward(g, out)]);
}

/** g·(1 − y²) from tanh's output y, in one kernel pass; differentiable in g and y. */
function tanhBackward(g: Tensor, y: Tensor): Tensor {
  return record('tanhBackward', [g, y], zip('tanh', 'tanhBackward', g, y), (gg, needs) => [
    needs[0] ? tanhBackward(gg, y) : null,
    needs[1] ? mul(gg, mul(g, mul(y, -2))) : null,
  ]);
}

/**
 * Logistic sigmoid 1 / (1 + e⁻ˣ).
 *
 * @example
 * sigmoid(tensor([-2, 0, 2])); // ≈ [0.119, 0.5, 0.881]
 */
export function sigmoid(x: Tensor): Tensor {
  const out = floatMap('sigmoid', 'sigmoid', x);
  return record('sigmoid', [x], out, (g) => [sigmoidBackward(g, out)]);
}

/** g·y·(1 − y) from sigmoid's output y, in one kernel pass; differentiable in g and y. */
function sigmoidBackward(g: Tensor, y: Tensor): Tensor {
  return record('sigmoidBackward', [g, y], zip('sigmoid', 'sigmoidBackward', g, y), (gg, needs) => [
    needs[0] ? sigmoidBackward(gg, y) : null,
    needs[1] ? mul(gg, mul(g, sub(1, mul(y, 2)))) : null,
  ]);
}

/**
 * max(x, 0); the gradient at 0 is 0.
 *
 * @example
 * relu(tensor([-1, 0, 2])); // [0, 0, 2]
 */
export function relu(x: Tensor): Tensor {
  return record('relu', [x], map('relu', 'relu', x), (g) => [reluBackward(g, x)]);
}

/** g where x > 0, else 0, in one kernel pass; differentiable in g (its derivative in x is 0). */
function reluBackward(g: Tensor, x: Tensor): Tensor {
  return record('reluBackward', [g, x], zip('relu', 'reluBackward', g, x), (gg, needs) => [
    needs[0] ? reluBackward(gg, x) : null,
    null,
  ]);
}

/**
 * x², with gradient 2x.
 *
 * @example
 * square(tensor([-3, 0.5])); // [9, 0.25]
 */
export function square(x: Tensor): Tensor {
  noBool('square', x);
  return record('square', [x], zip('square', 'mul', x, x), (g) => [mul(g, mul(x, 2))]);
}

/** Options of `softplus`. */
export interface SoftplusOptions {
  /** β in log(1 + e^(βx)) / β (default 1). */
  beta?: number;
  /** Above β·x > threshold the result is x itself, for numerical stability (default 20). */
  threshold?: number;
}

/**
 * log(1 + e^(βx)) / β, and x where βx > threshold (as `torch.nn.functional.softplus`).
 *
 * @example
 * softplus(tensor([0, 30])); // ≈ [0.693, 30]: log(2), then x itself above the threshold
 * softplus(tensor([0]), { beta: 2 }); // ≈ [0.347]: log(2) / 2
 */
export function softplus(x: Tensor, options: SoftplusOptions = {}): Tensor {
  const beta = options.beta ?? 1;
  const threshold = options.threshold ?? 20;
  if (!Number.isFinite(beta) || beta === 0)
    throw new ValueError(`softplus: beta must be finite and non-zero, got ${beta}`);
  if (Number.isNaN(threshold)) throw new ValueError('softplus: threshold must be a number, got NaN');
  const out = floatMap('softplus', 'softplus', x, beta, threshold);
  // d/dx = sigmoid(βx) below the threshold, 1 above it.
  return record('softplus', [x], out, (g) => {
    const bx = mul(x, beta);
    return [where(gt(bx, threshold), g, mul(g, sigmoid(bx)))];
  });
}

/**
 * Sine.
 *
 * @example
 * sin(tensor([0, Math.PI / 2])); // ≈ [0, 1]
 */
export function sin(x: Tensor): Tensor {
  return record('sin', [x], floatMap('sin', 'sin', x), (g) => [mul(g, cos(x))]);
}

/**
 * Cosine.
 *
 * @example
 * cos(tensor([0, Math.PI])); // ≈ [1, -1]
 */
export function cos(x: Tensor): Tensor {
  return record('cos', [x], floatMap('cos', 'cos', x), (g) => [neg(mul(g, sin(x)))]);
}

/**
 * Limits x to [min, max] (either bound optional); the gradient passes where min ≤ x ≤ max.
 *
 * @example
 * clamp(tensor([-2, 0.5, 3]), -1, 1); // [-1, 0.5, 1]
 * clamp(tensor([-2, 0.5, 3]), 0); // only a lower bound: [0, 0.5, 3]
 */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  if (min === undefined && max === undefined)
    throw new ValueError('clamp: at least one of min and max is required');
  const lo = min ?? Number.NEGATIVE_INFINITY;
  const hi = max ?? Number.POSITIVE_INFINITY;
  if (lo > hi) throw new ValueError(`clamp: min ${lo} is greater than max ${hi}`);
  return record('clamp', [x], map('clamp', 'clamp', x, lo, hi), (g) => [
    mul(g, map('clamp', 'inRange', x, lo, hi)),
  ]);
}

/**
 * cond ? a : b elementwise with broadcasting; gradients flow to a and b. `cond` is a bool mask (an
 * int32 or float mask counts non-zero as true); either branch may be a number:
 * `where(mask, x, -Infinity)`, `where(cond, 0, x)`. Two number branches give float32.
 *
 * @example
 * const x = tensor([-1, 2, -3]);
 * where(gt(x, 0), x, 0); // [0, 2, 0]
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] =
    typeof a === 'number' && typeof b === 'number'
      ? [constant('where', a, 'float32'), constant('where', b, 'float32')]
      : operands('where', a, b, true);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, x.shape), y.shape);
  const out = new Tensor(backendOf('where', cond, x, y).where(cond, x, y, shape, x.dtype), shape);
  return record('where', [x, y], out, (g, needs) => [
    needs[0] ? where(cond, g, 0) : null,
    needs[1] ? where(cond, 0, g) : null,
  ]);
}

function compare(kind: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands(kind, a, b, true);
  return zip(kind, kind, x, y, 'bool');
}

/**
 * a = b elementwise, as a bool tensor; not differentiable.
 *
 * @example
 * eq(tensor([1, 2, 3]), tensor([1, 0, 3])); // bool [true, false, true], read as [1, 0, 1]
 */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return compare('eq', a, b);
}
/**
 * a ≠ b elementwise, as a bool tensor.
 *
 * @example
 * ne(tensor([1, 2, 3]), 2); // bool [1, 0, 1]
 */
export function ne(a: TensorLike, b: TensorLike): Tensor {
  return compare('ne', a, b);
}
/**
 * a < b elementwise, as a bool tensor.
 *
 * @example
 * lt(tensor([1, 2, 3]), 2); // bool [1, 0, 0]
 */
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return compare('lt', a, b);
}
/**
 * a ≤ b elementwise, as a bool tensor.
 *
 * @example
 * le(tensor([1, 2, 3]), 2); // bool [1, 1, 0]
 */
export function le(a: TensorLike, b: TensorLike): Tensor {
  return compare('le', a, b);
}
/**
 * a > b elementwise, as a bool tensor.
 *
 * @example
 * gt(tensor([1, 2, 3]), 2); // bool [0, 0, 1]
 */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return compare('gt', a, b);
}
/**
 * a ≥ b elementwise, as a bool tensor.
 *
 * @example
 * ge(tensor([1, 2, 3]), 2); // bool [0, 1, 1]
 */
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return compare('ge', a, b);
}

function logical(kind: 'logicalAnd' | 'logicalOr' | 'logicalXor', a: Tensor, b: Tensor): Tensor {
  return zip(kind, kind, a, b, 'bool');
}

/**
 * a ∧ b elementwise, as a bool tensor: non-zero (NaN too) is true; any dtypes, broadcasting.
 *
 * @example
 * logicalAnd(tensor([1, 1, 0]), tensor([1, 0, 0])); // bool [1, 0, 0]
 */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return logical('logicalAnd', a, b);
}
/**
 * a ∨ b elementwise, as a bool tensor.
 *
 * @example
 * logicalOr(tensor([1, 1, 0]), tensor([1, 0, 0])); // bool [1, 1, 0]
 */
export function logicalOr(a: Tensor, b: Tensor): Tensor {
  return logical('logicalOr', a, b);
}
/**
 * a ⊕ b elementwise, as a bool tensor.
 *
 * @example
 * logicalXor(tensor([1, 1, 0]), tensor([1, 0, 0])); // bool [0, 1, 0]
 */
export function logicalXor(a: Tensor, b: Tensor): Tensor {
  return logical('logicalXor', a, b);
}
/**
 * ¬x elementwise, as a bool tensor (true where x is 0).
 *
 * @example
 * logicalNot(tensor([0, 2, -1])); // bool [1, 0, 0]
 */
export function logicalNot(x: Tensor): Tensor {
  return new Tensor(backendOf('logicalNot', x).unary('logicalNot', x, 'bool'), x.shape);
}

/**
 * A copy in another dtype; float-to-float casts keep the graph, casts to or from int32 and bool do
 * not. To int32 truncates toward 0; to bool gives true for every non-zero value (NaN included).
 *
 * @example
 * cast(tensor([1.7, -1.7, 0]), 'int32'); // int32 [1, -1, 0]
 * cast(tensor([1.7, -1.7, 0]), 'bool'); // bool [1, 1, 0]
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (dtype === x.dtype) return x;
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32' && dtype !== 'bool') {
    throw new DTypeError(`to: unknown dtype '${String(dtype)}'`);
  }
  const out = new Tensor(backendOf('to', x).cast(x, dtype), x.shape);
  if (dtype === 'bool') return out;
  if (!isFloating(dtype) || !isFloating(x.dtype)) return out;
  const from = x.dtype;
  return record('cast', [x], out, (g) => [cast(g, from)]);
}

// Activations and special functions (PyTorch's names). Forward: one kernel pass each; backward: a
// one-pass derivative kernel where it matters (gelu, silu, mish) whose own backward is composed
// from primitives, so gradients of any order work.

/**
 * A backward op `g · f'(x)` computed by one binary kernel. It is itself differentiable: in g it is
 * the same op, in x it is `g · f''(x)` with `second` composed from primitives.
 */
function derivativeOp(
  name: string,
  kernel: k.BinaryKernel,
  second: (x: Tensor) => Tensor,
): (g: Tensor, x: Tensor) => Tensor {
  const op = (g: Tensor, x: Tensor): Tensor =>
    record(name, [g, x], zip(name, kernel, g, x), (gg, needs) => [
      needs[0] ? op(gg, x) : null,
      needs[1] ? mul(mul(gg, g), second(x)) : null,
    ]);
  return op;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/** GELU'' = φ(x)(2 − x²). */
const geluBackward = derivativeOp('geluBackward', 'geluBackward', (x) => {
  const x2 = square(x);
  return mul(mul(exp(mul(x2, -0.5)), INV_SQRT_2PI), sub(2, x2));
});

/**
 * Tanh-GELU'' = (1 − t²)(u' + ½x(u'' − 2t·u'²)), u = c(x + a·x³), t = tanh u; 1 − t² is taken as
 * 4e^{−2|u|}/(1 + e^{−2|u|})², which keeps its digits where t rounds to ±1.
 */
const geluTanhBackward = derivativeOp('geluBackward', 'geluTanhBackward', (x) => {
  const x2 = square(x);
  const u = mul(add(x, mul(mul(x2, x), GELU_A)), GELU_C);
  const t = tanh(u);
  const e = exp(mul(abs(u), -2));
  const sech2 = div(mul(e, 4), square(add(e, 1)));
  const u1 = mul(add(mul(x2, 3 * GELU_A), 1), GELU_C);
  const u2 = mul(x, 6 * GELU_A * GELU_C);
  return mul(sech2, add(u1, mul(mul(x, 0.5), sub(u2, mul(mul(t, 2), square(u1))))));
});

/** Options of `gelu`. */
export interface GeluOptions {
  /** 'none' (default): x·Φ(x) through erf; 'tanh': PyTorch's tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/**
 * Gaussian error linear unit x·Φ(x), e.g. `gelu(x)` or `gelu(x, { approximate: 'tanh' })`.
 *
 * @example
 * gelu(tensor([-1, 0, 1])); // ≈ [-0.159, 0, 0.841]
 * gelu(tensor([1]), { approximate: 'tanh' }); // ≈ [0.841]
 */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new ValueError(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  }
  const tanhForm = approximate === 'tanh';
  const out = floatMap('gelu', tanhForm ? 'geluTanh' : 'gelu', x);
  return record('gelu', [x], out, (g) => [tanhForm ? geluTanhBackward(g, x) : geluBackward(g, x)]);
}

/** SiLU'' = σ(1 − σ)(2 + x(1 − 2σ)). */
const siluBackward = derivativeOp('siluBackward', 'siluBackward', (x) => {
  const s = sigmoid(x);
  return mul(mul(s, sub(1, s)), add(mul(x, sub(1, mul(s, 2))), 2));
});

/**
 * x·σ(x) (also called swish).
 *
 * @example
 * silu(tensor([-1, 0, 1])); // ≈ [-0.269, 0, 0.731]
 */
export function silu(x: Tensor): Tensor {
  return record('silu', [x], floatMap('silu', 'silu', x), (g) => [siluBackward(g, x)]);
}

/** Mish'' = (1 − t²)σ(2 + x(1 − σ − 2tσ)), t = tanh(softplus(x)). */
const mishBackward = derivativeOp('mishBackward', 'mishBackward', (x) => {
  const t = tanh(softplus(x));
  const s = sigmoid(x);
  const inner = add(mul(x, sub(sub(1, s), mul(mul(t, s), 2))), 2);
  return mul(mul(sub(1, square(t)), s), inner);
});

/**
 * x·tanh(softplus(x)).
 *
 * @example
 * mish(tensor([-1, 0, 1])); // ≈ [-0.303, 0, 0.865]
 */
export function mish(x: Tensor): Tensor {
  return record('mish', [x], floatMap('mish', 'mish', x), (g) => [mishBackward(g, x)]);
}

/**
 * x where x > 0, else negativeSlope·x, e.g. `leakyRelu(x, 0.2)`.
 *
 * @example
 * leakyRelu(tensor([-10, 0, 5]), 0.2); // [-2, 0, 5]
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  if (Number.isNaN(negativeSlope)) throw new ValueError('leakyRelu: negativeSlope must be a number, got NaN');
  const out = floatMap('leakyRelu', 'leakyRelu', x, negativeSlope);
  return record('leakyRelu', [x], out, (g) => [where(gt(x, 0), g, mul(g, negativeSlope))]);
}

/**
 * x where x > 0, else α(eˣ − 1).
 *
 * @example
 * elu(tensor([-1, 0, 2])); // ≈ [-0.632, 0, 2]
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  if (Number.isNaN(alpha)) throw new ValueError('elu: alpha must be a number, got NaN');
  const out = floatMap('elu', 'elu', x, alpha);
  // As PyTorch: the x ≤ 0 branch at 0, and NaN takes the linear branch.
  return record('elu', [x], out, (g) => [where(le(x, 0), mul(g, mul(exp(x), alpha)), g)]);
}

/**
 * x clamped to [minVal, maxVal]; the gradient passes strictly inside, as PyTorch's.
 *
 * @example
 * hardtanh(tensor([-3, 0.5, 3])); // [-1, 0.5, 1]
 * hardtanh(tensor([-3, 0.5, 3]), 0, 2); // [0, 0.5, 2]
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  if (!(minVal <= maxVal))
    throw new ValueError(`hardtanh: minVal ${minVal} is greater than maxVal ${maxVal}`);
  const out = floatMap('hardtanh', 'clamp', x, minVal, maxVal);
  return record('hardtanh', [x], out, (g) => [
    mul(g, floatMap('hardtanh', 'inOpenRange', x, minVal, maxVal)),
  ]);
}

/**
 * The error function 2/√π ∫₀ˣ e^{−t²} dt.
 *
 * @example
 * erf(tensor([0, 1, -1])); // ≈ [0, 0.843, -0.843]
 */
export function erf(x: Tensor): Tensor {
  return record('erf', [x], floatMap('erf', 'erf', x), (g) => [
    mul(g, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI))),
  ]);
}

/**
 * The inverse of erf: erfinv(erf(x)) = x; ±∞ at ±1, NaN outside [−1, 1].
 *
 * @example
 * erfinv(tensor([0, 0.5, 1])); // ≈ [0, 0.477, Infinity]
 */
export function erfinv(x: Tensor): Tensor {
  const out = floatMap('erfinv', 'erfinv', x);
  return record('erfinv', [x], out, (g) => [mul(g, mul(exp(square(out)), Math.sqrt(Math.PI) / 2))]);
}

/**
 * log(1 + x), accurate for small x.
 *
 * @example
 * log1p(tensor([0, 1e-8])); // [0, 1e-8] (log(1 + 1e-8) in float32 would round to 0)
 */
export function log1p(x: Tensor): Tensor {
  return record('log1p', [x], floatMap('log1p', 'log1p', x), (g) => [div(g, add(x, 1))]);
}

/**
 * eˣ − 1, accurate for small x.
 *
 * @example
 * expm1(tensor([0, 1e-8])); // [0, 1e-8]
 */
export function expm1(x: Tensor): Tensor {
  const out = floatMap('expm1', 'expm1', x);
  return record('expm1', [x], out, (g) => [mul(g, add(out, 1))]);
}

/**
 * 1 / √x
 *
 * @example
 * rsqrt(tensor([1, 4, 0.25])); // [1, 0.5, 2]
 */
export function rsqrt(x: Tensor): Tensor {
  const out = floatMap('rsqrt', 'rsqrt', x);
  return record('rsqrt', [x], out, (g) => [mul(g, mul(pow(out, 3), -0.5))]);
}

/**
 * 1 / x
 *
 * @example
 * reciprocal(tensor([2, -4, 0])); // [0.5, -0.25, Infinity]
 */
export function reciprocal(x: Tensor): Tensor {
  const out = floatMap('reciprocal', 'reciprocal', x);
  return record('reciprocal', [x], out, (g) => [neg(mul(g, square(out)))]);
}

/**
 * Rounds down; gradient 0 (int32 passes through).
 *
 * @example
 * floor(tensor([1.5, -1.5])); // [1, -2]
 */
export function floor(x: Tensor): Tensor {
  return record('floor', [x], map('floor', 'floor', x), (g) => [zerosLike(g)]);
}

/**
 * Rounds up; gradient 0.
 *
 * @example
 * ceil(tensor([1.5, -1.5])); // [2, -1]
 */
export function ceil(x: Tensor): Tensor {
  return record('ceil', [x], map('ceil', 'ceil', x), (g) => [zerosLike(g)]);
}

/**
 * Rounds to the nearest integer, halves to even as PyTorch (`round(2.5)` is 2); gradient 0.
 *
 * @example
 * round(tensor([0.5, 1.5, 2.5, -0.7])); // halves to even: [0, 2, 2, -1]
 */
export function round(x: Tensor): Tensor {
  return record('round', [x], map('round', 'round', x), (g) => [zerosLike(g)]);
}

/** Throws for an int32 divisor holding a zero (integer division by zero, as PyTorch's ZeroDivisionError). */
function checkIntDivisor(op: string, y: Tensor): void {
  if (y.dtype !== 'int32') return;
  const flat = toContiguous(y, true);
  if (flat.includes(0)) throw new ValueError(`${op}: integer division by zero`);
}

/**
 * a mod b with the sign of b (Python's %, `torch.remainder`): `remainder(-3, 5)` is 2.
 *
 * @example
 * remainder(tensor([-3, 3, 7]), 5); // [2, 3, 2]
 */
export function remainder(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('remainder', a, b);
  checkIntDivisor('remainder', y);
  return record('remainder', [x, y], zip('remainder', 'remainder', x, y), (g, needs) => [
    needs[0] ? g : null,
    needs[1] ? neg(mul(g, floorDivide(x, y))) : null,
  ]);
}

/**
 * ⌊a / b⌋, rounding toward −∞ (`torch.floor_divide` since 1.13): `floorDivide(-7, 2)` is −4; not differentiable.
 *
 * @example
 * floorDivide(tensor([-7, 7]), 2); // [-4, 3]
 */
export function floorDivide(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('floorDivide', a, b);
  checkIntDivisor('floorDivide', y);
  return zip('floorDivide', 'floorDivide', x, y);
}

/**
 * The angle of the point (b, a): atan2(a, b) in (−π, π].
 *
 * @example
 * atan2(tensor([1, 1]), tensor([1, -1])); // ≈ [0.785, 2.356]: π/4, 3π/4
 */
export function atan2(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('atan2', a, b);
  requireFloating('atan2', x.dtype);
  return record('atan2', [x, y], zip('atan2', 'atan2', x, y), (g, needs) => {
    const r2 = add(square(x), square(y));
    return [needs[0] ? mul(g, div(y, r2)) : null, needs[1] ? neg(mul(g, div(x, r2))) : null];
  });
}

/**
 * True where x is NaN (bool).
 *
 * @example
 * isnan(tensor([1, Number.NaN, Infinity])); // bool [0, 1, 0]
 */
export function isnan(x: Tensor): Tensor {
  return new Tensor(backendOf('isnan', x).unary('isnan', x, 'bool'), x.shape);
}

/**
 * True where x is neither NaN nor ±∞ (bool).
 *
 * @example
 * isfinite(tensor([1, Number.NaN, Infinity])); // bool [1, 0, 0]
 */
export function isfinite(x: Tensor): Tensor {
  return new Tensor(backendOf('isfinite', x).unary('isfinite', x, 'bool'), x.shape);
}

/**
 * True where x is +∞ or −∞ (bool).
 *
 * @example
 * isinf(tensor([1, Number.NaN, -Infinity])); // bool [0, 0, 1]
 */
export function isinf(x: Tensor): Tensor {
  return new Tensor(backendOf('isinf', x).unary('isinf', x, 'bool'), x.shape);
}

/** Options of `nanToNum`: the replacements (defaults: 0, the dtype's largest and lowest finite values). */
export interface NanToNumOptions {
  nan?: number;
  posinf?: number;
  neginf?: number;
}

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Replaces NaN, +∞ and −∞: `nanToNum(x, { nan: 0, posinf: 1e4 })`; the gradient passes where x is finite.
 *
 * @example
 * nanToNum(tensor([Number.NaN, Infinity, -Infinity, 1]), { posinf: 1e4, neginf: -1e4 }); // [0, 10000, -10000, 1]
 */
export function nanToNum(x: Tensor, options: NanToNumOptions = {}): Tensor {
  const backend = backendOf('nanToNum', x);
  if (!isFloating(x.dtype)) return new Tensor(backend.contiguous(x), x.shape);
  const big = x.dtype === 'float32' ? FLOAT32_MAX : Number.MAX_VALUE;
  const data = backend.unary(
    'nanToNum',
    x,
    x.dtype,
    options.nan ?? 0,
    options.posinf ?? big,
    options.neginf ?? -big,
  );
  return record('nanToNum', [x], new Tensor(data, x.shape), (g) => [where(isfinite(x), g, 0)]);
}
