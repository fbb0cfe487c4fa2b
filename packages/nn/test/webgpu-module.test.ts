/**
 * Modules on WebGPU: `to('webgpu')` and `toAsync('cpu')` move every parameter, gradient and buffer
 * (weights unchanged), `to('cpu')` from a GPU names the async form, parameters wrap GPU tensors,
 * gradients clear and clip on the device, and state dicts cross devices.
 */
import { DeviceError, Generator, randn, type Tensor, tensor, zeros } from '@tsgrad/core';
import { describe, expect, it } from 'vitest';
import {
  BatchNorm1d,
  clipGradNorm,
  clipGradNormTensor,
  clipGradValue,
  Linear,
  Module,
  Parameter,
  Sequential,
  SGD,
} from '../src/index.js';
import { hasWebGPU } from './webgpu-device.js';

/** A linear model from ops that run on webgpu: x·w summed over features, plus b. */
class Tiny extends Module {
  w: Parameter;
  b: Parameter;
  constructor(features: number, g: Generator) {
    super();
    this.w = new Parameter(randn([1, features], { generator: g }));
    this.b = new Parameter(randn([1], { generator: g }));
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.w).sum(1).add(this.b);
  }
}

async function values(dict: Record<string, Tensor>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(dict)) out[k] = Array.from(await t.toTypedArrayAsync());
  return out;
}

describe.skipIf(!hasWebGPU)('Module.to(device)', () => {
  it("to('webgpu') then toAsync('cpu') gives back the same weights, buffers and gradients", async () => {
    const model = new Sequential(new Linear(5, 4, { generator: new Generator(1) }), new BatchNorm1d(4));
    model
      .call(randn([6, 5]))
      .sum()
      .backward(); // on the CPU: gradients and running stats
    const before = await values(model.stateDict());
    const grad = Array.from(model.parameters()[0]!.grad!.toTypedArray());
    const params = model.parameters();
    expect(model.to('webgpu')).toBe(model);
    for (const t of [...model.parameters(), ...model.buffers()]) expect(t.device).toBe('webgpu');
    expect(model.parameters()[0]).not.toBe(params[0]); // new Parameters: build the optimizer after
    expect(model.parameters()[0]!.grad!.device).toBe('webgpu');
    expect(model.parameters().every((p) => p instanceof Parameter && p.requiresGrad)).toBe(true);
    expect(await values(model.stateDict())).toEqual(before);
    expect(model.buffers().find((b) => b.dtype === 'int32')?.device).toBe('webgpu');
    await model.toAsync('cpu');
    for (const t of [...model.parameters(), ...model.buffers()]) expect(t.device).toBe('cpu');
    expect(await values(model.stateDict())).toEqual(before);
    expect(Array.from(model.parameters()[0]!.grad!.toTypedArray())).toEqual(grad);
  });

  it('keeps a shared parameter shared', () => {
    const a = new Linear(3, 3);
    const b = new Linear(3, 3);
    (b as { weight: Parameter }).weight = a.weight; // tied weights
    const model = new Sequential(a, b).to('webgpu');
    expect(model.parameters()).toHaveLength(3); // the shared weight once, and two biases
    expect(a.weight).toBe(b.weight);
    expect(a.weight.device).toBe('webgpu');
  });

  it("to('cpu') on a GPU module is a DeviceError naming toAsync; on a CPU module it is a no-op", () => {
    const model = new Linear(2, 2);
    expect(model.to('cpu')).toBe(model);
    model.to('webgpu');
    expect(() => model.to('cpu')).toThrow(DeviceError);
    expect(() => model.to('cpu')).toThrow(
      /Module\.to: moving Linear from webgpu to the cpu .* await module\.toAsync\('cpu'\)/,
    );
  });

  it('an unknown target names the accepted dtypes and devices', () => {
    expect(() => new Linear(2, 2).to('cuda' as 'cpu')).toThrow(
      /Module\.to: dtype must be 'float32' or 'float64' \(or a device: 'cpu' or 'webgpu'\), got 'cuda'/,
    );
  });

  it('a Parameter wraps a GPU tensor: shared when it fills its buffer, else a contiguous copy', async () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]).to('webgpu');
    const p = new Parameter(t);
    expect(p.device).toBe('webgpu');
    expect(p.storage).toBe(t.storage);
    const q = new Parameter(t.t());
    expect(q.storage).not.toBe(t.storage);
    expect(q.isContiguous).toBe(true);
    expect(await q.toArrayAsync()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });

  it('zeroGrad clears GPU gradients, to null or to zeros on the device', async () => {
    const model = new Tiny(3, new Generator(2)).to('webgpu');
    model
      .call(randn([4, 3]).to('webgpu'))
      .sum()
      .backward();
    model.zeroGrad(false);
    expect(model.w.grad!.device).toBe('webgpu');
    expect(await model.w.grad!.toArrayAsync()).toEqual([[0, 0, 0]]);
    model.zeroGrad();
    expect(model.w.grad).toBeNull();
  });

  it('trains: forward, backward and SGD steps on the device lower the loss', async () => {
    const g = new Generator(4);
    const model = new Tiny(8, g).to('webgpu');
    const x = randn([32, 8], { generator: g }).to('webgpu');
    const y = x.mul(randn([1, 8], { generator: g }).to('webgpu')).sum(1);
    const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const loss = model.call(x).sub(y).pow(2).mean();
      opt.zeroGrad();
      loss.backward();
      opt.step();
      if (step % 10 === 0) losses.push(await loss.itemAsync());
    }
    expect(losses[2]!).toBeLessThan(losses[0]! * 0.5);
  });
});

describe.skipIf(!hasWebGPU)('state dicts of GPU modules', () => {
  it('stateDict holds GPU tensors; stateDictAsync CPU copies', async () => {
    const model = new Linear(3, 2).to('webgpu');
    const dict = model.stateDict();
    expect(Object.values(dict).every((t) => t.device === 'webgpu')).toBe(true);
    const saved = await model.stateDictAsync();
    expect(Object.values(saved).every((t) => t.device === 'cpu')).toBe(true);
    expect(await values(saved)).toEqual(await values(dict));
  });

  it('loadStateDict uploads a CPU dict into a GPU module, in place', async () => {
    const source = new Linear(3, 2, { generator: new Generator(5) });
    const model = new Linear(3, 2).to('webgpu');
    const weight = model.weight;
    model.loadStateDict(source.stateDict());
    expect(model.weight).toBe(weight);
    expect(await values(model.stateDict())).toEqual(await values(source.stateDict()));
  });

  it('loadStateDict of a GPU dict into a CPU module is a DeviceError naming the key', () => {
    const gpuDict = new Linear(3, 2).to('webgpu').stateDict();
    expect(() => new Linear(3, 2).loadStateDict(gpuDict)).toThrow(/loadStateDict: 'weight' is on webgpu/);
  });
});

describe.skipIf(!hasWebGPU)('gradient clipping on the GPU', () => {
  const setup = () => {
    const g = new Generator(6);
    const cpu = [new Parameter(randn([4, 3], { generator: g })), new Parameter(randn([5], { generator: g }))];
    const grads = [randn([4, 3], { generator: g }).mul(3), randn([5], { generator: g }).mul(3)];
    cpu.forEach((p, i) => {
      p.grad = grads[i]!.clone();
    });
    const gpu = cpu.map((p, i) => {
      const q = new Parameter(p.detach().to('webgpu'));
      q.grad = grads[i]!.to('webgpu');
      return q;
    });
    return { cpu, gpu };
  };

  it('clipGradNormTensor scales like clipGradNorm and returns the norm as a GPU tensor', async () => {
    for (const normType of [2, 1, Number.POSITIVE_INFINITY]) {
      const { cpu, gpu } = setup();
      const expected = clipGradNorm(cpu, 1.5, { normType });
      const total = clipGradNormTensor(gpu, 1.5, { normType });
      expect(total.device).toBe('webgpu');
      expect(await total.itemAsync()).toBeCloseTo(expected, 4);
      for (let i = 0; i < cpu.length; i++) {
        const got = await gpu[i]!.grad!.toTypedArrayAsync();
        const want = cpu[i]!.grad!.toTypedArray();
        for (let k = 0; k < want.length; k++) expect(got[k]!).toBeCloseTo(want[k]!, 5);
      }
    }
  });

  it('a non-finite norm leaves GPU gradients unchanged', async () => {
    const p = new Parameter(zeros([2]).to('webgpu'));
    p.grad = tensor([Number.NaN, 1]).to('webgpu');
    const total = clipGradNormTensor([p], 0.1);
    expect(Number.isNaN(await total.itemAsync())).toBe(true);
    const g = await p.grad.toTypedArrayAsync();
    expect(Number.isNaN(g[0]!)).toBe(true);
    expect(g[1]).toBe(1);
  });

  it('clipGradNorm (a number) on GPU gradients names clipGradNormTensor', () => {
    const { gpu } = setup();
    expect(() => clipGradNorm(gpu, 1)).toThrow(DeviceError);
    expect(() => clipGradNorm(gpu, 1)).toThrow(
      /clipGradNorm: the gradients are on webgpu.*clipGradNormTensor/,
    );
  });

  it('clipGradValue clamps GPU gradients as on the CPU', async () => {
    const { cpu, gpu } = setup();
    clipGradValue(cpu, 0.7);
    clipGradValue(gpu, 0.7);
    for (let i = 0; i < cpu.length; i++) {
      expect(Array.from(await gpu[i]!.grad!.toTypedArrayAsync())).toEqual(
        Array.from(cpu[i]!.grad!.toTypedArray()),
      );
    }
  });
});
