import { DTypeError, Generator, gradcheck, randn, ShapeError, tensor, ValueError } from '@tsgrad/core';
import { F } from '@tsgrad/nn';
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
  it('match the core ops', () => {
    const x = randn([2, 5], f64);
    expect(F.relu(x).toArray()).toEqual(x.relu().toArray());
    expect(F.sigmoid(x).toArray()).toEqual(x.sigmoid().toArray());
    expect(F.tanh(x).toArray()).toEqual(x.tanh().toArray());
    expect(F.softmax(x, 1).toArray()).toEqual(x.softmax(1).toArray());
    expect(F.logSoftmax(x).toArray()).toEqual(x.logSoftmax(-1).toArray());
  });
});

describe('F.softplus', () => {
  it('is log(1 + eˣ), finite for ±1000', () => {
    const xs = [-1000, -30, -1, 0, 0.5, 30, 1000];
    const out = F.softplus(tensor(xs, f64)).toFlatArray();
    const expected = [
      0,
      Math.log1p(Math.exp(-30)),
      Math.log1p(Math.exp(-1)),
      Math.LN2,
      Math.log1p(Math.exp(0.5)),
      30 + Math.log1p(Math.exp(-30)),
      1000,
    ];
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
        fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 1, maxLength: 6 }),
        (xs) => {
          const x = tensor(xs, { ...f64, requiresGrad: true });
          return gradcheck(F.softplus, [x]);
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
