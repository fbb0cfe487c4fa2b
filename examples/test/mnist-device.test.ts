/**
 * The MNIST job's `--device` flag: unknown values are refused, a missing WebGPU is one clear line,
 * and a run on webgpu goes through the device plumbing (model and batches moved, losses read
 * every DEVICE_READ_EVERY steps, evaluation and checkpoints read back asynchronously) to the
 * CPU run's figures. Linear and crossEntropy are replaced in this file by stand-ins built from
 * elementwise ops and reductions (the same on both devices), so the plumbing is tested whatever
 * kernels the webgpu backend has.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arange, type Tensor } from '@tsgrad/core';
import { Linear, loadSafetensors } from '@tsgrad/nn';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hasWebGPU } from '../../packages/nn/test/webgpu-device.js';
import { DEFAULTS, type MnistMetrics, main, parseMnistArgs, trainMnist } from '../src/mnist.js';

/** Set to make initDevice fail as it does on a machine without an adapter. */
const noAdapter = vi.hoisted(() => ({ on: false }));

vi.mock('@tsgrad/core', async (importOriginal) => {
  const core = await importOriginal<typeof import('@tsgrad/core')>();
  const initDevice: typeof core.initDevice = async (device) => {
    if (noAdapter.on) {
      throw new core.DeviceError('initDevice: no WebGPU adapter found; install a Vulkan driver');
    }
    return core.initDevice(device);
  };
  return { ...core, initDevice };
});

vi.mock('@tsgrad/nn', async (importOriginal) => {
  const nn = await importOriginal<typeof import('@tsgrad/nn')>();
  /** Cross-entropy from elementwise ops and reductions: −Σ one-hot · log-softmax. */
  const crossEntropy = (logits: Tensor, target: Tensor, options: { reduction?: 'mean' | 'sum' } = {}) => {
    const shifted = logits.sub(logits.amax(1, true).detach());
    const logProbs = shifted.sub(shifted.exp().sum(1, true).log());
    const classes = arange(0, logits.shape[1]!, 1, { dtype: 'int32', device: logits.device });
    const oneHot = target.unsqueeze(1).eq(classes).to('float32');
    const total = logProbs.mul(oneHot).sum().neg();
    return options.reduction === 'sum' ? total : total.div(logits.shape[0]!);
  };
  return { ...nn, crossEntropy };
});

describe('--device', () => {
  it('accepts cpu and webgpu, cpu by default', () => {
    expect(parseMnistArgs([]).config.device).toBe('cpu');
    expect(parseMnistArgs(['--device', 'webgpu']).config.device).toBe('webgpu');
  });

  it('refuses an unknown device with the accepted ones (exit 2)', async () => {
    expect(() => parseMnistArgs(['--device', 'cuda'])).toThrow(
      "--device: expected one of cpu, webgpu, got 'cuda'",
    );
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--device', 'cuda'])).toBe(2);
      expect(String(stderr.mock.calls[0]![0])).toContain("--device: expected one of cpu, webgpu, got 'cuda'");
    } finally {
      stderr.mockRestore();
    }
  });
});

describe('--device webgpu where WebGPU is unavailable', () => {
  it("exits 2 with the DeviceError's one line, for training and for --eval", async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    noAdapter.on = true;
    try {
      const out = mkdtempSync(join(tmpdir(), 'tsgrad-mnist-noadapter-'));
      expect(await main(['--device', 'webgpu', '--out', out, '--epochs', '1', '--quiet'])).toBe(2);
      expect(await main(['--device', 'webgpu', '--eval', join(out, 'model.safetensors')])).toBe(2);
      const lines = stderr.mock.calls.map((c) => String(c[0]));
      expect(lines).toEqual([
        'error: --device webgpu: initDevice: no WebGPU adapter found; install a Vulkan driver\n',
        'error: --device webgpu: initDevice: no WebGPU adapter found; install a Vulkan driver\n',
      ]);
    } finally {
      noAdapter.on = false;
      stderr.mockRestore();
    }
  });
});

const original = Linear.prototype.forward;

describe.skipIf(!hasWebGPU)('a run on webgpu gives the CPU run', () => {
  beforeAll(() => {
    // Linear from a broadcast product and a sum, which run on webgpu without a matmul kernel.
    Linear.prototype.forward = function (this: Linear, x: Tensor): Tensor {
      const y = x.unsqueeze(1).mul(this.weight).sum(-1);
      return this.bias === null ? y : y.add(this.bias);
    };
  });
  afterAll(() => {
    Linear.prototype.forward = original;
  });

  const outs: Record<string, string> = {};
  const config = (device: 'cpu' | 'webgpu', out: string) => ({
    ...DEFAULTS,
    device,
    epochs: 2,
    limit: 320,
    testLimit: 200,
    hidden: [16],
    batchSize: 32,
    schedule: 'constant' as const,
    out,
    quiet: true,
  });
  const run = async (device: 'cpu' | 'webgpu'): Promise<MnistMetrics> => {
    const out = mkdtempSync(join(tmpdir(), `tsgrad-mnist-${device}-`));
    outs[device] = out;
    const result = await trainMnist(config(device, out), () => {});
    if (result.status !== 'done') throw new Error('the run did not finish');
    return result.metrics;
  };
  let straight: MnistMetrics;

  it('losses and accuracy to float32 tolerance, checkpoints and weights written', async () => {
    const cpu = await run('cpu');
    const gpu = await run('webgpu');
    straight = gpu;
    expect(gpu.config.device).toBe('webgpu');
    for (const [i, e] of cpu.epochs.entries()) {
      const g = gpu.epochs[i]!;
      expect(Math.abs(g.trainLoss - e.trainLoss)).toBeLessThanOrEqual(1e-4 * Math.abs(e.trainLoss));
      expect(Math.abs(g.testLoss - e.testLoss)).toBeLessThanOrEqual(1e-4 * Math.abs(e.testLoss));
      expect(g.testAccuracy).toBe(e.testAccuracy);
    }
    // The weights and the checkpoint were read back and written as on the CPU.
    const weights = (device: string, file: string) => loadSafetensors(join(outs[device]!, file)).tensors;
    for (const file of ['model.safetensors', 'checkpoint.safetensors']) {
      const want = weights('cpu', file);
      const got = weights('webgpu', file);
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      for (const [key, t] of Object.entries(want)) {
        const a = got[key]!.toTypedArray();
        const b = t.toTypedArray();
        for (let i = 0; i < b.length; i++)
          expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-4 + 1e-3 * Math.abs(b[i]!));
      }
    }
  });

  it('a webgpu run interrupted mid-epoch and resumed on webgpu ends as the straight run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tsgrad-mnist-resume-'));
    let steps = 0;
    const first = await trainMnist(config('webgpu', out), () => {}, { shouldStop: () => ++steps === 7 });
    expect(first.status).toBe('interrupted');
    if (first.status !== 'interrupted') return;
    const resumed = await trainMnist(config('webgpu', out), () => {}, { resume: first.checkpoint });
    if (resumed.status !== 'done') throw new Error('the resumed run did not finish');
    for (const [i, e] of straight.epochs.entries()) {
      const r = resumed.metrics.epochs[i]!;
      expect(Math.abs(r.trainLoss - e.trainLoss)).toBeLessThanOrEqual(1e-5 * e.trainLoss);
      expect(Math.abs(r.testLoss - e.testLoss)).toBeLessThanOrEqual(1e-5 * e.testLoss);
    }
  });
});
