import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeviceError, ones, randn, type Tensor, tensor } from '../../src/index.js';
import { hasWebGPU } from './device.js';

/** The CPU result of `f` and the WebGPU result of the same `f` on the inputs moved there. */
async function both(f: (...xs: Tensor[]) => Tensor, ...xs: Tensor[]): Promise<[number[], number[]]> {
  const cpu = f(...xs).toFlatArray();
  const gpu = Array.from(await f(...xs.map((x) => x.to('webgpu'))).toTypedArrayAsync());
  return [cpu, gpu];
}

function close(a: number[], b: number[], tol = 1e-5): void {
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x)) expect(Number.isNaN(y)).toBe(true);
    else expect(Math.abs(x - y)).toBeLessThanOrEqual(tol * (1 + Math.abs(x)));
  }
}

describe.skipIf(!hasWebGPU)('webgpu core kernels', () => {
  it('round-trips float32, int32 and bool tensors', async () => {
    for (const t of [randn([3, 5]), tensor([1, -2, 3], { dtype: 'int32' }), tensor([1, 0, 1]).gt(0.5)]) {
      const g = t.to('webgpu');
      expect(g.device).toBe('webgpu');
      expect(g.dtype).toBe(t.dtype);
      expect(await g.toArrayAsync()).toEqual(t.toArray());
    }
  });

  it('elementwise maps on broadcast and transposed views match the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 9 }), async (m, n) => {
        const a = randn([m, n]);
        const b = randn([n, m]);
        const c = randn([n]);
        close(...(await both((x, y, z) => x.add(y.t()).mul(z).tanh().sub(z.exp()), a, b, c)));
        close(...(await both((x) => x.relu().add(x.sigmoid()).div(x.abs().add(1)), a)));
        close(...(await both((x, z) => x.gt(z).to('float32').add(x.maximum(z)), a, c)));
      }),
      { numRuns: 15 },
    );
  });

  it('reductions over any dims match the CPU, short and long', async () => {
    for (const shape of [[4, 6, 5], [3, 300], [1000]]) {
      const x = randn(shape);
      for (const dims of shape.length === 3
        ? [[0], [1], [2], [0, 2], [0, 1, 2]]
        : [[0], [shape.length - 1]]) {
        close(...(await both((t) => t.sum(dims), x)), 1e-4);
        close(...(await both((t) => t.amax(dims), x)));
      }
      close(...(await both((t) => t.argmax(-1).to('float32'), x)));
    }
  });

  it('gradients flow through the engine on the device', async () => {
    const x = randn([4, 3]);
    const w = randn([3]);
    const f = (a: Tensor, b: Tensor) => a.mul(b).tanh().sum();
    const xc = x.clone().requiresGrad_();
    f(xc, w).backward();
    const xg = x.to('webgpu').detach().requiresGrad_();
    f(xg, w.to('webgpu')).backward();
    expect(xg.grad?.device).toBe('webgpu');
    close(xc.grad!.toFlatArray(), Array.from(await xg.grad!.toTypedArrayAsync()));
  });

  it('names the op and both devices when devices are mixed, and the async form on a sync read', () => {
    const g = ones([2, 2]).to('webgpu');
    expect(() => g.add(ones([2, 2]))).toThrow(DeviceError);
    expect(() => g.add(ones([2, 2]))).toThrow(
      /add: expected all tensors on one device, got webgpu .* and cpu/,
    );
    expect(() => g.toArray()).toThrow(/toArrayAsync/);
    expect(() => g.sum().item()).toThrow(/itemAsync/);
    expect(() => g.to('cpu')).toThrow(/toAsync\('cpu'\)/);
    expect(() => ones([2], { dtype: 'float64' }).to('webgpu')).toThrow(/no float64/);
    // A 0-d CPU tensor acts as a scalar, as in PyTorch.
    expect(() => g.add(tensor(1))).not.toThrow();
  });
});
