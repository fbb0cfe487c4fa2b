/**
 * Profiling aid for A/B comparisons of the training step alone: times the LeNet step (batch 64,
 * Adam) or the article's MLP step (784-50-100-10 sigmoid, batch 100, SGD) on real MNIST, and
 * prints the median wall time with the 10th–90th percentiles, the median CPU time (all threads;
 * steadier than wall time on a loaded machine), the load average, the share of wall
 * time spent in garbage collection and the last loss (equal losses mean equal arithmetic).
 * Small and quick, so that two checkouts can be run alternately in one sitting.
 *
 * Run: npx tsx --conditions=source bench/src/profile-steps.ts <lenet|mlp> [threads] [steps]
 */
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { Generator, setNumThreads, type Tensor, tensor } from '@tsgrad/core';
import { Adam, F, LeNet, Linear, Sequential, SGD, Sigmoid } from '@tsgrad/nn';
import { loadTrainImages } from './mnist-data.js';
import { now } from './stats.js';

const [which = 'lenet', threadsArg, stepsArg] = process.argv.slice(2);
if (which !== 'lenet' && which !== 'mlp') throw new Error(`expected lenet or mlp, got ${which}`);
if (threadsArg !== undefined) setNumThreads(Number(threadsArg));
const steps = stepsArg === undefined ? (which === 'lenet' ? 80 : 1500) : Number(stepsArg);
const batch = which === 'lenet' ? 64 : 100;
const batches = 50;
const data = await loadTrainImages(batch * batches);

/** A model and optimizer as the step sees them. */
interface Setup {
  forward(x: Tensor): Tensor;
  opt: { zeroGrad(): void; step(): void };
  shape: number[];
}

function setup(): Setup {
  if (which === 'lenet') {
    const model = new LeNet({ generator: new Generator(0) });
    return {
      forward: (x) => model.call(x),
      opt: new Adam(model.parameters(), { lr: 1e-3 }),
      shape: [batch, 1, 28, 28],
    };
  }
  const g = new Generator(1);
  const model = new Sequential(
    new Linear(784, 50, { generator: g }),
    new Sigmoid(),
    new Linear(50, 100, { generator: g }),
    new Sigmoid(),
    new Linear(100, 10, { generator: g }),
  );
  return {
    forward: (x) => model.call(x),
    opt: new SGD(model.parameters(), { lr: 0.5 }),
    shape: [batch, 784],
  };
}

const { forward, opt, shape } = setup();
function step(i: number): number {
  const off = (i % batches) * batch;
  const x = tensor(data.images.slice(off * 784, (off + batch) * 784), { shape });
  const y = tensor(data.labels.slice(off, off + batch));
  opt.zeroGrad();
  const loss = F.crossEntropy(forward(x), y);
  loss.backward();
  opt.step();
  return loss.item();
}

let gcMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
});
observer.observe({ entryTypes: ['gc'] });
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const warmup = Math.max(10, Math.floor(steps / 5));
for (let i = 0; i < warmup; i++) step(i);
await flush();
const gc0 = gcMs;
const times: number[] = [];
const cpuTimes: number[] = [];
/** Milliseconds of CPU time this process (all its threads) has used: steadier than wall time on a loaded machine. */
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let loss = 0;
const t0 = now();
for (let i = warmup; i < warmup + steps; i++) {
  const s = now();
  const c = cpuNow();
  loss = step(i);
  cpuTimes.push(cpuNow() - c);
  times.push(now() - s);
}
const wall = now() - t0;
await flush();
observer.disconnect();
times.sort((a, b) => a - b);
cpuTimes.sort((a, b) => a - b);
const at = (q: number): string => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(3);
console.log(
  `${which} threads=${threadsArg ?? 'default'} median ${at(0.5)} ms (p10 ${at(0.1)} – p90 ${at(0.9)}) over ${steps} steps, CPU ${cpuTimes[cpuTimes.length >> 1]!.toFixed(3)} ms/step; ` +
    `GC ${((100 * (gcMs - gc0)) / wall).toFixed(1)} % of wall time; load ${loadavg()[0]!.toFixed(2)}; last loss ${loss.toFixed(6)}`,
);
