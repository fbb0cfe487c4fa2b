import {
  AutogradError,
  arange,
  cat,
  DTypeError,
  gather,
  indexSelect,
  matmul,
  oneHot,
  ShapeError,
  scalar,
  scatterAdd,
  TsgradError,
  tensor,
  ValueError,
  zeros,
} from '@tsgrad/core';
import { describe, expect, it } from 'vitest';

/** Runs `fn`, expecting it to throw an error of class `type` whose message is exactly `message`. */
function expectError(
  fn: () => unknown,
  type: new (...args: never[]) => TsgradError,
  message: string | RegExp,
): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(type);
  expect(caught).toBeInstanceOf(TsgradError);
  if (typeof message === 'string') expect((caught as Error).message).toBe(message);
  else expect((caught as Error).message).toMatch(message);
}

describe('error messages name the op and the offending shapes or values', () => {
  it('broadcasting mismatch', () => {
    expectError(
      () => zeros([2, 3]).add(zeros([4])),
      ShapeError,
      'add: shapes [2,3] and [4] cannot be broadcast (dim -1: 3 vs 4)',
    );
    expectError(
      () => zeros([2, 3]).mul(zeros([3, 1, 2])),
      ShapeError,
      /^mul: shapes \[2,3\] and \[3,1,2\] cannot be broadcast/,
    );
  });

  it('matmul mismatch, and batch dims that do not broadcast', () => {
    expectError(
      () => matmul(zeros([2, 3]), zeros([4, 5])),
      ShapeError,
      'matmul: shapes [2,3] and [4,5] do not align (3 ≠ 4)',
    );
    expectError(
      () => matmul(zeros([3]), zeros([4])),
      ShapeError,
      'matmul: shapes [3] and [4] do not align (3 ≠ 4)',
    );
    expectError(
      () => matmul(zeros([2, 2, 3]), zeros([3, 3, 1])),
      ShapeError,
      /^matmul: shapes \[2\] and \[3\] cannot be broadcast/,
    );
    expectError(
      () => matmul(zeros([]), zeros([3])),
      ShapeError,
      /^matmul: both operands need at least 1 dim/,
    );
  });

  it('reshape to a wrong size, and more than one −1', () => {
    expectError(
      () => zeros([2, 3]).reshape(4, 2),
      ShapeError,
      'reshape: shape [4,2] is invalid for input of size 6 (shape [2,3])',
    );
    expectError(
      () => zeros([2, 3]).reshape(-1, 4),
      ShapeError,
      /^reshape: shape \[-1,4\] is invalid for input of size 6/,
    );
    expectError(
      () => zeros([2, 3]).reshape(-1, -1),
      ValueError,
      'reshape: only one dimension can be -1, got [-1,-1]',
    );
    expectError(
      () => zeros([2, 3]).t().view(6),
      ShapeError,
      /^view: tensor of shape \[3,2\] is not contiguous/,
    );
  });

  it('dim out of range', () => {
    expectError(
      () => zeros([2, 3]).sum(2),
      ValueError,
      'sum: dim 2 is out of range for a tensor of rank 2 (expected -2..1)',
    );
    expectError(() => zeros([2, 3]).transpose(0, -3), ValueError, /^transpose: dim -3 is out of range/);
    expectError(
      () => zeros([2]).softmax(1),
      ValueError,
      /^amax: dim 1 is out of range|^softmax: dim 1 is out of range/,
    );
    expectError(() => zeros([2]).unsqueeze(3), ValueError, /^unsqueeze: dim 3 is out of range/);
  });

  it('mixed dtypes are an error, not a silent cast', () => {
    expectError(
      () => zeros([2]).add(zeros([2], { dtype: 'float64' })),
      DTypeError,
      'add: dtypes float32 and float64 differ',
    );
    expectError(
      () => matmul(zeros([2, 2]), zeros([2, 2], { dtype: 'int32' })),
      DTypeError,
      'matmul: dtypes float32 and int32 differ',
    );
  });

  it('ragged nested arrays', () => {
    expectError(
      () => tensor([[1, 2], [3]]),
      ValueError,
      'tensor: ragged nested array at index [1]: expected length 2, got length 1',
    );
    expectError(
      () => tensor([[1, 2], 3] as never),
      ValueError,
      /^tensor: ragged nested array at index \[1\]/,
    );
    expectError(() => tensor([1, [2]] as never), ValueError, /^tensor: ragged nested array at index \[1\]/);
  });

  it('non-numeric elements are named with their type', () => {
    expectError(
      () => tensor([[1, 'a']] as never),
      ValueError,
      'tensor: non-numeric value at index [0,1]: expected a number, got string "a"',
    );
  });

  it('a tensor too large to allocate is a ValueError naming the op, not a RangeError', () => {
    expectError(
      () => zeros([1e6, 1e6]),
      ValueError,
      'zeros: cannot allocate 1000000000000 float32 elements (at most 2147483647 per tensor)',
    );
    expectError(
      () => arange(0, Number.POSITIVE_INFINITY),
      ValueError,
      /^arange: cannot allocate Infinity float32/,
    );
  });

  it('backward on a non-scalar without a gradient, and on a tensor without grad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expectError(
      () => x.mul(2).backward(),
      AutogradError,
      'backward: a gradient is required for a non-scalar output of shape [2]; pass one of the same shape',
    );
    expectError(() => zeros([1]).backward(), AutogradError, /^backward: tensor does not require grad/);
    expectError(
      () => x.mul(2).backward(zeros([3])),
      ShapeError,
      /^backward: gradient shape \[3\] does not match output shape \[2\]/,
    );
  });

  it('an int32 index is required for gather, indexSelect and scatterAdd', () => {
    const x = zeros([2, 2]);
    const floatIndex = tensor([[0, 1]]);
    expectError(() => gather(x, 1, floatIndex), DTypeError, 'gather: index must be int32, got float32');
    expectError(
      () => indexSelect(x, 0, tensor([0])),
      DTypeError,
      'indexSelect: index must be int32, got float32',
    );
    expectError(
      () => scatterAdd(x, 1, floatIndex, zeros([1, 2])),
      DTypeError,
      'scatterAdd: index must be int32, got float32',
    );
  });

  it('index out of range', () => {
    const x = zeros([2, 3]);
    expectError(
      () => gather(x, 1, tensor([[0, 3]], { dtype: 'int32' })),
      ValueError,
      'gather: index 3 is out of range for dim 1 of size 3',
    );
    expectError(
      () => indexSelect(x, 0, tensor([-1], { dtype: 'int32' })),
      ValueError,
      'indexSelect: index -1 is out of range for dim 0 of size 2',
    );
    expectError(
      () => oneHot(tensor([0, 4], { dtype: 'int32' }), 4),
      ValueError,
      /^oneHot: label 4 at 1 is out of range/,
    );
  });

  it('shape mismatches in cat, stack, expand and gather', () => {
    expectError(
      () => zeros([2, 3]).expand(2, 4),
      ShapeError,
      /^expand: cannot expand shape \[2,3\] to \[2,4\]/,
    );
    expectError(
      () => gather(zeros([2, 3]), 1, tensor([0], { dtype: 'int32' })),
      ShapeError,
      /^gather: index of shape \[1\] must have the rank of input \[2,3\]/,
    );
  });

  it('no silent truncation: a fractional number with an int32 tensor, arange in int32', () => {
    const i = tensor([0, 1], { dtype: 'int32' });
    expectError(() => i.lt(0.5), DTypeError, /^lt: 0.5 is not an integer and the tensor operand is int32/);
    expectError(() => i.add(0.5), DTypeError, /^add: 0.5 is not an integer/);
    expect(i.add(2).toFlatArray()).toEqual([2, 3]);
    expectError(
      () => arange(0, 2, 0.5, { dtype: 'int32' }),
      DTypeError,
      'arange: start 0 and step 0.5 must be integers for dtype int32',
    );
  });

  it('cat of 0-d tensors is an error (stack joins them)', () => {
    expectError(
      () => cat([scalar(1), scalar(2)]),
      ShapeError,
      'cat: zero-dimensional tensors cannot be concatenated; use stack()',
    );
  });

  it('scatterAdd with a source smaller than the index is an error, not NaN', () => {
    expectError(
      () => scatterAdd(zeros([3]), 0, tensor([0, 1, 2], { dtype: 'int32' }), zeros([1])),
      ShapeError,
      'scatterAdd: index shape [3] exceeds source shape [1]',
    );
  });
});
