/** A layer called with the wrong input reports the layer the user called, not an op inside it. */
import {
  type DType,
  DTypeError,
  randn,
  ShapeError,
  type Tensor,
  TsgradError,
  tensor,
  ValueError,
  zeros,
} from '@tsgrad/core';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  BCEWithLogitsLoss,
  Conv2d,
  CrossEntropyLoss,
  Flatten,
  LayerNorm,
  LeNet,
  Linear,
  LogSoftmax,
  MaxPool2d,
  type Module,
  MSELoss,
  NLLLoss,
  Sequential,
  Softmax,
} from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';

const f64 = { dtype: 'float64' } as const;
const i32 = { dtype: 'int32' } as const;

/** The error `fn` throws (fails the test if it throws nothing). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, got none');
}

type Forward = Module & { forward(x: Tensor): Tensor };

describe('a layer with weights, called with an input of another dtype', () => {
  const cases: [string, (dtype: DType) => Forward, number[]][] = [
    ['Linear', (dtype) => new Linear(3, 2, { dtype }), [4, 3]],
    ['Conv2d', (dtype) => new Conv2d(1, 2, 3, { dtype }), [1, 1, 5, 5]],
    ['BatchNorm1d', (dtype) => new BatchNorm1d(3, { dtype }), [4, 3]],
    ['BatchNorm2d', (dtype) => new BatchNorm2d(3, { dtype }), [2, 3, 2, 2]],
    ['LayerNorm', (dtype) => new LayerNorm(3, { dtype }), [4, 3]],
    ['LeNet', (dtype) => new LeNet({ dtype }), [1, 1, 28, 28]],
  ];

  it.each(cases)('%s names itself and both dtypes', (name, make, shape) => {
    const layer = make('float32');
    expect(layer.forward(randn(shape)).dtype).toBe('float32');
    const error = thrown(() => layer.forward(randn(shape, f64)));
    expect(error).toBeInstanceOf(DTypeError);
    expect(error.message).toBe(`${name}: input is float64, weights are float32`);
    const fromInt = thrown(() => layer.forward(zeros(shape, i32)));
    expect(fromInt).toBeInstanceOf(DTypeError);
    expect(fromInt.message).toBe(`${name}: input is int32, weights are float32`);
  });

  it.each(cases)('%s with float64 weights refuses float32 input the same way', (name, make, shape) => {
    const layer = make('float64');
    expect(layer.forward(randn(shape, f64)).dtype).toBe('float64');
    expect(() => layer.forward(randn(shape))).toThrow(
      new DTypeError(`${name}: input is float32, weights are float64`),
    );
  });

  it('a BatchNorm without affine weights compares with its running statistics', () => {
    const bn = new BatchNorm1d(3, { affine: false });
    expect(() => bn.forward(randn([4, 3], f64))).toThrow(
      new DTypeError('BatchNorm1d: input is float64, running statistics are float32'),
    );
    const plain = new BatchNorm1d(3, { affine: false, trackRunningStats: false });
    expect(plain.forward(randn([4, 3], f64)).dtype).toBe('float64');
    expect(() => plain.forward(zeros([4, 3], i32))).toThrow(
      new DTypeError('BatchNorm1d: expected a floating dtype (float32 or float64), got int32'),
    );
  });

  it('a LayerNorm without weights accepts either float dtype and refuses int32', () => {
    const ln = new LayerNorm(3, { elementwiseAffine: false });
    expect(ln.forward(randn([2, 3], f64)).dtype).toBe('float64');
    expect(() => ln.forward(zeros([2, 3], i32))).toThrow(/^LayerNorm: expected a floating dtype/);
  });

  it('inside a Sequential, the error names the layer that failed', () => {
    const seq = new Sequential(new Linear(3, 3, f64), new LayerNorm(3));
    expect(() => seq.forward(randn([2, 3], f64))).toThrow(
      new DTypeError('LayerNorm: input is float64, weights are float32'),
    );
  });
});

describe('a layer called with an input of the wrong shape names itself', () => {
  it('Linear: the last dim must be inFeatures', () => {
    const error = thrown(() => new Linear(3, 2).forward(randn([4, 5])));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toBe(
      'Linear: input of shape [4,5] does not match weight of shape [2,3] (expected [*, 3]: inFeatures = 3)',
    );
    expect(() => new Linear(3, 2).forward(randn([]))).toThrow(/^Linear: input of shape \[\]/);
  });

  it('Conv2d: a 4-D input with inChannels channels, at least as large as the kernel', () => {
    const conv = new Conv2d(3, 4, 5);
    expect(() => conv.forward(randn([3, 8, 8]))).toThrow(
      new ShapeError('Conv2d: expected a 4-D input [N, 3, H, W] (inChannels = 3), got shape [3,8,8]'),
    );
    expect(() => conv.forward(randn([1, 2, 8, 8]))).toThrow(/^Conv2d: expected a 4-D input \[N, 3, H, W\]/);
    const small = thrown(() => conv.forward(randn([1, 3, 4, 4])));
    expect(small).toBeInstanceOf(ShapeError);
    expect(small.message).toMatch(/^Conv2d: input of shape \[1,3,4,4\] .* smaller than the kernel 5×5/);
    // The op's own error is kept as the cause.
    expect((small.cause as Error).message).toMatch(/^conv2d: /);
  });

  it('BatchNorm1d, BatchNorm2d and LayerNorm', () => {
    expect(() => new BatchNorm1d(3).forward(randn([4, 5]))).toThrow(/^BatchNorm1d: expected a 2-D or 3-D/);
    expect(() => new BatchNorm2d(3).forward(randn([4, 3]))).toThrow(/^BatchNorm2d: expected a 4-D/);
    expect(() => new LayerNorm([2, 3]).forward(randn([4, 3]))).toThrow(
      /^LayerNorm: input of shape \[4,3\] does not end with normalizedShape \[2,3\]/,
    );
  });

  it('LeNet wants [N, 1, 28, 28] or [N, 784]', () => {
    expect(() => new LeNet().forward(randn([2, 100]))).toThrow(
      new ShapeError('LeNet: expected images [N, 1, 28, 28] or [N, 784], got shape [2,100]'),
    );
    expect(new LeNet().forward(randn([2, 784])).shape).toEqual([2, 10]);
  });

  it.each([
    ['MaxPool2d', () => new MaxPool2d(2)],
    ['AvgPool2d', () => new AvgPool2d(2)],
    ['AdaptiveAvgPool2d', () => new AdaptiveAvgPool2d(2)],
  ] as const)('%s names itself for a 3-D input', (name, make) => {
    const error = thrown(() => make().forward(randn([1, 4, 4])));
    expect(error).toBeInstanceOf(TsgradError);
    expect(error.message.startsWith(`${name}: `)).toBe(true);
    expect(error.message).toContain('[1,4,4]');
  });

  it('Softmax, LogSoftmax and Flatten name themselves for a dim out of range', () => {
    for (const [name, layer] of [
      ['Softmax', new Softmax(2)],
      ['LogSoftmax', new LogSoftmax(2)],
      ['Flatten', new Flatten(3)],
    ] as const) {
      const error = thrown(() => layer.forward(randn([4, 3])));
      expect(error).toBeInstanceOf(ValueError);
      expect(error.message.startsWith(`${name}: `)).toBe(true);
    }
  });
});

describe('a loss module names itself, not the function it calls', () => {
  it('CrossEntropyLoss with a float32 weight on float64 logits', () => {
    const loss = new CrossEntropyLoss({ weight: tensor([1, 2, 3]) });
    const labels = tensor([0, 2], i32);
    const error = thrown(() => loss.forward(randn([2, 3], f64), labels));
    expect(error).toBeInstanceOf(DTypeError);
    expect(error.message).toBe('CrossEntropyLoss: weight is float32 but the input is float64');
    expect((error.cause as Error).message).toMatch(/^crossEntropy: /);
    expect(loss.forward(randn([2, 3]), labels).dtype).toBe('float32');
  });

  it('NLLLoss, MSELoss and BCEWithLogitsLoss on mismatched shapes', () => {
    expect(() => new NLLLoss().forward(randn([2, 3]), tensor([0, 1, 2], i32))).toThrow(
      /^NLLLoss: target of shape \[3\]/,
    );
    const mse = thrown(() => new MSELoss().forward(randn([2]), randn([3])));
    expect(mse).toBeInstanceOf(ShapeError);
    expect(mse.message).toBe('MSELoss: target of shape [3] does not match input of shape [2]');
    expect(() => new BCEWithLogitsLoss().forward(randn([2]), randn([3]))).toThrow(
      /^BCEWithLogitsLoss: target of shape/,
    );
  });
});
