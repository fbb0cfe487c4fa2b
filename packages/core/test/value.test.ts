import { noGrad, Value } from '@tsgrad/core';
import { describe, expect, it } from 'vitest';

describe('Value forward', () => {
  it('computes each op on its data', () => {
    const a = new Value(3);
    expect(a.add(2).data).toBe(5);
    expect(a.sub(5).data).toBe(-2);
    expect(a.mul(-2).data).toBe(-6);
    expect(a.div(4).data).toBe(0.75);
    expect(a.pow(2).data).toBe(9);
    expect(a.pow(new Value(3)).data).toBe(27);
    expect(a.neg().data).toBe(-3);
    expect(a.exp().data).toBeCloseTo(Math.exp(3), 12);
    expect(a.log().data).toBeCloseTo(Math.log(3), 12);
    expect(a.tanh().data).toBeCloseTo(Math.tanh(3), 12);
    expect(a.sigmoid().data).toBeCloseTo(1 / (1 + Math.exp(-3)), 12);
    expect(a.relu().data).toBe(3);
    expect(a.neg().relu().data).toBe(0);
    expect(Value.sum([a, 1, a]).data).toBe(7);
    expect(Value.dot([a, 2], [4, a]).data).toBe(18);
  });

  it('keeps sigmoid finite for large inputs', () => {
    expect(new Value(-1000).sigmoid().data).toBe(0);
    expect(new Value(1000).sigmoid().data).toBe(1);
  });

  it('records the op and the parents, and nothing for leaves', () => {
    const a = new Value(2, 'a');
    const b = new Value(3, 'b');
    const c = a.mul(b);
    expect(c.op).toBe('*');
    expect(c.parents).toEqual([a, b]);
    expect(a.op).toBe('');
    expect(a.parents).toHaveLength(0);
    expect(a.label).toBe('a');
  });

  it('records no graph under noGrad', () => {
    const a = new Value(2);
    const c = noGrad(() => a.mul(a).tanh());
    expect(c.parents).toHaveLength(0);
    c.backward();
    expect(a.grad).toBe(0);
    expect(c.grad).toBe(1);
  });

  it('prints like micrograd', () => {
    const a = new Value(2.5);
    a.grad = -1;
    expect(String(a)).toBe('Value(data=2.5, grad=-1)');
  });

  it('rejects inputs that are neither Values nor numbers', () => {
    expect(() => new Value(1).add('2' as unknown as number)).toThrow(
      /expected a Value or a number, got string/,
    );
    expect(() => Value.dot([1, 2], [3])).toThrow(/lengths 2 and 1 differ/);
  });
});

describe('Value backward', () => {
  it("matches micrograd's sanity check (PyTorch numbers)", () => {
    const x = new Value(-4);
    const z = x.mul(2).add(2).add(x);
    const q = z.relu().add(z.mul(x));
    const h = z.mul(z).relu();
    const y = h.add(q).add(q.mul(x));
    y.backward();
    expect(y.data).toBe(-20);
    expect(x.grad).toBe(46);
  });

  it("matches micrograd's more-ops check (PyTorch numbers)", () => {
    const a = new Value(-4);
    const b = new Value(2);
    let c = a.add(b);
    let d = a.mul(b).add(b.pow(3));
    c = c.add(c.add(1));
    c = c.add(c.add(1).add(a.neg()));
    d = d.add(d.mul(2).add(b.add(a).relu()));
    d = d.add(d.mul(3).add(b.sub(a).relu()));
    const e = c.sub(d);
    const f = e.pow(2);
    let g = f.div(2);
    g = g.add(new Value(10).div(f));
    g.backward();
    expect(g.data).toBeCloseTo(24.70408163265306, 10);
    expect(a.grad).toBeCloseTo(138.83381924198252, 8);
    expect(b.grad).toBeCloseTo(645.5772594752186, 8);
  });

  it('accumulates reuse: b = a + a, c = b + b gives a.grad = 4', () => {
    const a = new Value(1.5);
    const b = a.add(a);
    const c = b.add(b);
    c.backward();
    expect(a.grad).toBe(4);
    expect(b.grad).toBe(2);
  });

  it('accumulates both paths of a diamond: w = (2x)·(3x) gives dw/dx = 12x', () => {
    const x = new Value(0.7);
    const w = x.mul(2).mul(x.mul(3));
    w.backward();
    expect(x.grad).toBeCloseTo(12 * 0.7, 12);
  });

  it('gives grad 1000 to a leaf used 1,000 times, n-ary or chained', () => {
    const a = new Value(0.3);
    Value.sum(Array.from({ length: 1000 }, () => a)).backward();
    expect(a.grad).toBe(1000);
    const b = new Value(0.3);
    let s = b;
    for (let i = 1; i < 1000; i++) s = s.add(b);
    s.backward();
    expect(b.grad).toBe(1000);
  });

  it('gives the leaves exactly twice the gradient when backward runs twice', () => {
    const x = new Value(3);
    const y = x.mul(2).mul(x);
    y.backward();
    expect(x.grad).toBe(12);
    y.backward();
    expect(x.grad).toBe(24);
  });

  it('zeroGrad clears the whole graph below a node, Value.zeroGrad a list', () => {
    const a = new Value(2);
    const b = new Value(5);
    const c = a.mul(b).tanh();
    c.backward();
    expect(a.grad).not.toBe(0);
    c.zeroGrad();
    expect([a.grad, b.grad, c.grad]).toEqual([0, 0, 0]);
    c.backward();
    Value.zeroGrad([a, b]);
    expect([a.grad, b.grad]).toEqual([0, 0]);
  });

  it('pow with a Value exponent follows torch.pow at a ≤ 0', () => {
    const a = new Value(-2);
    const b = new Value(3);
    a.pow(b).backward();
    expect(a.grad).toBe(12); // 3·(−2)²
    expect(b.grad).toBeNaN(); // (−2)³·ln(−2)
    const zero = new Value(0);
    const two = new Value(2);
    zero.pow(two).backward();
    expect(zero.grad).toBe(0);
    expect(two.grad).toBe(0);
  });

  it('pow with exponent 0 gives the base no gradient, even at 0', () => {
    const a = new Value(0);
    a.pow(0).backward();
    expect(a.grad).toBe(0);
  });

  it('relu passes no gradient at 0 or below', () => {
    const a = new Value(0);
    a.relu().backward();
    expect(a.grad).toBe(0);
    const b = new Value(-1);
    b.relu().backward();
    expect(b.grad).toBe(0);
  });

  it('lets a user define an op with Value.fromOp', () => {
    const square = (x: Value) =>
      Value.fromOp(x.data * x.data, 'square', [x], (out) => {
        x.grad += 2 * x.data * out.grad;
      });
    const x = new Value(3);
    const y = square(x).mul(5);
    y.backward();
    expect(y.data).toBe(45);
    expect(x.grad).toBe(30);
  });

  it('backpropagates through a chain of 1,000,000 Values without overflowing the stack', () => {
    const x = new Value(1);
    const c = new Value(1.000001);
    let v = x;
    for (let i = 0; i < 1_000_000; i++) v = v.mul(c);
    const start = performance.now();
    v.backward();
    const ms = performance.now() - start;
    console.log(`backward through a 1e6-node chain: ${ms.toFixed(0)} ms`);
    const expected = 1.000001 ** 1_000_000;
    expect(v.data).toBeCloseTo(expected, 6);
    expect(x.grad / expected).toBeCloseTo(1, 9);
    expect(c.grad).toBeCloseTo((1_000_000 * expected) / 1.000001, 0);
  });
});
