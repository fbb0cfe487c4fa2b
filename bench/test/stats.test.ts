import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lenetInitialParameters, lenetTrainer } from '../src/lenet.js';
import { summarize } from '../src/stats.js';
import { initialWeights, maxLossGap, tfjsTrainer, tsgradTrainer, weightList } from '../src/train.js';

describe('bench helpers', () => {
  it('the median has as many samples at or below it as at or above it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (xs) => {
          const s = summarize(xs);
          expect(xs.filter((x) => x <= s.median).length).toBeGreaterThanOrEqual(xs.length / 2);
          expect(xs.filter((x) => x >= s.median).length).toBeGreaterThanOrEqual(xs.length / 2);
          expect(s.min).toBe(Math.min(...xs));
          expect(s.max).toBe(Math.max(...xs));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('every library starts from the same weights for the same seed, and other seeds differ', async () => {
    const init = initialWeights(42);
    expect(initialWeights(42)).toEqual(init);
    expect(initialWeights(43).weights[0]).not.toEqual(init.weights[0]);
    expect(init.weights.map((w) => w.length)).toEqual([784 * 50, 50 * 100, 100 * 10]);
    const want = weightList(init);
    expect(want.map((w) => w.length)).toEqual([784 * 50, 50, 50 * 100, 100, 100 * 10, 10]);
    // Every JS library's trainer holds exactly these weights once activated (PyTorch reads
    // weightList's concatenation, in this order, in bench/python/bench_torch.py).
    const data = {
      images: new Float32Array(200 * 784).fill(0.5),
      labels: new Int32Array(200),
      count: 200,
      source: 'test',
    };
    const trainers = [
      tsgradTrainer(init, data, 1),
      tfjsTrainer('cpu', init, data),
      tfjsTrainer('wasm', init, data),
    ];
    for (const t of trainers) {
      await t.activate();
      expect(t.weights(), t.name).toEqual(want);
    }
    // …and after one step on the same batch they still agree (the same update everywhere).
    const losses = trainers.map((t) => t.step(0));
    for (const l of losses) expect(l).toBeCloseTo(losses[0]!, 5);
    const after = trainers.map((t) => t.weights()[0]!);
    expect(after[0]).not.toEqual(want[0]);
    for (const w of after.slice(1)) {
      const gap = w.reduce((g, x, i) => Math.max(g, Math.abs(x - after[0]![i]!)), 0);
      expect(gap).toBeLessThan(1e-5);
    }
  });

  it("LeNet's initial parameters are PyTorch's LeNet parameters by name and shape, and the trainer starts from them", async () => {
    const params = lenetInitialParameters(1);
    expect(params.map((p) => [p.name, p.shape])).toEqual([
      ['conv1.weight', [8, 1, 5, 5]],
      ['conv1.bias', [8]],
      ['conv2.weight', [16, 8, 5, 5]],
      ['conv2.bias', [16]],
      ['fc1.weight', [128, 400]],
      ['fc1.bias', [128]],
      ['fc2.weight', [10, 128]],
      ['fc2.bias', [10]],
    ]);
    expect(params.reduce((s, p) => s + p.data.length, 0)).toBe(56_042);
    expect(lenetInitialParameters(2)[0]!.data).not.toEqual(params[0]!.data);
    const data = {
      images: new Float32Array(64 * 784).fill(0.1),
      labels: new Int32Array(64),
      count: 64,
      source: 'test',
    };
    const trainer = lenetTrainer(params, data, 1, 'tsgrad');
    await trainer.activate();
    expect(trainer.weights()).toEqual(params.map((p) => p.data));
  });

  it('the loss gap is the largest step-by-step difference', () => {
    expect(maxLossGap([1, 2, 3], [1, 2.5, 2.9])).toBeCloseTo(0.5);
  });
});
