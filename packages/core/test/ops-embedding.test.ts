import { readFileSync } from 'node:fs';
import {
  customOp,
  DTypeError,
  embedding,
  enableGrad,
  GradcheckError,
  grad,
  gradcheck,
  mul,
  ShapeError,
  square,
  sum,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from '@tsgrad/core';
import { closeArrays, flat, GRAD_RUNS, makeTensor, numel, shapeArb } from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

interface Flat {
  shape: number[];
  data: (number | string)[];
}
interface EmbeddingCase {
  name: string;
  indices: Flat;
  weight: Flat;
  out: Flat;
  upstream: Flat;
  grad: Flat;
  weightAfter: Flat;
  paddingIdx?: number;
  maxNorm?: number;
  normType?: number;
}

const reference = JSON.parse(
  readFileSync(new URL('./reference/attention_reference.json', import.meta.url), 'utf8'),
) as { embedding: EmbeddingCase[] };

const toNumber = (x: number | string): number => (typeof x === 'number' ? x : Number(x));
const f64 = (f: Flat, requiresGrad = false): Tensor =>
  tensor(Float64Array.from(f.data, toNumber), { shape: f.shape, dtype: 'float64', requiresGrad });
const int32 = (data: readonly number[], shape: readonly number[]): Tensor =>
  tensor(Int32Array.from(data), { shape });

describe('embedding against torch.nn.functional.embedding', () => {
  for (const c of reference.embedding) {
    it(`${c.name}: output, weight gradient and renormalised weight`, () => {
      const w = f64(c.weight, true);
      const idx = int32(c.indices.data.map(toNumber), c.indices.shape);
      const out = embedding(idx, w, { paddingIdx: c.paddingIdx, maxNorm: c.maxNorm, normType: c.normType });
      expect(out.shape).toEqual(c.out.shape);
      expect(closeArrays(flat(out), c.out.data.map(toNumber), 1e-12, 1e-12)).toBe(true);
      sum(mul(out, f64(c.upstream))).backward();
      expect(closeArrays(flat(w.grad!), c.grad.data.map(toNumber), 1e-12, 1e-12)).toBe(true);
      expect(closeArrays(flat(w), c.weightAfter.data.map(toNumber), 1e-12, 1e-12)).toBe(true);
    });
  }
});

const seedArb = fc.integer({ min: 0, max: 1 << 30 });

/** A weight table, indices of rank 0–3 into it (repeats likely), and maybe a paddingIdx. */
const embeddingArb = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), shapeArb({ maxRank: 3 }), seedArb)
  .chain(([rows, dim, ishape, seed]) =>
    fc
      .tuple(
        fc.array(fc.integer({ min: 0, max: rows - 1 }), {
          minLength: numel(ishape),
          maxLength: numel(ishape),
        }),
        fc.option(fc.integer({ min: -rows, max: rows - 1 }), { nil: undefined }),
      )
      .map(([idx, paddingIdx]) => ({
        weight: makeTensor([rows, dim], { kind: 'uniform', min: -2, max: 2 }, seed),
        indices: int32(idx, ishape),
        idx,
        paddingIdx,
      })),
  );

describe('embedding properties', () => {
  it('out[i…, j] = weight[indices[i…], j], shape [...indices.shape, dim]', () => {
    fc.assert(
      fc.property(embeddingArb, ({ weight, indices, idx, paddingIdx }) => {
        const out = embedding(indices, weight, { paddingIdx });
        const dim = weight.shape[1]!;
        expect(out.shape).toEqual([...indices.shape, dim]);
        const w = flat(weight);
        expect(flat(out)).toEqual(idx.flatMap((r) => w.slice(r * dim, (r + 1) * dim)));
      }),
      { numRuns: 60 },
    );
  });

  it('the weight gradient sums the upstream rows of every occurrence, none into paddingIdx', () => {
    fc.assert(
      fc.property(embeddingArb, seedArb, ({ weight, indices, idx, paddingIdx }, seed) => {
        const [rows, dim] = weight.shape as [number, number];
        const up = makeTensor([...indices.shape, dim], { kind: 'uniform', min: -1, max: 1 }, seed, false);
        const [g] = grad(sum(mul(embedding(indices, weight, { paddingIdx }), up)), [weight]);
        const pad = paddingIdx === undefined ? -1 : (paddingIdx + rows) % rows;
        const expected = new Array<number>(rows * dim).fill(0);
        const u = flat(up);
        idx.forEach((r, i) => {
          if (r === pad) return;
          for (let j = 0; j < dim; j++) expected[r * dim + j]! += u[i * dim + j]!;
        });
        expect(closeArrays(flat(g!), expected, 1e-12, 1e-12)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('gradcheck: repeated indices and paddingIdx', () => {
    fc.assert(
      fc.property(embeddingArb, ({ weight, indices, idx, paddingIdx }) => {
        // The padding row's outputs are masked off, so that its true derivative is the 0 the op gives it.
        const rows = weight.shape[0]!;
        const pad = paddingIdx === undefined ? -1 : (paddingIdx + rows) % rows;
        const keep = tensor(
          Float64Array.from(idx, (r) => (r === pad ? 0 : 1)),
          {
            shape: [...indices.shape, 1],
            dtype: 'float64',
          },
        );
        return gradcheck((w) => mul(embedding(indices, w, { paddingIdx }), keep), [weight]);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('gradcheck of the backward itself (createGraph: gradients of gradients)', () => {
    fc.assert(
      fc.property(embeddingArb, ({ weight, indices, paddingIdx }) =>
        gradcheck(
          (w) =>
            enableGrad(
              () => grad(sum(square(embedding(indices, w, { paddingIdx }))), [w], { createGraph: true })[0]!,
            ),
          [weight],
        ),
      ),
      { numRuns: 20 },
    );
  });

  it('a gradient that forgets repeated indices fails the property (the check can fail)', () => {
    // Wrong on purpose: each row receives the gradient of its last occurrence only.
    const wrongEmbedding = (indices: Tensor, idx: readonly number[]) =>
      customOp({
        name: 'wrongEmbedding',
        forward: (w) => embedding(indices, w),
        backward: (g, [w]) => {
          const dim = w!.shape[1]!;
          const gw = new Float64Array(w!.size);
          const gd = flat(g);
          idx.forEach((r, i) => {
            gw.set(gd.slice(i * dim, (i + 1) * dim), r * dim);
          });
          return [tensor(gw, { shape: w!.shape, dtype: 'float64' })];
        },
      });
    const result = fc.check(
      fc.property(embeddingArb, ({ weight, indices, idx }) =>
        gradcheck((w) => wrongEmbedding(indices, idx)(w), [weight]),
      ),
      { numRuns: 100, seed: 42 },
    );
    expect(result.failed).toBe(true);
    expect(result.errorInstance).toBeInstanceOf(GradcheckError);
  });

  it('maxNorm renormalises only the looked-up rows whose norm exceeds it, in place', () => {
    const w = tensor(
      [
        [3, 4],
        [0.3, 0.4],
        [6, 8],
      ],
      { dtype: 'float64' },
    );
    const out = embedding(int32([0, 1, 0], [3]), w, { maxNorm: 1 });
    const scale = 1 / (5 + 1e-7);
    expect(closeArrays(flat(w), [3 * scale, 4 * scale, 0.3, 0.4, 6, 8])).toBe(true);
    expect(closeArrays(flat(out), [3 * scale, 4 * scale, 0.3, 0.4, 3 * scale, 4 * scale])).toBe(true);
  });

  it('strided weight and indices, and empty indices (size-0 dims)', () => {
    const base = makeTensor([3, 4], { kind: 'uniform', min: -1, max: 1 }, 5);
    const w = base.t(); // [4, 3], not contiguous
    const idx = int32([3, 9, 0, 9, 1, 9], [6]).slice(0, 0, 6, 2); // [3, 0, 1], stride 2
    const out = embedding(idx, w);
    const rows = w.toArray() as number[][];
    expect(out.toArray()).toEqual([rows[3], rows[0], rows[1]]);
    expect(gradcheck((b) => embedding(idx, b.t()), [base])).toBe(true);
    const empty = embedding(int32([], [0, 2]), w);
    expect(empty.shape).toEqual([0, 2, 3]);
    const [g] = grad(sum(empty), [base]);
    expect(flat(g!).every((x) => x === 0)).toBe(true);
  });

  it('works in float32', () => {
    const w = tensor([
      [1, 2],
      [3, 4],
    ]);
    const out = embedding(int32([1, 1, 0], [3]), w);
    expect(out.dtype).toBe('float32');
    expect(out.toArray()).toEqual([
      [3, 4],
      [3, 4],
      [1, 2],
    ]);
  });
});

describe('embedding errors name the op and the offending values', () => {
  const w = zeros([4, 3]);
  it('an index out of range', () => {
    expect(() => embedding(int32([0, 4], [2]), w)).toThrow(ValueError);
    expect(() => embedding(int32([0, -1], [2]), w)).toThrow(
      /embedding: index -1 at position 1 is out of range for 4/,
    );
    expect(() => embedding(int32([7], [1]), w, { maxNorm: 1 })).toThrow(/embedding: index 7/);
  });
  it('float indices', () => {
    expect(() => embedding(tensor([0, 1]), w)).toThrow(DTypeError);
    expect(() => embedding(tensor([0, 1]), w)).toThrow(/embedding: indices must be int32, got float32/);
  });
  it('a weight that is not 2-D or not floating', () => {
    expect(() => embedding(int32([0], [1]), zeros([4]))).toThrow(ShapeError);
    expect(() => embedding(int32([0], [1]), zeros([4]))).toThrow(/embedding: weight must be 2-D .* \[4\]/);
    expect(() => embedding(int32([0], [1]), zeros([4, 2], { dtype: 'int32' }))).toThrow(DTypeError);
  });
  it('paddingIdx, maxNorm or normType out of range', () => {
    expect(() => embedding(int32([0], [1]), w, { paddingIdx: 4 })).toThrow(
      /embedding: paddingIdx 4 is out of range for 4/,
    );
    expect(() => embedding(int32([0], [1]), w, { paddingIdx: -5 })).toThrow(ValueError);
    expect(() => embedding(int32([0], [1]), w, { maxNorm: -1 })).toThrow(
      /embedding: maxNorm must be ≥ 0, got -1/,
    );
    expect(() => embedding(int32([0], [1]), w, { maxNorm: 1, normType: 0 })).toThrow(/normType must be > 0/);
  });
});
