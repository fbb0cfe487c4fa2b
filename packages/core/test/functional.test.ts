import { Generator, grad, hessian, hvp, jacobian, jvp, type Tensor, tensor, vhp, vjp } from '@tsgrad/core';
import { describe, expect, it } from 'vitest';

const f64 = (data: number[], shape?: number[]) => tensor(data, { dtype: 'float64', shape });

function randomF64(shape: number[], seed: number, min = -1, max = 1): Tensor {
  const g = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Array.from({ length: n }, () => g.uniform(min, max)),
    { dtype: 'float64', shape },
  );
}

function expectClose(actual: readonly number[], expected: readonly number[], tol = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(Math.abs(a - expected[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i]!)));
  });
}

describe('hessian', () => {
  // f(x) = Σ x_i³ + x_0·x_1 + sin(x_2): H = diag(6x) + [[0,1,0],[1,0,0],[0,0,0]] − sin(x_2) e₂e₂ᵀ.
  const f = (x: Tensor) =>
    x
      .pow(3)
      .sum()
      .add(
        x
          .slice(0, 0, 1)
          .mul(x.slice(0, 1, 2))
          .sum(),
      )
      .add(x.slice(0, 2, 3).sin().sum());

  it('equals the analytic Hessian of Σx³ + x₀x₁ + sin x₂', () => {
    const x = f64([0.5, -1.2, 0.7]);
    const h = hessian(f, x);
    expect(h.shape).toEqual([3, 3]);
    const [a, b, c] = [0.5, -1.2, 0.7];
    expectClose(h.toFlatArray(), [6 * a, 1, 0, 1, 6 * b, 0, 0, 0, 6 * c - Math.sin(c)]);
  });

  it('gives the blocks H[i][j] for a list of inputs', () => {
    // g(x, y) = Σ x²·y: ∂²/∂x² = diag(2y), ∂²/∂x∂y = diag(2x), ∂²/∂y² = 0.
    const x = f64([1, 2]);
    const y = f64([3, -4]);
    const h = hessian((p, q) => p.mul(p).mul(q).sum(), [x, y]);
    expectClose(h[0]![0]!.toFlatArray(), [6, 0, 0, -8]);
    expectClose(h[0]![1]!.toFlatArray(), [2, 0, 0, 4]);
    expectClose(h[1]![0]!.toFlatArray(), [2, 0, 0, 4]);
    expectClose(h[1]![1]!.toFlatArray(), [0, 0, 0, 0]);
  });

  it('with createGraph, can be differentiated again (third derivative of x³ is 6)', () => {
    const x = f64([0.5, 2]);
    x.requiresGrad = true;
    const h = hessian((a) => a.pow(3).sum(), x, { createGraph: true });
    expectClose(h.toFlatArray(), [3, 0, 0, 12]);
    const [g] = grad(h.sum(), [x]);
    expectClose(g!.toFlatArray(), [6, 6]);
  });

  it('rejects a non-scalar function', () => {
    expect(() => hessian((x) => x.mul(2), f64([1, 2]))).toThrow(/hessian: fn must return a single-element/);
  });
});

describe('jvp', () => {
  const fn = (x: Tensor, w: Tensor) => x.matmul(w).tanh().mul(x.sum(1, true));

  it('agrees with central finite differences along v', () => {
    const x = randomF64([3, 4], 1);
    const w = randomF64([4, 2], 2);
    const vx = randomF64([3, 4], 3);
    const vw = randomF64([4, 2], 4);
    const [out, d] = jvp(fn, [x, w], [vx, vw]);
    expect(out.shape).toEqual([3, 2]);
    const eps = 1e-6;
    const shifted = (s: number) => fn(x.add(vx.mul(s)), w.add(vw.mul(s))).toFlatArray();
    const plus = shifted(eps);
    const minus = shifted(-eps);
    const numerical = plus.map((p, i) => (p - minus[i]!) / (2 * eps));
    expectClose(d.toFlatArray(), numerical, 1e-7);
  });

  it('is zero for a function that ignores its input', () => {
    const [, d] = jvp(() => f64([1, 2]), f64([3]), f64([1]));
    expect(d.toFlatArray()).toEqual([0, 0]);
  });

  it('with createGraph, can be differentiated again', () => {
    const x = f64([0.3, 0.8]);
    x.requiresGrad = true;
    const v = f64([1, 1]);
    // d/dx of J·v for sin: cos(x) elementwise, derivative −sin(x).
    const [, d] = jvp((a) => a.sin(), x, v, { createGraph: true });
    const [g] = grad(d.sum(), [x]);
    expectClose(g!.toFlatArray(), [-Math.sin(0.3), -Math.sin(0.8)]);
  });
});

describe('vjp and jacobian', () => {
  it('vjp is vᵀJ', () => {
    const x = f64([1, 2, 3]);
    const v = f64([1, 0.5, -1]);
    const [y, g] = vjp((a) => a.mul(a), x, v);
    expect(y.toFlatArray()).toEqual([1, 4, 9]);
    expect(g.toFlatArray()).toEqual([2, 2, -6]);
    expect(g.requiresGrad).toBe(false);
  });

  it('with createGraph, vjp stays connected to the inputs', () => {
    const x = f64([1, 3]);
    x.requiresGrad = true;
    const [, g] = vjp((a) => a.pow(3).sum(), x, undefined, { createGraph: true });
    expect(g.requiresGrad).toBe(true);
    const [gg] = grad(g.sum(), [x]);
    expectClose(gg!.toFlatArray(), [6, 18]);
  });

  it('the jacobian of exp on a vector is diag(exp x), rows of output by columns of input', () => {
    const x = f64([0, 1]);
    const j = jacobian((a) => a.exp(), x);
    expect(j.shape).toEqual([2, 2]);
    expectClose(j.toFlatArray(), [1, 0, 0, Math.E]);
  });

  it('the jacobian of a matrix product has shape out ++ input for each input', () => {
    const a = randomF64([2, 3], 5);
    const b = randomF64([3, 2], 6);
    const [ja, jb] = jacobian((p, q) => p.matmul(q), [a, b]);
    expect(ja!.shape).toEqual([2, 2, 2, 3]);
    expect(jb!.shape).toEqual([2, 2, 3, 2]);
    // d(ab)[i,j]/d a[i,k] = b[k,j]
    const bv = b.toFlatArray();
    const jv = ja!.toFlatArray();
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        for (let k = 0; k < 3; k++) expect(jv[((i * 2 + j) * 2 + i) * 3 + k]).toBeCloseTo(bv[k * 2 + j]!, 12);
  });
});

describe('hvp and vhp', () => {
  it('both equal H·v for a twice differentiable function', () => {
    const x = randomF64([4], 7);
    const v = randomF64([4], 8);
    const f = (a: Tensor) => a.pow(3).sum().add(a.sum().pow(2));
    const h = hessian(f, x);
    const expected = h.matmul(v.reshape(4, 1)).toFlatArray();
    const [, r1] = hvp(f, x, v);
    const [, r2] = vhp(f, x, v);
    expectClose(r1.toFlatArray(), expected);
    expectClose(r2.toFlatArray(), expected);
  });

  it('reject a v of the wrong shape, naming the op', () => {
    expect(() => hvp((a) => a.sum(), f64([1, 2]), f64([1]))).toThrow(
      'hvp: v[0] has shape [1] but input 0 has shape [2]',
    );
  });
});
