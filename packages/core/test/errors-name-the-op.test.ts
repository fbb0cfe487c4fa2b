import {
  avgPool2d,
  cat,
  conv2d,
  DTypeError,
  pad,
  randn,
  ShapeError,
  stack,
  type Tensor,
  tensor,
  ValueError,
} from '@tsgrad/core';
import { describe, expect, it } from 'vitest';

const x = randn([4, 3]);
const ints = tensor([1, 2], { dtype: 'int32' });

// Each composite op is built from others (softmax from amax, exp, sum, div; std from var and
// sqrt; …); its errors must still name the op the user called, with the user's shapes.
const cases: [string, () => unknown, new (m: string) => Error, string][] = [
  ['softmax', () => x.softmax(2), ValueError, 'softmax: dim 2 is out of range for a tensor of rank 2'],
  ['logSoftmax', () => x.logSoftmax(5), ValueError, 'logSoftmax: dim 5 is out of range'],
  ['softmax of int32', () => ints.softmax(), DTypeError, 'softmax: expected a floating dtype'],
  ['logSoftmax of int32', () => ints.logSoftmax(), DTypeError, 'logSoftmax: expected a floating dtype'],
  ['mean', () => x.mean(3), ValueError, 'mean: dim 3 is out of range'],
  ['var', () => x.var(4), ValueError, 'var: dim 4 is out of range'],
  ['std', () => x.std(4), ValueError, 'std: dim 4 is out of range'],
  ['std of int32', () => ints.std(), DTypeError, 'std: expected a floating dtype'],
  ['logsumexp', () => x.logsumexp(9), ValueError, 'logsumexp: dim 9 is out of range'],
  ['flatten', () => x.flatten(5), ValueError, 'flatten: dim 5 is out of range'],
  ['transpose', () => x.transpose(0, 4), ValueError, 'transpose: dim 4 is out of range'],
  ['chunk', () => x.chunk(2, 7), ValueError, 'chunk: dim 7 is out of range'],
  ['split', () => x.split([1, 1], 0), ShapeError, 'split: sizes [1,1] sum to 2, but dim 0 has size 4'],
  ['narrow', () => x.narrow(0, 3, 5), ValueError, 'narrow: start 3 with length 5 is out of range'],
  [
    'stack',
    () => stack([x, randn([2])]),
    ShapeError,
    'stack: all tensors must have the same shape, got [4,3], [2]',
  ],
  ['view', () => x.t().view(12), ShapeError, 'view: tensor of shape [3,4] is not contiguous'],
  [
    'expandAs',
    () => x.expandAs(randn([2])),
    ShapeError,
    'expandAs: cannot expand shape [4,3] to fewer dims [2]',
  ],
  [
    'matmul of vectors',
    () => randn([3]).matmul(randn([4])),
    ShapeError,
    'matmul: shapes [3] and [4] do not align (3 ≠ 4)',
  ],
  ['max along a dim', () => x.max(3), ValueError, 'max: dim 3 is out of range'],
  [
    'conv2d same',
    () => conv2d(randn([1, 1, 5, 5]), randn([1, 2, 3, 3]), null, { padding: 'same' }),
    ShapeError,
    'conv2d: weight of shape [1,2,3,3] expects 2 input channels',
  ],
  [
    'avgPool2d',
    () => avgPool2d(randn([1, 5, 5]), 2),
    ShapeError,
    'avgPool2d: expected a 4-D input [N,C,H,W], got shape [1,5,5]',
  ],
  ['pad', () => pad(x, [1]), ValueError, 'pad: padding [1] must have an even length'],
  ['cat', () => cat([x, randn([2, 2])]), ShapeError, 'cat: shapes [4,3], [2,2] differ outside dim 0'],
  [
    'copy_',
    () => x.clone().copy_(randn([5])),
    ShapeError,
    'copy_: source of shape [5] does not broadcast to [4,3]',
  ],
];

describe('errors name the op the user called', () => {
  it.each(cases)('%s', (_name, call, kind, message) => {
    expect(call).toThrow(kind);
    expect(call).toThrow(message);
  });
});

describe('shapes and dim lists as separate numbers or one array', () => {
  const y = randn([2, 3, 4]);
  it('permute(2, 0, 1) equals permute([2, 0, 1])', () => {
    expect(y.permute(2, 0, 1).shape).toEqual([4, 2, 3]);
    expect(y.permute([2, 0, 1]).toArray()).toEqual(y.permute(2, 0, 1).toArray());
  });
  it('reshape, view and expand take both forms', () => {
    expect(y.reshape(6, 4).shape).toEqual([6, 4]);
    expect(y.reshape([6, 4]).shape).toEqual([6, 4]);
    expect(y.view([4, 6]).shape).toEqual([4, 6]);
    expect(randn([1, 3]).expand([2, 3]).shape).toEqual([2, 3]);
  });
  it('anything else is a ValueError naming the method, never a raw TypeError', () => {
    const loose = y as unknown as Record<string, (...args: unknown[]) => Tensor>;
    expect(() => loose.reshape!.call(y, undefined)).toThrow(
      'reshape: expected sizes as numbers or one array of numbers, got (undefined)',
    );
    expect(() => loose.permute!.call(y, { 0: 1 })).toThrow(ValueError);
    expect(() => loose.expand!.call(y, '2')).toThrow('expand: expected sizes as numbers');
  });
});
