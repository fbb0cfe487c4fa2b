/**
 * scaledDotProductAttention and a causal self-attention block on WebGPU against the CPU, forward
 * and gradients. These run the webgpu matmul.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Generator,
  grad,
  layerNorm,
  matmul,
  randn,
  scaledDotProductAttention,
  type Tensor,
  tensor,
} from '../../src/index.js';
import { close, sameGradients } from './compare.js';
import { hasWebGPU } from './device.js';

describe.skipIf(!hasWebGPU)('webgpu attention', () => {
  it('scaledDotProductAttention with no mask, isCausal, bool and float masks matches the CPU, forward and gradients', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 8 }),
        async (h, l, s, e) => {
          const q = randn([h, l, e]);
          const k = randn([h, s, e]);
          const v = randn([h, s, e + 1]);
          await sameGradients((a, b, c) => scaledDotProductAttention(a, b, c), [q, k, v], 1e-4);
          await sameGradients(
            (a, b, c) => scaledDotProductAttention(a, b, c, { isCausal: true }),
            [q, k, v],
            1e-4,
          );
          await sameGradients(
            (a, b, c, m) => scaledDotProductAttention(a, b, c, { attnMask: m, scale: 0.3 }),
            [q, k, v, randn([l, s]).gt(-0.5)],
            1e-4,
          );
          await sameGradients(
            (a, b, c, m) => scaledDotProductAttention(a, b, c, { attnMask: m }),
            [q, k, v, randn([1, l, s])],
            1e-4,
          );
        },
      ),
      { numRuns: 5 },
    );
  });

  it('a row with every key masked gives 0 and dropout draws the same mask as on the CPU', async () => {
    const q = randn([2, 3, 4]);
    const mask = tensor([
      [1, 0, 1],
      [0, 0, 0],
      [1, 1, 1],
    ]).gt(0);
    await sameGradients((a, m) => scaledDotProductAttention(a, a, a, { attnMask: m }), [q, mask], 1e-4);
    await sameGradients(
      (a) => scaledDotProductAttention(a, a, a, { dropoutP: 0.4, generator: new Generator(9) }),
      [q],
      1e-4,
    );
  });

  it('a causal self-attention block (layerNorm, q/k/v projections, attention, output projection, residual) matches the CPU', async () => {
    const [B, T, C, H] = [2, 5, 16, 4];
    const D = C / H;
    const params = {
      gamma: randn([C]).mul(0.1).add(1),
      beta: randn([C]).mul(0.1),
      wq: randn([C, C]).mul(C ** -0.5),
      wk: randn([C, C]).mul(C ** -0.5),
      wv: randn([C, C]).mul(C ** -0.5),
      wo: randn([C, C]).mul(C ** -0.5),
      bo: randn([C]).mul(0.1),
    };
    const x = randn([B, T, C]);
    const heads = (t: Tensor) => t.reshape([B, T, H, D]).transpose(1, 2); // [B, H, T, D]
    const block = (input: Tensor, p: Record<keyof typeof params, Tensor>) => {
      const hdn = layerNorm(input, [C], p.gamma, p.beta);
      const att = scaledDotProductAttention(
        heads(matmul(hdn, p.wq)),
        heads(matmul(hdn, p.wk)),
        heads(matmul(hdn, p.wv)),
        { isCausal: true },
      );
      const merged = att.transpose(1, 2).reshape([B, T, C]);
      return input.add(matmul(merged, p.wo).add(p.bo));
    };
    const run = async (device: 'cpu' | 'webgpu') => {
      const names = Object.keys(params) as (keyof typeof params)[];
      const leaves = Object.fromEntries(
        names.map((n) => [n, params[n].to(device).detach().requiresGrad_()]),
      ) as Record<keyof typeof params, Tensor>;
      const input = x.to(device).detach().requiresGrad_();
      const y = block(input, leaves);
      const loss = y.mul(y).mean();
      const grads = grad(loss, [input, ...names.map((n) => leaves[n])]);
      expect(y.device).toBe(device);
      return {
        y: Array.from(await y.toTypedArrayAsync()),
        loss: await loss.itemAsync(),
        grads: await Promise.all(grads.map(async (g) => Array.from(await g.toTypedArrayAsync()))),
      };
    };
    const cpu = await run('cpu');
    const gpu = await run('webgpu');
    close(cpu.y, gpu.y, 1e-4);
    close([cpu.loss], [gpu.loss], 1e-4);
    expect(gpu.grads.length).toBe(8);
    for (let i = 0; i < cpu.grads.length; i++) close(cpu.grads[i]!, gpu.grads[i]!, 1e-4);
  });
});
