import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summarize } from '../src/stats.js';
import { initialWeights, maxLossGap } from '../src/train.js';

describe('bench helpers', () => {
  it('the median has as many samples at or below it as at or above it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (xs) => {
          const s = summarize(xs);
          expect(xs.filter((x) => x <= s.median).length).toBeGreaterThanOrEqual(xs.length / 2);
          expect(xs.filter((x) => x >= s.median).length).toBeGreaterThanOrEqual(xs.length / 2);
          expect(s.min).toBe(Math.min(...xs));
          expect(s.max).toBe(Math.max(...xs));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('every library starts from the same weights for the same seed, and other seeds differ', () => {
    const a = initialWeights(42);
    expect(initialWeights(42)).toEqual(a);
    expect(initialWeights(43).weights[0]).not.toEqual(a.weights[0]);
    expect(a.weights.map((w) => w.length)).toEqual([784 * 50, 50 * 100, 100 * 10]);
  });

  it('the loss gap is the largest step-by-step difference', () => {
    expect(maxLossGap([1, 2, 3], [1, 2.5, 2.9])).toBeCloseTo(0.5);
  });
});
