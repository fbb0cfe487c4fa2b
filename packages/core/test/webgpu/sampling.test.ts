import { describe, expect, it } from 'vitest';
import { bernoulli, Generator, rand, randn, tensor } from '../../src/index.js';
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
});
