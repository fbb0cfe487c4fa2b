import { noGrad, toDot, Value } from '@tsgrad/core';
import { describe, expect, it } from 'vitest';

// Value keeps data and grad in shared Float64Array blocks and one or two parents in fields; none
// of that may show through the API.
describe('Value storage', () => {
  it('keeps each value its own data and grad across many storage blocks', () => {
    const vs = Array.from({ length: 5000 }, (_, i) => new Value(i + 0.5));
    vs.forEach((v, i) => {
      v.grad = -i;
    });
    vs[4000]!.data = 7;
    expect(vs.map((v) => v.data).filter((d, i) => d !== (i === 4000 ? 7 : i + 0.5))).toEqual([]);
    expect(vs.map((v) => v.grad).filter((g, i) => g !== -i)).toEqual([]);
  });

  it('stores -0, NaN and ±Infinity exactly', () => {
    expect(Object.is(new Value(-0).data, -0)).toBe(true);
    expect(new Value(Number.NaN).data).toBeNaN();
    expect(new Value(Infinity).neg().data).toBe(-Infinity);
    const v = new Value(1);
    v.grad = -0;
    expect(Object.is(v.grad, -0)).toBe(true);
  });

  it('reports parents of unary, binary and n-ary ops, and of fromOp with any count', () => {
    const [a, b, c] = [new Value(1, 'a'), new Value(2, 'b'), new Value(3, 'c')];
    expect(a.tanh().parents).toEqual([a]);
    expect(a.sub(b).parents).toEqual([a, b]);
    expect(Value.sum([a, b, c]).parents).toEqual([a, b, c]);
    expect(Value.sum([a]).parents).toEqual([a]);
    expect(Value.sum([]).parents).toEqual([]);
    const noop = () => {};
    for (const ps of [[], [a], [a, b], [a, b, c], [c, c, b, a]]) {
      expect(Value.fromOp(0, 'f', ps, noop).parents).toEqual(ps);
    }
  });

  it('lets parents be replaced, and backward follows the new parents', () => {
    const [a, b, c] = [new Value(1), new Value(2), new Value(3)];
    const out = Value.fromOp(6, 'prod3', [a, b, c], (o) => {
      const [x, y, z] = o.parents as Value[];
      x!.grad += y!.data * z!.data * o.grad;
      y!.grad += x!.data * z!.data * o.grad;
      z!.grad += x!.data * y!.data * o.grad;
    });
    out.backward();
    expect([a.grad, b.grad, c.grad]).toEqual([6, 3, 2]);
    const d = new Value(5);
    const pair = Value.fromOp(3, 'pair', [a, b], (o) => {
      for (const p of o.parents) p.grad += o.grad;
    });
    pair.parents = [d];
    expect(pair.parents).toEqual([d]);
    pair.backward();
    expect(d.grad).toBe(1);
    expect(a.grad).toBe(6);
    pair.parents = [a, b, c, d];
    expect(pair.parents).toEqual([a, b, c, d]);
    pair.parents = [];
    expect(pair.parents).toEqual([]);
  });

  it('keeps labels, given or set later, off the values that have none', () => {
    const a = new Value(1, 'a');
    const b = new Value(2);
    expect([a.label, b.label]).toEqual(['a', '']);
    b.label = 'b';
    const c = a.mul(b);
    c.label = 'c';
    expect([a.label, b.label, c.label, c.op]).toEqual(['a', 'b', 'c', '*']);
    expect(toDot(c)).toContain('{ c | data 2.0000 | grad 0.0000 }');
  });

  it('records nothing under noGrad, n-ary ops included', () => {
    const [a, b] = [new Value(1), new Value(2)];
    const s = noGrad(() => Value.dot([a, b], [b, a]));
    expect(s.data).toBe(4);
    expect(s.parents).toEqual([]);
    expect(s.op).toBe('');
  });

  it('gives the same gradients through the 68k-node micrograd graph shape as through dot nodes', () => {
    const w = Array.from({ length: 16 }, (_, i) => new Value(Math.sin(i)));
    const x = Array.from({ length: 16 }, (_, i) => new Value(Math.cos(i)));
    let chain = new Value(0.1);
    for (let i = 0; i < 16; i++) chain = chain.add(w[i]!.mul(x[i]!));
    chain.relu().mul(chain).backward();
    const chained = w.map((v) => v.grad);
    for (const v of w) v.grad = 0;
    const dot = Value.dot(w, x).add(0.1);
    dot.relu().mul(dot).backward();
    w.forEach((v, i) => {
      expect(v.grad).toBeCloseTo(chained[i]!, 12);
    });
  });
});

describe('Value input', () => {
  it('a non-number is a ValueError, never silently NaN', () => {
    expect(() => new Value('x' as unknown as number)).toThrow('Value: data must be a number, got string');
    expect(() => new Value(null as unknown as number)).toThrow('Value: data must be a number, got null');
  });
});
