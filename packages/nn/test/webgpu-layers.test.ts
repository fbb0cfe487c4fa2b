/**
 * Sequence layers on WebGPU give the CPU's values and gradients: a causal Transformer encoder
 * layer over embeddings with a cross-entropy loss, and a 2-layer LSTM and GRU (whose initial
 * states are made on the input's device).
 */
import { Generator, type Tensor, tensor } from '@tsgrad/core';
import { describe, expect, it } from 'vitest';
import { Embedding, F, GRU, LSTM, type Module, TransformerEncoderLayer } from '../src/index.js';
import { webgpuReason } from './webgpu-device.js';

async function flat(t: Tensor): Promise<number[]> {
  return Array.from(await t.toTypedArrayAsync());
}

function close(a: number[], b: number[], tol = 1e-4): void {
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(a[i]!)));
}

/** The loss and every parameter gradient of `run` on each device, from the same weights. */
async function both(make: () => Module, run: (m: Module, device: 'cpu' | 'webgpu') => Tensor): Promise<void> {
  const results: number[][][] = [];
  for (const device of ['cpu', 'webgpu'] as const) {
    const model = make().to(device);
    const loss = run(model, device);
    loss.backward();
    const out = [await flat(loss)];
    for (const p of model.parameters()) {
      expect(p.grad?.device).toBe(device);
      out.push(await flat(p.grad!));
    }
    results.push(out);
  }
  const [cpu, gpu] = results as [number[][], number[][]];
  for (let i = 0; i < cpu.length; i++) close(cpu[i]!, gpu[i]!);
}

describe.skipIf(webgpuReason !== null)('sequence layers on webgpu', () => {
  it('a causal Transformer encoder layer over embeddings', async () => {
    const ids = [
      [1, 2, 3, 4, 5, 6],
      [7, 8, 9, 10, 11, 12],
    ];
    await both(
      () => {
        const g = new Generator(1);
        const m = new (class extends TransformerEncoderLayer {
          readonly emb = new Embedding(50, 32, { generator: g });
        })(32, 4, { dimFeedforward: 64, dropout: 0, batchFirst: true, generator: g });
        return m;
      },
      (m, device) => {
        const layer = m as TransformerEncoderLayer & { emb: Embedding };
        const x = layer.emb.call(tensor(ids, { dtype: 'int32' }).to(device));
        const y = layer.call(x, { isCausal: true });
        return F.crossEntropy(y.reshape([12, 32]), tensor(ids.flat(), { dtype: 'int32' }).to(device));
      },
    );
  });

  it('2-layer LSTM and GRU', async () => {
    for (const Kind of [LSTM, GRU]) {
      await both(
        () => new Kind(8, 16, { numLayers: 2, generator: new Generator(3) }),
        (m, device) => {
          const x = tensor(
            Array.from({ length: 5 * 3 * 8 }, (_, i) => Math.sin(i)),
            { shape: [5, 3, 8] },
          ).to(device);
          const [out] = (m as LSTM | GRU).call(x) as [Tensor, unknown];
          return out.square().sum();
        },
      );
    }
  });
});
