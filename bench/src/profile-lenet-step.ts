/**
 * Profiling aid for the speed issue: times the LeNet training step (8/16 channels, batch 64, Adam,
 * cross-entropy) and the article's MLP step (784-50-100-10 sigmoid, batch 100, SGD and Adam) as
 * medians over repeated steps, reports the share of wall time spent in garbage collection, and
 * breaks the LeNet step down per op, forward and backward (in CPU time, which a loaded machine
 * disturbs less than wall time). Not part of `pnpm bench`.
 *
 * Run: npx tsx --conditions=source bench/src/profile-lenet-step.ts [--steps N] [--no-breakdown] [--json]
 */
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { Generator, type GradFn, type Tensor, tensor } from '@tsgrad/core';
import { Adam, F, LeNet, Linear, Sequential, SGD, Sigmoid } from '@tsgrad/nn';
import { loadTrainImages } from './mnist-data.js';
import { now, summarize } from './stats.js';

const args = process.argv.slice(2);
const stepsArg = args.indexOf('--steps');
const steps = stepsArg >= 0 ? Number(args[stepsArg + 1]) : 60;
const breakdown = !args.includes('--no-breakdown');
const asJson = args.includes('--json');

/** Milliseconds of CPU time (user + system) this process has used: steadier than wall time on a loaded machine. */
function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const LENET_BATCH = 64;
const MLP_BATCH = 100;
const data = await loadTrainImages(Math.max(LENET_BATCH, MLP_BATCH) * 50);
const batchCount = (batch: number): number => Math.floor(data.count / batch);

function batch(i: number, size: number, shape: number[]): { x: Tensor; y: Tensor } {
  const off = (i % batchCount(size)) * size;
  return {
    x: tensor(data.images.slice(off * 784, (off + size) * 784), { shape }),
    y: tensor(data.labels.slice(off, off + size)),
  };
}

// ---- garbage collection share ----
let gcMs = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
});
gcObserver.observe({ entryTypes: ['gc'] });
/** Lets the observer deliver the entries queued so far. */
const flushGc = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Workload {
  name: string;
  step(i: number): number;
}

/** A model as the step sees it: images in, logits out. */
interface Classifier {
  forward(x: Tensor): Tensor;
}

/** What the step needs of an optimizer. */
interface Stepper {
  zeroGrad(): void;
  step(): void;
}

function trainer(name: string, model: Classifier, opt: Stepper, size: number, shape: number[]): Workload {
  return {
    name,
    step(i) {
      const { x, y } = batch(i, size, shape);
      opt.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    },
  };
}

function lenetWorkload(): { w: Workload; model: LeNet; opt: Adam } {
  const model = new LeNet({ generator: new Generator(0) });
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  return { w: trainer('lenet-adam', model, opt, LENET_BATCH, [LENET_BATCH, 1, 28, 28]), model, opt };
}

function mlp(): Sequential {
  const g = new Generator(1);
  return new Sequential(
    new Linear(784, 50, { generator: g }),
    new Sigmoid(),
    new Linear(50, 100, { generator: g }),
    new Sigmoid(),
    new Linear(100, 10, { generator: g }),
  );
}

const lenet = lenetWorkload();
const mlpSgdModel = mlp();
const mlpAdamModel = mlp();
const workloads: Workload[] = [
  lenet.w,
  trainer('mlp-sgd', mlpSgdModel, new SGD(mlpSgdModel.parameters(), { lr: 0.5 }), MLP_BATCH, [
    MLP_BATCH,
    784,
  ]),
  trainer('mlp-adam', mlpAdamModel, new Adam(mlpAdamModel.parameters(), { lr: 1e-3 }), MLP_BATCH, [
    MLP_BATCH,
    784,
  ]),
];

// ---- medians, interleaved in rounds so that load changes hit every workload alike ----
const samples = new Map<string, number[]>(workloads.map((w) => [w.name, []]));
const cpuSamples = new Map<string, number[]>(workloads.map((w) => [w.name, []]));
const gcShare = new Map<string, { gc: number; wall: number }>(
  workloads.map((w) => [w.name, { gc: 0, wall: 0 }]),
);
const finalLoss = new Map<string, number>();
const warmup = Math.max(3, Math.floor(steps / 5));
const rounds = 5;
const perRound = Math.ceil(steps / rounds);
let counter = 0;
for (const w of workloads) for (let i = 0; i < warmup; i++) w.step(counter++);
for (let r = 0; r < rounds; r++) {
  for (const w of workloads) {
    await flushGc();
    const gc0 = gcMs;
    const t0 = now();
    let loss = 0;
    for (let i = 0; i < perRound; i++) {
      const s0 = now();
      const c0 = cpuNow();
      loss = w.step(counter++);
      cpuSamples.get(w.name)!.push(cpuNow() - c0);
      samples.get(w.name)!.push(now() - s0);
    }
    const wall = now() - t0;
    await flushGc();
    const share = gcShare.get(w.name)!;
    share.gc += gcMs - gc0;
    share.wall += wall;
    finalLoss.set(w.name, loss);
  }
}

// ---- per-op breakdown of the LeNet step ----
const forwardMs = new Map<string, number>();
const backwardMs = new Map<string, number>();
const backwardCalls = new Map<string, number>();
const other = new Map<string, number>();
const add = (m: Map<string, number>, k: string, v: number): void => {
  m.set(k, (m.get(k) ?? 0) + v);
};

/** Wraps every backward closure of the graph behind `root` with a timer keyed by the op's name. */
function instrument(root: GradFn | null): void {
  const seen = new Set<GradFn>();
  const stack: GradFn[] = root === null ? [] : [root];
  while (stack.length > 0) {
    const fn = stack.pop()!;
    if (seen.has(fn)) continue;
    seen.add(fn);
    const inner = fn.backwardFn;
    if (inner !== null) {
      fn.backwardFn = (g, needs) => {
        const t0 = cpuNow();
        const r = inner(g, needs);
        add(backwardMs, fn.name, cpuNow() - t0);
        add(backwardCalls, fn.name, 1);
        return r;
      };
    }
    for (const input of fn.inputs) if (input.gradFn !== null) stack.push(input.gradFn);
  }
}

const breakdownSteps = Math.max(10, Math.floor(steps / 2));
if (breakdown) {
  const { model, opt } = lenet;
  for (let i = 0; i < breakdownSteps; i++) {
    const { x, y } = batch(counter++, LENET_BATCH, [LENET_BATCH, 1, 28, 28]);
    let t = cpuNow();
    const lap = (m: Map<string, number>, k: string): void => {
      const t1 = cpuNow();
      add(m, k, t1 - t);
      t = t1;
    };
    opt.zeroGrad();
    lap(other, 'zeroGrad');
    const c1 = model.conv1.forward(x);
    lap(forwardMs, 'conv1 (conv2d + bias)');
    const r1 = c1.relu();
    lap(forwardMs, 'relu1');
    const p1 = model.pool.forward(r1);
    lap(forwardMs, 'maxPool1');
    const c2 = model.conv2.forward(p1);
    lap(forwardMs, 'conv2 (conv2d + bias)');
    const r2 = c2.relu();
    lap(forwardMs, 'relu2');
    const p2 = model.pool.forward(r2);
    lap(forwardMs, 'maxPool2');
    const f1 = model.fc1.forward(p2.flatten(1));
    lap(forwardMs, 'flatten + fc1 (linear)');
    const r3 = f1.relu();
    lap(forwardMs, 'relu3');
    const logits = model.fc2.forward(r3);
    lap(forwardMs, 'fc2 (linear)');
    const loss = F.crossEntropy(logits, y);
    lap(forwardMs, 'crossEntropy');
    instrument(loss.gradFn);
    t = cpuNow();
    loss.backward();
    lap(other, 'backward (total)');
    opt.step();
    lap(other, 'optimizer step (Adam)');
    loss.item();
  }
}

// ---- report ----
await flushGc();
gcObserver.disconnect();
const result = {
  loadavg: loadavg().map((v) => Number(v.toFixed(2))),
  steps: perRound * rounds,
  workloads: workloads.map((w) => {
    const s = summarize(samples.get(w.name)!);
    const c = summarize(cpuSamples.get(w.name)!);
    const share = gcShare.get(w.name)!;
    return {
      name: w.name,
      medianMs: Number(s.median.toFixed(3)),
      minMs: Number(s.min.toFixed(3)),
      cpuMedianMs: Number(c.median.toFixed(3)),
      gcShare: Number((share.gc / share.wall).toFixed(4)),
      gcMsPerStep: Number((share.gc / samples.get(w.name)!.length).toFixed(3)),
      finalLoss: Number(finalLoss.get(w.name)!.toFixed(4)),
    };
  }),
};
const perStep = (m: Map<string, number>): [string, number][] =>
  [...m].map(([k, v]) => [k, v / breakdownSteps] as [string, number]).sort((a, b) => b[1] - a[1]);

if (asJson) {
  console.log(
    JSON.stringify({
      ...result,
      forward: breakdown ? Object.fromEntries(perStep(forwardMs)) : undefined,
      backward: breakdown ? Object.fromEntries(perStep(backwardMs)) : undefined,
      other: breakdown ? Object.fromEntries(perStep(other)) : undefined,
    }),
  );
} else {
  console.log(`load average ${result.loadavg.join(' ')}; ${result.steps} timed steps per workload`);
  for (const w of result.workloads) {
    console.log(
      `${w.name.padEnd(11)} median ${w.medianMs.toFixed(2).padStart(7)} ms/step (min ${w.minMs.toFixed(2)}), ` +
        `CPU ${w.cpuMedianMs.toFixed(2)} ms/step, GC ${(100 * w.gcShare).toFixed(1)} % of wall time (${w.gcMsPerStep.toFixed(2)} ms/step), last loss ${w.finalLoss}`,
    );
  }
  if (breakdown) {
    const table = (title: string, m: Map<string, number>, calls?: Map<string, number>): void => {
      const rows = perStep(m);
      const total = rows.reduce((s, [, v]) => s + v, 0);
      console.log(
        `\n${title} (CPU ms per step, mean over ${breakdownSteps} steps; total ${total.toFixed(2)})`,
      );
      for (const [k, v] of rows) {
        const n = calls === undefined ? '' : ` ×${(calls.get(k)! / breakdownSteps).toFixed(0)}`;
        console.log(`  ${k.padEnd(26)} ${v.toFixed(3).padStart(8)}${n}`);
      }
    };
    table('LeNet forward', forwardMs);
    table(
      'LeNet backward, per op (backward closures; the rest of "backward (total)" is the engine)',
      backwardMs,
      backwardCalls,
    );
    table('LeNet step, other', other);
  }
}
