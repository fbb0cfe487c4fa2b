import { readFileSync } from 'node:fs';
import {
  DTypeError,
  GradcheckError,
  grad,
  gradcheck,
  groupNorm,
  layerNorm,
  mul,
  rmsNorm,
  ShapeError,
  sum,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from '@tsgrad/core';
import {
  allCoords,
  at,
  closeArrays,
  flat,
  GRAD_RUNS,
  makeTensor,
  numel,
  shapeArb,
} from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

interface Flat {
  shape: number[];
  data: (number | string)[];
}
interface NormCase {
  name: string;
  op: 'layerNorm' | 'groupNorm' | 'rmsNorm';
  arg: number | number[];
  x: Flat;
  weight?: Flat;
  bias?: Flat;
  eps?: number;
  out: Flat;
  upstream: Flat;
  grads: Flat[];
}

const reference = JSON.parse(
  readFileSync(new URL('./reference/attention_reference.json', import.meta.url), 'utf8'),
) as { norms: NormCase[] };

const toNumber = (x: number | string): number => (typeof x === 'number' ? x : Number(x));
const f64 = (f: Flat, requiresGrad = false): Tensor =>
  tensor(Float64Array.from(f.data, toNumber), { shape: f.shape, dtype: 'float64', requiresGrad });

function run(op: NormCase['op'], x: Tensor, arg: number | number[], w?: Tensor, b?: Tensor, eps?: number) {
  if (op === 'layerNorm') return layerNorm(x, arg, w, b, eps);
  if (op === 'groupNorm') return groupNorm(x, arg as number, w, b, eps);
  return rmsNorm(x, arg, w, eps);
}

describe('layerNorm, groupNorm (torch.nn.functional) and rmsNorm (PyTorch 2.4 formula) references', () => {
  for (const c of reference.norms) {
    it(`${c.name}: output and gradients`, () => {
      const x = f64(c.x, true);
      const w = c.weight === undefined ? undefined : f64(c.weight, true);
      const b = c.bias === undefined ? undefined : f64(c.bias, true);
      const out = run(c.op, x, c.arg, w, b, c.eps);
      expect(out.shape).toEqual(c.out.shape);
      expect(closeArrays(flat(out), c.out.data.map(toNumber), 1e-10, 1e-12)).toBe(true);
      const inputs = [x, w, b].filter((t): t is Tensor => t !== undefined);
      const grads = grad(sum(mul(out, f64(c.upstream))), inputs);
      grads.forEach((g, i) => {
        expect(closeArrays(flat(g!), c.grads[i]!.data.map(toNumber), 1e-9, 1e-11)).toBe(true);
      });
    });
  }
});

const seedArb = fc.integer({ min: 0, max: 1 << 30 });
const values = { kind: 'uniform', min: -2, max: 2 } as const;

/** x of rank 1–4, the number of trailing dims normalised, and whether weight and bias are given. */
const trailingArb = fc
  .tuple(shapeArb({ minRank: 1, maxRank: 4, minDim: 1, maxDim: 3 }), seedArb, fc.boolean(), fc.boolean())
  .chain(([shape, seed, hasWeight, hasBias]) =>
    fc.integer({ min: 1, max: shape.length }).map((k) => {
      const normalized = shape.slice(shape.length - k);
      return {
        x: makeTensor(shape, values, seed),
        normalized,
        weight: hasWeight ? makeTensor(normalized, values, seed + 1) : undefined,
        bias: hasBias ? makeTensor(normalized, values, seed + 2) : undefined,
      };
    }),
  );

/** x [N, C, *] with C = groups · perGroup, and per-channel weight and bias (or none). */
const groupArb = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    groups: fc.integer({ min: 1, max: 3 }),
    perGroup: fc.integer({ min: 1, max: 2 }),
    spatial: shapeArb({ maxRank: 2, maxDim: 3 }),
    affine: fc.boolean(),
    seed: seedArb,
  })
  .map(({ n, groups, perGroup, spatial, affine, seed }) => {
    const c = groups * perGroup;
    return {
      x: makeTensor([n, c, ...spatial], values, seed),
      groups,
      weight: affine ? makeTensor([c], values, seed + 1) : undefined,
      bias: affine ? makeTensor([c], values, seed + 2) : undefined,
    };
  });

/** mean and biased variance of the elements of x at the coordinates `pick` selects, by plain loops. */
function moments(x: Tensor, pick: (co: number[]) => boolean): [number, number] {
  const d = flat(x);
  const sel = allCoords(x.shape)
    .filter(pick)
    .map((co) => at(d, x.shape, co));
  const m = sel.reduce((a, b) => a + b, 0) / sel.length;
  return [m, sel.reduce((a, b) => a + (b - m) ** 2, 0) / sel.length];
}

describe('normalisation properties', () => {
  it('layerNorm: each trailing block has mean 0 and variance var/(var+eps), then the affine map', () => {
    fc.assert(
      fc.property(trailingArb, ({ x, normalized, weight, bias }) => {
        const eps = 1e-5;
        const y = layerNorm(x, normalized, weight, bias, eps);
        const lead = x.ndim - normalized.length;
        const d = flat(x);
        const expected = allCoords(x.shape).map((co) => {
          const [m, v] = moments(x, (c) => c.slice(0, lead).every((ci, i) => ci === co[i]));
          const tail = co.slice(lead);
          const w = weight === undefined ? 1 : at(flat(weight), normalized, tail);
          const b = bias === undefined ? 0 : at(flat(bias), normalized, tail);
          return ((at(d, x.shape, co) - m) / Math.sqrt(v + eps)) * w + b;
        });
        expect(closeArrays(flat(y), expected, 1e-10, 1e-12)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('layerNorm: gradcheck of x, weight and bias', () => {
    fc.assert(
      fc.property(trailingArb, ({ x, normalized, weight, bias }) => {
        const inputs = [x, weight, bias].filter((t): t is Tensor => t !== undefined);
        return gradcheck(
          (...ts) => layerNorm(ts[0]!, normalized, weight && ts[1], bias && ts[weight ? 2 : 1]),
          inputs,
        );
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('groupNorm: each (sample, group) block is standardised, then the per-channel affine map', () => {
    fc.assert(
      fc.property(groupArb, ({ x, groups, weight, bias }) => {
        const eps = 1e-5;
        const y = groupNorm(x, groups, weight, bias, eps);
        const per = x.shape[1]! / groups;
        const d = flat(x);
        const expected = allCoords(x.shape).map((co) => {
          const g = Math.floor(co[1]! / per);
          const [m, v] = moments(x, (c) => c[0] === co[0] && Math.floor(c[1]! / per) === g);
          const w = weight === undefined ? 1 : flat(weight)[co[1]!]!;
          const b = bias === undefined ? 0 : flat(bias)[co[1]!]!;
          return ((at(d, x.shape, co) - m) / Math.sqrt(v + eps)) * w + b;
        });
        expect(closeArrays(flat(y), expected, 1e-10, 1e-12)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('groupNorm: gradcheck of x, weight and bias', () => {
    fc.assert(
      fc.property(groupArb, ({ x, groups, weight, bias }) => {
        const inputs = weight === undefined ? [x] : [x, weight, bias!];
        return gradcheck((a, w, b) => groupNorm(a!, groups, w, b), inputs);
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('rmsNorm: x / √(mean(x²) + eps) · weight over the trailing dims', () => {
    fc.assert(
      fc.property(trailingArb, ({ x, normalized, weight }) => {
        const eps = 1e-6;
        const y = rmsNorm(x, normalized, weight, eps);
        const lead = x.ndim - normalized.length;
        const d = flat(x);
        const expected = allCoords(x.shape).map((co) => {
          const block = allCoords(x.shape).filter((c) => c.slice(0, lead).every((ci, i) => ci === co[i]));
          const ms = block.reduce((a, c) => a + at(d, x.shape, c) ** 2, 0) / block.length;
          const w = weight === undefined ? 1 : at(flat(weight), normalized, co.slice(lead));
          return (at(d, x.shape, co) / Math.sqrt(ms + eps)) * w;
        });
        expect(closeArrays(flat(y), expected, 1e-10, 1e-12)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('rmsNorm: gradcheck of x and weight', () => {
    fc.assert(
      fc.property(trailingArb, ({ x, normalized, weight }) =>
        gradcheck((a, w) => rmsNorm(a!, normalized, w), weight === undefined ? [x] : [x, weight]),
      ),
      { numRuns: GRAD_RUNS },
    );
  });

  it('a deliberately wrong layerNorm gradient (variance treated as a constant) fails gradcheck', () => {
    const wrong = (x: Tensor) => {
      const m = x.mean(-1, true);
      const v = x.sub(m).square().mean(-1, true).detach();
      return x.sub(m).div(v.add(1e-5).sqrt());
    };
    const x = makeTensor([2, 4], values, 3);
    expect(closeArrays(flat(wrong(x)), flat(layerNorm(x, 4)), 1e-12, 1e-12)).toBe(true);
    expect(() => gradcheck(wrong, [x])).toThrow(GradcheckError);
    expect(gradcheck((a) => layerNorm(a, 4), [x])).toBe(true);
  });

  it('strided (permuted) inputs and size-0 batches', () => {
    const base = makeTensor([4, 2, 3], values, 21);
    const x = base.permute(1, 2, 0); // [2, 3, 4], not contiguous
    const w = makeTensor([4], values, 22);
    const expected = layerNorm(x.contiguous(), 4, w);
    expect(closeArrays(flat(layerNorm(x, 4, w)), flat(expected), 1e-12, 1e-12)).toBe(true);
    expect(gradcheck((b) => layerNorm(b.permute(1, 2, 0), [3, 4]), [base])).toBe(true);
    expect(gradcheck((b) => groupNorm(b.permute(1, 0, 2), 2), [makeTensor([4, 2, 2], values, 23)])).toBe(
      true,
    );
    expect(gradcheck((b) => rmsNorm(b.t(), 2), [makeTensor([2, 3], values, 24)])).toBe(true);
    expect(layerNorm(zeros([0, 4]), 4).shape).toEqual([0, 4]);
    expect(groupNorm(zeros([0, 4, 2]), 2).shape).toEqual([0, 4, 2]);
    expect(rmsNorm(zeros([0, 3]), 3).shape).toEqual([0, 3]);
  });

  it("rmsNorm's eps defaults to the dtype's machine epsilon", () => {
    const x = tensor([1e-4, -1e-4, 1e-4, -1e-4], { dtype: 'float64' });
    const y64 = flat(rmsNorm(x, [4]))[0]!;
    expect(y64).toBeCloseTo(1e-4 / Math.sqrt(1e-8 + 2 ** -52), 12);
    const y32 = flat(rmsNorm(x.to('float32'), [4]))[0]!;
    expect(y32).toBeCloseTo(1e-4 / Math.sqrt(1e-8 + 2 ** -23), 6);
    expect(Math.abs(y32 - 1)).toBeGreaterThan(0.1);
  });

  it('float32 inputs give float32 outputs close to float64', () => {
    const x = makeTensor([3, 5], values, 9, false);
    expect(layerNorm(x.to('float32'), 5).dtype).toBe('float32');
    expect(closeArrays(flat(layerNorm(x.to('float32'), 5)), flat(layerNorm(x, 5)), 1e-4, 1e-5)).toBe(true);
    expect(
      closeArrays(
        flat(groupNorm(x.to('float32').reshape(3, 5, 1), 5)),
        flat(groupNorm(x.reshape(3, 5, 1), 5)),
        1e-4,
        1e-4,
      ),
    ).toBe(true);
    expect(numel(rmsNorm(x.to('float32'), 5).shape)).toBe(15);
  });
});

describe('normalisation errors name the op and the shapes', () => {
  const x = zeros([2, 3, 4]);
  it('layerNorm: normalizedShape that is not the input tail, affine shapes, dtypes', () => {
    expect(() => layerNorm(x, [3])).toThrow(ShapeError);
    expect(() => layerNorm(x, [3])).toThrow(
      /layerNorm: given normalizedShape \[3\], expected an input of shape \[\*,3\], got \[2,3,4\]/,
    );
    expect(() => layerNorm(x, [1, 2, 3, 4])).toThrow(ShapeError);
    expect(() => layerNorm(x, 4, zeros([3]))).toThrow(
      /layerNorm: weight of shape \[3\] should have shape \[4\]/,
    );
    expect(() => layerNorm(x, 4, null, zeros([4], { dtype: 'float64' }))).toThrow(DTypeError);
    expect(() => layerNorm(zeros([2], { dtype: 'int32' }), 2)).toThrow(DTypeError);
    expect(() => layerNorm(x, 4, null, null, -1)).toThrow(ValueError);
  });
  it('groupNorm: channels not divisible into groups, rank < 2, affine shape', () => {
    expect(() => groupNorm(x, 2)).toThrow(ValueError);
    expect(() => groupNorm(x, 2)).toThrow(
      /groupNorm: the channels of an input of shape \[2,3,4\] \(3\) are not divisible into numGroups=2 groups/,
    );
    expect(() => groupNorm(zeros([3]), 1)).toThrow(
      /groupNorm: expected an input of shape \[N, C, \*\], got \[3\]/,
    );
    expect(() => groupNorm(x, 3, zeros([4]))).toThrow(
      /groupNorm: weight of shape \[4\] should have shape \[3\]/,
    );
  });
  it('rmsNorm: normalizedShape and weight', () => {
    expect(() => rmsNorm(x, [2, 4])).toThrow(/rmsNorm: given normalizedShape \[2,4\]/);
    expect(() => rmsNorm(x, 4, zeros([2, 4]))).toThrow(
      /rmsNorm: weight of shape \[2,4\] should have shape \[4\]/,
    );
  });
});
