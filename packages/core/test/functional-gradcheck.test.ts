import {
  customOp,
  GradcheckError,
  grad,
  gradcheck,
  gradgradcheck,
  type Tensor,
  tensor,
  ValueError,
} from '@tsgrad/core';
import { describe, expect, it } from 'vitest';

const leaf = (data: number[], shape?: number[]) =>
  tensor(data, { dtype: 'float64', shape, requiresGrad: true });

describe('gradcheck runs fn with recording on', () => {
  it('checks a gradient penalty, whose fn calls grad(..., { createGraph: true })', () => {
    const x = leaf([0.3, -0.7, 1.1]);
    const penalty = (a: Tensor) => {
      const [g] = grad(a.pow(3).sum(), [a], { createGraph: true });
      return g!.pow(2).sum();
    };
    expect(gradcheck(penalty, [x])).toBe(true);
  });

  it('a gradient penalty exposes a wrong second derivative that first-order checks miss', () => {
    // Right first derivative 3x², wrong second derivative (the backward uses detached x² · 3).
    const cube = customOp({
      name: 'cubeNoSecond',
      forward: (a) => a.pow(3),
      backward: (g, [a]) => [g.mul(a!.detach().pow(2)).mul(3)],
    });
    const x = leaf([0.3, -0.7, 1.1]);
    expect(gradcheck((a) => cube(a).sum(), [x])).toBe(true);
    expect(() => gradgradcheck((a) => cube(a).sum(), [x])).toThrow(GradcheckError);
  });
});

describe('gradcheck leaves its inputs as they were', () => {
  it('restores the perturbed element when fn throws', () => {
    const x = leaf([1, 2, 3]);
    let calls = 0;
    const flaky = (a: Tensor) => {
      calls++;
      if (calls === 3) throw new Error('boom');
      return a.mul(2).sum();
    };
    expect(() => gradcheck(flaky, [x])).toThrow('boom');
    expect(x.toFlatArray()).toEqual([1, 2, 3]);
  });
});

describe('gradcheck arguments', () => {
  it('accepts an int32 input that needs no gradient (an index)', () => {
    const x = leaf([1, 2, 3, 4], [2, 2]);
    const index = tensor([1, 0], { dtype: 'int32' });
    expect(gradcheck((a, i) => a.indexSelect(0, i).mul(a).sum(), [x, index])).toBe(true);
  });

  it.each([0, -1e-6, Number.NaN, Number.POSITIVE_INFINITY])('rejects eps = %s with a ValueError', (eps) => {
    const x = leaf([1]);
    expect(() => gradcheck((a) => a.sum(), [x], { eps })).toThrow(ValueError);
    expect(() => gradcheck((a) => a.sum(), [x], { eps })).toThrow(
      `gradcheck: eps must be a finite positive number, got ${eps}`,
    );
  });

  it('rejects a call where no input requires grad', () => {
    expect(() => gradcheck((a) => a.sum(), [tensor([1], { dtype: 'float64' })])).toThrow(
      'gradcheck: no input requires grad',
    );
  });
});

describe('gradcheck messages', () => {
  const wrongSquare = customOp({
    name: 'wrongSquare',
    forward: (a) => a.mul(a),
    backward: (g, [a]) => [g.mul(a!).mul(3)],
  });

  it('show the true derivative, the value, the tolerances, the count and the worst element', () => {
    const x = leaf([1, 2, 0.5, 4], [2, 2]);
    let message = '';
    try {
      gradcheck((a) => wrongSquare(a), [x]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(
      'gradcheck: first derivative (reverse mode) of input 0 (shape [2,2]) disagrees with finite ' +
        'differences at 4 of 4 elements (eps 0.000001, atol 0.00001, rtol 0.001); worst at element [1,1] ' +
        '(value 4), d output[1,1]: analytical 12, numerical 8, |difference| 4 > tolerance 0.00801',
    );
  });

  it('gradgradcheck names the second derivative', () => {
    const x = leaf([1, 2]);
    expect(() => gradgradcheck((a) => a.pow(3).sum(), [x])).not.toThrow();
    const cube = customOp({
      name: 'cubeNoSecond',
      forward: (a) => a.pow(3),
      backward: (g, [a]) => [g.mul(a!.detach().pow(2)).mul(3)],
    });
    expect(() => gradgradcheck((a) => cube(a).sum(), [x])).toThrow(
      /^gradgradcheck: second derivative \(reverse mode\) of input 0 \(shape \[2\]\) disagrees with finite differences at 2 of 2 elements/,
    );
  });
});
