import { Generator, gradcheck, randint, randn, ShapeError, tensor, ValueError } from '@tsgrad/core';
import {
  Adam,
  AdaptiveAvgPool2d,
  AvgPool2d,
  Conv2d,
  CrossEntropyLoss,
  LeNet,
  lenet,
  MaxPool2d,
} from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';

describe('Conv2d', () => {
  it("gives PyTorch's output shapes for stride, padding, dilation and groups", () => {
    const x = randn([2, 4, 9, 7]);
    expect(new Conv2d(4, 6, 3).forward(x).shape).toEqual([2, 6, 7, 5]);
    expect(new Conv2d(4, 6, [3, 1], { stride: 2, padding: 1 }).forward(x).shape).toEqual([2, 6, 5, 5]);
    expect(new Conv2d(4, 6, 3, { dilation: 2, groups: 2 }).forward(x).shape).toEqual([2, 6, 5, 3]);
    expect(new Conv2d(4, 2, 5, { padding: 'same' }).forward(x).shape).toEqual([2, 2, 9, 7]);
  });

  it("initialises weight and bias in U(±1/√fanIn), PyTorch's default", () => {
    const conv = new Conv2d(6, 32, 5, { groups: 2, generator: new Generator(1) });
    expect(conv.weight.shape).toEqual([32, 3, 5, 5]);
    const bound = 1 / Math.sqrt(3 * 25);
    const w = conv.weight.toFlatArray();
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    // A uniform on ±b has standard deviation b/√3; 2400 draws land close to it.
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.9 * (bound / Math.sqrt(3)));
    expect(std).toBeLessThan(1.1 * (bound / Math.sqrt(3)));
    expect(Math.max(...conv.bias!.toFlatArray().map(Math.abs))).toBeLessThanOrEqual(bound);
  });

  it('draws the same weights from the same seed', () => {
    const a = new Conv2d(2, 3, 3, { generator: new Generator(5) });
    const b = new Conv2d(2, 3, 3, { generator: new Generator(5) });
    expect(a.weight.toFlatArray()).toEqual(b.weight.toFlatArray());
    expect(a.bias!.toFlatArray()).toEqual(b.bias!.toFlatArray());
  });

  it('registers weight and bias (none with bias: false) and prints its settings', () => {
    expect(new Conv2d(1, 2, 3).namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    const conv = new Conv2d(1, 2, 3, { bias: false, padding: 1 });
    expect(conv.namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(conv.toString()).toBe('Conv2d(1, 2, kernelSize=[3,3], stride=[1,1], padding=[1,1], bias=false)');
  });

  it('has gradients for input, weight and bias that match finite differences', () => {
    const g = new Generator(2);
    const conv = new Conv2d(2, 4, 3, {
      stride: [1, 2],
      padding: 1,
      groups: 2,
      dtype: 'float64',
      generator: g,
    });
    const x = randn([2, 2, 5, 5], { dtype: 'float64', requiresGrad: true, generator: g });
    // The layer reads its own parameters, which gradcheck perturbs in place.
    gradcheck((xi) => conv.forward(xi!), [x, conv.weight, conv.bias!]);
  });

  it('rejects channel counts that groups do not divide, and inputs with the wrong channels', () => {
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(
      new ValueError('Conv2d: inChannels 3 and outChannels 4 must both be divisible by groups 2'),
    );
    expect(() => new Conv2d(0, 4, 3)).toThrow(/Conv2d: inChannels must be a positive integer, got 0/);
    expect(() => new Conv2d(3, 4, 3).forward(randn([1, 2, 8, 8]))).toThrow(ShapeError);
    expect(() => new Conv2d(3, 4, 5).forward(randn([1, 3, 4, 4]))).toThrow(
      'Conv2d: input of shape [1,3,4,4] with padding 0 is smaller than the kernel 5×5',
    );
  });
});

describe('pooling layers', () => {
  const x = tensor([
    [
      [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10, 11, 12],
        [13, 14, 15, 16],
      ],
    ],
  ]);

  it('MaxPool2d takes the maximum of each window', () => {
    expect(new MaxPool2d(2).forward(x).toArray()).toEqual([
      [
        [
          [6, 8],
          [14, 16],
        ],
      ],
    ]);
    expect(new MaxPool2d(3, { stride: 1 }).forward(x).toArray()).toEqual([
      [
        [
          [11, 12],
          [15, 16],
        ],
      ],
    ]);
  });

  it('AvgPool2d averages each window, with and without padded zeros in the divisor', () => {
    expect(new AvgPool2d(2).forward(x).toArray()).toEqual([
      [
        [
          [3.5, 5.5],
          [11.5, 13.5],
        ],
      ],
    ]);
    // The top-left window with padding 1 covers 1, 2, 5, 6 and five zeros.
    expect(new AvgPool2d(3, { stride: 3, padding: 1 }).forward(x).toFlatArray()[0]).toBeCloseTo(14 / 9, 6);
    const exclude = new AvgPool2d(3, { stride: 3, padding: 1, countIncludePad: false });
    expect(exclude.forward(x).toFlatArray()[0]).toBeCloseTo(14 / 4, 6);
  });

  it('AdaptiveAvgPool2d reaches the requested size whatever the input size', () => {
    const pool = new AdaptiveAvgPool2d([3, 1]);
    expect(pool.forward(x).toArray()).toEqual([[[[4.5], [8.5], [12.5]]]]);
    expect(pool.forward(randn([2, 3, 7, 5])).shape).toEqual([2, 3, 3, 1]);
    expect(new AdaptiveAvgPool2d(1).forward(x).toFlatArray()).toEqual([8.5]);
  });

  it('have no parameters', () => {
    expect(new MaxPool2d(2).parameters()).toEqual([]);
    expect(new AvgPool2d(2).parameters()).toEqual([]);
    expect(new AdaptiveAvgPool2d(2).parameters()).toEqual([]);
  });
});

describe('LeNet', () => {
  it('maps [N,1,28,28] (or [N,784]) images to [N,10] logits with 56,042 parameters by default', () => {
    const model = lenet({ generator: new Generator(0) });
    expect(model.forward(randn([3, 1, 28, 28])).shape).toEqual([3, 10]);
    expect(model.forward(randn([2, 784])).shape).toEqual([2, 10]);
    expect(model.numParameters()).toBe(56_042);
    expect(model.namedParameters().map(([n]) => n)).toEqual([
      'conv1.weight',
      'conv1.bias',
      'conv2.weight',
      'conv2.bias',
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
    ]);
    expect(new LeNet({ channels: [4, 6], hidden: 32 }).numParameters()).toBe(
      4 * 26 + 6 * 101 + 150 * 32 + 32 + 330,
    );
  });

  it('fits a small fixed batch (the loss falls by more than half in 25 Adam steps)', () => {
    const g = new Generator(3);
    const model = new LeNet({ channels: [4, 8], hidden: 32, generator: g });
    const images = randn([16, 1, 28, 28], { generator: g });
    const labels = randint(0, 10, [16], { generator: g });
    const lossFn = new CrossEntropyLoss();
    const opt = new Adam(model.parameters(), { lr: 3e-3 });
    let first = 0;
    let last = 0;
    for (let step = 0; step < 25; step++) {
      opt.zeroGrad();
      const loss = lossFn.forward(model.forward(images), labels);
      loss.backward();
      opt.step();
      if (step === 0) first = loss.item();
      last = loss.item();
    }
    expect(last).toBeLessThan(first / 2);
  });
});
