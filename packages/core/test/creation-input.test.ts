import {
  arange,
  DTypeError,
  eye,
  full,
  fullLike,
  Generator,
  linspace,
  manualSeed,
  ones,
  onesLike,
  rand,
  randint,
  randintLike,
  randLike,
  randn,
  randnLike,
  ShapeError,
  scalar,
  Tensor,
  tensor,
  ValueError,
  zeros,
  zerosLike,
} from '@tsgrad/core';
import { describe, expect, it } from 'vitest';

/** Asserts that `fn` throws an instance of `cls` whose message contains `fragment`. */
function expectError(fn: () => unknown, cls: new (...args: never[]) => Error, fragment: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected ${cls.name} containing "${fragment}"`).toBeInstanceOf(cls);
  expect((thrown as Error).message).toContain(fragment);
}

describe('int32 values never wrap, truncate or turn NaN into 0 (#18.2)', () => {
  it('tensor() rejects values beyond the int32 range, naming the value', () => {
    expectError(() => tensor([2 ** 40, 3e9], { dtype: 'int32' }), DTypeError, '1099511627776');
    expectError(() => tensor([1, 3e9], { dtype: 'int32' }), DTypeError, '3000000000 at [1]');
  });
  it('tensor() from a Float64Array into int32 rejects fractions and out-of-range values', () => {
    expectError(() => tensor(new Float64Array([1, 2.5]), { dtype: 'int32' }), DTypeError, '2.5 at [1]');
    expectError(() => tensor(new Float64Array([2 ** 31]), { dtype: 'int32' }), DTypeError, '2147483648');
  });
  it('full() rejects a fractional int32 fill value', () => {
    expectError(() => full([2], 1.5, { dtype: 'int32' }), DTypeError, 'full: 1.5 is not an integer');
  });
  it('scalar() rejects NaN and out-of-range int32 values', () => {
    expectError(() => scalar(Number.NaN, { dtype: 'int32' }), DTypeError, 'scalar: NaN');
    expectError(() => scalar(2 ** 31, { dtype: 'int32' }), DTypeError, 'out of the int32 range');
  });
  it('fullLike() of an int32 tensor rejects a fraction', () => {
    expectError(() => fullLike(zeros([2], { dtype: 'int32' }), 0.5), DTypeError, '0.5');
  });
  it('arange() rejects an int32 range whose last value overflows', () => {
    expectError(() => arange(2 ** 31 - 2, 2 ** 31 + 2, 1, { dtype: 'int32' }), DTypeError, 'arange');
  });
  it('linspace() into int32 rejects fractional points', () => {
    expectError(() => linspace(0, 1, 3, { dtype: 'int32' }), DTypeError, 'linspace: 0.5 at [1]');
    expect(linspace(0, 4, 3, { dtype: 'int32' }).toArray()).toEqual([0, 2, 4]);
  });
  it('randint() rejects a range that int32 cannot hold', () => {
    expectError(() => randint(0, 2 ** 33, [2]), DTypeError, 'randint');
  });
  it('other typed arrays become int32 (integers) or float32, never a tensor over a Uint8Array', () => {
    const t = tensor(Uint8Array.from([1, 255]));
    expect(t.dtype).toBe('int32');
    expect(t.data).toBeInstanceOf(Int32Array);
    expect(t.toArray()).toEqual([1, 255]);
    expectError(() => tensor(Uint32Array.from([2 ** 32 - 1]), { dtype: 'int32' }), DTypeError, '4294967295');
  });
  it('the extreme int32 values are accepted exactly', () => {
    expect(tensor([-(2 ** 31), 2 ** 31 - 1], { dtype: 'int32' }).toArray()).toEqual([
      -(2 ** 31),
      2 ** 31 - 1,
    ]);
  });
  it('casts to int32 truncate toward zero, as PyTorch does', () => {
    expect(tensor([2.7, -2.7, 0.5, -0.5]).to('int32').toArray()).toEqual([2, -2, 0, 0]);
  });
  it('casts of NaN, Infinity or out-of-range values to int32 are a DTypeError', () => {
    expectError(() => tensor([1, Number.NaN]).to('int32'), DTypeError, 'to: NaN at [1]');
    expectError(() => tensor([Number.POSITIVE_INFINITY]).to('int32'), DTypeError, 'Infinity');
    expectError(() => tensor([3e9], { dtype: 'float64' }).to('int32'), DTypeError, '3000000000');
  });
});

describe('new Tensor checks that the buffer fits the shape, strides and offset (#18.3)', () => {
  it('a buffer longer than the shape is a ShapeError', () => {
    expectError(() => new Tensor(new Float32Array([1, 2, 3, 4]), [3]), ShapeError, 'buffer of 4 elements');
  });
  it('a buffer shorter than the shape is a ShapeError', () => {
    expectError(() => new Tensor(new Float32Array(2), [3]), ShapeError, 'shape [3]');
  });
  it('a view whose strides reach past the buffer is a ShapeError', () => {
    expectError(() => new Tensor(new Float32Array(6), [2, 3], [3, 2]), ShapeError, 'strides [3,2]');
    expectError(() => new Tensor(new Float32Array(6), [2, 3], [3, 1], 1), ShapeError, 'offset 1');
  });
  it('a negative stride reaching before the buffer start is a ShapeError', () => {
    expectError(() => new Tensor(new Float32Array(3), [3], [-1], 1), ShapeError, 'Tensor');
    expect(new Tensor(new Float32Array([1, 2, 3]), [3], [-1], 2).toArray()).toEqual([3, 2, 1]);
  });
  it('strides of the wrong rank are a ShapeError', () => {
    expectError(() => new Tensor(new Float32Array(6), [2, 3], [1]), ShapeError, 'Tensor');
  });
  it('views inside the buffer, broadcast strides and empty views are accepted', () => {
    expect(new Tensor(new Float32Array([1, 2, 3, 4]), [2], [1], 2).toArray()).toEqual([3, 4]);
    expect(new Tensor(new Float32Array([5]), [3, 2], [0, 0]).toArray()).toEqual([
      [5, 5],
      [5, 5],
      [5, 5],
    ]);
    expect(new Tensor(new Float32Array(0), [0, 4], [4, 1], 0).size).toBe(0);
  });
});

describe('seeds are integers in the safe range, all bits count (#18.4)', () => {
  const draws = (g: Generator): number[] => [g.nextUint32(), g.nextUint32(), g.nextUint32()];
  it('small seeds keep the streams they had before 64-bit seeds', () => {
    expect(draws(new Generator(0))).toEqual([1292791899, 1284423797, 2013314966]);
    expect(draws(new Generator(42))).toEqual([3704290710, 166753127, 957958183]);
    expect(draws(new Generator(2 ** 32 - 1))).toEqual([2464728017, 2294272019, 3763359700]);
  });
  it('2^32 is not seed 0, and 2^53-1 is accepted', () => {
    expect(draws(new Generator(2 ** 32))).not.toEqual(draws(new Generator(0)));
    expect(draws(new Generator(2 ** 32 + 1))).not.toEqual(draws(new Generator(1)));
    expect(draws(new Generator(2 ** 33))).not.toEqual(draws(new Generator(2 ** 32)));
    expect(draws(new Generator(Number.MAX_SAFE_INTEGER))).toHaveLength(3);
  });
  it('getState/setState continue the same stream, and a bad state is a ValueError', () => {
    const g = new Generator(9);
    g.normal();
    const saved = g.getState();
    const expected = [g.normal(), g.nextUint32(), g.random()];
    const h = new Generator(0).setState(saved);
    expect([h.normal(), h.nextUint32(), h.random()]).toEqual(expected);
    expectError(
      () => h.setState({ words: [0, 0, 0, 0], spareNormal: null }),
      ValueError,
      'Generator.setState',
    );
  });
  it('NaN, fractions, negatives and unsafe integers are a ValueError', () => {
    expectError(() => manualSeed(Number.NaN), ValueError, 'manualSeed: seed must be an integer');
    expectError(() => manualSeed(1.5), ValueError, 'got 1.5');
    expectError(() => manualSeed(-1), ValueError, 'got -1');
    expectError(() => new Generator(2 ** 53), ValueError, 'got 9007199254740992');
    manualSeed(0);
  });
});

describe('an unknown dtype is a DTypeError at every creation entry (#18.5)', () => {
  const bogus = { dtype: 'bogus' } as unknown as { dtype: 'float32' };
  const t = zeros([2]);
  const cases: [string, () => unknown][] = [
    ['tensor', () => tensor(new Float32Array([1]), bogus)],
    ['tensor', () => tensor([1], bogus)],
    ['arange', () => arange(3, undefined, 1, bogus)],
    ['linspace', () => linspace(0, 1, 3, bogus)],
    ['eye', () => eye(2, 2, bogus)],
    ['randn', () => randn([2], bogus)],
    ['rand', () => rand([2], bogus)],
    ['randint', () => randint(0, 3, [2], bogus)],
    ['zeros', () => zeros([2], bogus)],
    ['ones', () => ones([2], bogus)],
    ['full', () => full([2], 1, bogus)],
    ['scalar', () => scalar(1, bogus)],
    ['zerosLike', () => zerosLike(t, bogus)],
    ['onesLike', () => onesLike(t, bogus)],
    ['fullLike', () => fullLike(t, 1, bogus)],
    ['randLike', () => randLike(t, bogus)],
    ['randnLike', () => randnLike(t, bogus)],
    ['randintLike', () => randintLike(t, 0, 2, bogus)],
  ];
  for (const [op, fn] of cases) {
    it(`${op} names the op and the dtype`, () => expectError(fn, DTypeError, `${op}: unknown dtype 'bogus'`));
  }
});

describe('creation functions take a shape as a list or as dims (#11.7)', () => {
  it('randn(2, 3) and randn([2, 3]) draw the same values', () => {
    const a = randn(2, 3, { generator: new Generator(5) });
    const b = randn([2, 3], { generator: new Generator(5) });
    expect(a.shape).toEqual([2, 3]);
    expect(a.toArray()).toEqual(b.toArray());
  });
  it('zeros, ones and rand accept dims one by one, with options last', () => {
    expect(zeros(2, 3).shape).toEqual([2, 3]);
    expect(ones(4).toArray()).toEqual([1, 1, 1, 1]);
    expect(ones(2, { dtype: 'int32' }).dtype).toBe('int32');
    expect(rand(3, 1, { dtype: 'float64' }).shape).toEqual([3, 1]);
    expect(zeros([]).shape).toEqual([]);
  });
  it('a non-iterable shape is a ValueError naming the function, never a TypeError', () => {
    expectError(() => zeros(undefined as unknown as number[]), ValueError, 'zeros: expected a shape');
    expectError(() => randn(null as unknown as number[]), ValueError, 'randn: expected a shape');
    expectError(() => full(5 as unknown as number[], 1), ValueError, 'full');
    expectError(() => randint(0, 2, {} as unknown as number[]), ValueError, 'randint: expected a shape');
    expectError(() => ones('2' as unknown as number[]), ValueError, 'ones: expected a shape');
    expectError(() => rand(), ValueError, 'rand: expected a shape');
  });
  it('bad dims are a ValueError naming the function', () => {
    expectError(() => zeros(2, -1), ValueError, 'zeros: invalid shape [2,-1]');
    expectError(() => randn([1.5]), ValueError, 'randn: invalid shape');
  });
});
