import { readFileSync } from 'node:fs';
import {
  add,
  type DType,
  DTypeError,
  eye,
  Generator,
  grad,
  gradcheck,
  matmul,
  mul,
  ShapeError,
  scaledDotProductAttention,
  softmax,
  sum,
  Tensor,
  tensor,
  transpose,
  ValueError,
  zeros,
} from '@tsgrad/core';
import { closeArrays, flat, GRAD_RUNS, makeTensor, numel } from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

interface Flat {
  shape: number[];
  data: (number | string)[];
}
interface AttentionCase {
  name: string;
  q: Flat;
  k: Flat;
  v: Flat;
  isCausal: boolean;
  scale?: number;
  mask?: Flat;
  maskKind?: 'bool' | 'float';
  out: Flat;
  upstream: Flat;
  grads: Flat[];
}

const reference = JSON.parse(
  readFileSync(new URL('./reference/attention_reference.json', import.meta.url), 'utf8'),
) as { attention: AttentionCase[] };

const toNumber = (x: number | string): number => (typeof x === 'number' ? x : Number(x));
const f64 = (f: Flat, requiresGrad = false): Tensor =>
  tensor(Float64Array.from(f.data, toNumber), { shape: f.shape, dtype: 'float64', requiresGrad });
const int32 = (f: Flat): Tensor => tensor(Int32Array.from(f.data, toNumber), { shape: f.shape });

describe('scaledDotProductAttention against PyTorch 2 semantics (composition computed by torch)', () => {
  for (const c of reference.attention) {
    it(`${c.name}: output and gradients of q, k, v`, () => {
      const [q, k, v] = [f64(c.q, true), f64(c.k, true), f64(c.v, true)];
      let attnMask: Tensor | undefined;
      if (c.mask !== undefined) attnMask = c.maskKind === 'bool' ? int32(c.mask) : f64(c.mask);
      const out = scaledDotProductAttention(q, k, v, { attnMask, isCausal: c.isCausal, scale: c.scale });
      expect(out.shape).toEqual(c.out.shape);
      expect(closeArrays(flat(out), c.out.data.map(toNumber), 1e-10, 1e-12)).toBe(true);
      const grads = grad(sum(mul(out, f64(c.upstream))), [q, k, v]);
      grads.forEach((g, i) => {
        expect(closeArrays(flat(g!), c.grads[i]!.data.map(toNumber), 1e-10, 1e-12)).toBe(true);
      });
    });
  }
});

/** softmax(q·kᵀ·scale + bias)·v written out with core ops: the composition PyTorch documents. */
function composition(q: Tensor, k: Tensor, v: Tensor, bias: Tensor | null, scale: number): Tensor {
  const scores = mul(matmul(q, transpose(k, -2, -1)), scale);
  return matmul(softmax(bias === null ? scores : add(scores, bias), -1), v);
}

/** The additive causal bias [L, S]: 0 where key j ≤ query i, else −∞. */
function causalBias(L: number, S: number): Tensor {
  const data = new Float64Array(L * S);
  for (let i = 0; i < L; i++)
    for (let j = 0; j < S; j++) data[i * S + j] = j <= i ? 0 : Number.NEGATIVE_INFINITY;
  return tensor(data, { shape: [L, S], dtype: 'float64' });
}

type MaskKind = 'none' | 'causal' | 'bool' | 'float' | 'oneKey';

/** A 0/1 keep mask [L, S] with at least one kept key per row (exactly one for 'oneKey' rows). */
function keepMask(
  L: number,
  S: number,
  kind: MaskKind,
  bits: readonly boolean[],
  keys: readonly number[],
): number[] {
  const out: number[] = [];
  for (let i = 0; i < L; i++) {
    const only = keys[i]! % S;
    for (let j = 0; j < S; j++) {
      if (kind === 'causal') out.push(j <= i ? 1 : 0);
      else if (kind === 'oneKey')
        out.push(i % 2 === 0 ? (j === only ? 1 : 0) : bits[i * S + j] || j === only ? 1 : 0);
      else out.push(bits[i * S + j] || j === only ? 1 : 0);
    }
  }
  return out;
}

const seedArb = fc.integer({ min: 0, max: 1 << 30 });

/** Random small q, k, v (batch dims broadcast) and a mask of one kind (causal needs L ≤ S to keep a key per row). */
const attentionArb = fc
  .record({
    batch: fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 2 }),
    kBatchOne: fc.boolean(),
    L: fc.integer({ min: 1, max: 3 }),
    S: fc.integer({ min: 1, max: 4 }),
    E: fc.integer({ min: 1, max: 3 }),
    Ev: fc.integer({ min: 1, max: 3 }),
    kind: fc.constantFrom<MaskKind>('none', 'causal', 'bool', 'float', 'oneKey'),
    maskBatch: fc.boolean(),
    scale: fc.option(fc.double({ min: 0.1, max: 2, noNaN: true }), { nil: undefined }),
    seed: seedArb,
  })
  .chain((p) =>
    fc
      .tuple(
        fc.array(fc.boolean(), { minLength: p.L * p.S, maxLength: p.L * p.S }),
        fc.array(fc.nat(), { minLength: p.L, maxLength: p.L }),
      )
      .map(([bits, keys]) => {
        const S = p.kind === 'causal' ? Math.max(p.S, p.L) : p.S;
        const vals = { kind: 'uniform', min: -1.5, max: 1.5 } as const;
        const kb = p.kBatchOne ? p.batch.map(() => 1) : p.batch;
        const q = makeTensor([...p.batch, p.L, p.E], vals, p.seed);
        const k = makeTensor([...kb, S, p.E], vals, p.seed + 1);
        const v = makeTensor([...kb, S, p.Ev], vals, p.seed + 2);
        const keep = keepMask(p.L, S, p.kind, bits, keys);
        const maskShape =
          p.maskBatch && p.batch.length > 0
            ? [p.batch[0]!, ...p.batch.slice(1).map(() => 1), p.L, S]
            : [p.L, S];
        const reps = numel(maskShape) / (p.L * S);
        const keepData = Array.from({ length: reps }, () => keep).flat();
        let attnMask: Tensor | undefined;
        let bias: Tensor | null = null;
        const biasOf = (m: readonly number[], shape: readonly number[]) =>
          tensor(
            Float64Array.from(m, (x) => (x ? 0 : Number.NEGATIVE_INFINITY)),
            { shape, dtype: 'float64' },
          );
        if (p.kind === 'bool' || p.kind === 'oneKey') {
          attnMask = tensor(Int32Array.from(keepData), { shape: maskShape });
          bias = biasOf(keepData, maskShape);
        } else if (p.kind === 'float') {
          attnMask = makeTensor(maskShape, { kind: 'uniform', min: -2, max: 2 }, p.seed + 3);
          bias = attnMask;
        } else if (p.kind === 'causal') {
          bias = biasOf(keep, [p.L, S]);
        }
        return {
          q,
          k,
          v,
          attnMask,
          bias,
          isCausal: p.kind === 'causal',
          scale: p.scale,
          E: p.E,
          kind: p.kind,
        };
      }),
  );

describe('scaledDotProductAttention properties', () => {
  it('equals softmax(q·kᵀ·scale + mask)·v for causal, bool-like, float and one-key masks', () => {
    fc.assert(
      fc.property(attentionArb, ({ q, k, v, attnMask, bias, isCausal, scale, E }) => {
        const out = scaledDotProductAttention(q, k, v, { attnMask, isCausal, scale });
        const expected = composition(q, k, v, bias, scale ?? 1 / Math.sqrt(E));
        expect(out.shape).toEqual(expected.shape);
        expect(closeArrays(flat(out), flat(expected), 1e-12, 1e-12)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it('gradcheck of q, k, v (and a float mask) for every mask kind', () => {
    fc.assert(
      fc.property(attentionArb, ({ q, k, v, attnMask, isCausal, scale, kind }) => {
        const inputs = kind === 'float' ? [q, k, v, attnMask!] : [q, k, v];
        return gradcheck(
          (a, b, c, m) => scaledDotProductAttention(a!, b!, c!, { attnMask: m ?? attnMask, isCausal, scale }),
          inputs,
        );
      }),
      { numRuns: GRAD_RUNS },
    );
  });

  it('rows whose mask removes every key give 0 and a zero gradient, not NaN (PyTorch ≥ 2.5)', () => {
    const q = makeTensor([2, 3], { kind: 'uniform', min: -1, max: 1 }, 1);
    const k = makeTensor([4, 3], { kind: 'uniform', min: -1, max: 1 }, 2);
    const v = makeTensor([4, 2], { kind: 'uniform', min: -1, max: 1 }, 3);
    const mask = tensor(new Int32Array([1, 0, 1, 1, 0, 0, 0, 0]), { shape: [2, 4] });
    const out = scaledDotProductAttention(q, k, v, { attnMask: mask });
    expect(flat(out).slice(2)).toEqual([0, 0]);
    expect(flat(out).slice(0, 2).every(Number.isFinite)).toBe(true);
    const [gq, gk, gv] = grad(sum(out), [q, k, v]);
    expect(flat(gq!).slice(3)).toEqual([0, 0, 0]);
    for (const g of [gq!, gk!, gv!]) expect(flat(g).every(Number.isFinite)).toBe(true);
    // The same with an all −∞ float mask row.
    const floatMask = tensor(
      [
        [0, Number.NEGATIVE_INFINITY, 0, 0],
        [
          Number.NEGATIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
        ],
      ],
      { dtype: 'float64' },
    );
    expect(flat(scaledDotProductAttention(q, k, v, { attnMask: floatMask }))).toEqual(flat(out));
  });

  it('is numerically stable: scores of ±1000 stay finite and match the shifted softmax', () => {
    const q = tensor([[1000, -1000]], { dtype: 'float64' });
    const k = tensor(
      [
        [1, 0],
        [0, 1],
        [1, 0.001],
      ],
      { dtype: 'float64' },
    );
    const v = eye(3, 3, { dtype: 'float64' });
    const out = flat(scaledDotProductAttention(q, k, v, { scale: 1 }));
    const s = [1000, -1000, 999];
    const m = Math.max(...s);
    const e = s.map((x) => Math.exp(x - m));
    const z = e.reduce((a, b) => a + b, 0);
    expect(
      closeArrays(
        out,
        e.map((x) => x / z),
      ),
    ).toBe(true);
  });

  it('a boolean mask of dtype bool is treated as a keep mask too', () => {
    // Stands in for the bool dtype being added in parallel: only the dtype name differs from int32.
    class BoolLike extends Tensor {
      override get dtype(): DType {
        return 'bool' as DType;
      }
    }
    const q = makeTensor([2, 3], { kind: 'uniform', min: -1, max: 1 }, 4);
    const k = makeTensor([3, 3], { kind: 'uniform', min: -1, max: 1 }, 5);
    const v = makeTensor([3, 2], { kind: 'uniform', min: -1, max: 1 }, 6);
    const keep = new Int32Array([1, 0, 1, 0, 1, 1]);
    const viaBool = scaledDotProductAttention(q, k, v, { attnMask: new BoolLike(keep, [2, 3]) });
    const viaInt = scaledDotProductAttention(q, k, v, { attnMask: new Tensor(keep, [2, 3]) });
    expect(flat(viaBool)).toEqual(flat(viaInt));
  });

  it('dropout zeroes a fraction p of the weights (within 4σ), rescales the rest, and repeats with the seed', () => {
    const S = 50;
    const L = 200;
    const p = 0.3;
    const q = zeros([L, 4]);
    const k = zeros([S, 4]);
    const v = eye(S);
    const out = scaledDotProductAttention(q, k, v, { dropoutP: p, generator: new Generator(11) });
    const values = flat(out);
    const zerosCount = values.filter((x) => x === 0).length;
    const n = L * S;
    expect(Math.abs(zerosCount - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)));
    const kept = 1 / S / (1 - p);
    expect(values.every((x) => x === 0 || Math.abs(x - kept) < 1e-6)).toBe(true);
    const again = scaledDotProductAttention(q, k, v, { dropoutP: p, generator: new Generator(11) });
    expect(flat(again)).toEqual(values);
    const other = scaledDotProductAttention(q, k, v, { dropoutP: p, generator: new Generator(12) });
    expect(flat(other)).not.toEqual(values);
    expect(flat(scaledDotProductAttention(q, k, v, { dropoutP: 1 })).every((x) => x === 0)).toBe(true);
  });

  it('strided (transposed) key and value, and size-0 L or S', () => {
    const q = makeTensor([2, 3, 2], { kind: 'uniform', min: -1, max: 1 }, 13);
    const kStore = makeTensor([2, 2, 4], { kind: 'uniform', min: -1, max: 1 }, 14);
    const vStore = makeTensor([3, 4], { kind: 'uniform', min: -1, max: 1 }, 15);
    const run = (a: Tensor, ks: Tensor, vs: Tensor) =>
      scaledDotProductAttention(a, transpose(ks, -2, -1), transpose(vs, 0, 1), { isCausal: true });
    const expected = composition(
      q,
      kStore.mT.contiguous(),
      vStore.t().contiguous(),
      causalBias(3, 4),
      1 / Math.sqrt(2),
    );
    expect(closeArrays(flat(run(q, kStore, vStore)), flat(expected), 1e-12, 1e-12)).toBe(true);
    expect(gradcheck(run, [q, kStore, vStore])).toBe(true);
    // No keys: every row is fully masked, so the output is 0; no queries: an empty output.
    const noKeys = scaledDotProductAttention(
      q,
      zeros([2, 0, 2], { dtype: 'float64' }),
      zeros([2, 0, 5], { dtype: 'float64' }),
    );
    expect(noKeys.shape).toEqual([2, 3, 5]);
    expect(flat(noKeys).every((x) => x === 0)).toBe(true);
    const noQueries = scaledDotProductAttention(zeros([2, 0, 2]), zeros([2, 4, 2]), zeros([2, 4, 5]));
    expect(noQueries.shape).toEqual([2, 0, 5]);
  });

  it('works in float32 and defaults the scale to 1/√E', () => {
    const q = makeTensor([2, 4], { kind: 'uniform', min: -1, max: 1 }, 7, false);
    const k = makeTensor([3, 4], { kind: 'uniform', min: -1, max: 1 }, 8, false);
    const v = makeTensor([3, 2], { kind: 'uniform', min: -1, max: 1 }, 9, false);
    const out32 = scaledDotProductAttention(q.to('float32'), k.to('float32'), v.to('float32'));
    expect(out32.dtype).toBe('float32');
    const expected = composition(q, k, v, null, 0.5);
    expect(closeArrays(flat(out32), flat(expected), 1e-5, 1e-6)).toBe(true);
  });

  it('an int32 0/1 mask is a keep mask: masked keys get no weight and no gradient', () => {
    const q = makeTensor([1, 2], { kind: 'uniform', min: -1, max: 1 }, 10);
    const k = makeTensor([3, 2], { kind: 'uniform', min: -1, max: 1 }, 11);
    const v = makeTensor([3, 1], { kind: 'uniform', min: -1, max: 1 }, 12);
    const mask = tensor(new Int32Array([0, 1, 0]), { shape: [1, 3] });
    const out = scaledDotProductAttention(q, k, v, { attnMask: mask });
    expect(closeArrays(flat(out), [flat(v)[1]!])).toBe(true);
    const [gk] = grad(sum(out), [k]);
    expect(flat(gk!)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('scaledDotProductAttention errors name the op and the shapes', () => {
  const q = zeros([2, 3, 4]);
  const k = zeros([2, 5, 4]);
  const v = zeros([2, 5, 6]);
  it('mismatched E or S', () => {
    expect(() => scaledDotProductAttention(q, zeros([2, 5, 3]), v)).toThrow(ShapeError);
    expect(() => scaledDotProductAttention(q, zeros([2, 5, 3]), v)).toThrow(
      /scaledDotProductAttention: query and key must share the last dim \(E\), got query \[2,3,4\], key \[2,5,3\], value \[2,5,6\]/,
    );
    expect(() => scaledDotProductAttention(q, k, zeros([2, 4, 6]))).toThrow(
      /key and value must share dim −2 \(S\)/,
    );
    expect(() => scaledDotProductAttention(zeros([4]), k, v)).toThrow(/at least 2 dims/);
    expect(() => scaledDotProductAttention(zeros([3, 3, 4]), k, v)).toThrow(/batch dims do not broadcast/);
  });
  it('a mask that does not broadcast to [..., L, S]', () => {
    expect(() => scaledDotProductAttention(q, k, v, { attnMask: zeros([3, 4]) })).toThrow(ShapeError);
    expect(() => scaledDotProductAttention(q, k, v, { attnMask: zeros([4, 2, 3, 5]) })).toThrow(
      /attnMask of shape \[4,2,3,5\] does not broadcast to the attention shape \[2,3,5\]/,
    );
  });
  it('bad dtypes, options and combinations', () => {
    expect(() => scaledDotProductAttention(q, k.to('float64'), v)).toThrow(DTypeError);
    expect(() =>
      scaledDotProductAttention(q, k, v, { attnMask: zeros([3, 5], { dtype: 'float64' }) }),
    ).toThrow(/a float attnMask must have the query's dtype float32, got float64/);
    expect(() => scaledDotProductAttention(q, k, v, { dropoutP: 1.5 })).toThrow(ValueError);
    expect(() => scaledDotProductAttention(q, k, v, { scale: Number.NaN })).toThrow(
      /scale must be a finite number/,
    );
    expect(() => scaledDotProductAttention(q, k, v, { isCausal: true, attnMask: zeros([3, 5]) })).toThrow(
      /attnMask cannot be given together with isCausal/,
    );
  });
});
