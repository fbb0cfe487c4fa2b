import { broadcastShapes, type Tensor, tensor } from '@tsgrad/core';
import {
  broadcastableShapes,
  broadcastShape,
  indices,
  mutuallyBroadcastableShapes,
  nonContiguous,
  probabilities,
  shapes,
  tensorSource,
  tensors,
  wellConditionedMatrices,
} from '@tsgrad/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const RUNS = { numRuns: 100 };

describe('shapes', () => {
  it('have rank and sides within the bounds asked for', () => {
    fc.assert(
      fc.property(shapes({ minRank: 1, maxRank: 3, minSide: 2, maxSide: 4 }), (s) => {
        expect(s.length).toBeGreaterThanOrEqual(1);
        expect(s.length).toBeLessThanOrEqual(3);
        for (const d of s) expect(d >= 2 && d <= 4).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('broadcastableShapes', () => {
  it('broadcast with the given shape (the library agrees with the reference rule)', () => {
    const base = fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 });
    fc.assert(
      fc.property(
        base.chain((b) => fc.tuple(fc.constant(b), broadcastableShapes(b))),
        ([b, s]) => {
          expect(broadcastShapes('test', b, s)).toEqual(broadcastShape([b, s]));
          // Every aligned dim is 1 or equal to the base's, unless the base has 1 there.
          for (let i = 1; i <= Math.min(b.length, s.length); i++) {
            const x = b[b.length - i]!;
            const y = s[s.length - i]!;
            expect(x === 1 || y === 1 || x === y).toBe(true);
          }
        },
      ),
      RUNS,
    );
  });
});

describe('mutuallyBroadcastableShapes', () => {
  it('give n shapes that broadcast together to resultShape', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((n) => mutuallyBroadcastableShapes(n)),
        ({ inputShapes, resultShape }) => {
          const viaLibrary = inputShapes.reduce((acc, s) => broadcastShapes('test', acc, s), [] as number[]);
          expect(viaLibrary).toEqual(resultShape);
        },
      ),
      RUNS,
    );
  });

  it('also broadcast with a baseShape', () => {
    fc.assert(
      fc.property(mutuallyBroadcastableShapes(2, { baseShape: [2, 1] }), ({ inputShapes, resultShape }) => {
        for (const s of inputShapes) broadcastShapes('test', s, [2, 1]);
        expect(resultShape).toEqual(broadcastShape([...inputShapes, [2, 1]]));
      }),
      RUNS,
    );
  });
});

describe('tensors', () => {
  it('have the dtype, shape and range asked for, and require grad when float', () => {
    fc.assert(
      fc.property(tensors({ shape: [2, 3], min: -0.5, max: 3 }), (t) => {
        expect(t.dtype).toBe('float64');
        expect(t.shape).toEqual([2, 3]);
        expect(t.requiresGrad).toBe(true);
        for (const v of t.toFlatArray()) expect(v >= -0.5 && v <= 3).toBe(true);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(tensors({ dtype: 'int32', min: 0, max: 4 }), (t) => {
        expect(t.dtype).toBe('int32');
        expect(t.requiresGrad).toBe(false);
        for (const v of t.toFlatArray()) expect(Number.isInteger(v) && v >= 0 && v <= 4).toBe(true);
      }),
      RUNS,
    );
  });

  it('draw shapes within large shape bounds too (values then follow the shape)', () => {
    fc.assert(
      fc.property(tensors({ shape: { minRank: 5, maxRank: 5, maxSide: 5 } }), (t) => {
        expect(t.ndim).toBe(5);
        expect(t.toFlatArray().length).toBe(t.shape.reduce((a, b) => a * b, 1));
      }),
      { numRuns: 20 },
    );
  });

  it('keep values at least margin away from the kinks in avoid, and from 0 with exclude0', () => {
    fc.assert(
      fc.property(tensors({ avoid: [1, -0.5], exclude0: true, margin: 0.05 }), (t) => {
        for (const v of t.toFlatArray()) {
          for (const k of [1, -0.5, 0]) expect(Math.abs(v - k)).toBeGreaterThanOrEqual(0.05);
          expect(v >= -2 && v <= 2).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('with unique, have pairwise distinct values at least margin apart, within range', () => {
    fc.assert(
      fc.property(tensors({ shape: { maxRank: 2 }, unique: true, margin: 0.01 }), (t) => {
        const vs = t.toFlatArray().sort((a, b) => a - b);
        for (let i = 1; i < vs.length; i++) expect(vs[i]! - vs[i - 1]!).toBeGreaterThanOrEqual(0.01);
        for (const v of vs) expect(v >= -2 && v <= 2).toBe(true);
      }),
      RUNS,
    );
  });

  it('hold min, max, margin, avoid and unique exactly as stored, in float32 and float64', () => {
    const options = fc.record({
      dtype: fc.constantFrom('float32' as const, 'float64' as const),
      min: fc.double({ min: -3, max: -1, noNaN: true }),
      max: fc.double({ min: 1, max: 3, noNaN: true }),
      margin: fc.double({ min: 0.001, max: 0.05, noNaN: true }),
      avoid: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(
        options.chain((o) =>
          tensors({ ...o, shape: { maxRank: 2, maxSide: 4 }, unique: true, exclude0: true }).map(
            (t) => [o, t] as const,
          ),
        ),
        ([o, t]) => {
          const vs = t.toFlatArray().sort((a, b) => a - b);
          for (let i = 1; i < vs.length; i++) expect(vs[i]! - vs[i - 1]!).toBeGreaterThanOrEqual(o.margin);
          for (const v of vs) {
            expect(v).toBeGreaterThanOrEqual(o.min);
            expect(v).toBeLessThanOrEqual(o.max);
            for (const k of [...o.avoid, 0]) expect(Math.abs(v - k)).toBeGreaterThanOrEqual(o.margin);
          }
        },
      ),
      RUNS,
    );
  });

  it('hold the contract when the values are crowded against min, max and an avoided 0', () => {
    // Six values 0.01 apart in [-0.05, 0.05] outside (-0.01, 0.01): most draws need both passes.
    fc.assert(
      fc.property(tensors({ shape: [2, 3], min: -0.05, max: 0.05, unique: true, exclude0: true }), (t) => {
        const vs = t.toFlatArray().sort((a, b) => a - b);
        for (let i = 1; i < vs.length; i++) expect(vs[i]! - vs[i - 1]!).toBeGreaterThanOrEqual(0.01);
        for (const v of vs) {
          expect(v >= -0.05 && v <= 0.05).toBe(true);
          expect(Math.abs(v)).toBeGreaterThanOrEqual(0.01);
        }
      }),
      RUNS,
    );
  });

  it('print at full precision as the tensor(...) call that rebuilds them', () => {
    const t = tensor(
      [
        [0.1 + 0.2, -0],
        [1e-300, 2 / 3],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    expect(tensorSource(t)).toBe(
      "tensor([[0.30000000000000004, -0], [1e-300, 0.6666666666666666]], { dtype: 'float64', requiresGrad: true })",
    );
    fc.assert(
      fc.property(tensors({ shape: [3] }), (x) => {
        const printed = fc.stringify(x);
        const values = JSON.parse(printed.slice('tensor('.length, printed.indexOf(', {')));
        expect(values).toEqual(x.toFlatArray());
      }),
      RUNS,
    );
  });

  it('clone through fast-check into an equal, separate tensor of the same layout', () => {
    fc.assert(
      fc.property(tensors({ shape: [2, 2] }), (x) => {
        const strided = nonContiguous(x);
        for (const t of [x, strided]) {
          const copy = (t as unknown as Record<symbol, () => Tensor>)[fc.cloneMethod]!();
          expect(copy).not.toBe(t);
          expect(copy.data).not.toBe(t.data);
          expect(copy.toFlatArray()).toEqual(t.toFlatArray());
          expect(copy.isContiguous).toBe(t.isContiguous);
          expect(copy.requiresGrad).toBe(true);
        }
      }),
      { numRuns: 20 },
    );
  });
});

describe('shrinking', () => {
  // A planted bug: a "sum over the last dim" that drops the last element when the tensor has
  // rank ≥ 2 and the last side is ≥ 2. The minimal failing shape is [1,2]; shape and values shrink
  // independently, so the kept value shrinks to 0 while the dropped one stays non-zero (a zero
  // would hide the bug).
  const buggyRowSum = (x: Tensor): number[] => {
    const [rows, cols] = [x.shape.slice(0, -1).reduce((a, b) => a * b, 1), x.shape.at(-1) ?? 1];
    const v = x.toFlatArray();
    const out: number[] = [];
    for (let r = 0; r < rows; r++) {
      let s = 0;
      const last = x.ndim >= 2 && cols >= 2 ? cols - 1 : cols;
      for (let c = 0; c < last; c++) s += v[r * cols + c]!;
      out.push(s);
    }
    return out;
  };

  it('reaches the minimal failing shape and the simplest failing values on a planted bug', () => {
    const result = fc.check(
      fc.property(tensors({ shape: { maxRank: 4, maxSide: 3 } }), (x) => {
        const expected = x.ndim === 0 ? [x.item()] : x.sum(-1).toFlatArray();
        const got = buggyRowSum(x);
        return got.every((g, i) => g === expected[i]);
      }),
      { seed: 7, numRuns: 200 },
    );
    expect(result.failed).toBe(true);
    const [x] = result.counterexample!;
    expect(x!.shape).toEqual([1, 2]);
    // One value shrinks to 0, the one the bug drops to the smallest non-zero double fast-check tries.
    expect(x!.toFlatArray()[0]).toBe(0);
    expect(x!.toFlatArray()[1]).not.toBe(0);
  });
});

describe('indices, probabilities and wellConditionedMatrices', () => {
  it('indices are int32 values in [0, size)', () => {
    fc.assert(
      fc.property(indices(4), indices(3, { shape: [2, 2] }), (i, j) => {
        expect(i.dtype).toBe('int32');
        expect(j.shape).toEqual([2, 2]);
        for (const v of i.toFlatArray()) expect(v >= 0 && v < 4).toBe(true);
        for (const v of j.toFlatArray()) expect(v >= 0 && v < 3).toBe(true);
      }),
      RUNS,
    );
  });

  it('probabilities are positive and sum to 1 along dim', () => {
    fc.assert(
      fc.property(probabilities([2, 3, 2], 1), (p) => {
        for (const v of p.toFlatArray()) expect(v).toBeGreaterThan(0);
        for (const s of p.sum(1).toFlatArray()) expect(s).toBeCloseTo(1, 12);
      }),
      RUNS,
    );
  });

  it('wellConditionedMatrices are strictly diagonally dominant by at least 1', () => {
    fc.assert(
      fc.property(wellConditionedMatrices(3), (a) => {
        const v = a.toFlatArray();
        for (let i = 0; i < 3; i++) {
          let off = 0;
          for (let j = 0; j < 3; j++) if (j !== i) off += Math.abs(v[i * 3 + j]!);
          expect(Math.abs(v[i * 3 + i]!)).toBeGreaterThanOrEqual(off + 1);
        }
      }),
      RUNS,
    );
  });

  it('nonContiguous keeps the values but not the layout', () => {
    fc.assert(
      fc.property(tensors({ shape: { minRank: 1 } }), (x) => {
        const y = nonContiguous(x);
        expect(y.toFlatArray()).toEqual(x.toFlatArray());
        expect(y.requiresGrad).toBe(x.requiresGrad);
        if (x.size > 1) expect(y.isContiguous).toBe(false);
      }),
      RUNS,
    );
  });
});
