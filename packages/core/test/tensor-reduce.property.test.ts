import {
  amax,
  amin,
  argmax,
  argmin,
  gradcheck,
  logSoftmax,
  logsumexp,
  maxAlong,
  mean,
  minAlong,
  softmax,
  std,
  sum,
  type Tensor,
  tensor,
  variance,
} from '@tsgrad/core';
import {
  allCoords,
  closeArrays,
  flat,
  GRAD_RUNS,
  tensorWithDimArb,
  type ValueKind,
} from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LeafArbOptions, leafArb, leafWithDimArb } from './helpers/order-arbitraries.js';

const values: ValueKind = { kind: 'uniform', min: -2, max: 2 };

/** A tensor, a list of distinct dims to reduce (possibly negative, possibly all) and keepdim. */
function reductionArb(options: LeafArbOptions = {}): fc.Arbitrary<[Tensor, number[] | undefined, boolean]> {
  return leafArb({ values, ...options }).chain((x) =>
    fc.tuple(
      fc.constant(x),
      fc.option(
        fc
          .subarray(
            Array.from({ length: x.ndim }, (_, i) => i),
            { minLength: Math.min(1, x.ndim) },
          )
          .chain((dims) =>
            fc.tuple(...dims.map((d) => fc.constantFrom(d, d - x.ndim))).map((ds) => ds as number[]),
          ),
        { nil: undefined, freq: 4 },
      ),
      fc.boolean(),
    ),
  );
}

function normalized(dims: readonly number[] | undefined, rank: number): number[] {
  if (dims === undefined) return Array.from({ length: rank }, (_, i) => i);
  return dims.map((d) => (d < 0 ? d + rank : d));
}

/** The expected output shape of a reduction, written from the rule. */
function reducedShapeOf(
  shape: readonly number[],
  dims: readonly number[] | undefined,
  keepdim: boolean,
): number[] {
  const reduced = new Set(normalized(dims, shape.length));
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!reduced.has(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** Plain-loop reference: groups the elements by their kept coordinates and reduces each group. */
function naiveReduce(
  x: Tensor,
  dims: readonly number[] | undefined,
  reducer: (group: number[]) => number,
): number[] {
  const reduced = new Set(normalized(dims, x.ndim));
  const groups = new Map<string, number[]>();
  const data = flat(x);
  allCoords(x.shape).forEach((co, i) => {
    const key = co.filter((_, d) => !reduced.has(d)).join(',');
    const g = groups.get(key) ?? [];
    g.push(data[i]!);
    groups.set(key, g);
  });
  const kept = x.shape.filter((_, d) => !reduced.has(d));
  return allCoords(kept).map((co) => reducer(groups.get(co.join(','))!));
}

const total = (g: number[]) => g.reduce((a, b) => a + b, 0);
const avg = (g: number[]) => total(g) / g.length;
const variance0 = (g: number[], correction: number) => {
  const m = avg(g);
  return total(g.map((v) => (v - m) ** 2)) / (g.length - correction);
};

interface ReductionCase {
  name: string;
  op: (x: Tensor, dims: number[] | undefined, keepdim: boolean) => Tensor;
  ref: (group: number[]) => number;
  /** Needs at least two elements per group (Bessel's correction). */
  minDim?: number;
}

const cases: ReductionCase[] = [
  { name: 'sum', op: (x, d, k) => sum(x, d, k), ref: total },
  { name: 'mean', op: (x, d, k) => mean(x, d, k), ref: avg },
  { name: 'amax', op: (x, d, k) => amax(x, d, k), ref: (g) => Math.max(...g) },
  { name: 'amin', op: (x, d, k) => amin(x, d, k), ref: (g) => Math.min(...g) },
  {
    name: 'logsumexp',
    op: (x, d, k) => logsumexp(x, d, k),
    ref: (g) => Math.log(total(g.map(Math.exp))),
  },
  {
    name: 'var (correction 1)',
    op: (x, d, k) => variance(x, d, { keepdim: k }),
    ref: (g) => variance0(g, 1),
    minDim: 2,
  },
  {
    name: 'var (correction 0)',
    op: (x, d, k) => variance(x, d, { keepdim: k, correction: 0 }),
    ref: (g) => variance0(g, 0),
  },
  {
    name: 'std',
    op: (x, d, k) => std(x, d, { keepdim: k }),
    ref: (g) => Math.sqrt(variance0(g, 1)),
    minDim: 2,
  },
];

describe('reductions over all or given dims', () => {
  for (const c of cases) {
    const options = { minDim: c.minDim ?? 1, maxDim: 3, minRank: c.minDim ? 1 : 0 };

    it(`${c.name}: output shape follows the reduction rule (negative dims, keepdim)`, () => {
      fc.assert(
        fc.property(reductionArb({ ...options, maxDim: 4 }), ([x, dims, keepdim]) => {
          expect(c.op(x, dims, keepdim).shape).toEqual(reducedShapeOf(x.shape, dims, keepdim));
        }),
        { numRuns: 40 },
      );
    });

    it(`${c.name}: forward matches plain loops, also on a transposed input`, () => {
      fc.assert(
        fc.property(reductionArb(options), ([x, dims, keepdim]) => {
          expect(closeArrays(flat(c.op(x, dims, keepdim)), naiveReduce(x, dims, c.ref), 1e-12, 1e-12)).toBe(
            true,
          );
          if (x.ndim >= 2) {
            const xt = x.transpose(0, -1);
            expect(
              closeArrays(flat(c.op(xt, dims, keepdim)), naiveReduce(xt, dims, c.ref), 1e-12, 1e-12),
            ).toBe(true);
          }
        }),
        { numRuns: 30 },
      );
    });

    it(`${c.name}: gradient matches finite differences, on strided inputs too`, () => {
      // Extremes need well-separated values: at a near-tie the finite difference straddles the kink.
      const kind = c.name === 'amax' || c.name === 'amin' ? 'distinct' : values;
      fc.assert(
        fc.property(reductionArb({ ...options, values: kind }), ([x, dims, keepdim]) =>
          gradcheck((t) => c.op(t, dims, keepdim), [x]),
        ),
        { numRuns: GRAD_RUNS },
      );
    });
  }

  it('amax/amin share the gradient evenly among tied extremes', () => {
    const x = tensor([3, 1, 3, 2], { dtype: 'float64', requiresGrad: true });
    amax(x).backward();
    expect(flat(x.grad!)).toEqual([0.5, 0, 0.5, 0]);
  });

  it('sum over a size-0 dim is 0; var of one element with correction 1 is NaN (as PyTorch)', () => {
    expect(flat(sum(tensor([], { shape: [2, 0] }), 1))).toEqual([0, 0]);
    expect(Number.isNaN(variance(tensor([1], { dtype: 'float64' })).item())).toBe(true);
  });
});

describe('max/min along a dim (values and indices), argmax/argmin', () => {
  const naiveArg = (x: Tensor, dim: number, better: (a: number, b: number) => boolean): number[] => {
    const d = dim < 0 ? dim + x.ndim : dim;
    const data = flat(x);
    const kept = x.shape.map((s, i) => (i === d ? 1 : s));
    return allCoords(kept).map((co) => {
      let best = 0;
      for (let i = 1; i < x.shape[d]!; i++) {
        const c1 = [...co];
        c1[d] = i;
        const cb = [...co];
        cb[d] = best;
        const idx = (c: number[]) => c.reduce((p, v, k) => p * x.shape[k]! + v, 0);
        if (better(data[idx(c1)]!, data[idx(cb)]!)) best = i;
      }
      return best;
    });
  };

  for (const [name, along, arg, better] of [
    ['max', maxAlong, argmax, (a: number, b: number) => a > b],
    ['min', minAlong, argmin, (a: number, b: number) => a < b],
  ] as const) {
    it(`${name}: indices and values agree with a plain loop, keepdim shapes`, () => {
      fc.assert(
        fc.property(tensorWithDimArb(values, { maxDim: 4 }), fc.boolean(), ([x, dim], keepdim) => {
          const { values: v, indices } = along(x, dim, keepdim);
          const d = dim < 0 ? dim + x.ndim : dim;
          const expectedShape = x.shape.flatMap((s, i) => (i === d ? (keepdim ? [1] : []) : [s]));
          expect(v.shape).toEqual(expectedShape);
          expect(indices.shape).toEqual(expectedShape);
          expect(indices.dtype).toBe('int32');
          const expectedIdx = naiveArg(x, dim, better);
          expect(flat(indices)).toEqual(expectedIdx);
          expect(flat(arg(x, dim, keepdim))).toEqual(expectedIdx);
          const ref = naiveReduce(x, [d], name === 'max' ? (g) => Math.max(...g) : (g) => Math.min(...g));
          expect(flat(v)).toEqual(ref);
        }),
        { numRuns: 40 },
      );
    });

    it(`${name}: gradient of the values matches finite differences (well-separated, strided inputs)`, () => {
      fc.assert(
        fc.property(leafWithDimArb(), fc.boolean(), ([x, dim], keepdim) =>
          gradcheck((t) => along(t, dim, keepdim).values, [x]),
        ),
        { numRuns: GRAD_RUNS },
      );
    });
  }

  it('argmax without a dim indexes the flattened tensor; ties keep the first index', () => {
    const x = tensor([
      [1, 5, 2],
      [5, 0, -1],
    ]);
    expect(argmax(x).item()).toBe(1);
    expect(argmin(x).item()).toBe(5);
    expect(flat(argmax(x, 0))).toEqual([1, 0, 0]);
  });
});

/** exp(x) / Σ exp(x) along dim `d` of a row-major array of `shape`, by plain loops (no tsgrad op). */
function naiveSoftmax(xs: readonly number[], shape: readonly number[], d: number): number[] {
  const inner = shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const n = shape[d]!;
  const out = new Array<number>(xs.length);
  for (let start = 0; start < xs.length; start++) {
    if (Math.floor(start / inner) % n !== 0) continue;
    let total = 0;
    for (let k = 0; k < n; k++) total += Math.exp(xs[start + k * inner]!);
    for (let k = 0; k < n; k++) out[start + k * inner] = Math.exp(xs[start + k * inner]!) / total;
  }
  return out;
}

describe('softmax and logSoftmax', () => {
  it('softmax is exp(x) / Σ exp(x) along dim by plain loops; logSoftmax is its log', () => {
    fc.assert(
      fc.property(tensorWithDimArb(values, { maxDim: 4 }), ([x, dim]) => {
        const s = softmax(x, dim);
        expect(s.shape).toEqual(x.shape);
        const d = dim < 0 ? dim + x.ndim : dim;
        const xs = flat(x);
        const expected = naiveSoftmax(xs, x.shape, d);
        expect(closeArrays(flat(s), expected, 1e-12, 1e-12)).toBe(true);
        expect(closeArrays(flat(logSoftmax(x, dim)), expected.map(Math.log), 1e-12, 1e-12)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('a uniform 1/n answer fails the softmax expectation (the property can fail)', () => {
    const x = tensor([0, 1, 2], { dtype: 'float64' });
    expect(closeArrays([1 / 3, 1 / 3, 1 / 3], naiveSoftmax(flat(x), [3], 0), 1e-12, 1e-12)).toBe(false);
  });

  it('softmax and logSoftmax gradients on strided inputs and size-0 dims', () => {
    fc.assert(
      fc.property(leafWithDimArb({ values, minDim: 0 }), ([x, dim]) => {
        gradcheck((t) => softmax(t, dim), [x]);
        return gradcheck((t) => logSoftmax(t, dim), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('softmax gradient matches finite differences', () => {
    fc.assert(
      fc.property(tensorWithDimArb(values), ([x, dim]) => gradcheck((t) => softmax(t, dim), [x])),
      { numRuns: GRAD_RUNS },
    );
  });

  it('logSoftmax gradient matches finite differences', () => {
    fc.assert(
      fc.property(tensorWithDimArb(values), ([x, dim]) => gradcheck((t) => logSoftmax(t, dim), [x])),
      { numRuns: GRAD_RUNS },
    );
  });
});
