import {
  cat,
  chunk,
  clone,
  contiguous,
  expand,
  flatten,
  gradcheck,
  narrow,
  permute,
  reshape,
  slice,
  split,
  squeeze,
  stack,
  type Tensor,
  t,
  transpose,
  unsqueeze,
  view,
} from '@tsgrad/core';
import {
  allCoords,
  at,
  flat,
  GRAD_RUNS,
  makeTensor,
  numel,
  shapeArb,
  tensorArb,
  tensorOfShapeArb,
  type ValueKind,
} from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const values: ValueKind = { kind: 'uniform', min: -2, max: 2 };
const seedArb = fc.integer({ min: 0, max: 1 << 30 });

/** A float64 leaf, or (half the time) a permuted view of one, so shape ops also see strided inputs. */
const maybeStridedArb: fc.Arbitrary<Tensor> = fc
  .tuple(shapeArb(), fc.boolean(), seedArb)
  .map(([shape, strided, seed]) => {
    if (!strided || shape.length < 2) return makeTensor(shape, values, seed);
    const reversed = shape.map((_, i) => shape.length - 1 - i);
    return makeTensor(
      reversed.map((d) => shape[d]!),
      values,
      seed,
      false,
    )
      .permute(...reversed)
      .requiresGrad_();
  });

describe('reshape, view, flatten', () => {
  it('reshape to a reordering of the dims (one of them −1) keeps row-major order; gradient', () => {
    fc.assert(
      fc.property(
        maybeStridedArb.chain((x) =>
          fc.tuple(
            fc.constant(x),
            fc.shuffledSubarray([...x.shape], { minLength: x.ndim, maxLength: x.ndim }),
            fc.integer({ min: -1, max: 3 }),
          ),
        ),
        ([x, target, unknown]) => {
          const requested = target.map((d, i) => (i === unknown ? -1 : d));
          const y = reshape(x, requested);
          expect(y.shape).toEqual(target);
          expect(flat(y)).toEqual(flat(x));
          return gradcheck((a) => reshape(a, requested), [x]);
        },
      ),
      { numRuns: GRAD_RUNS },
    );
  });

  it('view of a contiguous tensor; flatten(start, end) merges exactly those dims', () => {
    fc.assert(
      fc.property(
        tensorArb(values, { minRank: 1 }).chain((x) =>
          fc.tuple(
            fc.constant(x),
            fc.integer({ min: 0, max: x.ndim - 1 }),
            fc.integer({ min: 0, max: x.ndim - 1 }),
          ),
        ),
        ([x, i, j]) => {
          const [s, e] = i <= j ? [i, j] : [j, i];
          const y = flatten(x, s, e - x.ndim);
          const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
          expect(y.shape).toEqual([...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
          expect(flat(y)).toEqual(flat(x));
          expect(view(x, [numel(x.shape)]).shape).toEqual([numel(x.shape)]);
          return gradcheck((a) => flatten(a, s, e), [x]) && gradcheck((a) => view(a, [-1]), [x]);
        },
      ),
      { numRuns: GRAD_RUNS },
    );
  });

  it('flatten of a 0-d tensor has shape [1]', () => {
    expect(flatten(makeTensor([], values, 1)).shape).toEqual([1]);
  });
});

describe('transpose, permute, t', () => {
  const permutationArb = tensorArb(values).chain((x) =>
    fc.tuple(
      fc.constant(x),
      fc.shuffledSubarray(
        x.shape.map((_, i) => i),
        { minLength: x.ndim, maxLength: x.ndim },
      ),
    ),
  );

  it('permute moves element [c0, c1, …] to [c_p0, c_p1, …]; its gradient', () => {
    fc.assert(
      fc.property(permutationArb, ([x, perm]) => {
        const y = permute(x, perm);
        expect(y.shape).toEqual(perm.map((d) => x.shape[d]!));
        const dx = flat(x);
        const expected = allCoords(y.shape).map((co) => {
          const src = new Array<number>(x.ndim);
          perm.forEach((d, i) => {
            src[d] = co[i]!;
          });
          return at(dx, x.shape, src);
        });
        expect(flat(y)).toEqual(expected);
        return gradcheck((a) => permute(a, perm), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('transpose(d0, d1) swaps two dims (negative dims allowed); t() for rank ≤ 2', () => {
    fc.assert(
      fc.property(
        tensorArb(values, { minRank: 1 }).chain((x) =>
          fc.tuple(
            fc.constant(x),
            fc.integer({ min: -x.ndim, max: x.ndim - 1 }),
            fc.integer({ min: -x.ndim, max: x.ndim - 1 }),
          ),
        ),
        ([x, d0, d1]) => {
          const y = transpose(x, d0, d1);
          const a = d0 < 0 ? d0 + x.ndim : d0;
          const b = d1 < 0 ? d1 + x.ndim : d1;
          const shape = [...x.shape];
          [shape[a], shape[b]] = [shape[b]!, shape[a]!];
          expect(y.shape).toEqual(shape);
          return gradcheck((z) => transpose(z, d0, d1), [x]);
        },
      ),
      { numRuns: GRAD_RUNS },
    );
    fc.assert(
      fc.property(tensorArb(values, { maxRank: 2 }), (x) => {
        expect(t(x).shape).toEqual([...x.shape].reverse());
        return gradcheck(t, [x]);
      }),
      { numRuns: 20 },
    );
  });
});

describe('squeeze, unsqueeze, expand', () => {
  it('squeeze() drops every size-1 dim, squeeze(d) only d; unsqueeze(d) inserts one', () => {
    fc.assert(
      fc.property(
        tensorArb(values, { minDim: 1, maxDim: 2 }).chain((x) =>
          fc.tuple(fc.constant(x), fc.integer({ min: -x.ndim - 1, max: x.ndim })),
        ),
        ([x, d]) => {
          expect(squeeze(x).shape).toEqual(x.shape.filter((s) => s !== 1));
          const u = unsqueeze(x, d);
          const pos = d < 0 ? d + x.ndim + 1 : d;
          expect(u.shape).toEqual([...x.shape.slice(0, pos), 1, ...x.shape.slice(pos)]);
          expect(flat(u)).toEqual(flat(x));
          expect(squeeze(u, d).shape).toEqual(x.shape);
          return (
            gradcheck((a) => squeeze(a), [x]) &&
            gradcheck((a) => unsqueeze(a, d), [x]) &&
            gradcheck((a) => squeeze(unsqueeze(a, d), d), [x])
          );
        },
      ),
      { numRuns: GRAD_RUNS },
    );
  });

  it('expand broadcasts size-1 dims and adds leading dims; the gradient is summed back', () => {
    const caseArb = fc
      .tuple(shapeArb({ maxRank: 3 }), fc.integer({ min: 0, max: 2 }), seedArb)
      .chain(([full, extra, seed]) =>
        fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }).map((ones) => {
          const own = full.map((d, i) => (ones[i] ? 1 : d));
          const target = [...Array.from({ length: extra }, (_, i) => i + 2), ...full];
          return [makeTensor(own, values, seed), target, own] as const;
        }),
      );
    fc.assert(
      fc.property(caseArb, ([x, target, own]) => {
        const y = expand(x, target);
        expect(y.shape).toEqual(target);
        const dx = flat(x);
        const lead = target.length - own.length;
        const expected = allCoords(target).map((co) =>
          at(
            dx,
            own,
            own.map((s, i) => (s === 1 ? 0 : co[lead + i]!)),
          ),
        );
        expect(flat(y)).toEqual(expected);
        return gradcheck((a) => expand(a, target), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });
});

describe('slice and narrow', () => {
  const sliceArb = tensorArb(values, { minRank: 1, maxDim: 4 }).chain((x) =>
    fc.tuple(
      fc.constant(x),
      fc.integer({ min: -x.ndim, max: x.ndim - 1 }),
      fc.integer({ min: -5, max: 5 }),
      fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
      fc.integer({ min: 1, max: 3 }),
    ),
  );

  it('slice(dim, start, end, step) picks start, start+step, … < end (Python rules for negatives)', () => {
    fc.assert(
      fc.property(sliceArb, ([x, dim, start, end, step]) => {
        const d = dim < 0 ? dim + x.ndim : dim;
        const n = x.shape[d]!;
        const norm = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
        const picked: number[] = [];
        for (let i = norm(start); i < norm(end ?? n); i += step) picked.push(i);
        const y = slice(x, dim, start, end, step);
        expect(y.shape).toEqual(x.shape.map((s, i) => (i === d ? picked.length : s)));
        const dx = flat(x);
        const expected = allCoords(y.shape).map((co) =>
          at(
            dx,
            x.shape,
            co.map((c, i) => (i === d ? picked[c]! : c)),
          ),
        );
        expect(flat(y)).toEqual(expected);
        return gradcheck((a) => slice(a, dim, start, end, step), [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('slices of slices compose and their gradients flow (strided view of a view)', () => {
    fc.assert(
      fc.property(tensorOfShapeArb([4, 4], values), (x) =>
        gradcheck(
          (a) => slice(slice(a, 1, 0, 4, 2), 0, 1, 4, 2).mul(slice(a, 0, 3, 4).t().slice(0, 1, 3)),
          [x],
        ),
      ),
      { numRuns: 20 },
    );
  });

  it('narrow(dim, start, length) equals slice(dim, start, start + length)', () => {
    fc.assert(
      fc.property(
        tensorArb(values, { minRank: 1, maxDim: 4 }).chain((x) =>
          fc
            .tuple(fc.constant(x), fc.integer({ min: 0, max: x.ndim - 1 }))
            .chain(([x, d]) =>
              fc
                .integer({ min: 0, max: x.shape[d]! })
                .chain((s) =>
                  fc.tuple(
                    fc.constant(x),
                    fc.constant(d),
                    fc.constant(s),
                    fc.integer({ min: 0, max: x.shape[d]! - s }),
                  ),
                ),
            ),
        ),
        ([x, d, s, len]) => {
          expect(flat(narrow(x, d, s, len))).toEqual(flat(slice(x, d, s, s + len)));
          expect(narrow(x, d, s, len).shape[d]).toBe(len);
          return gradcheck((a) => narrow(a, d, s, len), [x]);
        },
      ),
      { numRuns: GRAD_RUNS },
    );
  });
});

describe('cat, stack, split, chunk', () => {
  const catArb = fc
    .tuple(
      shapeArb({ minRank: 1, maxRank: 3 }),
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
      seedArb,
    )
    .chain(([shape, lengths, seed]) =>
      fc.integer({ min: -shape.length, max: shape.length - 1 }).map((dim) => {
        const d = dim < 0 ? dim + shape.length : dim;
        const parts = lengths.map((len, i) =>
          makeTensor(
            shape.map((s, j) => (j === d ? len : s)),
            values,
            seed + i,
          ),
        );
        return [parts, dim, d] as const;
      }),
    );

  it('cat joins along dim in order; every input gets its slice of the gradient', () => {
    fc.assert(
      fc.property(catArb, ([parts, dim, d]) => {
        const y = cat(parts, dim);
        const total = parts.reduce((a, p) => a + p.shape[d]!, 0);
        expect(y.shape).toEqual(parts[0]!.shape.map((s, i) => (i === d ? total : s)));
        const expected = allCoords(y.shape).map((co) => {
          let c = co[d]!;
          let k = 0;
          while (c >= parts[k]!.shape[d]!) c -= parts[k++]!.shape[d]!;
          return at(
            flat(parts[k]!),
            parts[k]!.shape,
            co.map((v, i) => (i === d ? c : v)),
          );
        });
        expect(flat(y)).toEqual(expected);
        return gradcheck((...xs) => cat(xs, dim), parts);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('stack inserts a new dim; element i of the new dim is input i', () => {
    fc.assert(
      fc.property(
        fc
          .tuple(shapeArb({ maxRank: 3 }), fc.integer({ min: 1, max: 3 }), seedArb)
          .chain(([shape, count, seed]) =>
            fc.tuple(
              fc.constant(Array.from({ length: count }, (_, i) => makeTensor(shape, values, seed + i))),
              fc.integer({ min: -shape.length - 1, max: shape.length }),
            ),
          ),
        ([parts, dim]) => {
          const y = stack(parts, dim);
          const d = dim < 0 ? dim + parts[0]!.ndim + 1 : dim;
          const shape = [...parts[0]!.shape];
          shape.splice(d, 0, parts.length);
          expect(y.shape).toEqual(shape);
          parts.forEach((p, i) => {
            expect(flat(y.narrow(d, i, 1))).toEqual(flat(p));
          });
          return gradcheck((...xs) => stack(xs, dim), parts);
        },
      ),
      { numRuns: GRAD_RUNS },
    );
  });

  it('split into sizes / chunk into n pieces partitions the dim; each piece has its gradient', () => {
    fc.assert(
      fc.property(
        tensorArb(values, { minRank: 1, maxDim: 4 }).chain((x) =>
          fc.tuple(fc.constant(x), fc.integer({ min: 0, max: x.ndim - 1 }), fc.integer({ min: 1, max: 4 })),
        ),
        ([x, d, size]) => {
          const n = x.shape[d]!;
          const pieces = split(x, size, d);
          const expectedSizes: number[] = [];
          for (let s = 0; s < n; s += size) expectedSizes.push(Math.min(size, n - s));
          expect(pieces.map((p) => p.shape[d])).toEqual(expectedSizes);
          expect(flat(cat(pieces, d))).toEqual(flat(x));
          const chunks = chunk(x, size, d);
          expect(chunks.length).toBeLessThanOrEqual(size);
          expect(chunks.reduce((a, p) => a + p.shape[d]!, 0)).toBe(n);
          expect(flat(cat(chunks, d))).toEqual(flat(x));
          const weighted = (a: Tensor) =>
            cat(
              split(a, size, d).map((p, i) => p.mul(i + 1)),
              d,
            );
          return gradcheck(weighted, [x]) && gradcheck((a) => chunk(a, size, d)[0]!, [x]);
        },
      ),
      { numRuns: GRAD_RUNS },
    );
  });

  it('split with a list of sizes', () => {
    const x = makeTensor([6, 2], values, 3);
    const [a, b, c] = split(x, [1, 3, 2]);
    expect([a!.shape, b!.shape, c!.shape]).toEqual([
      [1, 2],
      [3, 2],
      [2, 2],
    ]);
    expect(gradcheck((z) => split(z, [1, 3, 2])[1]!, [x])).toBe(true);
  });
});

describe('contiguous and clone', () => {
  it('contiguous() of a strided view copies in row-major order; clone copies; both pass gradients', () => {
    fc.assert(
      fc.property(maybeStridedArb, (x) => {
        const c = contiguous(x);
        expect(c.isContiguous).toBe(true);
        expect(flat(c)).toEqual(flat(x));
        const k = clone(x);
        expect(k.data).not.toBe(x.data);
        expect(flat(k)).toEqual(flat(x));
        return gradcheck(contiguous, [x]) && gradcheck(clone, [x]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });
});
