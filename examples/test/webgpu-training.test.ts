/**
 * Training on the WebGPU device gives the CPU's losses: the article's MLP (SGD, 50 steps) and the
 * LeNet CNN (Adam, 20 steps), from the same weights on the same MNIST batches, to 1e-4 relative.
 * Skips with a one-line reason where no WebGPU adapter exists (TSGRAD_REQUIRE_WEBGPU=1: fails).
 */
import { type Device, Generator, type Tensor, tensor } from '@tsgrad/core';
import { loadMnist } from '@tsgrad/datasets';
import { Adam, F, LeNet, Linear, type Module, Sequential, SGD, Sigmoid } from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';
import { webgpuReason as reason } from '../../packages/core/test/webgpu/device.js';

const { images, labels } = loadMnist({ split: 'train', flatten: true, limit: 64 * 50 });
const x = images.toTypedArray() as Float32Array;
const y = labels.toTypedArray() as Int32Array;

/** `steps` training steps of `model` on `device`; the loss of every step, read at the end. */
async function train(
  make: () => Module & { forward(x: Tensor): Tensor },
  optimizer: (params: Tensor[]) => { zeroGrad(): void; step(): void },
  device: Device,
  batch: number,
  steps: number,
  shape: number[],
): Promise<number[]> {
  const model = make().to(device);
  const opt = optimizer(model.parameters());
  const xs = tensor(x, { shape: [x.length / 784, 784] }).to(device);
  const ys = tensor(y).to(device);
  const losses: Tensor[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = F.crossEntropy(
      model.forward(xs.narrow(0, s * batch, batch).reshape([batch, ...shape])),
      ys.narrow(0, s * batch, batch),
    );
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(loss.detach());
  }
  const out: number[] = [];
  for (const l of losses) out.push(await l.itemAsync());
  return out;
}

function expectSameLosses(cpu: number[], gpu: number[]): void {
  expect(gpu.length).toBe(cpu.length);
  for (let i = 0; i < cpu.length; i++)
    expect(Math.abs(gpu[i]! - cpu[i]!) / Math.abs(cpu[i]!)).toBeLessThanOrEqual(1e-4);
  expect(cpu.at(-1)!).toBeLessThan(cpu[0]!); // it trained
}

describe.skipIf(reason !== null)('training on webgpu', () => {
  it('the article MLP: 50 SGD steps give the CPU losses', async () => {
    const make = () => {
      const g = new Generator(7);
      return new Sequential(
        new Linear(784, 50, { generator: g }),
        new Sigmoid(),
        new Linear(50, 100, { generator: g }),
        new Sigmoid(),
        new Linear(100, 10, { generator: g }),
      );
    };
    const opt = (p: Tensor[]) => new SGD(p, { lr: 0.5 });
    const cpu = await train(make, opt, 'cpu', 64, 50, [784]);
    const gpu = await train(make, opt, 'webgpu', 64, 50, [784]);
    expectSameLosses(cpu, gpu);
  });

  it('LeNet: 20 Adam steps give the CPU losses', async () => {
    const make = () => new LeNet({ generator: new Generator(3) });
    const opt = (p: Tensor[]) => new Adam(p, { lr: 1e-3 });
    const cpu = await train(make, opt, 'cpu', 64, 20, [1, 28, 28]);
    const gpu = await train(make, opt, 'webgpu', 64, 20, [1, 28, 28]);
    expectSameLosses(cpu, gpu);
  }, 120_000);
});
