import { grad, type Tensor, tensor } from '@tsgrad/core';
import { closeArrays, flat, makeTensor, tensorArb } from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('higher-order gradients (createGraph)', () => {
  it('d²/dx² of x³ is 6x, through pow and through repeated mul', () => {
    fc.assert(
      fc.property(tensorArb({ kind: 'uniform', min: -3, max: 3 }), (x) => {
        for (const cube of [(t: Tensor) => t.pow(3), (t: Tensor) => t.mul(t).mul(t)]) {
          const [g] = grad(cube(x).sum(), x, { createGraph: true });
          expect(
            closeArrays(
              flat(g!),
              flat(x).map((v) => 3 * v * v),
              1e-12,
              1e-12,
            ),
          ).toBe(true);
          const [h] = grad(g!.sum(), x);
          expect(
            closeArrays(
              flat(h!),
              flat(x).map((v) => 6 * v),
              1e-12,
              1e-12,
            ),
          ).toBe(true);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('third derivative of sin is −cos', () => {
    const x = tensor([0.3, -1.2, 2], { dtype: 'float64', requiresGrad: true });
    const [g1] = grad(x.sin().sum(), x, { createGraph: true });
    const [g2] = grad(g1!.sum(), x, { createGraph: true });
    const [g3] = grad(g2!.sum(), x);
    expect(
      closeArrays(
        flat(g3!),
        flat(x).map((v) => -Math.cos(v)),
        1e-12,
        1e-12,
      ),
    ).toBe(true);
  });

  /** Mean squared error of a 3-4-1 tanh/sigmoid MLP on a fixed batch, as a function of its parameters. */
  function mlpLoss([w1, b1, w2, b2]: readonly Tensor[], act: 'tanh' | 'sigmoid'): Tensor {
    const x = makeTensor([5, 3], { kind: 'uniform', min: -1, max: 1 }, 11, false);
    const y = makeTensor([5, 1], { kind: 'uniform', min: -1, max: 1 }, 12, false);
    const hidden = x.matmul(w1!).add(b1!);
    const h = act === 'tanh' ? hidden.tanh() : hidden.sigmoid();
    const err = h.matmul(w2!).add(b2!).sub(y);
    return err.mul(err).mean();
  }

  for (const act of ['tanh', 'sigmoid'] as const) {
    it(`Hessian-vector product of a small ${act} MLP's loss matches finite differences of its gradient`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1 << 30 }), (seed) => {
          const shapes = [[3, 4], [4], [4, 1], [1]];
          const kind = { kind: 'uniform', min: -1, max: 1 } as const;
          const params = shapes.map((s, i) => makeTensor(s, kind, seed + i));
          const v = shapes.map((s, i) => makeTensor(s, kind, seed + 10 + i, false));
          const gradAt = (ps: Tensor[]) => grad(mlpLoss(ps, act), ps);

          const g = grad(mlpLoss(params, act), params, { createGraph: true });
          const gv = g.map((gi, i) => gi!.mul(v[i]!).sum()).reduce((a, b) => a.add(b));
          const hvp = grad(gv, params);

          const eps = 1e-5;
          const shifted = (sign: number) =>
            params.map((p, i) =>
              p
                .detach()
                .add(v[i]!.mul(sign * eps))
                .requiresGrad_(),
            );
          const plus = gradAt(shifted(1));
          const minus = gradAt(shifted(-1));
          params.forEach((_, i) => {
            const fd = flat(plus[i]!.sub(minus[i]!).div(2 * eps));
            expect(closeArrays(flat(hvp[i]!), fd, 1e-5, 1e-7)).toBe(true);
          });
        }),
        { numRuns: 15 },
      );
    });
  }
});
