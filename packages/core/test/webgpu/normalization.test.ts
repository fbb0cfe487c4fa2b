import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grad, groupNorm, layerNorm, randn, rmsNorm, type Tensor } from '../../src/index.js';
import { close, sameGradients } from './compare.js';
import { hasWebGPU } from './device.js';

describe.skipIf(!hasWebGPU)('webgpu normalization', () => {
  it('layerNorm over the last one or two dims matches the CPU, forward and gradients of x, weight, bias', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 2, max: 40 }),
        async (b, t, c) => {
          const x = randn([b, t, c]).mul(3).add(1);
          const w = randn([c]);
          const bias = randn([c]);
          await sameGradients((a, g, h) => layerNorm(a, [c], g, h), [x, w, bias], 1e-4);
          await sameGradients((a) => layerNorm(a, [t, c]), [x], 1e-4);
          // A transposed input view.
          await sameGradients((a, g) => layerNorm(a.transpose(0, 1), c, g, null, 1e-3), [x, w], 1e-4);
        },
      ),
      { numRuns: 6 },
    );
  });

  it('a long row (768 features) matches the CPU', async () => {
    const c = 768;
    await sameGradients((a, g, h) => layerNorm(a, [c], g, h), [randn([4, c]), randn([c]), randn([c])], 1e-4);
  });

  it('rmsNorm and groupNorm match the CPU, forward and gradients', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), async (n, g) => {
        const c = 2 * g;
        const x = randn([n, c, 3, 2]);
        await sameGradients((a, w) => rmsNorm(a, [2], w), [x, randn([2])], 1e-4);
        await sameGradients((a, w, h) => groupNorm(a, g, w, h), [x, randn([c]), randn([c])], 1e-4);
        await sameGradients((a) => groupNorm(a, 1), [x], 1e-4);
      }),
      { numRuns: 5 },
    );
  });

  it('second derivatives (the recorded backward) match the CPU', async () => {
    const x = randn([3, 6]);
    const w = randn([6]);
    const run = async (device: 'cpu' | 'webgpu') => {
      const a = x.to(device).detach().requiresGrad_();
      const g = w.to(device).detach().requiresGrad_();
      const out: number[][] = [];
      for (const f of [(t: Tensor) => layerNorm(t, [6], g), (t: Tensor) => rmsNorm(t, [6], g)]) {
        const [dx] = grad(f(a).pow(3).sum(), [a], { createGraph: true });
        const [ddx, dw] = grad(dx!.mul(dx!).sum(), [a, g]);
        for (const t of [dx!, ddx!, dw!]) {
          expect(t.device).toBe(device);
          out.push(Array.from(await t.toTypedArrayAsync()));
        }
      }
      return out;
    };
    const cpu = await run('cpu');
    const gpu = await run('webgpu');
    for (let i = 0; i < cpu.length; i++) close(cpu[i]!, gpu[i]!, 1e-3);
  });
});
