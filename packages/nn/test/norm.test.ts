import { Generator, gradcheck, randn, ShapeError, type Tensor, ValueError } from '@tsgrad/core';
import { BatchNorm1d, BatchNorm2d, LayerNorm } from '@tsgrad/nn';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Per-channel (dim 1) mean and biased variance, computed with plain loops. */
function channelStats(x: Tensor): { mean: number[]; variance: number[]; count: number } {
  const data = x.toFlatArray();
  const c = x.shape[1]!;
  const inner = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const values: number[][] = Array.from({ length: c }, () => []);
  data.forEach((v, i) => {
    values[Math.floor(i / inner) % c]!.push(v);
  });
  const mean = values.map((vs) => vs.reduce((a, b) => a + b, 0) / vs.length);
  const variance = values.map((vs, ch) => vs.reduce((a, v) => a + (v - mean[ch]!) ** 2, 0) / vs.length);
  return { mean, variance, count: values[0]!.length };
}

function expectAllClose(actual: readonly number[], expected: readonly number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    if (Math.abs(a - expected[i]!) > tol) throw new Error(`element ${i}: ${a} vs ${expected[i]}`);
  });
}

const shape2dArb = fc.record({
  n: fc.integer({ min: 2, max: 4 }),
  c: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 1, max: 4 }),
  w: fc.integer({ min: 1, max: 4 }),
  scale: fc.double({ min: 0.5, max: 20, noNaN: true }),
  shift: fc.double({ min: -50, max: 50, noNaN: true }),
  seed: fc.integer({ min: 0, max: 1 << 30 }),
});

describe('BatchNorm2d', () => {
  it('in training mode, gives every channel mean 0 and variance 1 (up to eps)', () => {
    fc.assert(
      fc.property(shape2dArb, ({ n, c, h, w, scale, shift, seed }) => {
        const x = randn([n, c, h, w], { dtype: 'float64', generator: new Generator(seed) })
          .mul(scale)
          .add(shift);
        const { variance } = channelStats(x);
        fc.pre(variance.every((v) => v > 1e-3));
        const bn = new BatchNorm2d(c, { dtype: 'float64', eps: 0 });
        const stats = channelStats(bn.forward(x));
        expectAllClose(stats.mean, new Array(c).fill(0), 1e-9);
        expectAllClose(stats.variance, new Array(c).fill(1), 1e-8);
      }),
      { numRuns: 60 },
    );
  });

  it('updates the running mean and unbiased running variance by the momentum rule', () => {
    const g = new Generator(11);
    const momentum = 0.3;
    const bn = new BatchNorm2d(3, { momentum, dtype: 'float64' });
    let runningMean = [0, 0, 0];
    let runningVar = [1, 1, 1];
    for (let batch = 0; batch < 4; batch++) {
      const x = randn([4, 3, 2, 3], { dtype: 'float64', generator: g })
        .mul(batch + 1)
        .add(batch);
      bn.forward(x);
      const { mean, variance, count } = channelStats(x);
      runningMean = runningMean.map((r, ch) => (1 - momentum) * r + momentum * mean[ch]!);
      runningVar = runningVar.map(
        (r, ch) => (1 - momentum) * r + (momentum * variance[ch]! * count) / (count - 1),
      );
    }
    expectAllClose(bn.runningMean!.toFlatArray(), runningMean, 1e-12);
    expectAllClose(bn.runningVar!.toFlatArray(), runningVar, 1e-12);
    expect(bn.numBatchesTracked!.item()).toBe(4);
  });

  it('with momentum null, keeps the cumulative average of the batch statistics', () => {
    const g = new Generator(12);
    const bn = new BatchNorm2d(2, { momentum: null, dtype: 'float64' });
    const means: number[][] = [];
    for (let batch = 0; batch < 3; batch++) {
      const x = randn([3, 2, 2, 2], { dtype: 'float64', generator: g }).add(batch * 2);
      bn.forward(x);
      means.push(channelStats(x).mean);
    }
    expectAllClose(
      bn.runningMean!.toFlatArray(),
      [0, 1].map((ch) => (means[0]![ch]! + means[1]![ch]! + means[2]![ch]!) / 3),
      1e-12,
    );
  });

  it('in eval mode, normalises with the running statistics and leaves them unchanged', () => {
    const g = new Generator(13);
    const bn = new BatchNorm2d(2, { dtype: 'float64' });
    for (let i = 0; i < 3; i++)
      bn.forward(randn([4, 2, 3, 3], { dtype: 'float64', generator: g }).mul(3).add(1));
    bn.weight!.data.set([2, -1]);
    bn.bias!.data.set([0.5, 3]);
    bn.eval();
    const rm = bn.runningMean!.toFlatArray();
    const rv = bn.runningVar!.toFlatArray();
    const x = randn([2, 2, 3, 3], { dtype: 'float64', generator: g });
    const y = bn.forward(x).toFlatArray();
    const expected = x.toFlatArray().map((v, i) => {
      const ch = Math.floor(i / 9) % 2;
      return ((v - rm[ch]!) / Math.sqrt(rv[ch]! + 1e-5)) * [2, -1][ch]! + [0.5, 3][ch]!;
    });
    expectAllClose(y, expected, 1e-12);
    expect(bn.runningMean!.toFlatArray()).toEqual(rm);
    expect(bn.numBatchesTracked!.item()).toBe(3);
  });

  it('has gradients for input, weight and bias that match finite differences (training mode)', () => {
    const g = new Generator(14);
    const bn = new BatchNorm2d(2, { dtype: 'float64' });
    bn.weight!.data.set([1.5, -0.5]);
    const x = randn([3, 2, 2, 2], { dtype: 'float64', requiresGrad: true, generator: g });
    gradcheck((xi) => bn.forward(xi!), [x, bn.weight!, bn.bias!]);
  });

  it('saves its parameters and running statistics in the state dict', () => {
    expect(Object.keys(new BatchNorm2d(4).stateDict())).toEqual([
      'weight',
      'bias',
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    const plain = new BatchNorm2d(4, { affine: false, trackRunningStats: false });
    expect(Object.keys(plain.stateDict())).toEqual([]);
    expect(plain.parameters()).toEqual([]);
  });

  it('without running statistics, uses the batch statistics in eval mode too', () => {
    const bn = new BatchNorm2d(2, { trackRunningStats: false, dtype: 'float64', eps: 0 }).eval();
    const x = randn([3, 2, 2, 2], { dtype: 'float64', generator: new Generator(15) })
      .mul(4)
      .add(-2);
    expectAllClose(channelStats(bn.forward(x)).mean, [0, 0], 1e-12);
  });

  it('rejects inputs of the wrong rank or channel count, and single values per channel in training', () => {
    const bn = new BatchNorm2d(3);
    expect(() => bn.forward(randn([2, 4, 2, 2]))).toThrow(
      new ShapeError('BatchNorm2d: expected a 4-D input with 3 channels in dim 1, got shape [2,4,2,2]'),
    );
    expect(() => bn.forward(randn([2, 3, 4]))).toThrow(
      /BatchNorm2d: expected a 4-D input .* got shape \[2,3,4\]/,
    );
    expect(() => bn.forward(randn([1, 3, 1, 1]))).toThrow(
      new ValueError(
        'BatchNorm2d: expected more than 1 value per channel when training, got input of shape [1,3,1,1]',
      ),
    );
    expect(() => new BatchNorm2d(0)).toThrow(/numFeatures must be a positive integer/);
    expect(() => new BatchNorm2d(2, { momentum: 2 })).toThrow(/momentum must be in \[0, 1\]/);
  });
});

describe('BatchNorm1d', () => {
  it('normalises [N, C] and [N, C, L] inputs per channel in training mode', () => {
    const g = new Generator(16);
    for (const shape of [
      [8, 3],
      [4, 3, 5],
    ]) {
      const x = randn(shape, { dtype: 'float64', generator: g }).mul(7).add(3);
      const stats = channelStats(new BatchNorm1d(3, { dtype: 'float64', eps: 0 }).forward(x));
      expectAllClose(stats.mean, [0, 0, 0], 1e-9);
      expectAllClose(stats.variance, [1, 1, 1], 1e-9);
    }
    expect(() => new BatchNorm1d(3).forward(randn([2, 3, 2, 2]))).toThrow(
      'BatchNorm1d: expected a 2-D or 3-D input with 3 channels in dim 1, got shape [2,3,2,2]',
    );
  });

  it('tracks running statistics over [N, C] batches', () => {
    const bn = new BatchNorm1d(2, { dtype: 'float64' });
    const x = randn([5, 2], { dtype: 'float64', generator: new Generator(17) });
    bn.forward(x);
    const { mean, variance } = channelStats(x);
    expectAllClose(
      bn.runningMean!.toFlatArray(),
      mean.map((m) => 0.1 * m),
      1e-12,
    );
    expectAllClose(
      bn.runningVar!.toFlatArray(),
      variance.map((v) => 0.9 + (0.1 * v * 5) / 4),
      1e-12,
    );
  });
});

describe('LayerNorm', () => {
  it('gives each sample mean 0 and variance 1 over the normalised dims', () => {
    const x = randn([3, 2, 4, 5], { dtype: 'float64', generator: new Generator(18) })
      .mul(5)
      .add(2);
    const y = new LayerNorm([4, 5], { dtype: 'float64', eps: 0 }).forward(x).reshape([6, 20]);
    const rows = y.toArray() as number[][];
    for (const row of rows) {
      const mean = row.reduce((a, b) => a + b, 0) / row.length;
      const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length;
      expect(mean).toBeCloseTo(0, 10);
      expect(variance).toBeCloseTo(1, 10);
    }
  });

  it('has gradients for input, weight and bias that match finite differences', () => {
    const g = new Generator(19);
    const ln = new LayerNorm(4, { dtype: 'float64' });
    ln.weight!.data.set([1, 2, -1, 0.5]);
    ln.bias!.data.set([0, 1, 0, -1]);
    const x = randn([3, 4], { dtype: 'float64', requiresGrad: true, generator: g });
    gradcheck((xi) => ln.forward(xi!), [x, ln.weight!, ln.bias!]);
  });

  it('has no parameters without elementwiseAffine, and checks the trailing shape', () => {
    expect(new LayerNorm(4, { elementwiseAffine: false }).parameters()).toEqual([]);
    expect(() => new LayerNorm([4, 5]).forward(randn([2, 5, 4]))).toThrow(
      new ShapeError('LayerNorm: input of shape [2,5,4] does not end with normalizedShape [4,5]'),
    );
  });
});
