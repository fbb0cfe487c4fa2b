import {
  arange,
  broadcastTo,
  diag,
  diagonal,
  flip,
  gather,
  gradcheck,
  indexSelect,
  meshgrid,
  outer,
  repeat,
  roll,
  ShapeError,
  select,
  type Tensor,
  take,
  tensor,
  tile,
  ValueError,
} from '@tsgrad/core';
import { allCoords, GRAD_RUNS, numel } from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leafArb, leafWithDimArb, position } from './helpers/order-arbitraries.js';
import {
  checkGradCase,
  expectMatches,
  referenceCases,
  toIndex,
  toTensor,
} from './reference/order-reference.js';

const uniform = { kind: 'uniform', min: -2, max: 2 } as const;
const anyArb = leafArb({ minRank: 0, maxRank: 3, minDim: 0, maxDim: 3, values: uniform });
const withDimArb = leafWithDimArb({ minRank: 1, maxRank: 3, minDim: 0, maxDim: 3, values: uniform });

/** out[c] = x[map(c)] for every coordinate c of `shape`, by nested loops. */
function lookup(x: Tensor, shape: readonly number[], map: (c: number[]) => number[]): number[] {
  const v = x.toFlatArray();
  return allCoords(shape).map((c) => v[position(x.shape, map(c))]!);
}

function int32(data: readonly number[], shape: readonly number[]): Tensor {
  return tensor(Int32Array.from(data), { shape });
}

describe('reference values from PyTorch', () => {
  it('flip, roll, repeat, tile, select, diagonal, diag, outer, indexSelect, take (values and gradients)', () => {
    const fns: Record<string, (args: Record<string, never>, ...xs: Tensor[]) => Tensor> = {
      flip: (a, x) => flip(x!, a.dims),
      roll: (a, x) => roll(x!, a.shifts, a.dims),
      repeat: (a, x) => repeat(x!, a.repeats),
      tile: (a, x) => tile(x!, a.dims),
      select: (a, x) => select(x!, a.dim, a.index),
      diagonal: (a, x) => diagonal(x!, a),
      diag: (a, x) => diag(x!, a.diagonal),
      outer: (_, a, b) => outer(a!, b!),
      indexSelect: (a, x) => indexSelect(x!, a.dim, toIndex(a.index)),
      take: (a, x) => take(x!, toIndex(a.index)),
    };
    const cases = referenceCases(...Object.keys(fns));
    expect(new Set(cases.map((c) => c.op)).size).toBe(Object.keys(fns).length);
    for (const c of cases) checkGradCase(c, (...xs) => fns[c.op]!(c.args as Record<string, never>, ...xs));
  });

  it('meshgrid with ij and xy indexing', () => {
    for (const c of referenceCases('meshgrid')) {
      const outs = meshgrid(
        c.inputs!.map((e) => toTensor(e)),
        { indexing: c.args.indexing },
      );
      outs.forEach((o, i) => {
        expectMatches(o, c.outs![i]!);
      });
    }
  });
});

describe('flip and roll', () => {
  it('flip reverses the chosen dims (nested-loop reference)', () => {
    const arb = withDimArb.chain(([x]) =>
      fc.tuple(fc.constant(x), fc.subarray(x.shape.map((_, i) => i - x.ndim))),
    );
    fc.assert(
      fc.property(arb, ([x, dims]) => {
        const ds = dims.map((d) => d + x.ndim);
        const ref = lookup(x, x.shape, (c) => c.map((v, i) => (ds.includes(i) ? x.shape[i]! - 1 - v : v)));
        expect(flip(x, dims).toFlatArray()).toEqual(ref);
        expect(x.flip(...dims).toFlatArray()).toEqual(ref);
        expect(x.flip(dims).toFlatArray()).toEqual(ref);
        return gradcheck((t) => flip(t, dims), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('roll moves element i to (i + shift) mod n along each dim, or over the flattened tensor', () => {
    const arb = withDimArb.chain(([x, dim]) =>
      fc.tuple(fc.constant(x), fc.constant(dim), fc.integer({ min: -7, max: 7 })),
    );
    fc.assert(
      fc.property(arb, ([x, dim, shift]) => {
        const d = dim + (dim < 0 ? x.ndim : 0);
        const n = x.shape[d]!;
        const ref = lookup(x, x.shape, (c) => c.map((v, i) => (i === d ? (((v - shift) % n) + n) % n : v)));
        expect(roll(x, shift, dim).toFlatArray()).toEqual(ref);
        const flat = x.toFlatArray();
        const m = flat.length;
        expect(roll(x, shift).toFlatArray()).toEqual(flat.map((_, i) => flat[(((i - shift) % m) + m) % m]));
        return gradcheck((t) => roll(t, [shift, 1], [dim, 0]), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('roll names itself for mismatched shifts and dims', () => {
    expect(() => roll(tensor([1, 2]), [1, 2], [0])).toThrow(
      /roll: shifts \[1,2\] and dims \[0\] must have the same length/,
    );
  });
});

describe('repeat and tile', () => {
  it('repeat tiles the tensor as Tensor.repeat (extra leading repeats add dims)', () => {
    const arb = anyArb.chain((x) =>
      fc.tuple(
        fc.constant(x),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: x.ndim, maxLength: x.ndim + 2 }),
      ),
    );
    fc.assert(
      fc.property(arb, ([x, reps]) => {
        const lead = reps.length - x.ndim;
        const shape = reps.map((r, i) => r * (i < lead ? 1 : x.shape[i - lead]!));
        const expected =
          numel(shape) === 0
            ? []
            : allCoords(shape).map((c) => {
                const src = c.slice(lead).map((v, i) => v % x.shape[i]!);
                return x.toFlatArray()[position(x.shape, src)]!;
              });
        const y = repeat(x, reps);
        expect(y.shape).toEqual(shape);
        expect(y.toFlatArray()).toEqual(expected);
        expect(x.repeat(...reps).toFlatArray()).toEqual(expected);
        expect(x.repeat(reps).toFlatArray()).toEqual(expected);
        return gradcheck((t) => repeat(t, reps), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('tile pads missing repeats with leading 1s', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(tile(x, [2]).toArray()).toEqual([
      [1, 2, 1, 2],
      [3, 4, 3, 4],
    ]);
    expect(x.tile(2, 1).shape).toEqual([4, 2]);
    expect(x.tile([1, 1, 2]).shape).toEqual([1, 2, 4]);
  });

  it('repeat names itself for too few repeats', () => {
    expect(() => repeat(tensor([[1]]), [2])).toThrow(/repeat: got 1 repeats \[2\] for a tensor of rank 2/);
  });
});

describe('select and diagonal', () => {
  it('select is a view of the slice at index (negative counts from the end)', () => {
    const arb = leafWithDimArb({ minRank: 1, maxRank: 3, minDim: 1, maxDim: 3, values: uniform }).chain(
      ([x, dim]) => {
        const n = x.shape[dim < 0 ? dim + x.ndim : dim]!;
        return fc.tuple(fc.constant(x), fc.constant(dim), fc.integer({ min: -n, max: n - 1 }));
      },
    );
    fc.assert(
      fc.property(arb, ([x, dim, index]) => {
        const d = dim < 0 ? dim + x.ndim : dim;
        const i = index < 0 ? index + x.shape[d]! : index;
        const shape = x.shape.filter((_, k) => k !== d);
        const y = select(x, dim, index);
        expect(y.data).toBe(x.data);
        expect(y.toFlatArray()).toEqual(lookup(x, shape, (c) => [...c.slice(0, d), i, ...c.slice(d)]));
        expect(x.select(dim, index).shape).toEqual(shape);
        return gradcheck((t) => select(t, dim, index), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
    expect(() => select(tensor([1, 2]), 0, 2)).toThrow(/select: index 2 is out of range for dim 0 of size 2/);
  });

  it('diagonal is a view of x[…, i, …, i + offset, …] moved to the last dim', () => {
    const arb = leafArb({ minRank: 2, maxRank: 3, minDim: 0, maxDim: 4, values: uniform }).chain((x) =>
      fc.tuple(
        fc.constant(x),
        fc.integer({ min: -4, max: 4 }),
        fc.integer({ min: -x.ndim, max: x.ndim - 1 }),
        fc.integer({ min: 1, max: x.ndim - 1 }),
      ),
    );
    fc.assert(
      fc.property(arb, ([x, offset, dim1, step]) => {
        const d1 = dim1 < 0 ? dim1 + x.ndim : dim1;
        const d2 = (d1 + step) % x.ndim;
        const n1 = x.shape[d1]!;
        const n2 = x.shape[d2]!;
        const len = Math.max(0, offset >= 0 ? Math.min(n1, n2 - offset) : Math.min(n1 + offset, n2));
        const keep = x.shape.map((_, i) => i).filter((i) => i !== d1 && i !== d2);
        const shape = [...keep.map((i) => x.shape[i]!), len];
        const y = diagonal(x, { offset, dim1, dim2: d2 });
        expect(y.shape).toEqual(shape);
        expect(y.data).toBe(x.data);
        const ref = lookup(x, shape, (c) => {
          const src = new Array<number>(x.ndim);
          keep.forEach((k, j) => {
            src[k] = c[j]!;
          });
          const t = c[c.length - 1]!;
          src[d1] = offset >= 0 ? t : t - offset;
          src[d2] = offset >= 0 ? t + offset : t;
          return src;
        });
        expect(y.toFlatArray()).toEqual(ref);
        return gradcheck((t) => t.diagonal({ offset, dim1, dim2: d2 }), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
    expect(() => diagonal(tensor([1, 2]))).toThrow(/diagonal: expects a tensor of rank ≥ 2/);
  });

  it('diag builds a matrix from a vector and reads a matrix diagonal', () => {
    expect(diag(tensor([1, 2]), 1).toArray()).toEqual([
      [0, 1, 0],
      [0, 0, 2],
      [0, 0, 0],
    ]);
    expect(
      tensor([
        [1, 2],
        [3, 4],
      ])
        .diag()
        .toArray(),
    ).toEqual([1, 4]);
    expect(
      diag(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        -1,
      ).toArray(),
    ).toEqual([3]);
    const v = tensor([0.5, -1, 2], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck((t) => diag(t, -2), [v])).toBe(true);
    expect(() => diag(tensor([[[1]]]))).toThrow(/diag: expects a 1-D or 2-D tensor/);
  });
});

describe('indexSelect, take and gather with any index', () => {
  const lookupArb = withDimArb
    .filter(([x, dim]) => x.shape[dim < 0 ? dim + x.ndim : dim]! > 0)
    .chain(([x, dim]) => {
      const n = x.shape[dim < 0 ? dim + x.ndim : dim]!;
      return fc.tuple(
        fc.constant(x),
        fc.constant(dim),
        fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }).chain((ishape) =>
          fc
            .array(fc.integer({ min: 0, max: n - 1 }), {
              minLength: numel(ishape),
              maxLength: numel(ishape),
            })
            .map((v) => int32(v, ishape)),
        ),
      );
    });

  it('indexSelect with an N-d index has shape x.shape[:dim] + index.shape + x.shape[dim+1:]', () => {
    fc.assert(
      fc.property(lookupArb, ([x, dim, index]) => {
        const d = dim < 0 ? dim + x.ndim : dim;
        const shape = [...x.shape.slice(0, d), ...index.shape, ...x.shape.slice(d + 1)];
        const iv = index.toFlatArray();
        const y = x.indexSelect(dim, index);
        expect(y.shape).toEqual(shape);
        const ref = lookup(x, shape, (c) => {
          const ic = c.slice(d, d + index.ndim);
          return [...c.slice(0, d), iv[position(index.shape, ic)]!, ...c.slice(d + index.ndim)];
        });
        expect(y.toFlatArray()).toEqual(ref);
        return gradcheck((t) => indexSelect(t, dim, index), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('a 1-D index keeps torch.index_select, a 0-d index removes the dim', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(indexSelect(x, 1, int32([2, 0], [2])).toArray()).toEqual([
      [3, 1],
      [6, 4],
    ]);
    expect(indexSelect(x, 1, int32([1], [])).toArray()).toEqual([2, 5]);
    expect(indexSelect(tensor([1, 2, 3], { dtype: 'int32' }), 0, int32([2, 2], [1, 2])).toArray()).toEqual([
      [3, 3],
    ]);
    expect(() => indexSelect(x, 0, int32([2], [1]))).toThrow(
      /indexSelect: index 2 is out of range for dim 0 of size 2/,
    );
  });

  it('take reads the flattened tensor (negative entries from the end), output of the index shape', () => {
    const arb = anyArb
      .filter((x) => x.size > 0)
      .chain((x) =>
        fc.tuple(fc.constant(x), fc.array(fc.integer({ min: -x.size, max: x.size - 1 }), { maxLength: 5 })),
      );
    fc.assert(
      fc.property(arb, ([x, ix]) => {
        const flat = x.toFlatArray();
        const y = take(x, int32(ix, [ix.length]));
        expect(y.toFlatArray()).toEqual(ix.map((i) => flat[i < 0 ? i + flat.length : i]));
        expect(x.take(int32(ix, [ix.length])).shape).toEqual([ix.length]);
        return gradcheck((t) => take(t, int32(ix, [ix.length])), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
    expect(() => take(tensor([1, 2]), int32([-3], [1]))).toThrow(
      /take: index -3 is out of range for a tensor of 2 elements/,
    );
  });

  it('gather keeps torch.gather semantics on strided inputs', () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64' },
    ).t();
    expect(gather(x, 1, int32([1, 1, 0, 0], [2, 2])).toArray()).toEqual([
      [3, 3],
      [2, 2],
    ]);
  });
});

describe('outer, meshgrid, broadcastTo', () => {
  it('outer[i][j] = a[i]·b[j], with gradients', () => {
    const a = tensor([1, -2], { dtype: 'float64', requiresGrad: true });
    const b = tensor([0.5, 3, 4], { dtype: 'float64', requiresGrad: true });
    expect(outer(a, b).toArray()).toEqual([
      [0.5, 3, 4],
      [-1, -6, -8],
    ]);
    expect(a.outer(b).shape).toEqual([2, 3]);
    expect(gradcheck(outer, [a, b])).toBe(true);
    expect(() => outer(tensor([[1]]), b)).toThrow(
      /outer: expects two 1-D tensors, got shapes \[1,1\] and \[3\]/,
    );
  });

  it('meshgrid: ij grids vary along their own dim, xy swaps the first two; views', () => {
    const xs = arange(3, undefined, 1, { dtype: 'float64' });
    const ys = arange(2, undefined, 1, { dtype: 'float64' });
    const zs = arange(4, undefined, 1, { dtype: 'float64' });
    const [gx, gy, gz] = meshgrid([xs, ys, zs]);
    expect(gx!.shape).toEqual([3, 2, 4]);
    for (const [i, j, k] of allCoords([3, 2, 4])) {
      expect([
        gx!.toFlatArray()[position([3, 2, 4], [i!, j!, k!])],
        gy!.toFlatArray()[position([3, 2, 4], [i!, j!, k!])],
        gz!.toFlatArray()[position([3, 2, 4], [i!, j!, k!])],
      ]).toEqual([i, j, k]);
    }
    const [hx, hy] = meshgrid([xs, ys], { indexing: 'xy' });
    expect(hx!.shape).toEqual([2, 3]);
    expect(hy!.toArray()).toEqual([
      [0, 0, 0],
      [1, 1, 1],
    ]);
    expect(gx!.data).toBe(xs.data);
    expect(() => meshgrid([xs], { indexing: 'yx' as 'xy' })).toThrow(
      /meshgrid: indexing must be 'ij' or 'xy'/,
    );
  });

  it('broadcastTo is expand with its own errors; the gradient sums back', () => {
    const x = tensor([[1], [2]], { dtype: 'float64', requiresGrad: true });
    expect(broadcastTo(x, [2, 2, 3]).shape).toEqual([2, 2, 3]);
    expect(x.broadcastTo(2, -1, 2).shape).toEqual([2, 2, 2]);
    expect(x.broadcastTo([2, 2]).toArray()).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(gradcheck((t) => broadcastTo(t, [3, 2, 2]), [x])).toBe(true);
    expect(() => broadcastTo(x, [3, 3])).toThrow(ShapeError);
    expect(() => broadcastTo(x, [3, 3])).toThrow(/broadcastTo: shape \[2,1\] cannot be broadcast to \[3,3\]/);
    expect(() => select(tensor(1), 0, 0)).toThrow(ShapeError);
    expect(() => roll(tensor([1]), 0.5)).toThrow(ValueError);
  });
});

describe('int32 and float32 inputs', () => {
  it('flip, roll, repeat, select, diagonal, diag, take, indexSelect, outer keep int32', () => {
    const x = int32([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(flip(x, 1).toArray()).toEqual([
      [3, 2, 1],
      [6, 5, 4],
    ]);
    expect(roll(x, 1, 1).toArray()).toEqual([
      [3, 1, 2],
      [6, 4, 5],
    ]);
    expect(repeat(x, [1, 2]).dtype).toBe('int32');
    expect(select(x, 0, -1).toArray()).toEqual([4, 5, 6]);
    expect(diagonal(x).toArray()).toEqual([1, 5]);
    expect(diag(int32([1, 2], [2])).toArray()).toEqual([
      [1, 0],
      [0, 2],
    ]);
    expect(take(x, int32([-1, 0], [2])).toArray()).toEqual([6, 1]);
    expect(indexSelect(x, 1, int32([2], [1, 1])).toArray()).toEqual([[[3]], [[6]]]);
    expect(outer(int32([1, 2], [2]), int32([3], [1])).toArray()).toEqual([[3], [6]]);
    expect(flip(tensor([1, 2]), 0).dtype).toBe('float32');
  });

  it('repeat returns a copy even when every repeat is 1', () => {
    const x = tensor([1, 2]);
    const y = repeat(x, [1]);
    expect(y.data).not.toBe(x.data);
    expect(y.toArray()).toEqual([1, 2]);
  });
});
