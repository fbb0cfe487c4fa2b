/**
 * The general class-label losses on WebGPU (class weights, label smoothing, ignored labels,
 * spatial targets) give the CPU's values and gradients, without reading the labels back.
 */
import { Generator, randn, type Tensor, tensor } from '@tsgrad/core';
import { describe, expect, it } from 'vitest';
import { F } from '../src/index.js';
import { webgpuReason } from './webgpu-device.js';

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(a[i]!)));
}

async function both(
  loss: (x: Tensor, t: Tensor, w: Tensor) => Tensor,
  shape: number[],
  labels: number[][],
): Promise<void> {
  const g = new Generator(5);
  const x = randn(shape, { generator: g });
  const t = tensor(labels.length === 1 ? labels[0]! : labels, { dtype: 'int32' });
  const w = tensor([0.5, 2, 1, 3]);
  const out: [Float32Array, Float32Array][] = [];
  for (const device of ['cpu', 'webgpu'] as const) {
    const xd = x.to(device).detach().requiresGrad_();
    const l = loss(xd, t.to(device), w.to(device));
    l.sum().backward();
    out.push([
      (await l.toTypedArrayAsync()) as Float32Array,
      (await xd.grad!.toTypedArrayAsync()) as Float32Array,
    ]);
  }
  close(out[0]![0], out[1]![0]);
  close(out[0]![1], out[1]![1]);
}

describe.skipIf(webgpuReason !== null)('class-label losses on webgpu', () => {
  it('crossEntropy with class weights, label smoothing and ignored labels', async () => {
    const labels = [[0, 3, -100, 2, 1, 3]];
    await both((x, t, w) => F.crossEntropy(x, t, { weight: w }), [6, 4], labels);
    await both((x, t) => F.crossEntropy(x, t, { labelSmoothing: 0.1 }), [6, 4], labels);
    await both(
      (x, t, w) => F.crossEntropy(x, t, { weight: w, labelSmoothing: 0.2, reduction: 'sum' }),
      [6, 4],
      labels,
    );
    await both((x, t) => F.crossEntropy(x, t, { reduction: 'none' }), [6, 4], labels);
  });

  it('nllLoss over a spatial target [N, d] with weights', async () => {
    await both(
      (x, t, w) => F.nllLoss(x.logSoftmax(1), t, { weight: w }),
      [2, 4, 3],
      [
        [0, 1, 3],
        [2, -100, 1],
      ],
    );
  });
});
