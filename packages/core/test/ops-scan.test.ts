import { AutogradError, cumprod, cumsum, customOp, grad, gradcheck, type Tensor, tensor } from '@tsgrad/core';
import { closeArrays, drawValues, GRAD_RUNS, numel } from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forEachLineStart, leaf, leafWithDimArb, position } from './helpers/order-arbitraries.js';
import { checkGradCase, referenceCases } from './reference/order-reference.js';

/** Running sum or product along d, by nested loops over the row-major values. */
function scanReference(t: Tensor, d: number, kind: 'sum' | 'prod'): number[] {
  const v = t.toFlatArray();
  const out = new Array<number>(v.length);
  forEachLineStart(t.shape, d, (c) => {
    let acc = kind === 'sum' ? 0 : 1;
    for (let k = 0; k < t.shape[d]!; k++) {
      c[d] = k;
      const p = position(t.shape, c);
      acc = kind === 'sum' ? acc + v[p]! : acc * v[p]!;
      out[p] = acc;
    }
  });
  return out;
}

const scanArb = leafWithDimArb({
  minRank: 1,
  maxRank: 3,
  minDim: 0,
  maxDim: 4,
  values: { kind: 'uniform', min: -2, max: 2 },
});

describe('cumsum', () => {
  it('matches PyTorch (values and gradient)', () => {
    const cases = referenceCases('cumsum');
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) checkGradCase(c, (x) => cumsum(x, c.args.dim));
  });

  it('equals the nested-loop running sum (negative dims, size-0 dims, strided inputs)', () => {
    fc.assert(
      fc.property(scanArb, ([x, dim]) => {
        const d = dim < 0 ? dim + x.ndim : dim;
        const y = cumsum(x, dim);
        expect(y.shape).toEqual(x.shape);
        expect(closeArrays(y.toFlatArray(), scanReference(x, d, 'sum'), 1e-12, 1e-12)).toBe(true);
      }),
    );
  });

  it('works in float32 and int32, and on a 0-d tensor', () => {
    expect(cumsum(tensor([1, 2, 3], { dtype: 'int32' }), 0).toArray()).toEqual([1, 3, 6]);
    expect(cumsum(tensor([1, 2, 3], { dtype: 'int32' }), 0).dtype).toBe('int32');
    expect(cumsum(tensor([0.5, 0.25]), -1).toArray()).toEqual([0.5, 0.75]);
    expect(cumsum(tensor(4), 0).toArray()).toBe(4);
  });

  it('passes gradcheck over random shapes', () => {
    fc.assert(
      fc.property(scanArb, ([x, dim]) => gradcheck((t) => cumsum(t, dim), [x])),
      { numRuns: GRAD_RUNS },
    );
  });

  it('names cumsum for a bad dim', () => {
    expect(() => cumsum(tensor([1, 2]), 1)).toThrow(/cumsum: dim 1 is out of range/);
  });
});

describe('cumprod', () => {
  it('matches PyTorch, zeros in the input included (values and gradient)', () => {
    const cases = referenceCases('cumprod');
    expect(cases.some((c) => c.inputs![0]!.data.includes(0))).toBe(true);
    for (const c of cases) checkGradCase(c, (x) => cumprod(x, c.args.dim));
  });

  it('equals the nested-loop running product', () => {
    fc.assert(
      fc.property(scanArb, ([x, dim]) => {
        const d = dim < 0 ? dim + x.ndim : dim;
        expect(closeArrays(cumprod(x, dim).toFlatArray(), scanReference(x, d, 'prod'), 1e-12, 1e-12)).toBe(
          true,
        );
      }),
    );
  });

  it('passes gradcheck with and without zeros planted in the input', () => {
    const arb = fc.tuple(scanArb, fc.array(fc.nat(), { maxLength: 3 }));
    fc.assert(
      fc.property(arb, ([[x, dim], zeroAt]) => {
        // Plant exact zeros (one or two per line is the hard case for the gradient).
        const values = x.toFlatArray();
        for (const z of zeroAt) if (values.length > 0) values[z % values.length] = 0;
        const y = leaf(x.shape, Float64Array.from(values), false);
        return gradcheck((t) => cumprod(t, dim), [y]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('differentiates twice without zeros, and says so with zeros', () => {
    const x = tensor([0.5, 2, -1.5], { dtype: 'float64', requiresGrad: true });
    const [g] = grad(cumprod(x, 0).sum(), [x], { createGraph: true });
    // d/dx0 of Σ cumprod = 1 + x1 + x1·x2, so d²/dx0dx1 = 1 + x2 = −0.5.
    const [h] = grad(g!.select(0, 0), [x]);
    expect(h!.toArray()).toEqual([0, -0.5, 2]);
    const z = tensor([0, 2, 3], { dtype: 'float64', requiresGrad: true });
    expect(() => grad(cumprod(z, 0).sum(), [z], { createGraph: true })).toThrow(AutogradError);
  });
});

describe('gradcheck catches a wrong gradient', () => {
  it('fails for cumsum with a forward-order (instead of reverse) cumulative backward', () => {
    const wrong = customOp({
      name: 'wrongCumsum',
      forward: (x) => cumsum(x, 0),
      backward: (g) => [cumsum(g, 0)],
    });
    const x = leaf([4], drawValues(numel([4]), { kind: 'uniform', min: -1, max: 1 }, 7), false);
    expect(gradcheck((t) => wrong(t), [x], { raiseException: false })).toBe(false);
    expect(gradcheck((t) => cumsum(t, 0), [x])).toBe(true);
  });
});
