/**
 * The scalar autograd engine, in the spirit of micrograd: a `Value` holds one number, its
 * gradient, the values it was computed from and the op that made it.
 *
 * Each op computes its output and, right beside it, the function that pushes the output's
 * gradient into its inputs. Gradients accumulate with `+=`, so a value used twice gets both
 * contributions. The backward pass is the shared engine in `autograd/engine.ts` (iterative, so a
 * chain of a million values is fine).
 *
 * @example
 * const a = new Value(2, 'a');
 * const b = new Value(-3, 'b');
 * const c = a.mul(b).add(10).tanh();
 * c.backward();
 * a.grad; // dc/da
 */
import { backpropagate, type GraphNode, topologicalSort } from './autograd/engine.js';
import { isGradEnabled } from './autograd/grad-mode.js';
import { ValueError } from './errors.js';

/** Pushes `out.grad` into the gradients of `out`'s parents. */
export type ValueBackward = (out: Value) => void;

const noParents: readonly Value[] = [];
const leafBackward: ValueBackward = () => {};

/** A scalar that records how it was computed, so that `backward()` can differentiate it. */
export class Value implements GraphNode {
  /** The number this value holds. */
  data: number;
  /** d(root)/d(this) after `root.backward()`; leaves accumulate across calls. */
  grad = 0;
  /** A name for display (`toDot`, `toString`). */
  label: string;
  /** The op that made this value (`'+'`, `'*'`, `'tanh'`, …); `''` for leaves. */
  op = '';
  /** The values this one was computed from; empty for leaves. */
  parents: readonly Value[] = noParents;
  /** Engine bookkeeping (see `GraphNode`). */
  visitMark = 0;
  /** Pushes this value's gradient into its parents; a no-op for leaves. */
  backwardFn: ValueBackward = leafBackward;

  /** A leaf value, e.g. a parameter or an input. */
  constructor(data: number, label = '') {
    this.data = data;
    this.label = label;
  }

  /**
   * Builds the output of an op: `data` computed from `parents`, and `backward`, which reads
   * `out.grad` and adds each parent's share to `parent.grad`. This is how every op below is
   * defined, and how a user defines a new one. Under `noGrad` the result is a plain leaf.
   */
  static fromOp(data: number, op: string, parents: readonly Value[], backward: ValueBackward): Value {
    const out = new Value(data);
    if (isGradEnabled()) {
      out.op = op;
      out.parents = parents;
      out.backwardFn = backward;
    }
    return out;
  }

  // Each op: the forward value, then (beside it) the static function that pushes `out.grad`
  // into the parents. Static functions rather than closures: no allocation per node, which
  // keeps a 40,000-node training step out of the garbage collector's way.

  /** `this + other` */
  add(other: Value | number): Value {
    const o = toValue(other);
    return Value.fromOp(this.data + o.data, '+', [this, o], Value.addBackward);
  }
  private static addBackward(out: Value): void {
    out.parents[0]!.grad += out.grad;
    out.parents[1]!.grad += out.grad;
  }

  /** `this - other` */
  sub(other: Value | number): Value {
    const o = toValue(other);
    return Value.fromOp(this.data - o.data, '-', [this, o], Value.subBackward);
  }
  private static subBackward(out: Value): void {
    out.parents[0]!.grad += out.grad;
    out.parents[1]!.grad -= out.grad;
  }

  /** `this * other` */
  mul(other: Value | number): Value {
    const o = toValue(other);
    return Value.fromOp(this.data * o.data, '*', [this, o], Value.mulBackward);
  }
  private static mulBackward(out: Value): void {
    const a = out.parents[0]!;
    const b = out.parents[1]!;
    a.grad += b.data * out.grad;
    b.grad += a.data * out.grad;
  }

  /** `this / other`; dividing by zero gives ±Infinity or NaN, as in IEEE arithmetic. */
  div(other: Value | number): Value {
    const o = toValue(other);
    return Value.fromOp(this.data / o.data, '/', [this, o], Value.divBackward);
  }
  private static divBackward(out: Value): void {
    const a = out.parents[0]!;
    const b = out.parents[1]!;
    a.grad += out.grad / b.data;
    b.grad -= (out.grad * a.data) / (b.data * b.data);
  }

  /**
   * `this ** exponent`. With a number exponent only the base gets a gradient, b·a^(b−1). With a
   * Value exponent the exponent also gets a^b·ln a, which (as in `torch.pow`) is NaN for a
   * negative base and 0 for a = 0 with b ≥ 0; the base gradient stays defined.
   */
  pow(exponent: Value | number): Value {
    if (typeof exponent === 'number') {
      const b = exponent;
      // The one closure: the exponent is a plain number, not a parent.
      return Value.fromOp(this.data ** b, `**${b}`, [this], (out) => {
        if (b !== 0) this.grad += b * this.data ** (b - 1) * out.grad;
      });
    }
    const e = toValue(exponent);
    return Value.fromOp(this.data ** e.data, '**', [this, e], Value.powBackward);
  }
  private static powBackward(out: Value): void {
    const base = out.parents[0]!;
    const exponent = out.parents[1]!;
    const a = base.data;
    const b = exponent.data;
    if (b !== 0) base.grad += b * a ** (b - 1) * out.grad;
    exponent.grad += a === 0 && b >= 0 ? 0 : out.data * Math.log(a) * out.grad;
  }

  /** `-this` */
  neg(): Value {
    return Value.fromOp(-this.data, 'neg', [this], Value.negBackward);
  }
  private static negBackward(out: Value): void {
    out.parents[0]!.grad -= out.grad;
  }

  /** `e ** this` */
  exp(): Value {
    return Value.fromOp(Math.exp(this.data), 'exp', [this], Value.expBackward);
  }
  private static expBackward(out: Value): void {
    out.parents[0]!.grad += out.data * out.grad;
  }

  /** Natural logarithm; NaN below 0 and −Infinity at 0, as `Math.log`. */
  log(): Value {
    return Value.fromOp(Math.log(this.data), 'log', [this], Value.logBackward);
  }
  private static logBackward(out: Value): void {
    const a = out.parents[0]!;
    a.grad += out.grad / a.data;
  }

  /** Hyperbolic tangent. */
  tanh(): Value {
    return Value.fromOp(Math.tanh(this.data), 'tanh', [this], Value.tanhBackward);
  }
  private static tanhBackward(out: Value): void {
    out.parents[0]!.grad += (1 - out.data * out.data) * out.grad;
  }

  /** Logistic sigmoid 1 / (1 + e^−x), computed without overflow for large |x|. */
  sigmoid(): Value {
    const x = this.data;
    const s = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    return Value.fromOp(s, 'sigmoid', [this], Value.sigmoidBackward);
  }
  private static sigmoidBackward(out: Value): void {
    out.parents[0]!.grad += out.data * (1 - out.data) * out.grad;
  }

  /** max(0, x); NaN stays NaN, and the gradient at 0 is 0, as in PyTorch. */
  relu(): Value {
    return Value.fromOp(Math.max(this.data, 0), 'relu', [this], Value.reluBackward);
  }
  private static reluBackward(out: Value): void {
    if (out.data > 0) out.parents[0]!.grad += out.grad;
  }

  /** The sum of `values` as one n-ary node (0 for an empty list). */
  static sum(values: readonly (Value | number)[]): Value {
    const vs = values.map(toValue);
    let total = 0;
    for (let i = 0; i < vs.length; i++) total += vs[i]!.data;
    return Value.fromOp(total, 'sum', vs, Value.sumBackward);
  }
  private static sumBackward(out: Value): void {
    const ps = out.parents;
    for (let i = 0; i < ps.length; i++) ps[i]!.grad += out.grad;
  }

  /**
   * The dot product Σ aᵢ·bᵢ as one n-ary node (parents a₀…aₙ₋₁, b₀…bₙ₋₁): the same value and
   * gradients as n products and a sum, in one node instead of n + 1.
   */
  static dot(a: readonly (Value | number)[], b: readonly (Value | number)[]): Value {
    const n = a.length;
    if (b.length !== n) throw new ValueError(`Value.dot: lengths ${n} and ${b.length} differ`);
    const ps = a.map(toValue);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const bi = toValue(b[i]!);
      ps.push(bi);
      total += ps[i]!.data * bi.data;
    }
    return Value.fromOp(total, 'dot', ps, Value.dotBackward);
  }
  private static dotBackward(out: Value): void {
    const ps = out.parents;
    const n = ps.length >> 1;
    for (let i = 0; i < n; i++) {
      const ai = ps[i]!;
      const bi = ps[n + i]!;
      ai.grad += bi.data * out.grad;
      bi.grad += ai.data * out.grad;
    }
  }

  /**
   * Computes d(this)/d(v) for every value `v` below this one. Leaves add to their `grad` (call
   * `zeroGrad` between steps, as in PyTorch); interior values hold the gradient of this pass
   * only, so calling `backward` twice gives the leaves exactly twice the gradient.
   */
  backward(): void {
    backpropagate<Value>([this], Value.visit, Value.seed);
  }
  /** Before the pass: interior grads from an earlier backward are cleared, and the root gets 1. */
  private static seed(order: readonly Value[]): void {
    for (let i = 0; i < order.length; i++) {
      const v = order[i]!;
      if (v.parents.length > 0) v.grad = 0;
    }
    order[order.length - 1]!.grad += 1;
  }
  private static visit(v: Value): void {
    v.backwardFn(v);
  }

  /** Sets the gradient of this value and of every value below it to 0. */
  zeroGrad(): void {
    const order = topologicalSort<Value>(this);
    for (let i = 0; i < order.length; i++) order[i]!.grad = 0;
  }

  /** Sets the gradient of each value in `values` to 0 (e.g. a model's parameters). */
  static zeroGrad(values: Iterable<Value>): void {
    for (const v of values) v.grad = 0;
  }

  /** `Value(data=…, grad=…)`, like micrograd's repr. */
  toString(): string {
    return `Value(data=${this.data}, grad=${this.grad})`;
  }
}

/** Wraps a plain number as a leaf; passes a Value through. */
function toValue(x: Value | number): Value {
  if (x instanceof Value) return x;
  if (typeof x !== 'number') throw new ValueError(`Value: expected a Value or a number, got ${typeof x}`);
  return new Value(x);
}
