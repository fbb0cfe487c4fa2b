import fc from 'fast-check';
import { describe, it } from 'vitest';
import { cumprod, cumsum, grad, randn, type Tensor, tensor } from '../../src/index.js';
import { close, sameForward, sameGradients } from './compare.js';
import { hasWebGPU } from './device.js';

describe.skipIf(!hasWebGPU)('webgpu scans', () => {
  it('cumsum and cumprod along any dim (and on transposed views) match the CPU, with gradients', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 1 }),
        async (m, n, d) => {
          const x = randn([m, n]);
          await sameGradients((t) => cumsum(t, d), [x], 1e-4);
          await sameGradients((t) => cumsum(t.t(), d), [x], 1e-4);
          // Away from zero, so the no-zero gradient path is well conditioned.
          const y = randn([m, n]).abs().add(0.5);
          await sameGradients((t) => cumprod(t, d), [y], 1e-4);
          await sameForward((t) => cumsum(t, d), [randn([m, n]).mul(10).to('int32')]);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('a long float32 cumsum stays within the CPU float64-accumulated result', async () => {
    await sameForward((t) => cumsum(t, 0), [randn([5000]).add(3)], 1e-5);
    await sameForward((t) => cumsum(t, 0), [tensor([1, Number.POSITIVE_INFINITY, 2, Number.NaN])]);
  });

  it('cumprod gradient with zeros in the input matches the CPU (the exact kernel)', async () => {
    const x = tensor([
      [2, 0, 3, 0.5, 4],
      [0, 1.5, 2, 3, 1],
      [1, 2, 3, 4, 0],
    ]);
    await sameGradients((t) => cumprod(t, 1), [x], 1e-5);
    await sameGradients((t) => cumprod(t, 0), [x], 1e-5);
  });

  it('second derivatives of cumsum and cumprod (no zeros) match the CPU', async () => {
    const x = randn([3, 6]).abs().add(0.5);
    const run = async (device: 'cpu' | 'webgpu') => {
      const a = x.to(device).detach().requiresGrad_();
      const out: number[][] = [];
      for (const f of [(t: Tensor) => cumprod(t, 1), (t: Tensor) => cumsum(t, 0).pow(3)]) {
        const [dx] = grad(f(a).sum(), [a], { createGraph: true });
        const [ddx] = grad(dx!.mul(dx!).sum(), [a]);
        out.push(Array.from(await dx!.toTypedArrayAsync()), Array.from(await ddx!.toTypedArrayAsync()));
      }
      return out;
    };
    const cpu = await run('cpu');
    const gpu = await run('webgpu');
    for (let i = 0; i < cpu.length; i++) close(cpu[i]!, gpu[i]!, 1e-4);
  });
});
