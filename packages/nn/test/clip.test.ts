import { readFileSync } from 'node:fs';
import { tensor, ValueError, zeros } from '@tsgrad/core';
import { clipGradNorm, clipGradValue, Parameter } from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';

interface Reference {
  grads: [number[][], number[]];
  norm: { maxNorm: number; normType: number | 'Infinity'; total: number; clipped: [number[][], number[]] }[];
  value: { clipValue: number; clipped: [number[][], number[]] }[];
}
const ref: Reference = JSON.parse(
  readFileSync(new URL('./fixtures/clip_grad.json', import.meta.url), 'utf8'),
);

/** Two float64 parameters holding the reference gradients. */
function params(): Parameter[] {
  const a = new Parameter(zeros([3, 4], { dtype: 'float64' }));
  const b = new Parameter(zeros([5], { dtype: 'float64' }));
  a.grad = tensor(ref.grads[0], { dtype: 'float64' });
  b.grad = tensor(ref.grads[1], { dtype: 'float64' });
  return [a, b];
}

function expectClose(actual: unknown, expected: unknown): void {
  const a = [actual].flat(3) as number[];
  const e = [expected].flat(3) as number[];
  expect(a).toHaveLength(e.length);
  for (let i = 0; i < e.length; i++) expect(a[i]).toBeCloseTo(e[i]!, 12);
}

describe('clipGradNorm matches torch.nn.utils.clip_grad_norm_ (#18.12)', () => {
  for (const c of ref.norm) {
    it(`maxNorm ${c.maxNorm}, normType ${c.normType}: returns the total norm and scales the gradients`, () => {
      const ps = params();
      const normType = c.normType === 'Infinity' ? Number.POSITIVE_INFINITY : c.normType;
      const total = clipGradNorm(ps, c.maxNorm, { normType });
      expect(total).toBeCloseTo(c.total, 12);
      expectClose(ps[0]!.grad!.toArray(), c.clipped[0]);
      expectClose(ps[1]!.grad!.toArray(), c.clipped[1]);
    });
  }

  it('returns NaN for a NaN gradient and leaves the gradients as they were', () => {
    const ps = params();
    ps[1]!.grad = tensor([1, Number.NaN, 2, 3, 4], { dtype: 'float64' });
    expect(clipGradNorm(ps, 1)).toBeNaN();
    expect(clipGradNorm(ps, 1, { normType: Number.POSITIVE_INFINITY })).toBeNaN();
    expect(ps[0]!.grad!.toArray()).toEqual(ref.grads[0]);
  });

  it('throws a ValueError for a non-finite norm with errorIfNonfinite', () => {
    const ps = params();
    ps[0]!.grad = tensor(
      [
        [Number.POSITIVE_INFINITY, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
      { dtype: 'float64' },
    );
    expect(() => clipGradNorm(ps, 1, { errorIfNonfinite: true })).toThrow(ValueError);
    expect(() => clipGradNorm(ps, 1, { errorIfNonfinite: true })).toThrow('clipGradNorm: the total 2-norm');
  });

  it('returns 0 when no parameter has a gradient, and rejects bad arguments', () => {
    expect(clipGradNorm([new Parameter(zeros([2]))], 1)).toBe(0);
    expect(() => clipGradNorm(params(), Number.NaN)).toThrow('clipGradNorm: maxNorm');
    expect(() => clipGradNorm(params(), 1, { normType: 0.5 })).toThrow('clipGradNorm: normType');
  });

  it('clips a float32 gradient in place', () => {
    const p = new Parameter(zeros([2]));
    p.grad = tensor([3, 4]);
    const g = p.grad;
    expect(clipGradNorm([p], 1)).toBeCloseTo(5, 6);
    expect(p.grad).toBe(g);
    expect(p.grad.toTypedArray()[0]).toBeCloseTo(0.6, 5);
  });
});

describe('clipGradValue matches torch.nn.utils.clip_grad_value_', () => {
  for (const c of ref.value) {
    it(`clamps every element into ±${c.clipValue}`, () => {
      const ps = params();
      clipGradValue(ps, c.clipValue);
      expectClose(ps[0]!.grad!.toArray(), c.clipped[0]);
      expectClose(ps[1]!.grad!.toArray(), c.clipped[1]);
    });
  }
  it('rejects a negative clip value', () => {
    expect(() => clipGradValue(params(), -1)).toThrow('clipGradValue: clipValue');
  });
});
