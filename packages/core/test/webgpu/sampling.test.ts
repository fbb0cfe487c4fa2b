import { describe, expect, it } from 'vitest';
import {
  bernoulli,
  DeviceError,
  Generator,
  multinomial,
  normal,
  rand,
  randn,
  randperm,
  tensor,
  uniform,
} from '../../src/index.js';
import { close } from './compare.js';
import { hasWebGPU } from './device.js';

describe.skipIf(!hasWebGPU)('webgpu sampling', () => {
  it('bernoulli on a webgpu tensor draws the same mask as on the CPU from the same seed', async () => {
    const probs = rand([7, 33]);
    const cpu = bernoulli(probs, { generator: new Generator(11) });
    const gpu = bernoulli(probs.to('webgpu'), { generator: new Generator(11) });
    expect(gpu.device).toBe('webgpu');
    expect(Array.from(await gpu.toTypedArrayAsync())).toEqual(cpu.toFlatArray());
    // Probabilities on a transposed view, and one p for every element.
    const t = probs.t();
    expect(
      Array.from(
        await bernoulli(probs.to('webgpu').t(), { generator: new Generator(5) }).toTypedArrayAsync(),
      ),
    ).toEqual(bernoulli(t, { generator: new Generator(5) }).toFlatArray());
    const x = randn([4, 50]);
    const a = bernoulli(x, { p: 0.3, generator: new Generator(2) });
    const b = bernoulli(x.to('webgpu'), { p: 0.3, generator: new Generator(2) });
    expect(Array.from(await b.toTypedArrayAsync())).toEqual(a.toFlatArray());
  });

  it('a probability equal to a draw rounded to float32 compares as on the CPU', async () => {
    // p = the generator's own next draws rounded to float32: each u < p is decided by the
    // rounding alone, which the GPU must reproduce exactly.
    const draws = new Generator(3);
    const probs = tensor(Array.from({ length: 256 }, () => draws.random()));
    const cpu = bernoulli(probs, { generator: new Generator(3) });
    const gpu = bernoulli(probs.to('webgpu'), { generator: new Generator(3) });
    const ones = cpu.toFlatArray().filter((v) => v === 1).length;
    expect(ones).toBeGreaterThan(50);
    expect(ones).toBeLessThan(206);
    expect(Array.from(await gpu.toTypedArrayAsync())).toEqual(cpu.toFlatArray());
  });

  it('normal with tensor means and stds on webgpu gives the CPU samples from the same seed', async () => {
    const mean = randn([5, 8]);
    const std = rand([8]).add(0.1);
    const cpu = normal(mean, std, { generator: new Generator(4) });
    const gpu = normal(mean.to('webgpu'), std.to('webgpu'), { generator: new Generator(4) });
    expect(gpu.device).toBe('webgpu');
    close(cpu.toFlatArray(), await gpu.toTypedArrayAsync(), 1e-6);
    // A number mean with a tensor std, and a negative std (not read back: NaN there).
    const one = normal(2, std.to('webgpu').t().neg(), { generator: new Generator(1) });
    expect(Array.from(await one.toTypedArrayAsync()).every(Number.isNaN)).toBe(true);
    close(
      normal(2, std, { generator: new Generator(6) }).toFlatArray(),
      await normal(2, std.to('webgpu'), { generator: new Generator(6) }).toTypedArrayAsync(),
      1e-6,
    );
  });

  it('uniform, randperm and normal(numbers) honour options.device; multinomial names the op', async () => {
    const u = uniform([3, 4], -1, 1, { generator: new Generator(8), device: 'webgpu' });
    expect(u.device).toBe('webgpu');
    expect(Array.from(await u.toTypedArrayAsync())).toEqual(
      uniform([3, 4], -1, 1, { generator: new Generator(8) }).toFlatArray(),
    );
    const p = randperm(10, { generator: new Generator(8), device: 'webgpu' });
    expect(p.device).toBe('webgpu');
    expect(Array.from(await p.toTypedArrayAsync())).toEqual(
      randperm(10, { generator: new Generator(8) }).toFlatArray(),
    );
    expect(normal(0, 1, [2, 2], { device: 'webgpu' }).device).toBe('webgpu');
    const probs = tensor([0.2, 0.8]).to('webgpu');
    expect(() => multinomial(probs, 1)).toThrow(DeviceError);
    expect(() => multinomial(probs, 1)).toThrow(/multinomial: no webgpu kernel yet.*toAsync\('cpu'\)/);
  });
});
