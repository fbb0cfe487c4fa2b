import { einsum, gradcheck, matmul, ShapeError, type Tensor, tensor, ValueError } from '@tsgrad/core';
import { allCoords, closeArrays, drawValues, numel } from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distinctValues, leaf } from './helpers/order-arbitraries.js';
import { checkGradCase, referenceCases } from './reference/order-reference.js';

/** A random einsum problem: an equation, operand shapes, and what the output labels are. */
interface Problem {
  equation: string;
  shapes: number[][];
  /** Per operand, the label of each dim ('0', '1', … for the ellipsis positions). */
  dimLabels: string[][];
  output: string[];
  sizes: Record<string, number>;
}

const letters = ['a', 'b', 'c', 'd', 'E'];

/** Random equations: 1–3 operands, repeated letters (diagonals), '...' with broadcasting, implicit or explicit output. */
const problemArb: fc.Arbitrary<Problem> = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: letters.length, maxLength: letters.length }),
    ellipsisSizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 2 }),
    terms: fc.array(
      fc.record({
        labels: fc.array(fc.constantFrom(...letters), { maxLength: 3 }),
        ellipsis: fc.option(
          fc.record({
            at: fc.nat(),
            rank: fc.integer({ min: 0, max: 2 }),
            ones: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
          }),
          { nil: undefined },
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    explicit: fc.boolean(),
    outputPick: fc.array(fc.boolean(), { minLength: letters.length, maxLength: letters.length }),
    outputOrder: fc.nat(),
  })
  .map(({ sizes, ellipsisSizes, terms, explicit, outputPick, outputOrder }) => {
    const size: Record<string, number> = {};
    letters.forEach((l, i) => {
      size[l] = sizes[i]!;
    });
    const E = Math.max(0, ...terms.map((t) => (t.ellipsis ? t.ellipsis.rank : 0)));
    const ell = Array.from({ length: E }, (_, k) => String(k));
    ell.forEach((l, k) => {
      size[l] = ellipsisSizes[k]!;
    });
    const shapes: number[][] = [];
    const dimLabels: string[][] = [];
    const strs = terms.map((t) => {
      const syms: string[] = [...t.labels];
      const dims: string[] = [...t.labels];
      const shape = t.labels.map((l) => size[l]!);
      if (t.ellipsis) {
        const at = t.ellipsis.at % (syms.length + 1);
        const e = t.ellipsis.rank;
        const eLabels = ell.slice(E - e);
        syms.splice(at, 0, '...');
        dims.splice(at, 0, ...eLabels);
        shape.splice(at, 0, ...eLabels.map((l, j) => (t.ellipsis!.ones[j] ? 1 : size[l]!)));
      }
      shapes.push(shape);
      dimLabels.push(dims);
      return syms.join('');
    });
    // An ellipsis dim that every operand broadcasts (size 1 everywhere) has size 1.
    for (const l of ell) {
      let s = 1;
      dimLabels.forEach((dims, i) => {
        dims.forEach((d, k) => {
          if (d === l) s = Math.max(s, shapes[i]![k]!);
        });
      });
      size[l] = s;
    }
    const used = new Set(terms.flatMap((t) => t.labels));
    let output: string[];
    let equation = strs.join(',');
    const hasEllipsis = terms.some((t) => t.ellipsis);
    if (explicit) {
      const chosen = letters.filter((l, i) => used.has(l) && outputPick[i]);
      // Rotate for a non-alphabetical order.
      const r = chosen.length === 0 ? 0 : outputOrder % chosen.length;
      const rotated = [...chosen.slice(r), ...chosen.slice(0, r)];
      output = hasEllipsis ? [...ell, ...rotated] : rotated;
      equation += `->${hasEllipsis ? '...' : ''}${rotated.join('')}`;
    } else {
      const counts = new Map<string, number>();
      for (const t of terms) for (const l of t.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
      const once = [...counts.entries()]
        .filter(([, c]) => c === 1)
        .map(([l]) => l)
        .sort();
      output = [...ell, ...once];
    }
    return { equation, shapes, dimLabels, output, sizes: size };
  });

/** einsum by its definition: Σ over every label assignment of the product of operand entries. */
function einsumReference(p: Problem, operands: readonly number[][]): { shape: number[]; data: number[] } {
  const all = [...new Set(p.dimLabels.flat())];
  const outShape = p.output.map((l) => p.sizes[l]!);
  const out = new Array<number>(numel(outShape)).fill(0);
  for (const c of allCoords(all.map((l) => p.sizes[l]!))) {
    const at = (l: string) => c[all.indexOf(l)]!;
    let prod = 1;
    p.dimLabels.forEach((labels, i) => {
      let pos = 0;
      labels.forEach((l, k) => {
        const s = p.shapes[i]![k]!;
        pos = pos * s + (s === 1 ? 0 : at(l));
      });
      prod *= operands[i]![pos]!;
    });
    let o = 0;
    p.output.forEach((l, k) => {
      o = o * outShape[k]! + at(l);
    });
    out[o]! += prod;
  }
  return { shape: outShape, data: out };
}

/** Operands of the problem's shapes, every other one a strided (transposed-buffer) leaf. */
function operandsOf(p: Problem, seed: number, requiresGrad: boolean): Tensor[] {
  return p.shapes.map((s, i) => {
    const values = drawValues(numel(s), { kind: 'uniform', min: -1, max: 1 }, seed + i);
    const x = leaf(s, values, (seed + i) % 2 === 1);
    return requiresGrad ? x : x.detach();
  });
}

describe('einsum', () => {
  it('matches PyTorch: matmul, batches, traces, diagonals, ellipsis, chains, implicit output (values and gradients)', () => {
    const cases = referenceCases('einsum');
    expect(cases.length).toBeGreaterThan(8);
    for (const c of cases) checkGradCase(c, (...xs) => einsum(c.args.equation, ...xs));
  });

  it('equals the sum over all label assignments, for random equations', () => {
    fc.assert(
      fc.property(problemArb, fc.nat(1000), (p, seed) => {
        const xs = operandsOf(p, seed, false);
        const y = einsum(p.equation, ...xs);
        const ref = einsumReference(
          p,
          xs.map((x) => x.toFlatArray()),
        );
        expect(y.shape).toEqual(ref.shape);
        expect(closeArrays(y.toFlatArray(), ref.data, 1e-10, 1e-10)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('passes gradcheck for random equations', () => {
    fc.assert(
      fc.property(problemArb, fc.nat(1000), (p, seed) =>
        gradcheck((...xs) => einsum(p.equation, ...xs), operandsOf(p, seed, true)),
      ),
      { numRuns: 40 },
    );
  });

  it('equals the explicit permute/matmul composition for a batched contraction', () => {
    const a = tensor(distinctValues(24, 1), { shape: [2, 3, 4], dtype: 'float64' });
    const b = tensor(distinctValues(30, 2), { shape: [2, 5, 3], dtype: 'float64' });
    // 'bij,bkj->bki' is Bᵀ-free: out[b] = (a[b] · b[b]ᵀ)ᵀ.
    const viaMatmul = matmul(a.permute(0, 2, 1), b.permute(0, 2, 1)).permute(0, 2, 1);
    const viaEinsum = einsum('bji,bkj->bki', a, b);
    expect(closeArrays(viaEinsum.toFlatArray(), viaMatmul.contiguous().toFlatArray())).toBe(true);
    expect(einsum(' i j , j k -> i k ', a.select(0, 0), a.select(0, 1).t()).shape).toEqual([3, 3]);
  });

  it('works in float32 and with size-0 dims', () => {
    const y = einsum('ij,jk->ik', tensor([[1, 2]]), tensor([[3], [4]]));
    expect([y.dtype, y.toArray()]).toEqual(['float32', [[11]]]);
    expect(
      einsum('ij,jk->ik', tensor([], { shape: [2, 0] }), tensor([], { shape: [0, 3] })).toArray(),
    ).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('names einsum for bad equations and shape mismatches', () => {
    const m = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(() => einsum('ij,jk', m)).toThrow(
      /einsum: equation 'ij,jk' names 2 operand\(s\) but 1 were given/,
    );
    expect(() => einsum('ijk', m)).toThrow(ShapeError);
    expect(() => einsum('ijk', m)).toThrow(
      /einsum: operand 0 of shape \[2,2\] has 2 dims but subscripts 'ijk' name 3/,
    );
    expect(() => einsum('ij,jk', m, tensor([[1], [2], [3]]))).toThrow(
      /einsum: subscript 'j' has size 3 in operand 1 \(shape \[3,1\]\) but 2 elsewhere/,
    );
    expect(() => einsum('i1', m)).toThrow(ValueError);
    expect(() => einsum('ij->ii', m)).toThrow(/einsum: output subscript 'i' repeats/);
    expect(() => einsum('ij->k', m)).toThrow(/einsum: output subscript 'k' appears in no operand/);
    expect(() => einsum('i..j', m)).toThrow(/einsum: invalid '.'/);
    expect(() => einsum('ij->i->j', m)).toThrow(/more than one '->'/);
    expect(() => einsum('ij')).toThrow(/needs at least one operand/);
  });
});
