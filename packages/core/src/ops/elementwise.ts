/**
 * Elementwise ops with NumPy broadcasting. Each op: its forward (a kernel call) and its backward
 * (the vector–Jacobian product, in Tensor ops) side by side. Gradients of broadcast operands are
 * summed back to their shapes by the engine.
 */
import { record, sameDType } from '../autograd/function.js';
import { DTypeError, ValueError } from '../errors.js';
import { castBuffer, toContiguous } from '../kernels/copy.js';
import * as k from '../kernels/elementwise.js';
import { allocate, type DType, requireFloating } from '../tensor/dtype.js';
import { broadcastShapes } from '../tensor/shape.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';

/** Turns a number operand into a 0-d tensor of the other operand's dtype, and checks dtypes. */
function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new ValueError(`${op}: at least one operand must be a tensor, got two numbers`);
  }
  const x = typeof a === 'number' ? constant(op, a, (b as Tensor).dtype) : a;
  const y = typeof b === 'number' ? constant(op, b, x.dtype) : b;
  sameDType(op, x, y);
  return [x, y];
}

function constant(op: string, value: number, dtype: DType): Tensor {
  // An int32 buffer would truncate 0.5 to 0 and give a wrong answer (x.lt(0.5)) without a word.
  if (dtype === 'int32' && !Number.isInteger(value)) {
    throw new DTypeError(
      `${op}: ${value} is not an integer and the tensor operand is int32; cast it with .to() first`,
    );
  }
  const data = allocate(dtype, 1);
  data[0] = value;
  return new Tensor(data, []);
}

function map(kind: k.UnaryKernel, x: Tensor, p = 0, q = 0): Tensor {
  return new Tensor(k.unary(kind, x, x.dtype, p, q), x.shape);
}

function floatMap(op: string, kind: k.UnaryKernel, x: Tensor, p = 0, q = 0): Tensor {
  requireFloating(op, x.dtype);
  return map(kind, x, p, q);
}

function zip(op: string, kind: k.BinaryKernel, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  return new Tensor(k.binary(kind, a, b, shape, a.dtype), shape);
}

/** a + b */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('add', a, b);
  return record('add', [x, y], zip('add', 'add', x, y), (g, needs) => [
    needs[0] ? g : null,
    needs[1] ? g : null,
  ]);
}

/** a − b */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('sub', a, b);
  return record('sub', [x, y], zip('sub', 'sub', x, y), (g, needs) => [
    needs[0] ? g : null,
    needs[1] ? neg(g) : null,
  ]);
}

/** a · b */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('mul', a, b);
  return record('mul', [x, y], zip('mul', 'mul', x, y), (g, needs) => [
    needs[0] ? mul(g, y) : null,
    needs[1] ? mul(g, x) : null,
  ]);
}

/** a / b (floating dtypes; integer division is not silently truncated). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('div', a, b);
  requireFloating('div', x.dtype);
  const out = zip('div', 'div', x, y);
  return record('div', [x, y], out, (g, needs) => [
    needs[0] ? div(g, y) : null,
    needs[1] ? neg(mul(g, div(out, y))) : null,
  ]);
}

/** a ** b, with a number or a tensor exponent (gradients for both base and exponent). */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('pow', a, b);
  requireFloating('pow', x.dtype);
  const out = zip('pow', 'pow', x, y);
  const exponentIsConstant = typeof b === 'number';
  return record('pow', [x, y], out, (g, needs) => [
    needs[0] ? mul(g, mul(y, pow(x, sub(y, 1)))) : null,
    // d/db a^b = a^b · ln a; taken as 0 where a = 0 and b ≥ 0, as PyTorch does.
    needs[1] && !exponentIsConstant ? where(mul(eq(x, 0), ge(y, 0)), 0, mul(g, mul(out, log(x)))) : null,
  ]);
}

/** Elementwise maximum; at ties the gradient is split evenly, as PyTorch does. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('maximum', a, b);
  return record('maximum', [x, y], zip('maximum', 'maximum', x, y), (g, needs) => {
    const share = add(gt(x, y), mul(eq(x, y), 0.5));
    return [needs[0] ? mul(g, share) : null, needs[1] ? mul(g, sub(1, share)) : null];
  });
}

/** Elementwise minimum; at ties the gradient is split evenly. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('minimum', a, b);
  return record('minimum', [x, y], zip('minimum', 'minimum', x, y), (g, needs) => {
    const share = add(lt(x, y), mul(eq(x, y), 0.5));
    return [needs[0] ? mul(g, share) : null, needs[1] ? mul(g, sub(1, share)) : null];
  });
}

/** −x */
export function neg(x: Tensor): Tensor {
  return record('neg', [x], map('neg', x), (g) => [neg(g)]);
}

/** eˣ */
export function exp(x: Tensor): Tensor {
  const out = floatMap('exp', 'exp', x);
  return record('exp', [x], out, (g) => [mul(g, out)]);
}

/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  return record('log', [x], floatMap('log', 'log', x), (g) => [div(g, x)]);
}

/** Square root. */
export function sqrt(x: Tensor): Tensor {
  const out = floatMap('sqrt', 'sqrt', x);
  return record('sqrt', [x], out, (g) => [div(g, mul(out, 2))]);
}

/** |x|; the gradient at 0 is 0. */
export function abs(x: Tensor): Tensor {
  return record('abs', [x], map('abs', x), (g) => [mul(g, sign(x))]);
}

/** −1, 0 or 1 (not differentiable: the result carries no history). */
export function sign(x: Tensor): Tensor {
  return map('sign', x);
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  const out = floatMap('tanh', 'tanh', x);
  return record('tanh', [x], out, (g) => [mul(g, sub(1, mul(out, out)))]);
}

/** Logistic sigmoid 1 / (1 + e⁻ˣ). */
export function sigmoid(x: Tensor): Tensor {
  const out = floatMap('sigmoid', 'sigmoid', x);
  return record('sigmoid', [x], out, (g) => [mul(g, mul(out, sub(1, out)))]);
}

/** max(x, 0); the gradient at 0 is 0. */
export function relu(x: Tensor): Tensor {
  return record('relu', [x], map('relu', x), (g) => [mul(g, gt(x, 0))]);
}

/** x², with gradient 2x. */
export function square(x: Tensor): Tensor {
  return record('square', [x], zip('square', 'mul', x, x), (g) => [mul(g, mul(x, 2))]);
}

/** Options of `softplus`. */
export interface SoftplusOptions {
  /** β in log(1 + e^(βx)) / β (default 1). */
  beta?: number;
  /** Above β·x > threshold the result is x itself, for numerical stability (default 20). */
  threshold?: number;
}

/** log(1 + e^(βx)) / β, and x where βx > threshold (as `torch.nn.functional.softplus`). */
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

/** Sine. */
export function sin(x: Tensor): Tensor {
  return record('sin', [x], floatMap('sin', 'sin', x), (g) => [mul(g, cos(x))]);
}

/** Cosine. */
export function cos(x: Tensor): Tensor {
  return record('cos', [x], floatMap('cos', 'cos', x), (g) => [neg(mul(g, sin(x)))]);
}

/** Limits x to [min, max] (either bound optional); the gradient passes where min ≤ x ≤ max. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  if (min === undefined && max === undefined)
    throw new ValueError('clamp: at least one of min and max is required');
  const lo = min ?? Number.NEGATIVE_INFINITY;
  const hi = max ?? Number.POSITIVE_INFINITY;
  if (lo > hi) throw new ValueError(`clamp: min ${lo} is greater than max ${hi}`);
  return record('clamp', [x], map('clamp', x, lo, hi), (g) => [mul(g, map('inRange', x, lo, hi))]);
}

/** cond ? a : b elementwise with broadcasting (cond is non-zero for true); gradients flow to a and b. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('where', a, b);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, x.shape), y.shape);
  const out = new Tensor(k.where(cond, x, y, shape, x.dtype), shape);
  return record('where', [x, y], out, (g, needs) => [
    needs[0] ? where(cond, g, 0) : null,
    needs[1] ? where(cond, 0, g) : null,
  ]);
}

function compare(kind: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands(kind, a, b);
  return zip(kind, kind, x, y);
}

/** 1 where a = b, else 0, in the operands' dtype; not differentiable. */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return compare('eq', a, b);
}
/** 1 where a ≠ b, else 0. */
export function ne(a: TensorLike, b: TensorLike): Tensor {
  return compare('ne', a, b);
}
/** 1 where a < b, else 0. */
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return compare('lt', a, b);
}
/** 1 where a ≤ b, else 0. */
export function le(a: TensorLike, b: TensorLike): Tensor {
  return compare('le', a, b);
}
/** 1 where a > b, else 0. */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return compare('gt', a, b);
}
/** 1 where a ≥ b, else 0. */
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return compare('ge', a, b);
}

/** A copy in another dtype; float-to-float casts keep the graph, casts to or from int32 do not. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (dtype === x.dtype) return x;
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') {
    throw new DTypeError(`to: unknown dtype '${String(dtype)}'`);
  }
  const out = new Tensor(castBuffer(toContiguous(x, true), dtype), x.shape);
  if (dtype === 'int32' || x.dtype === 'int32') return out;
  const from = x.dtype;
  return record('cast', [x], out, (g) => [cast(g, from)]);
}
