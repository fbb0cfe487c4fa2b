import { logicalAnd, logicalNot, logicalOr, logicalXor, tensor } from '@tsgrad/core';
import { describe, expect, it } from 'vitest';

describe('logical ops', () => {
  const a = tensor([0, 1, 2, Number.NaN]);
  const b = tensor([[0], [3]], { dtype: 'int32' });

  it('treat non-zero (NaN too) as true, broadcast, accept mixed dtypes and return bool', () => {
    const and = logicalAnd(a, b);
    expect(and.dtype).toBe('bool');
    expect(and.toArray()).toEqual([
      [0, 0, 0, 0],
      [0, 1, 1, 1],
    ]);
    expect(logicalOr(a, b).toArray()).toEqual([
      [0, 1, 1, 1],
      [1, 1, 1, 1],
    ]);
    expect(logicalXor(a, b).toArray()).toEqual([
      [0, 1, 1, 1],
      [1, 0, 0, 0],
    ]);
    expect(logicalNot(a).toArray()).toEqual([1, 0, 0, 0]);
    expect(a.logicalNot().logicalOr(a).all().item()).toBe(1);
  });

  it('name the op when shapes do not broadcast', () => {
    expect(() => logicalAnd(a, tensor([1, 0]))).toThrow('logicalAnd: shapes [4] and [2] cannot be broadcast');
  });
});
