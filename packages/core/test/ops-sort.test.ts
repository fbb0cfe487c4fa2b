import {
  argsort,
  gather,
  gradcheck,
  kthvalue,
  median,
  sort,
  type Tensor,
  tensor,
  topk,
  unique,
  ValueError,
} from '@tsgrad/core';
import { GRAD_RUNS } from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forEachLineStart, leafWithDimArb, position } from './helpers/order-arbitraries.js';
import {
  checkGradCase,
  decode,
  expectMatches,
  referenceCases,
  toIndex,
  toTensor,
} from './reference/order-reference.js';

/** Each line of `t` along d as [value, index] pairs, sorted by value (stable), by plain JS. */
function sortedLines(t: Tensor, d: number, descending: boolean): { coords: number[]; pairs: number[][] }[] {
  const v = t.toFlatArray();
  const out: { coords: number[]; pairs: number[][] }[] = [];
  forEachLineStart(t.shape, d, (c) => {
    const pairs: number[][] = [];
    for (let k = 0; k < t.shape[d]!; k++)
      pairs.push([v[position(t.shape, [...c.slice(0, d), k, ...c.slice(d + 1)])]!, k]);
    pairs.sort((a, b) => (descending ? b[0]! - a[0]! : a[0]! - b[0]!) || a[1]! - b[1]!);
    out.push({ coords: c, pairs });
  });
  return out;
}

/** The first k of each sorted line, laid out as x's shape with dim d of size k. */
function prefixReference(
  t: Tensor,
  d: number,
  k: number,
  descending: boolean,
): { values: number[]; indices: number[] } {
  const shape = t.shape.map((s, i) => (i === d ? k : s));
  const values = new Array<number>(shape.reduce((a, b) => a * b, 1));
  const indices = new Array<number>(values.length);
  for (const { coords, pairs } of sortedLines(t, d, descending)) {
    for (let j = 0; j < k; j++) {
      const p = position(shape, [...coords.slice(0, d), j, ...coords.slice(d + 1)]);
      values[p] = pairs[j]![0]!;
      indices[p] = pairs[j]![1]!;
    }
  }
  return { values, indices };
}

const orderArb = leafWithDimArb({ minRank: 1, maxRank: 3, minDim: 0, maxDim: 4 });
const nonEmptyArb = leafWithDimArb({ minRank: 1, maxRank: 3, minDim: 1, maxDim: 4 });

describe('sort and argsort', () => {
  it('match PyTorch: values, indices, gradient; stable with ties; NaN last', () => {
    for (const c of referenceCases('sort')) {
      checkGradCase(c, (x) => sort(x, c.args).values);
      const x = toTensor(c.inputs![0]!);
      expectMatches(sort(x, c.args).indices, c.indices!);
    }
    for (const c of referenceCases('sortStable')) {
      const r = sort(toTensor(c.input!), { ...c.args, stable: true });
      expectMatches(r.values, c.values!);
      expectMatches(r.indices, c.indices!);
    }
    for (const c of referenceCases('argsort')) expectMatches(argsort(toTensor(c.input!), c.args), c.indices!);
  });

  it('equal a plain stable sort of each line (negative dims, size-0 dims, strided inputs)', () => {
    fc.assert(
      fc.property(orderArb, fc.boolean(), ([x, dim], descending) => {
        const d = dim < 0 ? dim + x.ndim : dim;
        const { values, indices } = sort(x, { dim, descending });
        const ref = prefixReference(x, d, x.shape[d]!, descending);
        expect(values.toFlatArray()).toEqual(ref.values);
        expect(indices.toFlatArray()).toEqual(ref.indices);
        expect(indices.dtype).toBe('int32');
        expect(argsort(x, { dim, descending }).toFlatArray()).toEqual(ref.indices);
        expect(gather(x, d, indices).toFlatArray()).toEqual(ref.values);
      }),
    );
  });

  it('sort float32 and int32 tensors, and 0-d ones', () => {
    const i = sort(tensor([3, -1, 2], { dtype: 'int32' }), { descending: true });
    expect(i.values.dtype).toBe('int32');
    expect(i.values.toArray()).toEqual([3, 2, -1]);
    expect(sort(tensor([0.5, -0.25])).values.toArray()).toEqual([-0.25, 0.5]);
    const s = sort(tensor(2));
    expect([s.values.shape, s.indices.item()]).toEqual([[], 0]);
  });

  it('pass gradcheck over random shapes (distinct values)', () => {
    fc.assert(
      fc.property(orderArb, fc.boolean(), ([x, dim], descending) =>
        gradcheck((t) => sort(t, { dim, descending }).values, [x]),
      ),
      { numRuns: GRAD_RUNS },
    );
  });
});

describe('topk', () => {
  it('matches PyTorch (values, indices, gradient)', () => {
    const cases = referenceCases('topk');
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      checkGradCase(c, (x) => topk(x, c.args.k, c.args).values);
      expectMatches(topk(toTensor(c.inputs![0]!), c.args.k, c.args).indices, c.indices!);
    }
  });

  it('is the first k of the sorted lines', () => {
    const arb = orderArb.chain(([x, dim]) =>
      fc.tuple(
        fc.constant(x),
        fc.constant(dim),
        fc.integer({ min: 0, max: x.shape[dim < 0 ? dim + x.ndim : dim]! }),
        fc.boolean(),
      ),
    );
    fc.assert(
      fc.property(arb, ([x, dim, k, largest]) => {
        const d = dim < 0 ? dim + x.ndim : dim;
        const r = topk(x, k, { dim, largest });
        const ref = prefixReference(x, d, k, largest);
        expect(r.values.toFlatArray()).toEqual(ref.values);
        expect(r.indices.toFlatArray()).toEqual(ref.indices);
      }),
    );
  });

  it('passes gradcheck (distinct values)', () => {
    const arb = nonEmptyArb.chain(([x, dim]) =>
      fc.tuple(
        fc.constant(x),
        fc.constant(dim),
        fc.integer({ min: 1, max: x.shape[dim < 0 ? dim + x.ndim : dim]! }),
      ),
    );
    fc.assert(
      fc.property(arb, ([x, dim, k]) => gradcheck((t) => topk(t, k, { dim }).values, [x])),
      { numRuns: GRAD_RUNS },
    );
  });

  it('names topk when k is out of range', () => {
    expect(() => topk(tensor([1, 2, 3]), 4)).toThrow(ValueError);
    expect(() => topk(tensor([1, 2, 3]), 4)).toThrow(/topk: k = 4 is out of range for dim -1 of size 3/);
  });
});

describe('kthvalue and median', () => {
  it('match PyTorch (values, indices, gradient; lower median; NaN propagates)', () => {
    for (const c of referenceCases('kthvalue')) {
      checkGradCase(c, (x) => kthvalue(x, c.args.k, c.args.dim, c.args.keepdim).values);
      expectMatches(kthvalue(toTensor(c.inputs![0]!), c.args.k, c.args.dim).indices, c.indices!);
    }
    for (const c of referenceCases('median')) {
      if (c.args.dim === undefined) checkGradCase(c, (x) => median(x));
      else {
        checkGradCase(c, (x) => median(x, c.args.dim, c.args.keepdim).values);
        expectMatches(median(toTensor(c.inputs![0]!), c.args.dim, true).indices, c.indices!);
      }
    }
    for (const c of referenceCases('medianNaN')) {
      const r = median(toTensor(c.input!), c.args.dim);
      expectMatches(r.values, c.values!);
      expectMatches(r.indices, c.indices!);
    }
  });

  it('pick the k-th and the ⌊(n−1)/2⌋-th of the sorted lines', () => {
    const arb = nonEmptyArb.chain(([x, dim]) =>
      fc.tuple(
        fc.constant(x),
        fc.constant(dim),
        fc.integer({ min: 1, max: x.shape[dim < 0 ? dim + x.ndim : dim]! }),
      ),
    );
    fc.assert(
      fc.property(arb, ([x, dim, k]) => {
        const d = dim < 0 ? dim + x.ndim : dim;
        const lines = sortedLines(x, d, false);
        const kv = kthvalue(x, k, dim);
        expect(kv.values.toFlatArray()).toEqual(lines.map((l) => l.pairs[k - 1]![0]));
        expect(kv.indices.toFlatArray()).toEqual(lines.map((l) => l.pairs[k - 1]![1]));
        const m = (x.shape[d]! - 1) >> 1;
        expect(median(x, dim).values.toFlatArray()).toEqual(lines.map((l) => l.pairs[m]![0]));
        const all = x.toFlatArray().sort((a, b) => a - b);
        expect(median(x).item()).toBe(all[(all.length - 1) >> 1]);
      }),
    );
  });

  it('pass gradcheck (distinct values)', () => {
    fc.assert(
      fc.property(nonEmptyArb, fc.boolean(), ([x, dim], keepdim) => {
        gradcheck((t) => kthvalue(t, 1, dim, keepdim).values, [x]);
        gradcheck((t) => median(t, dim, keepdim).values, [x]);
        return gradcheck((t) => median(t), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('name the op for an empty slice or a bad k', () => {
    expect(() => median(tensor([]))).toThrow(/median: cannot take the median of an empty tensor/);
    expect(() => kthvalue(tensor([1, 2]), 3)).toThrow(/kthvalue: k = 3 is out of range/);
  });
});

describe('unique', () => {
  it('matches PyTorch (values, inverse, counts; elements and slices along a dim)', () => {
    const cases = referenceCases('unique');
    expect(cases.length).toBe(3);
    for (const c of cases) {
      const r = unique(toTensor(c.input!), { returnInverse: true, returnCounts: true, dim: c.args.dim });
      expectMatches(r.values, c.values!);
      expectMatches(r.inverse!, c.inverse!);
      expectMatches(r.counts!, c.counts!);
    }
  });

  it('gives sorted distinct values whose inverse rebuilds the input and counts sum to its size', () => {
    const arb = fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 12 });
    fc.assert(
      fc.property(arb, (xs) => {
        const x = tensor(Int32Array.from(xs));
        const r = unique(x, { returnInverse: true, returnCounts: true });
        const expected = [...new Set(xs)].sort((a, b) => a - b);
        expect(r.values.toFlatArray()).toEqual(expected);
        expect(r.values.dtype).toBe('int32');
        const vals = r.values.toFlatArray();
        expect(r.inverse!.toFlatArray().map((i) => vals[i])).toEqual(xs);
        expect(r.counts!.toFlatArray()).toEqual(expected.map((v) => xs.filter((u) => u === v).length));
      }),
    );
  });

  it('returns only what was asked for', () => {
    const r = unique(tensor([2, 1, 2]));
    expect(r.values.toArray()).toEqual([1, 2]);
    expect(r.inverse).toBeUndefined();
    expect(r.counts).toBeUndefined();
    expect(toIndex({ shape: [1], data: [1] }).dtype).toBe('int32');
    expect(decode({ shape: [2], data: [null, 'inf'] })).toEqual([Number.NaN, Number.POSITIVE_INFINITY]);
  });
});

describe('Tensor methods', () => {
  it('sort, argsort, topk, kthvalue, median, unique, cumsum, cumprod, roll are methods too', () => {
    const x = tensor([
      [3, 1, 2],
      [0, 5, 4],
    ]);
    expect(x.sort({ dim: 1 }).values.toArray()).toEqual([
      [1, 2, 3],
      [0, 4, 5],
    ]);
    expect(x.argsort({ dim: 0, descending: true }).toArray()).toEqual([
      [0, 1, 1],
      [1, 0, 0],
    ]);
    expect(x.topk(1, { largest: false }).indices.toArray()).toEqual([[1], [0]]);
    expect(x.kthvalue(3, 1).values.toArray()).toEqual([3, 5]);
    expect(x.median().item()).toBe(2);
    expect(x.median(1).values.toArray()).toEqual([2, 4]);
    expect(x.unique().values.toArray()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(x.cumsum(-1).toArray()).toEqual([
      [3, 4, 6],
      [0, 5, 9],
    ]);
    expect(x.cumprod(0).toArray()).toEqual([
      [3, 1, 2],
      [0, 5, 8],
    ]);
    expect(x.roll([1, 1], [0, 1]).toArray()).toEqual([
      [4, 0, 5],
      [2, 3, 1],
    ]);
  });
});
