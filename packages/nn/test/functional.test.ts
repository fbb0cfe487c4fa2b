import { DTypeError, Generator, gradcheck, randn, ShapeError, tensor, ValueError } from '@tsgrad/core';
import { F, init } from '@tsgrad/nn';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const f64 = { dtype: 'float64' } as const;

describe('F.linear', () => {
  it('computes x·Wᵀ + b', () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      f64,
    );
    const w = tensor(
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      f64,
    );
    const b = tensor([10, 20, 30], f64);
    expect(F.linear(x, w, b).toArray()).toEqual([
      [11, 22, 33],
      [13, 24, 37],
    ]);
    expect(F.linear(x, w).toArray()).toEqual([
      [1, 2, 3],
      [3, 4, 7],
    ]);
  });

  it('rejects a bias of the wrong length and a weight that is not 2-D', () => {
    const x = randn([2, 3]);
    expect(() => F.linear(x, randn([4, 3]), randn([3]))).toThrow(ShapeError);
    expect(() => F.linear(x, randn([3]))).toThrow('weight must be 2-D');
  });

  it('passes gradcheck for all three operands', () => {
    const g = new Generator(2);
    const x = randn([3, 4], { ...f64, generator: g, requiresGrad: true });
    const w = randn([2, 4], { ...f64, generator: g, requiresGrad: true });
    const b = randn([2], { ...f64, generator: g, requiresGrad: true });
    expect(gradcheck(F.linear, [x, w, b])).toBe(true);
  });
});

describe('F activations', () => {
  const xs = [-2, -0.5, 0, 0.5, 3];
  const x = tensor(xs, f64);

  it('relu is max(x, 0) element by element', () => {
    expect(F.relu(x).toFlatArray()).toEqual([0, 0, 0, 0.5, 3]);
  });

  it('sigmoid is 1 / (1 + e⁻ˣ) and tanh is (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ)', () => {
    const sig = F.sigmoid(x).toFlatArray();
    const th = F.tanh(x).toFlatArray();
    for (const [i, v] of xs.entries()) {
      expect(sig[i]).toBeCloseTo(1 / (1 + Math.exp(-v)), 14);
      expect(th[i]).toBeCloseTo((Math.exp(v) - Math.exp(-v)) / (Math.exp(v) + Math.exp(-v)), 14);
    }
    expect(sig[2]).toBe(0.5);
    expect(th[2]).toBe(0);
  });

  it('softmax along dim 1 is eˣ divided by its row sum; logSoftmax is its log', () => {
    const rows = [
      [1, 2, 3],
      [0, 0, Math.log(2)],
    ];
    const m = tensor(rows, f64);
    // Row [0, 0, ln 2] has e-values [1, 1, 2], so its softmax is exactly [1/4, 1/4, 1/2].
    const expected = rows.map((r) => {
      const e = r.map(Math.exp);
      const total = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / total);
    });
    const soft = F.softmax(m, 1).toArray() as number[][];
    const logSoft = F.logSoftmax(m).toArray() as number[][];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        expect(soft[i]![j]).toBeCloseTo(expected[i]![j]!, 14);
        expect(logSoft[i]![j]).toBeCloseTo(Math.log(expected[i]![j]!), 14);
      }
    }
    expect(soft[1]).toEqual([0.25, 0.25, 0.5].map((v) => expect.closeTo(v, 15)));
    // Along dim 0 instead: each column sums to 1.
    const cols = F.softmax(m, 0).toArray() as number[][];
    for (let j = 0; j < 3; j++) expect(cols[0]![j]! + cols[1]![j]!).toBeCloseTo(1, 14);
    expect(cols[0]![0]).toBeCloseTo(Math.E / (Math.E + 1), 14);
  });
});

describe('F.softplus', () => {
  it('is log(1 + eˣ), finite for ±1000, and x itself above the threshold (20), as PyTorch', () => {
    const xs = [-1000, -30, -1, 0, 0.5, 30, 1000];
    const out = F.softplus(tensor(xs, f64)).toFlatArray();
    const expected = [
      0,
      Math.log1p(Math.exp(-30)),
      Math.log1p(Math.exp(-1)),
      Math.LN2,
      Math.log1p(Math.exp(0.5)),
      30,
      1000,
    ];
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(expected[i]!, 14);
    const noThreshold = F.softplus(tensor([30], f64), { threshold: Number.POSITIVE_INFINITY }).item();
    expect(noThreshold).toBe(30 + Math.log1p(Math.exp(-30)));
  });

  it('with beta: log(1 + e^(βx)) / β', () => {
    const out = F.softplus(tensor([-1, 0, 2], f64), { beta: 2 }).toFlatArray();
    const expected = [-1, 0, 2].map((v) => Math.log1p(Math.exp(2 * v)) / 2);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(expected[i]!, 14);
  });

  it('has gradient sigmoid(x), also exactly at x = 0', () => {
    const x = tensor([0, -2, 3], { ...f64, requiresGrad: true });
    F.softplus(x).sum().backward();
    const grads = x.grad!.toFlatArray();
    expect(grads[0]).toBe(0.5);
    expect(grads[1]).toBeCloseTo(1 / (1 + Math.exp(2)), 14);
    expect(grads[2]).toBeCloseTo(1 / (1 + Math.exp(-3)), 14);
  });

  it('passes gradcheck on random inputs', () => {
    fc.assert(
      fc.property(
        // Away from the threshold at 20, where PyTorch's softplus switches to x.
        fc.array(fc.double({ min: -19, max: 19, noNaN: true }), { minLength: 1, maxLength: 6 }),
        (xs) => {
          const x = tensor(xs, { ...f64, requiresGrad: true });
          return gradcheck((t) => F.softplus(t), [x]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('rejects int32 input', () => {
    expect(() => F.softplus(tensor([1], { dtype: 'int32' }))).toThrow(DTypeError);
  });
});

describe('F.dropout', () => {
  it('is the identity when not training', () => {
    const x = randn([4]);
    expect(F.dropout(x, 0.5, false)).toBe(x);
  });

  it('draws its mask from the given generator', () => {
    const x = randn([30]);
    const a = F.dropout(x, 0.4, true, new Generator(3)).toArray();
    const b = F.dropout(x, 0.4, true, new Generator(3)).toArray();
    expect(a).toEqual(b);
  });

  it('rejects p outside [0, 1]', () => {
    expect(() => F.dropout(randn([2]), 2)).toThrow(ValueError);
  });
});

describe('dtype checks', () => {
  it("use core's requireFloating, so F and init report int32 the way core ops do", () => {
    const i32 = tensor([1, 2], { dtype: 'int32' });
    const core = /expected a floating dtype \(float32 or float64\), got int32/;
    expect(() => F.softplus(i32)).toThrow(core);
    expect(() => F.dropout(i32, 0.5)).toThrow(core);
    expect(() => F.mseLoss(i32, i32)).toThrow(/^mseLoss: expected a floating dtype/);
    expect(() => F.crossEntropy(i32, i32)).toThrow(/^crossEntropy: expected a floating dtype/);
    expect(() => init.uniform(i32)).toThrow(/^uniform: expected a floating dtype/);
    expect(() => init.kaimingNormal(tensor([[1]], { dtype: 'int32' }))).toThrow(DTypeError);
  });
});
