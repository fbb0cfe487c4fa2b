import {
  gather,
  gradcheck,
  indexAdd,
  indexSelect,
  oneHot,
  scatterAdd,
  type Tensor,
  tensor,
} from '@tsgrad/core';
import {
  allCoords,
  at,
  flat,
  GRAD_RUNS,
  makeTensor,
  numel,
  shapeArb,
  type ValueKind,
} from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const values: ValueKind = { kind: 'uniform', min: -2, max: 2 };
const seedArb = fc.integer({ min: 0, max: 1 << 30 });

function int32(data: readonly number[], shape: readonly number[]): Tensor {
  return tensor(Int32Array.from(data), { shape });
}

/** x, dim, and an int32 index of x's rank, no larger than x off `dim`, entries in range (repeats allowed). */
const gatherArb = fc.tuple(shapeArb({ minRank: 1, maxRank: 3 }), seedArb).chain(([shape, seed]) =>
  fc.integer({ min: 0, max: shape.length - 1 }).chain((d) =>
    fc.tuple(...shape.map((s, i) => fc.integer({ min: 1, max: i === d ? 4 : s }))).chain((ishape) =>
      fc
        .array(fc.integer({ min: 0, max: shape[d]! - 1 }), {
          minLength: numel(ishape),
          maxLength: numel(ishape),
        })
        .map((idx) => ({ x: makeTensor(shape, values, seed), d, index: int32(idx, ishape) })),
    ),
  ),
);

/** x, dim, and a 1-D int32 index into that dim (repeats allowed). */
const selectArb = fc.tuple(shapeArb({ minRank: 1, maxRank: 3 }), seedArb).chain(([shape, seed]) =>
  fc.integer({ min: -shape.length, max: shape.length - 1 }).chain((dim) => {
    const d = dim < 0 ? dim + shape.length : dim;
    return fc
      .array(fc.integer({ min: 0, max: shape[d]! - 1 }), { minLength: 0, maxLength: 4 })
      .map((idx) => ({ x: makeTensor(shape, values, seed), dim, d, index: int32(idx, [idx.length]) }));
  }),
);

describe('gather and scatterAdd', () => {
  it('gather: out[c] = x[c with c[dim] replaced by index[c]]', () => {
    fc.assert(
      fc.property(gatherArb, ({ x, d, index }) => {
        const y = gather(x, d, index);
        expect(y.shape).toEqual(index.shape);
        const dx = flat(x);
        const di = flat(index);
        const expected = allCoords(index.shape).map((co, i) =>
          at(
            dx,
            x.shape,
            co.map((c, k) => (k === d ? di[i]! : c)),
          ),
        );
        expect(flat(y)).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('gather: gradient (repeated indices accumulate)', () => {
    fc.assert(
      fc.property(gatherArb, ({ x, d, index }) => gradcheck((a) => gather(a, d, index), [x])),
      { numRuns: GRAD_RUNS },
    );
  });

  it('scatterAdd: adds src at the indexed positions; gradients of base and src', () => {
    fc.assert(
      fc.property(gatherArb, seedArb, ({ x, d, index }, seed) => {
        const src = makeTensor(index.shape, values, seed);
        const y = scatterAdd(x, d, index, src);
        const expected = flat(x);
        const ds = flat(src);
        const di = flat(index);
        allCoords(index.shape).forEach((co, i) => {
          const target = co.map((c, k) => (k === d ? di[i]! : c));
          const p = target.reduce((acc, c, k) => acc * x.shape[k]! + c, 0);
          expected[p]! += ds[i]!;
        });
        expect(flat(y)).toEqual(expected);
        return gradcheck((b, s) => scatterAdd(b, d, index, s), [x, src]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });
});

describe('indexSelect and indexAdd', () => {
  it('indexSelect picks whole slices along dim; gradient', () => {
    fc.assert(
      fc.property(selectArb, ({ x, dim, d, index }) => {
        const y = indexSelect(x, dim, index);
        expect(y.shape).toEqual(x.shape.map((s, i) => (i === d ? index.size : s)));
        const dx = flat(x);
        const di = flat(index);
        expect(flat(y)).toEqual(
          allCoords(y.shape).map((co) =>
            at(
              dx,
              x.shape,
              co.map((c, k) => (k === d ? di[c]! : c)),
            ),
          ),
        );
        return gradcheck((a) => indexSelect(a, dim, index), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('indexAdd adds slices of src at the indexed positions; gradients of base and src', () => {
    fc.assert(
      fc.property(selectArb, seedArb, ({ x, dim, d, index }, seed) => {
        const src = makeTensor(
          x.shape.map((s, i) => (i === d ? index.size : s)),
          values,
          seed,
        );
        const y = indexAdd(x, dim, index, src);
        const expected = flat(x);
        const ds = flat(src);
        const di = flat(index);
        allCoords(src.shape).forEach((co, i) => {
          const p = co.reduce((acc, c, k) => acc * x.shape[k]! + (k === d ? di[c]! : c), 0);
          expected[p]! += ds[i]!;
        });
        expect(flat(y)).toEqual(expected);
        return gradcheck((b, s) => indexAdd(b, dim, index, s), [x, src]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('a strided (transposed) input is indexed by its logical layout', () => {
    const base = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: 'float64' },
    );
    const x = base.t();
    expect(flat(indexSelect(x, 0, int32([2, 0], [2])))).toEqual([3, 6, 1, 4]);
    expect(flat(gather(x, 1, int32([1, 0, 1], [3, 1])))).toEqual([4, 2, 6]);
  });
});

describe('oneHot', () => {
  it('puts a 1 at each label, float32 by default', () => {
    const y = oneHot(int32([2, 0, 1], [3]), 3);
    expect(y.shape).toEqual([3, 3]);
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });
});
