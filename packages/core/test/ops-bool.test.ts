/** The bool dtype: what returns it, what accepts it, casts, printing, and arithmetic refused. */
import {
  AutogradError,
  add,
  all,
  any,
  arange,
  DTypeError,
  eq,
  exp,
  full,
  ge,
  gt,
  indexAdd,
  isfinite,
  isinf,
  isnan,
  le,
  linspace,
  lt,
  maskedFill,
  matmul,
  mul,
  ne,
  neg,
  relu,
  scalar,
  scatterAdd,
  square,
  sub,
  sum,
  type Tensor,
  tensor,
  where,
  zeros,
} from '@tsgrad/core';
import { allCoords, drawValues, numel, shapeArb } from '@tsgrad/testing/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('comparisons and predicates return bool', () => {
  it('eq, ne, lt, le, gt, ge give bool 0/1 for float32, float64, int32 and bool operands', () => {
    for (const dtype of ['float32', 'float64', 'int32'] as const) {
      const a = tensor([1, 2, 3], { dtype });
      const b = tensor([2, 2, 2], { dtype });
      const results = [eq(a, b), ne(a, b), lt(a, b), le(a, b), gt(a, 2), ge(a, 2)];
      for (const r of results) expect(r.dtype).toBe('bool');
      expect(results.map((r) => r.toFlatArray())).toEqual([
        [0, 1, 0],
        [1, 0, 1],
        [1, 0, 0],
        [1, 1, 0],
        [0, 0, 1],
        [0, 1, 1],
      ]);
    }
    const m = tensor([1, 0, 1], { dtype: 'bool' });
    expect(eq(m, tensor([1, 1, 0], { dtype: 'bool' })).toFlatArray()).toEqual([1, 0, 0]);
    expect(ne(m, 0).toFlatArray()).toEqual([1, 0, 1]);
  });

  it('isnan, isfinite and isinf give bool for every dtype', () => {
    const x = tensor([0, Number.NaN, Infinity, -Infinity, -2], { dtype: 'float64' });
    expect(isnan(x).toFlatArray()).toEqual([0, 1, 0, 0, 0]);
    expect(isfinite(x).toFlatArray()).toEqual([1, 0, 0, 0, 1]);
    expect(isinf(x).toFlatArray()).toEqual([0, 0, 1, 1, 0]);
    const i = tensor([1, 2], { dtype: 'int32' });
    for (const r of [isnan(x), isfinite(i), isinf(i), isnan(tensor([1], { dtype: 'bool' }))]) {
      expect(r.dtype).toBe('bool');
    }
    expect(isfinite(i).toFlatArray()).toEqual([1, 1]);
  });

  it('a number compared with a bool tensor must be 0 or 1', () => {
    const m = tensor([1, 0], { dtype: 'bool' });
    expect(() => eq(m, 2)).toThrow(DTypeError);
    expect(() => eq(m, 0.5)).toThrow(/^eq: 0.5 is not 0 or 1 and the tensor operand is bool/);
  });
});

/** any/all over `dims` written as loops over coordinates, independent of the library. */
function reduceReference(
  values: readonly number[],
  shape: readonly number[],
  dims: readonly number[],
  keepdim: boolean,
  every: boolean,
): { shape: number[]; values: number[] } {
  const outShape = shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const out = new Array<number>(numel(outShape)).fill(every ? 1 : 0);
  allCoords(shape).forEach((coords, flatIndex) => {
    let p = 0;
    for (let d = 0; d < shape.length; d++) p = p * outShape[d]! + (dims.includes(d) ? 0 : coords[d]!);
    const truthy = values[flatIndex] !== 0;
    if (every && !truthy) out[p] = 0;
    if (!every && truthy) out[p] = 1;
  });
  return { shape: keepdim ? outShape : shape.filter((_, i) => !dims.includes(i)), values: out };
}

describe('any and all', () => {
  it('match a loop reference over random shapes (size-0 dims), dims (negative too) and keepdim', () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 0, maxRank: 4, minDim: 0, maxDim: 3 }),
        fc.nat(),
        fc.boolean(),
        fc.constantFrom('float32', 'int32', 'bool'),
        fc.array(fc.integer({ min: -4, max: 3 }), { maxLength: 2 }),
        (shape, seed, keepdim, dtype, rawDims) => {
          // Sparse values: zeros are common, so both answers occur.
          const values = Array.from(
            drawValues(numel(shape), { kind: 'uniform', min: 0, max: 1 }, seed),
            (v) => (v < 0.6 ? 0 : 1),
          );
          const x = tensor(values, { shape, dtype });
          const dims = [...new Set(rawDims.filter((d) => d >= -shape.length && d < shape.length))];
          const positive = dims.map((d) => (d < 0 ? d + shape.length : d));
          if (new Set(positive).size !== positive.length) return;
          const dimArg = shape.length === 0 || dims.length === 0 ? undefined : dims;
          const reduced = dimArg === undefined ? shape.map((_, i) => i) : positive;
          for (const every of [false, true]) {
            const got = (every ? all : any)(x, dimArg, keepdim);
            const want = reduceReference(values, shape, reduced, keepdim, every);
            expect(got.dtype).toBe('bool');
            expect(got.shape).toEqual(want.shape);
            expect(got.toFlatArray()).toEqual(want.values);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('NaN counts as true; an empty tensor is all() true and any() false; methods take dims', () => {
    const x = tensor([Number.NaN, 0]);
    expect(any(x).item()).toBe(1);
    expect(all(x).item()).toBe(0);
    expect(all(tensor([Number.NaN])).item()).toBe(1);
    expect(all(zeros([0])).item()).toBe(1);
    expect(any(zeros([0])).item()).toBe(0);
    const m = tensor(
      [
        [1, 0],
        [1, 1],
      ],
      { dtype: 'bool' },
    );
    expect(m.all(-1).toFlatArray()).toEqual([0, 1]);
    expect(m.any(0, true).shape).toEqual([1, 2]);
    expect(() => any(m, 2)).toThrow(/^any: /);
  });
});

describe('casts and storage', () => {
  it('to(bool) is true for every non-zero value, NaN included; from bool gives 0/1', () => {
    const x = tensor([0, -0, 2.5, -1, Number.NaN, Infinity], { dtype: 'float64' });
    const m = x.to('bool');
    expect(m.dtype).toBe('bool');
    expect(m.data).toBeInstanceOf(Uint8Array);
    expect(m.toFlatArray()).toEqual([0, 0, 1, 1, 1, 1]);
    expect(tensor([0, 7, -3], { dtype: 'int32' }).to('bool').toFlatArray()).toEqual([0, 1, 1]);
    expect(m.to('float32').toFlatArray()).toEqual([0, 0, 1, 1, 1, 1]);
    expect(m.to('int32').dtype).toBe('int32');
    expect(m.to('bool')).toBe(m);
  });

  it('toArray gives 0/1 numbers and toString prints True/False', () => {
    const m = gt(tensor([[1, -1]]), 0);
    expect(m.toArray()).toEqual([[1, 0]]);
    expect(m.toString()).toBe('tensor([[True, False]], dtype=bool)');
  });

  it('sum of a bool tensor is an int32 count (PyTorch: int64)', () => {
    const m = gt(tensor([3, -1, 2, 5]), 0);
    const count = sum(m);
    expect(count.dtype).toBe('int32');
    expect(count.item()).toBe(3);
    expect(m.sum(0).item()).toBe(3);
  });

  it('bool tensors cannot require gradients', () => {
    expect(() => tensor([1], { dtype: 'bool' }).requiresGrad_()).toThrow(AutogradError);
  });
});

describe('arithmetic on bool is refused with a hint to cast', () => {
  const m = tensor([1, 0], { dtype: 'bool' });
  // matmul: a bool product would store counts above 1 in a Uint8Array.
  const cases: [string, () => Tensor][] = [
    ['add', () => add(m, m)],
    ['sub', () => sub(m, 1)],
    ['mul', () => mul(2 as number, m)],
    ['neg', () => neg(m)],
    ['relu', () => relu(m)],
    ['square', () => square(m)],
    ['matmul', () => matmul(m, m)],
  ];
  for (const [name, run] of cases) {
    it(`${name} names itself and suggests .to('float32')`, () => {
      expect(run).toThrow(DTypeError);
      expect(run).toThrow(
        new RegExp(`^${name}: not supported for bool tensors; cast first, e\\.g\\. mask\\.to\\('float32'\\)`),
      );
    });
  }
  it('float-only ops say they expected a floating dtype and got bool', () => {
    expect(() => exp(m)).toThrow(/^exp: expected a floating dtype \(float32 or float64\), got bool/);
  });
});

describe('masks: bool, int32 and float 0/1 masks agree', () => {
  it('where and maskedFill give the same result for each mask dtype', () => {
    const x = tensor([1, 2, 3, 4]);
    const results = (['bool', 'int32', 'float32'] as const).map((dtype) => {
      const mask = tensor([1, 0, 0, 1], { dtype });
      return [where(mask, x, -1).toFlatArray(), maskedFill(x, mask, 9).toFlatArray()];
    });
    expect(results[0]).toEqual([
      [1, -1, -1, 4],
      [9, 2, 3, 9],
    ]);
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it('a mask from a comparison selects elements: where(x.gt(0), x, 0) is relu', () => {
    const x = tensor([-2, 0, 3], { dtype: 'float64' });
    expect(where(x.gt(0), x, 0).toFlatArray()).toEqual(relu(x).toFlatArray());
  });
});

describe('values entering a bool tensor', () => {
  it('become 1 for any non-zero (NaN too) and 0 for zero, as PyTorch, never a stored 2', () => {
    expect(tensor([2, 0, -1, Number.NaN], { dtype: 'bool' }).toArray()).toEqual([1, 0, 1, 1]);
    expect(Array.from(tensor([2, 0, 0.5], { dtype: 'bool' }).data)).toEqual([1, 0, 1]);
    expect(Array.from(tensor(new Float32Array([3, 0]), { dtype: 'bool' }).data)).toEqual([1, 0]);
    expect(Array.from(full([2], 7, { dtype: 'bool' }).data)).toEqual([1, 1]);
    expect(scalar(-3, { dtype: 'bool' }).item()).toBe(1);
  });

  it('arange, linspace, scatterAdd and indexAdd refuse bool with a message naming the op', () => {
    expect(() => arange(3, undefined, 1, { dtype: 'bool' })).toThrow(/^arange: dtype bool is not supported/);
    expect(() => linspace(0, 1, 3, { dtype: 'bool' })).toThrow('linspace: dtype bool is not supported');
    const b = tensor([0, 1], { dtype: 'bool' });
    const i = tensor([0, 0], { dtype: 'int32' });
    expect(() => scatterAdd(b, 0, i, b)).toThrow(/^scatterAdd: adding into a bool tensor is not supported/);
    expect(() => indexAdd(b, 0, i, b)).toThrow(/^indexAdd: adding into a bool tensor/);
  });
});
