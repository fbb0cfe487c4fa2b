import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argsort, kthvalue, median, randn, sort, type Tensor, tensor, topk } from '../../src/index.js';
import { hasWebGPU } from './device.js';

async function same(f: (x: Tensor) => Tensor[], x: Tensor): Promise<void> {
  const cpu = f(x).map((t) => t.toFlatArray());
  const outs = f(x.to('webgpu'));
  for (let i = 0; i < outs.length; i++) {
    expect(outs[i]!.device).toBe('webgpu');
    expect(Array.from(await outs[i]!.toTypedArrayAsync())).toEqual(cpu[i]);
  }
}

describe.skipIf(!hasWebGPU)('webgpu order ops (rank kernels)', () => {
  it('sort, argsort, topk, kthvalue and median match the CPU exactly, along any dim', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        async (a, b, c, descending) => {
          // Ties and NaN included: the order must be stable and NaN above every number.
          const base = randn([a, b, c]).mul(2).round();
          const x = base.where(base.ne(3), Number.NaN);
          for (const dim of [0, 1, 2, -1]) {
            const n = x.shape.at(dim)!;
            const k = Math.max(1, Math.floor(n / 2));
            await same((t) => Object.values(sort(t, { dim, descending })), x);
            await same((t) => [argsort(t, { dim, descending })], x);
            await same((t) => Object.values(topk(t, k, { dim, largest: descending })), x);
            await same((t) => Object.values(kthvalue(t, k, dim)), x);
            await same((t) => Object.values(median(t, dim)), x);
            await same((t) => [median(t)], x);
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it('int32 sorts, and the values’ gradient scatters back on the device', async () => {
    await same(
      (t) => Object.values(sort(t)),
      tensor(
        [
          [3, 1, 2, 1],
          [0, -5, 7, 7],
        ],
        { dtype: 'int32' },
      ),
    );
    const x = randn([3, 6]);
    const w = randn([3, 2]);
    const grads: number[][] = [];
    for (const device of ['cpu', 'webgpu'] as const) {
      const xd = x.to(device).detach().requiresGrad_();
      topk(xd, 2).values.mul(w.to(device)).sum().backward();
      grads.push(Array.from(await xd.grad!.toTypedArrayAsync()));
    }
    expect(grads[1]).toEqual(grads[0]);
  });
});
