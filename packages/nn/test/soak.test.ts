/**
 * Soak: 2,000 training steps of a small MLP must not grow the heap or the typed-array memory
 * (every step's graph, gradients and optimizer temporaries are garbage). It needs a full garbage
 * collection: `global.gc` under `node --expose-gc`, else the same function obtained through
 * `v8.setFlagsFromString`, so it runs in every test run.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Generator, randint, randn } from '@tsgrad/core';
import { Adam, crossEntropy, Linear, ReLU, Sequential } from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';

/** A full collection: node --expose-gc's global.gc, or the same function obtained at run time. */
const gc: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();
const STEPS = 2000;
/** Growth allowed across the run after a full GC: a few MB of noise, far below one leaked batch graph per step. */
const HEAP_BOUND = 8 * 2 ** 20;
const ARRAY_BUFFER_BOUND = 2 * 2 ** 20;

function collect(): NodeJS.MemoryUsage {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage();
}

describe('soak: memory stays flat over 2,000 MLP steps', () => {
  it('heap and arrayBuffers stay within a bound after GC', () => {
    const g = new Generator(0);
    const model = new Sequential(
      new Linear(20, 64, { generator: g }),
      new ReLU(),
      new Linear(64, 10, { generator: g }),
    );
    const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    const x = randn([32, 20], { generator: g });
    const y = randint(0, 10, [32], { generator: g });
    const step = (): number => {
      const loss = crossEntropy(model.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss.item();
    };
    for (let i = 0; i < 200; i++) step(); // warm-up: optimizer state, JIT
    const before = collect();
    let last = 0;
    for (let i = 0; i < STEPS; i++) last = step();
    const after = collect();
    expect(Number.isFinite(last)).toBe(true);
    const grown = {
      heapUsed: after.heapUsed - before.heapUsed,
      arrayBuffers: after.arrayBuffers - before.arrayBuffers,
    };
    expect(grown.heapUsed, `heap grew ${grown.heapUsed} bytes`).toBeLessThan(HEAP_BOUND);
    expect(grown.arrayBuffers, `arrayBuffers grew ${grown.arrayBuffers} bytes`).toBeLessThan(
      ARRAY_BUFFER_BOUND,
    );
  });
});
