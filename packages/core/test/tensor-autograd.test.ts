import {
  AutogradError,
  customOp,
  GradcheckError,
  grad,
  gradcheck,
  noGrad,
  type Tensor,
  tensor,
  ValueError,
} from '@tsgrad/core';
import {
  broadcastTensorsArb,
  closeArrays,
  flat,
  makeTensor,
  tensorArb,
  type ValueKind,
} from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const values: ValueKind = { kind: 'uniform', min: -2, max: 2 };
const f64 = (data: number[] | number[][], requiresGrad = true) =>
  tensor(data, { dtype: 'float64', requiresGrad });

/** A small non-linear function of two broadcast operands, to exercise several ops at once. */
const f = (a: Tensor, b: Tensor): Tensor => a.mul(b).tanh().add(a.sigmoid().mul(b)).sub(b.sin());

describe('autograd laws', () => {
  it('a tensor used twice accumulates both gradients (d(x·x)/dx = 2x, d(x + x)/dx = 2)', () => {
    fc.assert(
      fc.property(tensorArb(values), (x) => {
        x.mul(x).sum().backward();
        expect(
          closeArrays(
            flat(x.grad!),
            flat(x).map((v) => 2 * v),
          ),
        ).toBe(true);
        x.grad = null;
        x.add(x).sum().backward();
        expect(flat(x.grad!)).toEqual(flat(x).map(() => 2));
      }),
      { numRuns: 30 },
    );
  });

  it('backward is linear in the upstream gradient: g(αu + βv) = αg(u) + βg(v)', () => {
    fc.assert(
      fc.property(
        broadcastTensorsArb(values, values),
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.integer({ min: 0, max: 1 << 30 }),
        ([a, b], alpha, beta, seed) => {
          const out = f(a, b);
          const u = makeTensor(out.shape, values, seed, false);
          const v = makeTensor(out.shape, values, seed + 1, false);
          const [gau, gbu] = grad(out, [a, b], { gradOutputs: [u], retainGraph: true });
          const [gav, gbv] = grad(out, [a, b], { gradOutputs: [v], retainGraph: true });
          const [ga, gb] = grad(out, [a, b], { gradOutputs: [u.mul(alpha).add(v.mul(beta))] });
          const combine = (p: Tensor, q: Tensor) => flat(p.mul(alpha).add(q.mul(beta)));
          expect(closeArrays(flat(ga!), combine(gau!, gav!), 1e-10, 1e-10)).toBe(true);
          expect(closeArrays(flat(gb!), combine(gbu!, gbv!), 1e-10, 1e-10)).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('.grad accumulates over two backward calls', () => {
    fc.assert(
      fc.property(broadcastTensorsArb(values, values), ([a, b]) => {
        f(a, b).sum().backward();
        const first = flat(a.grad!);
        f(a, b).sum().backward();
        expect(
          closeArrays(
            flat(a.grad!),
            first.map((v) => 2 * v),
          ),
        ).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  it('.grad of a leaf is a contiguous tensor of its own, never a view of another gradient', () => {
    const a = f64([1, 2, 3]);
    const b = f64([4, 5, 6]);
    a.add(b).sum().backward();
    expect(a.grad!.isContiguous).toBe(true);
    expect(a.grad!.data.length).toBe(3);
    expect(a.grad!.data).not.toBe(b.grad!.data);
    a.grad!.data[0] = 100;
    expect(flat(b.grad!)).toEqual([1, 1, 1]);
    const w = f64([[1, 2]]);
    w.expand(3, 2).sum().backward();
    expect(w.grad!.isContiguous).toBe(true);
    expect(flat(w.grad!)).toEqual([3, 3]);
    const upstream = f64([1, 1, 1], false);
    const x = f64([1, 2, 3]);
    x.backward(upstream);
    x.grad!.data[0] = 7;
    expect(flat(upstream)).toEqual([1, 1, 1]);
  });

  it('saved tensors are released after backward: a second backward throws naming retainGraph', () => {
    const x = f64([1, 2]);
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => y.backward()).toThrow(/retainGraph/);
  });

  it('with retainGraph a second backward works and accumulates', () => {
    const x = f64([1, 2]);
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(closeArrays(flat(x.grad!), [2 * Math.exp(1), 2 * Math.exp(2)])).toBe(true);
  });

  it('noGrad records nothing; detach cuts the graph but shares data', () => {
    const x = f64([1, 2]);
    const y = noGrad(() => x.mul(3));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBe(null);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.data).toBe(x.data);
    const z = x.mul(d).sum();
    z.backward();
    expect(flat(x.grad!)).toEqual([1, 2]);
  });

  it('grad() returns gradients without touching .grad, and createGraph makes them differentiable', () => {
    const x = f64([0.5, -1, 2]);
    const y = x.pow(3).sum();
    const [g] = grad(y, x, { createGraph: true });
    expect(x.grad).toBe(null);
    expect(g!.requiresGrad).toBe(true);
    expect(closeArrays(flat(g!), [0.75, 3, 12])).toBe(true);
    const [h] = grad(g!.sum(), x);
    expect(closeArrays(flat(h!), [3, -6, 12])).toBe(true);
  });

  it('grad() of an unused input is an error, as in PyTorch, and zeros with allowUnused', () => {
    const x = f64([1, 2]);
    const unused = f64([3]);
    expect(() => grad(x.sum(), [x, unused])).toThrow(
      'grad: input 1 (shape [1]) was not used to compute the outputs; pass { allowUnused: true } to get zeros for it',
    );
    const [, gu] = grad(x.sum(), [x, unused], { allowUnused: true });
    expect(flat(gu!)).toEqual([0]);
  });

  it('backward on a non-scalar output needs a gradient; with one it computes the VJP', () => {
    const x = f64([1, 2, 3]);
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => y.backward()).toThrow(
      'backward: a gradient is required for a non-scalar output of shape [3]',
    );
    y.backward(f64([1, 0, -1], false));
    expect(flat(x.grad!)).toEqual([2, 0, -2]);
  });

  it('retainGrad keeps the gradient of a non-leaf', () => {
    const x = f64([1, 2]);
    const h = x.mul(3).retainGrad();
    h.sum().backward();
    expect(flat(h.grad!)).toEqual([1, 1]);
    expect(flat(x.grad!)).toEqual([3, 3]);
  });
});

describe('custom ops', () => {
  const cube = customOp({
    name: 'cube',
    forward: (x) => x.mul(x).mul(x),
    backward: (g, [x]) => [g.mul(x!.mul(x!)).mul(3)],
  });

  it('a custom op records its name and passes gradcheck', () => {
    const x = makeTensor([2, 3], values, 4);
    const y = cube(x);
    expect(y.gradFn?.name).toBe('cube');
    expect(gradcheck(cube, [x])).toBe(true);
  });

  it('a backward returning the wrong number of gradients is an error naming the op', () => {
    const bad = customOp({ name: 'bad', forward: (a, b) => a.add(b), backward: (g) => [g] });
    expect(() =>
      bad(f64([1]), f64([2]))
        .sum()
        .backward(),
    ).toThrow('bad: backward returned 1 gradients for 2 inputs');
  });
});

describe('gradcheck catches a wrong gradient', () => {
  const wrongCube = customOp({
    name: 'wrongCube',
    forward: (x) => x.mul(x).mul(x),
    backward: (g, [x]) => [g.mul(x!.mul(x!)).mul(3.3)],
  });

  it('throws a GradcheckError naming the input and element', () => {
    const ok = makeTensor([2], values, 1);
    const x = tensor([[1, 2]], { dtype: 'float64', requiresGrad: true });
    const fn = (a: Tensor, b: Tensor) => a.add(wrongCube(b));
    expect(() => gradcheck(fn, [ok, x])).toThrow(GradcheckError);
    expect(() => gradcheck(fn, [ok, x])).toThrow(
      /^gradcheck: first derivative \(reverse mode\) of input 1 \(shape \[1,2\]\) disagrees with finite differences at 2 of 2 elements/,
    );
    expect(gradcheck(fn, [ok, x], { raiseException: false })).toBe(false);
  });

  it('rejects float32 inputs', () => {
    expect(() => gradcheck((a) => a, [tensor([1], { requiresGrad: true })])).toThrow(
      /input 0 must be float64/,
    );
  });

  it('reports a wrong gradient in a later element too', () => {
    const halfWrong = customOp({
      name: 'halfWrong',
      forward: (x) => x.mul(2),
      backward: (g) => [g.mul(tensor([2, 2, 3], { dtype: 'float64' }))],
    });
    expect(() => gradcheck(halfWrong, [f64([1, 2, 3])])).toThrow(/element \[2\]/);
  });
});

describe('misuse', () => {
  it('item() of a tensor with several elements is a ValueError', () => {
    expect(() => f64([1, 2]).item()).toThrow(ValueError);
  });

  it('int32 tensors cannot require gradients', () => {
    expect(() => tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(AutogradError);
  });
});

describe('deep graphs', () => {
  it('backward through a chain of 100,000 tensor ops does not overflow the stack', () => {
    const x = tensor(1, { dtype: 'float64', requiresGrad: true });
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.mul(1.00001);
    y.backward();
    expect(x.grad!.item()).toBeCloseTo(1.00001 ** 100_000, 9);
  });
});
