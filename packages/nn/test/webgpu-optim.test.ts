/**
 * The optimizers on WebGPU: SGD (momentum, dampening, Nesterov, weight decay, maximize) and
 * Adam/AdamW (AMSGrad) updates equal the CPU's over several steps; a step reads nothing back;
 * and 2,000 training steps of a small model keep the GPU buffer pool flat.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  adamStep_,
  DeviceError,
  deviceStats,
  Generator,
  randn,
  sgdStep_,
  type Tensor,
  zeros,
} from '@tsgrad/core';
import { describe, expect, it, vi } from 'vitest';
import { Runtime } from '../../core/src/backends/webgpu/runtime.js';
import { Adagrad, Adam, AdamW, Module, Parameter, SGD } from '../src/index.js';
import { hasWebGPU } from './webgpu-device.js';

/** Asserts |a − b| ≤ atol + rtol·|b| elementwise (float32 tolerances). */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= atol + rtol * Math.abs(b[i]!))) {
      throw new Error(`element ${i}: ${a[i]} vs ${b[i]} (|diff| ${d})`);
    }
  }
}

/** A linear model from ops that run on webgpu: x·w summed over features, plus b. */
class Tiny extends Module {
  w: Parameter;
  b: Parameter;
  constructor(features: number, g: Generator) {
    super();
    this.w = new Parameter(randn([1, features], { generator: g }).mul(0.1));
    this.b = new Parameter(zeros([1]));
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.w).sum(1).add(this.b);
  }
}

function mse(pred: Tensor, y: Tensor): Tensor {
  return pred.sub(y).pow(2).mean();
}

type MakeOpt = (params: Parameter[]) => SGD | Adam;

/**
 * Runs `steps` updates of the same parameters on the CPU and on webgpu, with the same gradients
 * (some of them transposed views), and compares the parameters after every step.
 */
async function parity(make: MakeOpt, steps = 5): Promise<void> {
  const g = new Generator(7);
  const cpu = [new Parameter(randn([3, 4], { generator: g })), new Parameter(randn([5], { generator: g }))];
  const gpu = cpu.map((p) => new Parameter(p.detach().to('webgpu')));
  const optCpu = make(cpu);
  const optGpu = make(gpu);
  for (let s = 0; s < steps; s++) {
    const grads = [randn([4, 3], { generator: g }).t(), randn([5], { generator: g })];
    cpu.forEach((p, i) => {
      p.grad = grads[i]!;
    });
    gpu.forEach((p, i) => {
      p.grad = grads[i]!.to('webgpu');
    });
    optCpu.step();
    optGpu.step();
    for (let i = 0; i < cpu.length; i++) {
      expectClose(await gpu[i]!.toTypedArrayAsync(), cpu[i]!.toTypedArray());
    }
  }
}

describe.skipIf(!hasWebGPU)('optimizers on webgpu equal the CPU', () => {
  it('plain SGD with weight decay', async () => {
    await parity((p) => new SGD(p, { lr: 0.1, weightDecay: 0.01 }));
  });

  it('SGD with momentum and dampening', async () => {
    await parity((p) => new SGD(p, { lr: 0.05, momentum: 0.9, dampening: 0.1 }));
  });

  it('SGD with Nesterov momentum, weight decay, maximize', async () => {
    await parity(
      (p) => new SGD(p, { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.1, maximize: true }),
    );
  });

  it('Adam', async () => {
    await parity((p) => new Adam(p, { lr: 0.01 }));
  });

  it('Adam with L2 weight decay and AMSGrad', async () => {
    await parity((p) => new Adam(p, { lr: 0.01, weightDecay: 0.1, amsgrad: true, betas: [0.8, 0.9] }));
  });

  it('AdamW (decoupled weight decay) with AMSGrad and maximize', async () => {
    await parity((p) => new AdamW(p, { lr: 0.01, weightDecay: 0.1, amsgrad: true, maximize: true }));
  });

  it('training the tiny model gives the CPU losses', async () => {
    const run = async (device: 'cpu' | 'webgpu') => {
      const g = new Generator(3);
      const model = new Tiny(6, g).to(device);
      const x = randn([16, 6], { generator: g }).to(device);
      const y = randn([16], { generator: g }).to(device);
      const opt = new Adam(model.parameters(), { lr: 0.05, amsgrad: true });
      const losses: number[] = [];
      for (let s = 0; s < 5; s++) {
        const loss = mse(model.call(x), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        losses.push(await loss.itemAsync());
      }
      return losses;
    };
    expectClose(await run('webgpu'), await run('cpu'), 1e-5, 1e-6);
  });

  it('state buffers live on the device; stateDict holds device tensors, stateDictAsync CPU ones', async () => {
    const p = new Parameter(randn([4]).to('webgpu'));
    const opt = new Adam([p], { lr: 0.1, amsgrad: true });
    p.grad = randn([4]).to('webgpu');
    opt.step();
    const dict = opt.stateDict();
    for (const key of ['expAvg', 'expAvgSq', 'maxExpAvgSq'])
      expect((dict.state[0]![key] as Tensor).device).toBe('webgpu');
    const saved = await opt.stateDictAsync();
    expect((saved.state[0]!.expAvg as Tensor).device).toBe('cpu');
    expectClose(
      (saved.state[0]!.expAvg as Tensor).toTypedArray(),
      await (dict.state[0]!.expAvg as Tensor).toTypedArrayAsync(),
    );
    // A restored optimizer continues exactly as the original does.
    const q = new Parameter(p.detach().clone());
    const restored = new Adam([q], { lr: 0.1, amsgrad: true });
    restored.loadStateDict(saved);
    const grad = randn([4]);
    p.grad = grad.to('webgpu');
    q.grad = grad.to('webgpu');
    opt.step();
    restored.step();
    expectClose(await q.toTypedArrayAsync(), await p.toTypedArrayAsync());
  });

  it('zeroGrad(false) zeroes a GPU gradient in place', async () => {
    const p = new Parameter(randn([3]).to('webgpu'));
    const opt = new SGD([p], { lr: 0.1 });
    const grad = randn([3]).to('webgpu');
    p.grad = grad;
    opt.zeroGrad(false);
    expect(p.grad).toBe(grad);
    expect(await grad.toArrayAsync()).toEqual([0, 0, 0]);
  });

  it('an optimizer without a device update names itself and the device', () => {
    const p = new Parameter(randn([3]).to('webgpu'));
    p.grad = randn([3]).to('webgpu');
    expect(() => new Adagrad([p], { lr: 0.1 }).step()).toThrow(DeviceError);
    expect(() => new Adagrad([p], { lr: 0.1 }).step()).toThrow(/Adagrad\.step: no webgpu update/);
  });

  it('sgdStep_ and adamStep_ refuse operands on different devices', () => {
    const p = randn([3]).to('webgpu');
    expect(() => sgdStep_(p, randn([3]), null, { lr: 0.1 })).toThrow(
      /sgdStep_: expected all tensors on one device/,
    );
    const m = zeros([3]).to('webgpu');
    expect(() => adamStep_(p, randn([3]).to('webgpu'), m, zeros([3]), null, { lr: 0.1, step: 1 })).toThrow(
      /adamStep_: expected all tensors on one device/,
    );
  });
});

describe.skipIf(!hasWebGPU)('a GPU optimizer step reads nothing back', () => {
  it('50 SGD and Adam steps: no read, and submits only as dispatch batching gives', async () => {
    const params = [new Parameter(randn([64, 32]).to('webgpu')), new Parameter(randn([32]).to('webgpu'))];
    for (const p of params) p.grad = randn([...p.shape]).to('webgpu');
    const sgd = new SGD(params, { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4 });
    const adam = new AdamW(params, { lr: 0.01, amsgrad: true });
    sgd.step();
    adam.step(); // the first steps create (upload) the state buffers
    const read = vi.spyOn(Runtime.prototype, 'read');
    const before = (await deviceStats())!;
    for (let s = 0; s < 50; s++) {
      sgd.step();
      adam.step();
    }
    const after = (await deviceStats())!;
    expect(read).not.toHaveBeenCalled();
    read.mockRestore();
    const dispatches = after.dispatches - before.dispatches;
    expect(dispatches).toBe(50 * 2 * params.length);
    // Work is submitted in batches of 512 dispatches (plus the flush of deviceStats' caller, if any).
    expect(after.submits - before.submits).toBeLessThanOrEqual(Math.ceil(dispatches / 512) + 1);
  });
});

/** A full collection: node --expose-gc's global.gc, or the same function obtained at run time. */
const gc: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();

/** Collects garbage and lets the FinalizationRegistry callbacks (which return GPU buffers to the pool) run. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise<void>((done) => setTimeout(done, 0));
  }
}

describe.skipIf(!hasWebGPU)('soak: GPU buffers do not grow', () => {
  it('2,000 Adam steps of the tiny model keep createdBytes flat after warm-up', async () => {
    const g = new Generator(0);
    const model = new Tiny(32, g).to('webgpu');
    const x = randn([64, 32], { generator: g }).to('webgpu');
    const y = randn([64], { generator: g }).to('webgpu');
    const opt = new Adam(model.parameters(), { lr: 1e-3 });
    const created: number[] = [];
    const live: number[] = [];
    let last = Number.NaN;
    for (let step = 1; step <= 2000; step++) {
      const loss = mse(model.call(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      if (step % 100 === 0) {
        last = await loss.itemAsync(); // logging: the only read
        await collect();
        const stats = (await deviceStats())!;
        created.push(stats.createdBytes);
        live.push(stats.liveBytes);
      }
    }
    expect(Number.isFinite(last)).toBe(true);
    // After the warm-up (the first 300 steps) the pool serves every allocation: nothing new is created.
    const warm = created[2]!;
    expect(Math.max(...created.slice(2))).toBe(warm);
    expect(Math.max(...live.slice(2))).toBeLessThanOrEqual(live[2]! + 4096);
  });
});

describe('sgdStep_ and adamStep_ on the CPU equal the optimizers', () => {
  it('five steps of SGD (Nesterov, weight decay) and AdamW (AMSGrad)', () => {
    const g = new Generator(11);
    const start = randn([6], { generator: g });
    const viaSgd = new Parameter(start.clone());
    const viaAdam = new Parameter(start.clone());
    const [a, b] = [start.clone(), start.clone()];
    const buffer = zeros([6]);
    const [m, v, vmax] = [zeros([6]), zeros([6]), zeros([6])];
    const sgd = new SGD([viaSgd], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 });
    const adam = new AdamW([viaAdam], { lr: 0.01, amsgrad: true });
    for (let step = 1; step <= 5; step++) {
      const grad = randn([6], { generator: g });
      viaSgd.grad = grad;
      viaAdam.grad = grad;
      sgd.step();
      adam.step();
      sgdStep_(a, grad, buffer, {
        lr: 0.1,
        momentum: 0.9,
        nesterov: true,
        weightDecay: 0.01,
        first: step === 1,
      });
      adamStep_(b, grad, m, v, vmax, { lr: 0.01, weightDecay: 0.01, decoupled: true, step, amsgrad: true });
      expect(Array.from(a.toTypedArray())).toEqual(Array.from(viaSgd.toTypedArray()));
      expect(Array.from(b.toTypedArray())).toEqual(Array.from(viaAdam.toTypedArray()));
    }
  });
});
