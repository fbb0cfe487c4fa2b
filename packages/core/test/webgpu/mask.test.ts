import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { all, any, maskedFill, randn, type Tensor, tensor, tril, triu } from '../../src/index.js';
import { sameForward, sameGradients } from './compare.js';
import { hasWebGPU } from './device.js';

const shape3 = fc.tuple(
  fc.integer({ min: 1, max: 3 }),
  fc.integer({ min: 1, max: 6 }),
  fc.integer({ min: 1, max: 7 }),
);

describe.skipIf(!hasWebGPU)('webgpu mask ops', () => {
  it('tril and triu (any diagonal, transposed views) match the CPU, forward and gradient', async () => {
    await fc.assert(
      fc.asyncProperty(shape3, fc.integer({ min: -8, max: 8 }), async ([b, m, n], k) => {
        const x = randn([b, m, n]);
        await sameGradients((t) => tril(t, k), [x]);
        await sameGradients((t) => triu(t, k), [x]);
        await sameGradients((t) => tril(t.transpose(1, 2), k).mul(2), [x]);
        await sameForward((t) => triu(t.gt(0), k).to('float32'), [x]);
      }),
      { numRuns: 8 },
    );
    await sameForward((t) => tril(t, 1e9).add(triu(t, -1e9)), [randn([3, 4])]);
    await sameForward(
      (t) => triu(t, 1),
      [
        tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: 'int32' },
        ),
      ],
    );
  });

  it('maskedFill with broadcast bool, int32 and float masks matches the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(shape3, async ([b, m, n]) => {
        const x = randn([b, m, n]);
        const mask = randn([m, 1]).gt(0);
        await sameGradients((t, mk) => maskedFill(t, mk, -3.5), [x, mask]);
        await sameGradients((t, mk) => maskedFill(t, mk, Number.NEGATIVE_INFINITY).exp(), [x, mask]);
        await sameForward((t, mk) => maskedFill(t, mk, 7), [x, randn([n]).gt(0).to('int32')]);
        await sameForward((t, mk) => maskedFill(t, mk, 0), [x, randn([b, 1, n])]);
      }),
      { numRuns: 8 },
    );
    const ints = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'int32' },
    );
    await sameForward((t, mk) => maskedFill(t, mk, -9), [ints, tensor([1, 0]).gt(0)]);
  });

  it('any and all over dims match the CPU', async () => {
    const x = tensor([
      [0, 1, 0],
      [0, 0, 0],
      [2, 3, 4],
    ]);
    for (const f of [
      (t: Tensor) => any(t, 1),
      (t: Tensor) => all(t, 1),
      (t: Tensor) => any(t, 0, true),
      (t: Tensor) => all(t),
      (t: Tensor) => any(t.gt(1)),
    ]) {
      await sameForward(f, [x]);
    }
    expect(await all(x.to('webgpu'), 1).toArrayAsync()).toEqual([false, false, true].map(Number));
  });
});
