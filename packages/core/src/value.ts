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

/** Values per storage block: a block is 16 KiB of `data, grad` pairs. */
const BLOCK_VALUES = 1024;
let block = new Float64Array(2 * BLOCK_VALUES);
let blockCursor = 0;

/**
 * A scalar that records how it was computed, so that `backward()` can differentiate it.
 *
 * Representation (for speed; invisible through the API): `data` and `grad` live side by side in
 * a shared Float64Array block (1,024 Values per block; a block is freed with the last of its
 * Values, so one Value kept alone keeps 16 KiB), and a node of a unary or binary op holds its
 * parents in two fields; only an n-ary node (`sum`, `dot`, `fromOp` with three or more parents)
 * keeps an array. A node is then an 80-byte object and 16 bytes of a block, where a plain object
 * with number fields (which V8 boxes) and a parents array made five objects and 176 bytes:
 * micrograd's 68,000-node demo step allocates 5.6 MB, not 11.8 MB, and the garbage collector,
 * which took half the step, has half as much to copy.
 * `data`, `grad` and `parents` are accessors.
 *
 * @example
 * const a = new Value(2);
 * const b = a.mul(a).add(1); // a² + 1
 * b.backward();
 * a.grad; // 4
 */
export class Value implements GraphNode {
  /** The storage block holding this value's data (at `slot`) and grad (at `slot + 1`). */
  declare private readonly buf: Float64Array;
  /** Index of this value's data in `buf`. */
  declare private readonly slot: number;
  /** The op that made this value (`'+'`, `'*'`, `'tanh'`, …); `''` for leaves. */
  declare op: string;
  /** First parent of a unary or binary op, else null. */
  declare private p0: Value | null;
  /** Second parent of a binary op, else null. */
  declare private p1: Value | null;
  /** Engine bookkeeping (see `GraphNode`). */
  declare visitMark: number;
  /** Pushes this value's gradient into its parents; a no-op for leaves. */
  declare backwardFn: ValueBackward;
  /** A name for display (`toDot`, `toString`); `''` (from the prototype) unless given. */
  declare label: string;
  /** All parents of an n-ary op (any count, from `sum`/`dot`/`fromOp`), else null (from the prototype). */
  declare private rest: readonly Value[] | null;

  static {
    // Rarely set, so kept off the instances (an own property only where set).
    Value.prototype.label = '';
    Value.prototype.rest = null;
  }

  /** A leaf value, e.g. a parameter or an input. */
  constructor(data: number, label = '') {
    if (typeof data !== 'number') {
      throw new ValueError(`Value: data must be a number, got ${data === null ? 'null' : typeof data}`);
    }
    // Every field is set here, in one order, so that all Values share one hidden class. (The
    // fields are `declare`d: a class field would first be defined as undefined.)
    if (blockCursor === block.length) {
      block = new Float64Array(2 * BLOCK_VALUES);
      blockCursor = 0;
    }
    this.buf = block;
    this.slot = blockCursor;
    block[blockCursor] = data; // grad, the next element, starts at 0
    blockCursor += 2;
    this.op = '';
    this.p0 = null;
    this.p1 = null;
    this.visitMark = 0;
    this.backwardFn = leafBackward;
    if (label !== '') this.label = label;
  }

  /** The number this value holds. */
  get data(): number {
    return this.buf[this.slot]!;
  }
  set data(x: number) {
    this.buf[this.slot] = x;
  }

  /** d(root)/d(this) after `root.backward()`; leaves accumulate across calls. */
  get grad(): number {
    return this.buf[this.slot + 1]!;
  }
  set grad(g: number) {
    this.buf[this.slot + 1] = g;
  }

  /** The values this one was computed from; empty for leaves. */
  get parents(): readonly Value[] {
    if (this.rest !== null) return this.rest;
    if (this.p0 === null) return noParents;
    return this.p1 === null ? [this.p0] : [this.p0, this.p1];
  }
  set parents(parents: readonly Value[]) {
    this.p0 = null;
    this.p1 = null;
    if (this.rest !== null) this.rest = null;
    if (parents.length === 1 || parents.length === 2) {
      this.p0 = parents[0]!;
      if (parents.length === 2) this.p1 = parents[1]!;
    } else if (parents.length > 2) this.rest = parents;
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

  /** `fromOp` for a unary (`b === null`) or binary op, without a parents array. */
  private static node(data: number, op: string, a: Value, b: Value | null, backward: ValueBackward): Value {
    const out = new Value(data);
    if (isGradEnabled()) {
      out.op = op;
      out.p0 = a;
      out.p1 = b;
      out.backwardFn = backward;
    }
    return out;
  }

  /** `fromOp` for an n-ary op: `parents` is kept as the node's parents array (any length). */
  private static naryNode(
    data: number,
    op: string,
    parents: readonly Value[],
    backward: ValueBackward,
  ): Value {
    const out = new Value(data);
    if (isGradEnabled()) {
      out.op = op;
      out.rest = parents;
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
    return Value.node(this.data + o.data, '+', this, o, Value.addBackward);
  }
  private static addBackward(out: Value): void {
    out.p0!.grad += out.grad;
    out.p1!.grad += out.grad;
  }

  /** `this - other` */
  sub(other: Value | number): Value {
    const o = toValue(other);
    return Value.node(this.data - o.data, '-', this, o, Value.subBackward);
  }
  private static subBackward(out: Value): void {
    out.p0!.grad += out.grad;
    out.p1!.grad -= out.grad;
  }

  /** `this * other` */
  mul(other: Value | number): Value {
    const o = toValue(other);
    return Value.node(this.data * o.data, '*', this, o, Value.mulBackward);
  }
  private static mulBackward(out: Value): void {
    const a = out.p0!;
    const b = out.p1!;
    a.grad += b.data * out.grad;
    b.grad += a.data * out.grad;
  }

  /** `this / other`; dividing by zero gives ±Infinity or NaN, as in IEEE arithmetic. */
  div(other: Value | number): Value {
    const o = toValue(other);
    return Value.node(this.data / o.data, '/', this, o, Value.divBackward);
  }
  private static divBackward(out: Value): void {
    const a = out.p0!;
    const b = out.p1!;
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
      return Value.node(this.data ** b, `**${b}`, this, null, (out) => {
        const a = out.p0!;
        if (b !== 0) a.grad += b * a.data ** (b - 1) * out.grad;
      });
    }
    const e = toValue(exponent);
    return Value.node(this.data ** e.data, '**', this, e, Value.powBackward);
  }
  private static powBackward(out: Value): void {
    const base = out.p0!;
    const exponent = out.p1!;
    const a = base.data;
    const b = exponent.data;
    if (b !== 0) base.grad += b * a ** (b - 1) * out.grad;
    exponent.grad += a === 0 && b >= 0 ? 0 : out.data * Math.log(a) * out.grad;
  }

  /** `-this` */
  neg(): Value {
    return Value.node(-this.data, 'neg', this, null, Value.negBackward);
  }
  private static negBackward(out: Value): void {
    out.p0!.grad -= out.grad;
  }

  /** `e ** this` */
  exp(): Value {
    return Value.node(Math.exp(this.data), 'exp', this, null, Value.expBackward);
  }
  private static expBackward(out: Value): void {
    out.p0!.grad += out.data * out.grad;
  }

  /** Natural logarithm; NaN below 0 and −Infinity at 0, as `Math.log`. */
  log(): Value {
    return Value.node(Math.log(this.data), 'log', this, null, Value.logBackward);
  }
  private static logBackward(out: Value): void {
    const a = out.p0!;
    a.grad += out.grad / a.data;
  }

  /** Hyperbolic tangent. */
  tanh(): Value {
    return Value.node(Math.tanh(this.data), 'tanh', this, null, Value.tanhBackward);
  }
  private static tanhBackward(out: Value): void {
    out.p0!.grad += (1 - out.data * out.data) * out.grad;
  }

  /** Logistic sigmoid 1 / (1 + e^−x), computed without overflow for large |x|. */
  sigmoid(): Value {
    const x = this.data;
    const s = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    return Value.node(s, 'sigmoid', this, null, Value.sigmoidBackward);
  }
  private static sigmoidBackward(out: Value): void {
    out.p0!.grad += out.data * (1 - out.data) * out.grad;
  }

  /** max(0, x); NaN stays NaN, and the gradient at 0 is 0, as in PyTorch. */
  relu(): Value {
    return Value.node(Math.max(this.data, 0), 'relu', this, null, Value.reluBackward);
  }
  private static reluBackward(out: Value): void {
    if (out.data > 0) out.p0!.grad += out.grad;
  }

  /** The sum of `values` as one n-ary node (0 for an empty list). */
  static sum(values: readonly (Value | number)[]): Value {
    const vs = values.map(toValue);
    let total = 0;
    for (let i = 0; i < vs.length; i++) total += vs[i]!.data;
    return Value.naryNode(total, 'sum', vs, Value.sumBackward);
  }
  private static sumBackward(out: Value): void {
    const ps = out.rest!;
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
    return Value.naryNode(total, 'dot', ps, Value.dotBackward);
  }
  private static dotBackward(out: Value): void {
    const ps = out.rest!;
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
    backpropagate<Value>([this], Value.visit, Value.seed, Value.pushParents);
  }
  /** The engine's walk reads the parent fields directly (the `parents` getter would allocate). */
  private static pushParents(v: Value, stack: Value[]): void {
    const rest = v.rest;
    if (rest !== null) {
      for (let i = rest.length - 1; i >= 0; i--) stack.push(rest[i]!);
    } else if (v.p0 !== null) {
      if (v.p1 !== null) stack.push(v.p1);
      stack.push(v.p0);
    }
  }
  /** Before the pass: interior grads from an earlier backward are cleared, and the root gets 1. */
  private static seed(order: readonly Value[]): void {
    for (let i = 0; i < order.length; i++) {
      const v = order[i]!;
      if (v.p0 !== null || (v.rest !== null && v.rest.length > 0)) v.grad = 0;
    }
    order[order.length - 1]!.grad += 1;
  }
  private static visit(v: Value): void {
    v.backwardFn(v);
  }

  /** Sets the gradient of this value and of every value below it to 0. */
  zeroGrad(): void {
    const order = topologicalSort<Value>(this, Value.pushParents);
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
