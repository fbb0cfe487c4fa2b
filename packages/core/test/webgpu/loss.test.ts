import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grad, randn, softmaxCrossEntropy, type Tensor, tensor, ValueError } from '../../src/index.js';
import { hasWebGPU } from './device.js';
import { agree, close } from './helpers.js';

const reductions = ['mean', 'sum', 'none'] as const;

describe.skipIf(!hasWebGPU)('webgpu softmax cross-entropy', () => {
  it('matches the CPU on random shapes, reductions and ignored labels, values and gradients', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 150 }),
        fc.constantFrom(...reductions),
        fc.array(fc.nat(), { minLength: 9, maxLength: 9 }),
        async (n, c, reduction, seeds) => {
          const logits = randn([n, c]).mul(3);
          // Some rows carry the ignore index (−100), the rest a class.
          const labels = tensor(
            seeds.slice(0, n).map((s) => (s % 5 === 0 ? -100 : s % c)),
            { dtype: 'int32' },
          );
          await agree(
            (x, t) => softmaxCrossEntropy(x, t, { reduction }),
            [logits, labels],
            [true, false],
            1e-4,
          );
        },
      ),
      { numRuns: 12 },
    );
  });

  it('reads transposed logits, and takes labels on the GPU or on the CPU', async () => {
    const logits = randn([10, 6]);
    const labels = tensor([0, 5, 2, 1, 1, 3], { dtype: 'int32' });
    await agree(
      (x, t) => softmaxCrossEntropy(x.t(), t, { ignoreIndex: 1 }),
      [logits, labels],
      [true, false],
      1e-4,
    );
    const cpuLoss = softmaxCrossEntropy(logits.t(), labels).item();
    const gpuLoss = await softmaxCrossEntropy(logits.t().to('webgpu'), labels).itemAsync();
    close([cpuLoss], [gpuLoss], 1e-5);
  });

  it('an empty batch gives the CPU results (NaN for the mean, 0 for the sum)', async () => {
    for (const reduction of reductions) {
      await agree(
        (x, t) => softmaxCrossEntropy(x, t, { reduction }),
        [randn([0, 4]), tensor([], { dtype: 'int32' })],
        [true, false],
      );
    }
  });

  it('gives the CPU gradients of gradients', async () => {
    const logits = randn([4, 5]);
    const labels = tensor([0, 4, -100, 2], { dtype: 'int32' });
    const second = async (x0: Tensor, t: Tensor) => {
      const x = x0.detach().requiresGrad_();
      const [g] = grad(softmaxCrossEntropy(x, t), [x], { createGraph: true });
      const [h] = grad(g!.mul(g!).sum(), [x]);
      return Array.from(await h!.toTypedArrayAsync());
    };
    close(await second(logits, labels), await second(logits.to('webgpu'), labels.to('webgpu')), 1e-4);
  });

  it('an out-of-range label is a ValueError: at once for CPU labels, at the next read for GPU ones', async () => {
    const logits = randn([3, 4]).to('webgpu');
    const bad = tensor([0, 4, 1], { dtype: 'int32' });
    expect(() => softmaxCrossEntropy(logits, bad)).toThrow(
      'softmaxCrossEntropy: label 4 at index 1 is out of range [0, 4)',
    );
    const loss = softmaxCrossEntropy(logits, bad.to('webgpu'));
    await expect(loss.itemAsync()).rejects.toThrow(ValueError);
    await expect(loss.itemAsync()).resolves.toBeNaN();
  });
});
