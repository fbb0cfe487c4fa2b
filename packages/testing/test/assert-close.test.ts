import { tensor } from '@tsgrad/core';
import { AssertCloseError, assertClose } from '@tsgrad/testing';
import '@tsgrad/testing/vitest';
import { describe, expect, it } from 'vitest';

const f64 = (data: number[], shape?: number[]) => tensor(data, { dtype: 'float64', shape });

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return '(no error)';
}

describe('assertClose', () => {
  it('passes within atol + rtol·|expected|', () => {
    expect(() => assertClose(f64([1, 2]), f64([1 + 1e-8, 2]))).not.toThrow();
    expect(() => assertClose(f64([1, 2]), f64([1.1, 2]), { atol: 0.2 })).not.toThrow();
  });

  it("fails with PyTorch's message: count, greatest differences and their indices", () => {
    const actual = f64([1, 2, 3, 4], [2, 2]);
    const expected = f64([1, 2.5, 3, 3], [2, 2]);
    expect(() => assertClose(actual, expected)).toThrow(AssertCloseError);
    expect(messageOf(() => assertClose(actual, expected))).toBe(
      [
        'Tensor-likes are not close!',
        '',
        'Mismatched elements: 2 / 4 (50.0%)',
        'Greatest absolute difference: 1 at index [1,1] (up to 1e-7 allowed)',
        'Greatest relative difference: 0.3333333333333333 at index [1,1] (up to 1e-7 allowed)',
      ].join('\n'),
    );
  });

  it('names a shape or dtype mismatch', () => {
    expect(messageOf(() => assertClose(f64([1, 2]), f64([1, 2, 3])))).toBe(
      "The values for attribute 'shape' do not match: [2] != [3].",
    );
    expect(messageOf(() => assertClose(tensor([1]), f64([1])))).toBe(
      "The values for attribute 'dtype' do not match: float32 != float64.",
    );
  });

  it('treats NaN as equal only with equalNaN', () => {
    expect(() => assertClose(f64([Number.NaN]), f64([Number.NaN]))).toThrow(/Mismatched elements: 1 \/ 1/);
    expect(() => assertClose(f64([Number.NaN]), f64([Number.NaN]), { equalNaN: true })).not.toThrow();
  });

  it('accepts nested arrays as the expected value, in the actual dtype', () => {
    expect(() => assertClose(f64([1, 2], [1, 2]), [[1, 2]])).not.toThrow();
  });
});

describe('expect(t).toBeCloseTensor(u)', () => {
  it('passes for close tensors and fails with the assertClose message', () => {
    expect(f64([1, 2])).toBeCloseTensor(f64([1, 2 + 1e-9]));
    expect(f64([1, 2])).not.toBeCloseTensor(f64([1, 3]));
    expect(() => expect(f64([1, 2])).toBeCloseTensor(f64([1, 3]))).toThrow(
      /Mismatched elements: 1 \/ 2 \(50\.0%\)\nGreatest absolute difference: 1 at index \[1\]/,
    );
  });

  it('takes tolerances', () => {
    expect(f64([1, 2])).toBeCloseTensor(f64([1, 2.05]), { atol: 0.1 });
  });
});
