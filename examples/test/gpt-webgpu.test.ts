/**
 * The GPT of `pnpm gpt` trains on WebGPU with the CPU's losses: 5 AdamW steps (nanoGPT's parameter
 * groups, weight decay) with the gradient norm clipped on the device (clipGradNormTensor).
 */
import { Generator, tensor } from '@tsgrad/core';
import { AdamW, clipGradNormTensor } from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';
import { webgpuReason } from '../../packages/core/test/webgpu/device.js';
import { Gpt, gptParamGroups } from '../src/gpt/model.js';

describe.skipIf(webgpuReason !== null)('the GPT on webgpu', () => {
  it('5 AdamW steps with clipping give the CPU losses', async () => {
    const config = {
      vocabSize: 27,
      blockSize: 8,
      nLayer: 2,
      nHead: 2,
      nEmbd: 16,
      dropout: 0,
      bias: true,
      tieWeights: true,
    };
    const g = new Generator(1);
    const ids = Array.from({ length: 32 }, () => Math.floor(g.random() * 27));
    const targets = ids.map((_, i) => ids[(i + 1) % 32]!);
    const losses: number[][] = [];
    for (const device of ['cpu', 'webgpu'] as const) {
      const model = new Gpt(config, { generator: new Generator(3) }).to(device);
      const opt = new AdamW(gptParamGroups(model, 0.1), { lr: 1e-2 });
      const out: number[] = [];
      for (let s = 0; s < 5; s++) {
        const loss = model.loss(
          tensor(ids, { dtype: 'int32', shape: [4, 8] }).to(device),
          tensor(targets, { dtype: 'int32', shape: [4, 8] }).to(device),
        );
        opt.zeroGrad();
        loss.backward();
        clipGradNormTensor(model.parameters(), 1);
        opt.step();
        out.push(await loss.itemAsync());
      }
      losses.push(out);
    }
    const [cpu, gpu] = losses as [number[], number[]];
    for (let i = 0; i < cpu.length; i++)
      expect(Math.abs(gpu[i]! - cpu[i]!) / cpu[i]!).toBeLessThanOrEqual(1e-4);
    expect(cpu.at(-1)!).toBeLessThan(cpu[0]!);
  });
});
