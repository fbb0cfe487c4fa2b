import { arange, type Tensor, tensor } from '@tsgrad/core';
import { describe, expect, it } from 'vitest';

/** A fresh 2×3×4 float64 tensor holding 0..23. */
const base = (): Tensor => arange(24, undefined, 1, { dtype: 'float64' }).reshape(2, 3, 4);

describe('views share the buffer', () => {
  const views: [string, (x: Tensor) => Tensor][] = [
    ['transpose', (x) => x.transpose(0, 2)],
    ['permute', (x) => x.permute(2, 0, 1)],
    ['expand', (x) => x.narrow(1, 0, 1).expand(2, 5, 4)],
    ['slice with a step', (x) => x.slice(2, 1, undefined, 2)],
    ['reshape of contiguous data', (x) => x.reshape(6, 4)],
    ['view', (x) => x.view(-1)],
    ['unsqueeze', (x) => x.unsqueeze(1)],
    ['flatten', (x) => x.flatten(1)],
    ['split piece', (x) => x.split(1, 1)[1]!],
  ];
  for (const [name, make] of views) {
    it(`${name}: mutating the base's data shows through`, () => {
      const x = base();
      const v = make(x);
      expect(v.data).toBe(x.data);
      const before = v.toFlatArray();
      x.data.fill(-1);
      expect(v.toFlatArray()).toEqual(before.map(() => -1));
    });
  }

  it('contiguous() returns the tensor itself when already contiguous, and a copy otherwise', () => {
    const x = base();
    expect(x.contiguous()).toBe(x);
    const sliced = x.narrow(0, 1, 1);
    expect(sliced.isContiguous).toBe(true);
    expect(sliced.contiguous()).toBe(sliced);
    const t = x.transpose(1, 2);
    expect(t.isContiguous).toBe(false);
    const c = t.contiguous();
    expect(c.isContiguous).toBe(true);
    expect(c.data).not.toBe(x.data);
    expect(c.toArray()).toEqual(t.toArray());
  });

  it('reshape of a non-contiguous tensor copies; clone always copies', () => {
    const x = base();
    const r = x.transpose(0, 1).reshape(-1);
    expect(r.data).not.toBe(x.data);
    expect(x.clone().data).not.toBe(x.data);
  });

  it('a view of a view indexes the original buffer (offset and strides compose)', () => {
    const x = base();
    const v = x.slice(0, 1).transpose(1, 2).slice(1, 1, 4, 2);
    // x[1, :, 1::2] transposed: element [0, j, i] = x[1, i, 1 + 2j].
    expect(v.shape).toEqual([1, 2, 3]);
    expect(v.toArray()).toEqual([
      [
        [13, 17, 21],
        [15, 19, 23],
      ],
    ]);
    expect(
      tensor([[5]])
        .expand(1, 1)
        .item(),
    ).toBe(5);
  });
});
