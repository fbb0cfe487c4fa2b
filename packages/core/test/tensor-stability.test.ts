import { type Tensor, tensor } from '@tsgrad/core';
import { drawValues, flat, numel, shapeArb } from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const extremes = [
  [1000, -1000, 0, 999.5],
  [-1000, -1000, -999, -1000],
];

describe('numerical stability at ±1000', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`softmax, logSoftmax and logsumexp stay finite and correct (${dtype})`, () => {
      const x = tensor(extremes, { dtype, requiresGrad: true });
      const s = x.softmax(-1);
      const ls = x.logSoftmax(-1);
      const lse = x.logsumexp(-1);
      for (const t of [s, ls, lse]) expect(flat(t).every(Number.isFinite)).toBe(true);
      // Row 0: 1000 and 999.5 dominate; row 1: −999 dominates.
      const r0 = 1000 + Math.log(1 + Math.exp(-0.5));
      const r1 = -999 + Math.log(1 + 3 * Math.exp(-1));
      expect(flat(lse)[0]).toBeCloseTo(r0, 3);
      expect(flat(lse)[1]).toBeCloseTo(r1, 3);
      expect(flat(ls)[1]).toBeCloseTo(-1000 - r0, 3);
      expect(flat(s)[0]).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 5);
      expect(flat(s)[1]).toBe(0);
      ls.sum().backward();
      expect(flat(x.grad!).every(Number.isFinite)).toBe(true);
      expect(tensor([1000, -1000], { dtype }).sigmoid().toFlatArray()).toEqual([1, 0]);
    });
  }

  it('logsumexp of an all −∞ row is −∞, not NaN', () => {
    const x = tensor(
      [
        [-Infinity, -Infinity],
        [0, -Infinity],
      ],
      { dtype: 'float64' },
    );
    expect(flat(x.logsumexp(1))).toEqual([-Infinity, 0]);
  });
});

/** Ops whose float32 result should be within 1e-5 relative of float64 on the same (float32) inputs. */
const ops: [string, (x: Tensor) => Tensor][] = [
  ['softmax', (x) => x.softmax(-1)],
  ['logSoftmax', (x) => x.logSoftmax(-1)],
  ['logsumexp', (x) => x.logsumexp(-1)],
  ['sigmoid', (x) => x.sigmoid()],
  ['tanh', (x) => x.tanh()],
  ['exp', (x) => x.exp()],
  ['mean', (x) => x.mean(-1)],
  ['var', (x) => x.var(-1, { correction: 0 })],
  ['matmul', (x) => (x.ndim >= 2 ? x.matmul(x.mT) : x.matmul(x))],
];

describe('float32 agrees with float64', () => {
  for (const [name, op] of ops) {
    it(`${name}: float32 within 1e-5 relative of float64`, () => {
      fc.assert(
        fc.property(
          shapeArb({ minRank: 1, maxRank: 3, maxDim: 5 }),
          fc.integer({ min: 0, max: 1 << 30 }),
          (shape, seed) => {
            const raw = drawValues(numel(shape), { kind: 'uniform', min: -5, max: 5 }, seed).map(Math.fround);
            const x64 = tensor(raw, { shape, dtype: 'float64' });
            const want = flat(op(x64));
            const got = flat(op(x64.to('float32')));
            const scale = Math.max(...want.map(Math.abs), 1e-30);
            got.forEach((g, i) => {
              // Relative to the element, or to the largest element where cancellation makes an element tiny.
              const err = Math.abs(g - want[i]!);
              expect(err <= 1e-5 * Math.abs(want[i]!) || err <= 1e-6 * scale).toBe(true);
            });
          },
        ),
        { numRuns: 40 },
      );
    });
  }
});
