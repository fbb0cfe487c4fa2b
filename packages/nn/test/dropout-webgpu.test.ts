/** F.dropout on a WebGPU tensor: the mask is drawn on the CPU from the same generator and moved. */
import { Generator, grad, randn } from '@tsgrad/core';
import { F } from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';
import { webgpuReason as reason } from './webgpu-device.js';

describe.skipIf(reason !== null)('F.dropout on webgpu', () => {
  it('gives the CPU result (same mask from the same seed), forward and gradient, and stays on the device', async () => {
    const x = randn([6, 37]);
    const run = async (device: 'cpu' | 'webgpu') => {
      const leaf = x.to(device).detach().requiresGrad_();
      const y = F.dropout(leaf, 0.3, true, new Generator(42));
      expect(y.device).toBe(device);
      const [g] = grad(y.mul(y).sum(), [leaf]);
      return [Array.from(await y.toTypedArrayAsync()), Array.from(await g!.toTypedArrayAsync())];
    };
    const [cpuY, cpuG] = await run('cpu');
    const [gpuY, gpuG] = await run('webgpu');
    expect(gpuY).toEqual(cpuY);
    expect(gpuG).toEqual(cpuG);
    const zeros = cpuY!.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(0.15 * cpuY!.length);
    expect(zeros).toBeLessThan(0.45 * cpuY!.length);
    // p = 1 and evaluation mode keep the device too.
    const g = x.to('webgpu');
    expect(Array.from(await F.dropout(g, 1).toTypedArrayAsync()).every((v) => v === 0)).toBe(true);
    expect(F.dropout(g, 0.5, false)).toBe(g);
  });
});
