import { gradcheck, matmul, type Tensor, tensor } from '@tsgrad/core';
import {
  allCoords,
  broadcastPairArb,
  closeArrays,
  expectedBroadcast,
  flat,
  GRAD_RUNS,
  makeTensor,
  numel,
} from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type Form = '1x1' | '1xN' | 'Nx1' | 'NxN';

interface MatmulCase {
  form: Form;
  a: Tensor;
  b: Tensor;
}

/**
 * A leaf of `shape`; when `transposed`, a transposed view of a contiguous leaf (its last two dims
 * swapped in memory), so the kernel reads strided operands.
 */
function operand(shape: readonly number[], seed: number, transposed: boolean): Tensor {
  const kind = { kind: 'uniform', min: -2, max: 2 } as const;
  if (!transposed || shape.length < 2) return makeTensor(shape, kind, seed);
  const swapped = [...shape.slice(0, -2), shape[shape.length - 1]!, shape[shape.length - 2]!];
  const base = makeTensor(swapped, kind, seed, false);
  return base.transpose(-2, -1).requiresGrad_();
}

const caseArb: fc.Arbitrary<MatmulCase> = fc
  .record({
    form: fc.constantFrom<Form>('1x1', '1xN', 'Nx1', 'NxN', 'NxN'),
    m: fc.integer({ min: 1, max: 4 }),
    k: fc.integer({ min: 1, max: 4 }),
    n: fc.integer({ min: 1, max: 4 }),
    batches: broadcastPairArb({ maxRank: 2 }),
    ta: fc.boolean(),
    tb: fc.boolean(),
    seed: fc.integer({ min: 0, max: 1 << 30 }),
  })
  .map(({ form, m, k, n, batches: [ba, bb], ta, tb, seed }) => {
    const aShape = form === '1x1' || form === '1xN' ? [k] : [...ba, m, k];
    const bShape = form === '1x1' || form === 'Nx1' ? [k] : [...bb, k, n];
    return { form, a: operand(aShape, seed, ta), b: operand(bShape, seed + 1, tb) };
  });

/** PyTorch's matmul shape rule, written out. */
function expectedShape(a: readonly number[], b: readonly number[]): number[] {
  if (a.length === 1 && b.length === 1) return [];
  if (a.length === 1) return [...b.slice(0, -2), b[b.length - 1]!];
  if (b.length === 1) return a.slice(0, -1);
  return [...expectedBroadcast(a.slice(0, -2), b.slice(0, -2)), a[a.length - 2]!, b[b.length - 1]!];
}

/** A triple loop over promoted operands, batch dims broadcast by index arithmetic. */
function naiveMatmul(a: Tensor, b: Tensor): number[] {
  const as = a.ndim === 1 ? [1, a.shape[0]!] : [...a.shape];
  const bs = b.ndim === 1 ? [b.shape[0]!, 1] : [...b.shape];
  const da = flat(a);
  const db = flat(b);
  const m = as[as.length - 2]!;
  const k = as[as.length - 1]!;
  const n = bs[bs.length - 1]!;
  const batchA = as.slice(0, -2);
  const batchB = bs.slice(0, -2);
  const batch = expectedBroadcast(batchA, batchB);
  const offsetOf = (shape: number[], co: number[]) => {
    const lead = co.length - shape.length;
    let p = 0;
    for (let d = 0; d < shape.length; d++) p = p * shape[d]! + (shape[d] === 1 ? 0 : co[lead + d]!);
    return p;
  };
  const out: number[] = [];
  for (const co of allCoords(batch)) {
    const oa = offsetOf(batchA, co) * m * k;
    const ob = offsetOf(batchB, co) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += da[oa + i * k + p]! * db[ob + p * n + j]!;
        out.push(acc);
      }
    }
  }
  return out;
}

describe('matmul', () => {
  it('output shape follows PyTorch (1-D·1-D, 1-D·2-D, 2-D·1-D, batched with broadcast batch dims)', () => {
    fc.assert(
      fc.property(caseArb, ({ a, b }) => {
        expect(matmul(a, b).shape).toEqual(expectedShape(a.shape, b.shape));
      }),
      { numRuns: 60 },
    );
  });

  it('values match a triple loop, transposed (strided) operands included', () => {
    fc.assert(
      fc.property(caseArb, ({ a, b }) => {
        const out = matmul(a, b);
        expect(numel(out.shape)).toBe(naiveMatmul(a, b).length);
        expect(closeArrays(flat(out), naiveMatmul(a, b), 1e-12, 1e-12)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('gradients of both operands match finite differences in every form', () => {
    fc.assert(
      fc.property(caseArb, ({ a, b }) => gradcheck(matmul, [a, b])),
      { numRuns: GRAD_RUNS },
    );
  });

  it('float32 products of larger matrices match a float64 triple loop', () => {
    const a = makeTensor([17, 33], { kind: 'uniform', min: -1, max: 1 }, 5, false);
    const b = makeTensor([33, 9], { kind: 'uniform', min: -1, max: 1 }, 6, false);
    const got = flat(matmul(a.to('float32'), b.to('float32')));
    const want = naiveMatmul(a.to('float32').to('float64'), b.to('float32').to('float64'));
    expect(closeArrays(got, want, 1e-4, 1e-5)).toBe(true);
  });

  it('reads an expanded (stride-0) operand in place', () => {
    const row = tensor([[1, 2, 3]], { dtype: 'float64' });
    const a = row.expand(4, 3);
    const b = tensor([[1], [0], [-1]], { dtype: 'float64' });
    expect(flat(matmul(a, b))).toEqual([-2, -2, -2, -2]);
    expect(flat(matmul(b.t(), a.t()))).toEqual([-2, -2, -2, -2]);
  });
});
