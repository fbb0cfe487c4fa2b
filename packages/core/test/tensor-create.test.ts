import {
  arange,
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
  scalar,
  Tensor,
  tensor,
  zeros,
  zerosLike,
} from '@tsgrad/core';
import { describe, expect, it } from 'vitest';

describe('tensor()', () => {
  it('reads nested arrays (float32 by default) and a number as 0-d', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.strides).toEqual([3, 1]);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const s = tensor(2.5, { dtype: 'float64' });
    expect(s.shape).toEqual([]);
    expect(s.toArray()).toBe(2.5);
    expect(s.item()).toBe(2.5);
    expect(tensor([]).shape).toEqual([0]);
  });

  it('reads a typed array with a shape, inferring or converting the dtype', () => {
    const t = tensor(new Float64Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
    expect(t.dtype).toBe('float64');
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(tensor(new Int32Array([3, 1])).dtype).toBe('int32');
    const c = tensor(new Int32Array([3, 1]), { dtype: 'float32' });
    expect(c.dtype).toBe('float32');
    expect(c.toFlatArray()).toEqual([3, 1]);
    expect(() => tensor(new Float32Array([1, 2, 3]), { shape: [2, 2] })).toThrow(/needs 4 elements, got 3/);
  });

  it('stores values in the requested dtype (float32 rounds, int32 rejects fractions)', () => {
    expect(tensor([0.1]).item()).toBe(Math.fround(0.1));
    expect(tensor([0.1], { dtype: 'float64' }).item()).toBe(0.1);
    expect(() => tensor([1.5], { dtype: 'int32' })).toThrow(/not an integer/);
  });
});

describe('filled and ranged tensors', () => {
  it('zeros, ones, full, scalar', () => {
    expect(zeros([2, 2]).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(ones([3], { dtype: 'int32' }).toArray()).toEqual([1, 1, 1]);
    expect(ones([3], { dtype: 'int32' }).dtype).toBe('int32');
    expect(full([2], 7, { dtype: 'float64' }).toArray()).toEqual([7, 7]);
    expect(scalar(3).shape).toEqual([]);
    expect(zeros([2], { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('arange and linspace', () => {
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(1, 2, 0.25, { dtype: 'float64' }).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(arange(3, 3).shape).toEqual([0]);
    expect(() => arange(0, 1, 0)).toThrow(/step must be a non-zero/);
    expect(linspace(0, 1, 5, { dtype: 'float64' }).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(2, 3, 1).toArray()).toEqual([2]);
  });

  it('eye, square and rectangular', () => {
    expect(eye(2).toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });

  it('*Like forms take the shape and dtype of their argument', () => {
    const t = zeros([2, 3], { dtype: 'float64' });
    for (const like of [zerosLike(t), onesLike(t), fullLike(t, 2), randLike(t), randnLike(t)]) {
      expect(like.shape).toEqual([2, 3]);
      expect(like.dtype).toBe('float64');
    }
    expect(onesLike(t).toFlatArray()).toEqual([1, 1, 1, 1, 1, 1]);
    expect(fullLike(t, 2).toFlatArray()).toEqual([2, 2, 2, 2, 2, 2]);
    expect(zerosLike(t, { dtype: 'int32' }).dtype).toBe('int32');
    const r = randintLike(t, 0, 3);
    expect(r.dtype).toBe('float64');
    expect(r.toFlatArray().every((v) => Number.isInteger(v) && v >= 0 && v < 3)).toBe(true);
  });
});

describe('random tensors', () => {
  it('the same seed gives the same values (manualSeed and a Generator)', () => {
    manualSeed(42);
    const a = [rand([5]).toFlatArray(), randn([5]).toFlatArray(), randint(0, 10, [5]).toFlatArray()];
    manualSeed(42);
    const b = [rand([5]).toFlatArray(), randn([5]).toFlatArray(), randint(0, 10, [5]).toFlatArray()];
    expect(b).toEqual(a);
    const g1 = new Generator(7);
    const g2 = new Generator(7);
    expect(randn([4], { generator: g1 }).toFlatArray()).toEqual(randn([4], { generator: g2 }).toFlatArray());
    expect(rand([4], { generator: new Generator(8) }).toFlatArray()).not.toEqual(
      rand([4], { generator: new Generator(7) }).toFlatArray(),
    );
  });

  it('rand lies in [0, 1); randint in [low, high) as int32, covering the range', () => {
    const g = new Generator(3);
    const u = rand([1000], { generator: g, dtype: 'float64' }).toFlatArray();
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    const r = randint(-2, 3, [1000], { generator: g });
    expect(r.dtype).toBe('int32');
    expect(new Set(r.toFlatArray())).toEqual(new Set([-2, -1, 0, 1, 2]));
  });

  it('randn has mean ≈ 0 and std ≈ 1 over 10k samples', () => {
    const x = randn([10000], { generator: new Generator(123), dtype: 'float64' });
    expect(Math.abs(x.mean().item())).toBeLessThan(0.05);
    expect(Math.abs(x.std().item() - 1)).toBeLessThan(0.05);
    const u = rand([10000], { generator: new Generator(124), dtype: 'float64' });
    expect(Math.abs(u.mean().item() - 0.5)).toBeLessThan(0.02);
  });

  it('rand and randn reject integer dtypes', () => {
    expect(() => rand([2], { dtype: 'int32' })).toThrow(/expected a floating dtype/);
  });
});

describe('reading a tensor back', () => {
  it('toArray of a strided view follows its logical layout', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]).t();
    expect(t.toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(Array.from(t.toTypedArray())).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('toString is readable: values, dtype and the graph', () => {
    expect(
      tensor([
        [1, 2],
        [3, 4],
      ]).toString(),
    ).toBe('tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]], dtype=float32)');
    expect(tensor(new Int32Array([1, 2])).toString()).toBe('tensor([1, 2], dtype=int32)');
    expect(scalar(0.5, { dtype: 'float64' }).toString()).toBe('tensor(0.5000, dtype=float64)');
    const x = tensor([1], { requiresGrad: true });
    expect(x.toString()).toContain('requiresGrad=true');
    expect(x.mul(2).toString()).toContain('gradFn=mul');
    expect(arange(10).toString()).toContain('...');
  });
});

describe('typed arrays in and out', () => {
  it('tensor() copies a typed array, as torch.tensor does; new Tensor() shares it', () => {
    const source = new Float32Array([1, 2, 3, 4]);
    const copied = tensor(source, { shape: [2, 2] });
    const shared = new Tensor(source, [2, 2]);
    source[0] = 100;
    expect(copied.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(shared.toArray()).toEqual([
      [100, 2],
      [3, 4],
    ]);
  });
});
