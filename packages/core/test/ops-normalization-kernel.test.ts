/**
 * The normalisation ops run one kernel and keep the row statistics; their backward has two forms
 * (the kernel, and Tensor ops when the backward is recorded). Both are checked here in float64.
 */
import { describe, expect, it } from 'vitest';
import {
  grad,
  gradcheck,
  gradgradcheck,
  groupNorm,
  layerNorm,
  randn,
  rmsNorm,
  type Tensor,
} from '../src/index.js';

const f64 = { dtype: 'float64' } as const;
const leaf = (shape: number[]) => randn(shape, f64).requiresGrad_();

describe('normalisation kernels (float64)', () => {
  it('gradcheck and gradgradcheck of layerNorm, rmsNorm and groupNorm with and without affine', () => {
    const x = leaf([2, 3, 4]);
    const w = leaf([4]);
    const b = leaf([4]);
    const w2 = leaf([3, 4]);
    const c = leaf([3]);
    const cases: [(...xs: Tensor[]) => Tensor, Tensor[]][] = [
      [(a, g, h) => layerNorm(a, [4], g, h), [x, w, b]],
      [(a, g) => layerNorm(a, [3, 4], g), [x, w2]],
      [(a) => layerNorm(a, 4, null, null, 0.1), [x]],
      [(a, g) => rmsNorm(a, [4], g, 1e-3), [x, w]],
      [(a) => rmsNorm(a, [2, 3, 4]), [x]],
      [(a, g, h) => groupNorm(a, 3, g, h), [x, c, leaf([3])]],
    ];
    for (const [f, xs] of cases) {
      expect(gradcheck(f, xs)).toBe(true);
      expect(gradgradcheck(f, xs)).toBe(true);
    }
  });

  it('the kernel backward and the recorded (Tensor ops) backward agree', () => {
    const x = leaf([3, 5]);
    const w = leaf([5]);
    const b = leaf([5]);
    const up = randn([3, 5], f64);
    for (const f of [
      (a: Tensor) => layerNorm(a, [5], w, b),
      (a: Tensor) => rmsNorm(a, [5], w),
      (a: Tensor) => groupNorm(a.reshape([3, 5, 1]), 5).reshape([3, 5]),
    ]) {
      const plain = grad(f(x).mul(up).sum(), [x, w, b], { allowUnused: true });
      const recorded = grad(f(x).mul(up).sum(), [x, w, b], { allowUnused: true, createGraph: true });
      for (let i = 0; i < 3; i++) {
        const p = plain[i]!.toFlatArray();
        const r = recorded[i]!.toFlatArray();
        for (let j = 0; j < p.length; j++) expect(Math.abs(p[j]! - r[j]!)).toBeLessThan(1e-12);
      }
    }
  });
});
