/** tril, triu, maskedFill and where with number branches: loop references, gradients, masks. */
import {
  grad,
  gradcheck,
  maskedFill,
  ones,
  ShapeError,
  softmax,
  type Tensor,
  tensor,
  tril,
  triu,
  ValueError,
  where,
} from '@tsgrad/core';
import {
  allCoords,
  broadcastPairArb,
  expectedBroadcast,
  GRAD_RUNS,
  makeTensor,
  numel,
  shapeArb,
  type ValueKind,
} from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const values: ValueKind = { kind: 'uniform', min: -2, max: 2 };

/** The triangle written as a loop over coordinates: keep where j − i ≤ k (lower) or ≥ k (upper). */
function triangleReference(x: Tensor, k: number, upper: boolean): number[] {
  const data = x.toFlatArray();
  return allCoords(x.shape).map((c, p) => {
    const i = c[c.length - 2]!;
    const j = c[c.length - 1]!;
    return (upper ? j - i >= k : j - i <= k) ? data[p]! : 0;
  });
}

/** Element of a right-aligned broadcast operand at output coordinates. */
function broadcastAt(data: readonly number[], shape: readonly number[], out: readonly number[]): number {
  const lead = out.length - shape.length;
  let p = 0;
  for (let d = 0; d < shape.length; d++) p = p * shape[d]! + (shape[d] === 1 ? 0 : out[lead + d]!);
  return data[p]!;
}

describe('tril and triu', () => {
  const matrixShape = shapeArb({ minRank: 2, maxRank: 4, minDim: 0, maxDim: 4 });

  it('match a loop reference for batched shapes (size-0 dims) and any diagonal', () => {
    fc.assert(
      fc.property(matrixShape, fc.integer({ min: -5, max: 5 }), fc.nat(), (shape, k, seed) => {
        const x = makeTensor(shape, values, seed, false);
        expect(tril(x, k).toFlatArray()).toEqual(triangleReference(x, k, false));
        expect(triu(x, k).toFlatArray()).toEqual(triangleReference(x, k, true));
        expect(tril(x, k).shape).toEqual(shape);
      }),
      { numRuns: 100 },
    );
  });

  it('read strided (transposed) inputs correctly', () => {
    fc.assert(
      fc.property(matrixShape, fc.integer({ min: -3, max: 3 }), fc.nat(), (shape, k, seed) => {
        const x = makeTensor(shape, values, seed, false).mT;
        expect(x.mT.isContiguous).toBe(true);
        expect(tril(x, k).toFlatArray()).toEqual(triangleReference(x.contiguous(), k, false));
        expect(triu(x, k).toFlatArray()).toEqual(triangleReference(x.contiguous(), k, true));
      }),
      { numRuns: 50 },
    );
  });

  it('gradients match finite differences (the gradient is the same triangle of the upstream gradient)', () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 2, maxRank: 3, minDim: 0, maxDim: 3 }),
        fc.integer({ min: -2, max: 2 }),
        fc.nat(),
        (shape, k, seed) => {
          const x = makeTensor(shape, values, seed);
          return gradcheck((t) => tril(t, k), [x]) && gradcheck((t) => triu(t, k), [x]);
        },
      ),
      { numRuns: GRAD_RUNS },
    );
  });

  it('work on bool and int32 tensors and as methods', () => {
    const m = ones([3, 3], { dtype: 'bool' });
    expect(m.tril().dtype).toBe('bool');
    expect(m.triu(1).toFlatArray()).toEqual([0, 1, 1, 0, 0, 1, 0, 0, 0]);
    expect(
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'int32' },
      )
        .tril(-1)
        .toArray(),
    ).toEqual([
      [0, 0],
      [3, 0],
    ]);
  });

  it('errors name the op: rank below 2, non-integer diagonal', () => {
    expect(() => tril(tensor([1, 2]))).toThrow(ShapeError);
    expect(() => triu(tensor([1, 2]))).toThrow(
      /^triu: expected a tensor of at least 2 dims, got shape \[2\]/,
    );
    expect(() => tril(ones([2, 2]), 0.5)).toThrow(ValueError);
  });
});

describe('maskedFill', () => {
  it('fills where the broadcast mask is true (the mask may broadcast either way), ±Infinity allowed', () => {
    fc.assert(
      fc.property(
        broadcastPairArb({ minDim: 0, maxDim: 3 }),
        fc.nat(),
        fc.constantFrom(-Infinity, Infinity, 0, 2.5),
        ([sx, sm], seed, value) => {
          const x = makeTensor(sx, values, seed, false);
          const maskValues = Array.from({ length: numel(sm) }, (_, i) =>
            ((seed >> (i % 16)) & 1) === 1 ? 1 : 0,
          );
          const mask = tensor(maskValues, { shape: sm, dtype: 'bool' });
          const out = maskedFill(x, mask, value);
          const shape = expectedBroadcast(sx, sm);
          expect(out.shape).toEqual(shape);
          const xd = x.toFlatArray();
          const want = allCoords(shape).map((c) =>
            broadcastAt(maskValues, sm, c) !== 0 ? value : broadcastAt(xd, sx, c),
          );
          expect(out.toFlatArray()).toEqual(want);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the gradient flows to x where it was not filled (gradcheck, broadcast mask)', () => {
    fc.assert(
      fc.property(broadcastPairArb({ minDim: 0, maxDim: 3 }), fc.nat(), ([sx, sm], seed) => {
        const x = makeTensor(sx, values, seed);
        const mask = makeTensor(sm, values, seed + 1, false).gt(0);
        return gradcheck((t) => maskedFill(t, mask, -5), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
    const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const [g] = grad(
      maskedFill(x, tensor([0, 1, 0], { dtype: 'bool' }), -Infinity)
        .mul(2)
        .sum(),
      x,
    );
    expect(g!.toFlatArray()).toEqual([2, 0, 2]);
  });

  it('a causal mask with −∞ gives softmax rows that sum to 1 with exact zeros above the diagonal', () => {
    const T = 4;
    const scores = makeTensor([2, T, T], values, 7);
    const future = triu(ones([T, T], { dtype: 'bool' }), 1);
    const probs = softmax(scores.maskedFill(future, -Infinity), -1);
    const p = probs.toFlatArray();
    for (let b = 0; b < 2; b++) {
      for (let i = 0; i < T; i++) {
        let rowSum = 0;
        for (let j = 0; j < T; j++) {
          const v = p[b * T * T + i * T + j]!;
          if (j > i) expect(v).toBe(0);
          rowSum += v;
        }
        expect(rowSum).toBeCloseTo(1, 12);
      }
    }
    const [g] = grad(probs.mul(makeTensor([2, T, T], values, 8, false)).sum(), scores);
    expect(g!.toFlatArray().every((v) => Number.isFinite(v))).toBe(true);
  });

  it('checks its value against the dtype and the mask against the shape', () => {
    const i = tensor([1, 2], { dtype: 'int32' });
    expect(() => maskedFill(i, tensor([1, 0], { dtype: 'bool' }), 0.5)).toThrow(
      /^maskedFill: 0.5 is not an integer/,
    );
    expect(() => maskedFill(ones([2, 3]), ones([4], { dtype: 'bool' }), 0)).toThrow(/^maskedFill: /);
  });
});

describe('where with number branches', () => {
  it('where(cond, 0, x) and where(cond, x, -Infinity): values and gradients', () => {
    fc.assert(
      fc.property(broadcastPairArb({ minDim: 0, maxDim: 3 }), fc.nat(), ([sx, sc], seed) => {
        const x = makeTensor(sx, values, seed);
        const cond = makeTensor(sc, values, seed + 1, false).gt(0);
        const shape = expectedBroadcast(sx, sc);
        const xd = x.toFlatArray();
        const cd = cond.toFlatArray();
        const zeroed = where(cond, 0, x);
        const masked = where(cond, x, -Infinity);
        expect(zeroed.shape).toEqual(shape);
        expect(zeroed.toFlatArray()).toEqual(
          allCoords(shape).map((c) => (broadcastAt(cd, sc, c) ? 0 : broadcastAt(xd, sx, c))),
        );
        expect(masked.toFlatArray()).toEqual(
          allCoords(shape).map((c) => (broadcastAt(cd, sc, c) ? broadcastAt(xd, sx, c) : -Infinity)),
        );
        return gradcheck((t) => where(cond, 0, t), [x]) && gradcheck((t) => where(cond, t, -3), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('two number branches give float32; x.where(cond, other) is where(cond, x, other)', () => {
    const cond = tensor([1, 0], { dtype: 'bool' });
    const out = where(cond, 1, -1);
    expect(out.dtype).toBe('float32');
    expect(out.toFlatArray()).toEqual([1, -1]);
    const x = tensor([5, 6]);
    expect(x.where(cond, 0).toFlatArray()).toEqual([5, 0]);
  });
});
