import fc from 'fast-check';
import { describe, it } from 'vitest';
import { grad, logSoftmax, randn, softmax, type Tensor, tensor } from '../../src/index.js';
import { hasWebGPU } from './device.js';
import { agree, close } from './helpers.js';

/** A random shape of rank 1–3 and a dim of it; one dim may be long (the workgroup-per-row form). */
const shapeCase = fc
  .tuple(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }), fc.nat(), fc.boolean())
  .map(([shape, seed, long]) => {
    const d = seed % shape.length;
    const s = [...shape];
    if (long) s[d] = 40 + (seed % 100);
    return { shape: s, d };
  });

describe.skipIf(!hasWebGPU)('webgpu softmax and logSoftmax', () => {
  it('match the CPU along any dim, short and long rows, values and gradients', async () => {
    await fc.assert(
      fc.asyncProperty(shapeCase, async ({ shape, d }) => {
        const x = randn(shape).mul(4);
        await agree((t) => softmax(t, d), [x], [true], 1e-5);
        await agree((t) => logSoftmax(t, d), [x], [true], 1e-4);
      }),
      { numRuns: 12 },
    );
  });

  it('read strided inputs in place (transposed and sliced)', async () => {
    const x = randn([6, 70]);
    await agree((t) => softmax(t.t(), 0), [x], [true]);
    await agree((t) => logSoftmax(t.t().narrow(0, 3, 50), 1), [x], [true], 1e-4);
    await agree((t) => softmax(t.permute(1, 0).narrow(1, 1, 4), -1), [x], [true]);
  });

  it('keep the CPU answers at the edges: large values, −∞ entries, 0-d and empty tensors', async () => {
    const big = tensor([
      [1000, 1001, 999],
      [-1e30, 0, 1],
      [Number.NEGATIVE_INFINITY, 0, 2],
    ]);
    await agree((t) => softmax(t, 1), [big], [true]);
    await agree((t) => logSoftmax(t, 1), [big], []);
    await agree((t) => softmax(t), [tensor(3)], [true]);
    await agree((t) => logSoftmax(t, 1), [randn([2, 0, 3])], []);
    await agree((t) => softmax(t, 0), [randn([0, 3])], []);
  });

  it('give the CPU gradients of gradients', async () => {
    for (const f of [softmax, logSoftmax]) {
      const x = randn([3, 5]);
      const w = randn([3, 5]);
      const second = async (x0: Tensor, w0: Tensor) => {
        const t = x0.detach().requiresGrad_();
        const [g] = grad(f(t, 1).mul(w0).sum(), [t], { createGraph: true });
        const [h] = grad(g!.mul(g!).sum(), [t]);
        return Array.from(await h!.toTypedArrayAsync());
      };
      close(await second(x, w), await second(x.to('webgpu'), w.to('webgpu')), 1e-4);
    }
  });
});
