import { customOp, DTypeError, grad, gradcheck, norm, type Tensor, tensor, ValueError } from '@tsgrad/core';
import { closeArrays, GRAD_RUNS } from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leafArb } from './helpers/order-arbitraries.js';
import { checkGradCase, referenceCases } from './reference/order-reference.js';

function parseP(p: number | string): number {
  return p === 'inf' ? Number.POSITIVE_INFINITY : p === '-inf' ? Number.NEGATIVE_INFINITY : (p as number);
}

/** The p-norm of a list of numbers, by its definition. */
function vectorNorm(v: readonly number[], p: number): number {
  const a = v.map(Math.abs);
  if (p === Number.POSITIVE_INFINITY) return Math.max(...a);
  if (p === Number.NEGATIVE_INFINITY) return Math.min(...a);
  if (p === 0) return a.filter((x) => x !== 0).length;
  return a.reduce((s, x) => s + x ** p, 0) ** (1 / p);
}

/** The norm over the last dim of a 2-D tensor, row by row. */
function rowNorms(x: Tensor, p: number): number[] {
  return (x.toArray() as number[][]).map((row) => vectorNorm(row, p));
}

const ps = [2, 1, 3, 1.5, 0.5, -1, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

describe('norm', () => {
  it('matches PyTorch for p = 2, 1, ±∞, 0, 3, 1.5, 0.5, −1 (values and gradients, zero rows included)', () => {
    const cases = referenceCases('norm');
    expect(cases.length).toBeGreaterThan(20);
    for (const c of cases) {
      checkGradCase(c, (x) => norm(x, { ...c.args, p: parseP(c.args.p) }));
    }
  });

  it('equals the definition over the last dim of random matrices (strided, size-0 rows)', () => {
    const arb = fc.tuple(
      leafArb({ minRank: 2, maxRank: 2, minDim: 0, maxDim: 4, values: { kind: 'signed', min: 0.1, max: 2 } }),
      fc.constantFrom(...ps),
    );
    fc.assert(
      fc.property(arb, ([x, p]) => {
        if (!Number.isFinite(p) && x.shape[1] === 0) return;
        const y = norm(x, { p, dim: -1 });
        expect(y.shape).toEqual([x.shape[0]]);
        const expected = rowNorms(x, p);
        // Infinite values (p < 0 over an empty row) must match exactly.
        y.toFlatArray().forEach((v, i) => {
          if (!Number.isFinite(expected[i]!)) expect(v).toBe(expected[i]);
          else expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(expected[i]!)));
        });
        expect(x.norm({ p, dim: 1, keepdim: true }).shape).toEqual([x.shape[0], 1]);
      }),
    );
  });

  it('passes gradcheck over random shapes and dims (values away from 0)', () => {
    const arb = fc.tuple(
      leafArb({ minRank: 0, maxRank: 3, minDim: 1, maxDim: 3, values: 'distinct' }),
      fc.constantFrom(...ps),
      fc.boolean(),
    );
    fc.assert(
      fc.property(arb, ([x, p, keepdim]) => {
        // Distinct values are at least 0.4 apart; shift them off zero for the p < 1 kinks.
        const shifted = x.detach().add(0.05).detach().requiresGrad_();
        const dim = x.ndim > 0 ? [-1] : undefined;
        return gradcheck((t) => norm(t, { p, dim, keepdim }), [shifted]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('gives a zero gradient at a zero vector for p = 2 (PyTorch subgradient), and 0 for p = 0', () => {
    const x = tensor(
      [
        [0, 0],
        [3, 4],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const [g] = grad(norm(x, { dim: 1 }).sum(), [x]);
    expect(closeArrays(g!.toFlatArray(), [0, 0, 0.6, 0.8])).toBe(true);
    const [g0] = grad(norm(x, { p: 0 }), [x]);
    expect(g0!.toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('works in float32, refuses int32 and an ∞-norm over nothing', () => {
    expect(norm(tensor([3, 4])).item()).toBeCloseTo(5, 6);
    expect(norm(tensor([3, 4])).dtype).toBe('float32');
    expect(() => norm(tensor([1, 2], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => norm(tensor([]), { p: Number.POSITIVE_INFINITY })).toThrow(ValueError);
    expect(norm(tensor([]), { p: 2 }).item()).toBe(0);
  });

  it('gradcheck fails against a deliberately wrong norm gradient', () => {
    const wrong = customOp({
      name: 'wrongNorm',
      forward: (x) => norm(x),
      backward: (g, [x], out) => [x!.mul(g.div(out!)).mul(1.01)],
    });
    const x = tensor([0.5, -1.25, 2], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck((t) => wrong(t), [x], { raiseException: false })).toBe(false);
    expect(gradcheck((t) => norm(t), [x])).toBe(true);
  });
});

describe('norm second derivatives', () => {
  it('equal those of the explicit composition (p = 2, 3, 1.5)', () => {
    for (const p of [2, 3, 1.5]) {
      const x = tensor([0.3, -0.4, 0.7], { dtype: 'float64', requiresGrad: true });
      const viaNorm = () => {
        const [g] = grad([norm(x, { p })], [x], { createGraph: true });
        return grad([g!.select(0, 0)], [x])[0]!.toFlatArray();
      };
      const viaComposition = () => {
        const n = x
          .abs()
          .pow(p)
          .sum()
          .pow(1 / p);
        const [g] = grad([n], [x], { createGraph: true });
        return grad([g!.select(0, 0)], [x])[0]!.toFlatArray();
      };
      const a = viaNorm();
      const b = viaComposition();
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 12);
    }
    // d²‖x‖/dx₀dx for x = (0.3, −0.4): (‖x‖² − x₀²)/‖x‖³ and −x₀x₁/‖x‖³ = [0.128, 0.096]·10
    const x = tensor([0.3, -0.4], { dtype: 'float64', requiresGrad: true });
    const [g] = grad([norm(x)], [x], { createGraph: true });
    const h = grad([g!.select(0, 0)], [x])[0]!.toFlatArray();
    expect(h[0]).toBeCloseTo(1.28, 12);
    expect(h[1]).toBeCloseTo(0.96, 12);
  });
});
