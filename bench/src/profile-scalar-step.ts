/**
 * Measurement aid for the scalar engine (not part of `pnpm bench`): the micrograd demo step of
 * `scalar.ts` (MLP(2, [16, 16, 1]) of Values over 100 two-moons points, max-margin loss + L2,
 * backward, SGD), for both graph shapes, timed per block of steps by the wall clock and by the
 * process's CPU time (which a loaded machine inflates less), with the garbage collector's share.
 *
 *   npx tsx --conditions=source bench/src/profile-scalar-step.ts [reps=20] [micrograd|dot|both]
 */
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { Generator, Value } from '@tsgrad/core';
import { makeMoons } from '@tsgrad/datasets';
import { MLP } from '@tsgrad/nn';
import type { ScalarGraph } from './scalar.js';
import { summarize } from './stats.js';

const reps = Number(process.argv[2] ?? 20);
const which = process.argv[3] ?? 'both';
const graphs: ScalarGraph[] = which === 'both' ? ['micrograd', 'dot'] : [which as ScalarGraph];
const warmup = 5;
const stepsPerRep = 3;

let gcMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
  }
});
observer.observe({ entryTypes: ['gc'] });

/** micrograd's neuron, as in scalar.ts: b + w₁x₁ + w₂x₂ + …, one node per product and per add. */
function microgradForward(model: MLP, input: readonly number[]): Value {
  let x: (Value | number)[] = [...input];
  for (const layer of model.layers) {
    x = layer.neurons.map((neuron) => {
      let act = neuron.b;
      for (let i = 0; i < neuron.w.length; i++) act = act.add(neuron.w[i]!.mul(x[i]!));
      return neuron.nonlin ? act.relu() : act;
    });
  }
  return x[0] as Value;
}

async function run(graph: ScalarGraph): Promise<void> {
  const data = makeMoons(100, { noise: 0.1, generator: new Generator(1) });
  const ys = data.y.map((v) => v * 2 - 1);
  const model = new MLP(2, [16, 16, 1], { generator: new Generator(1337) });
  const params = model.parameters();
  const wall: number[] = [];
  const cpu: number[] = [];
  let firstLoss = Number.NaN;
  let lastLoss = Number.NaN;
  let k = 0;
  let gcAtStart = 0;
  let wallTotal = 0;
  for (let r = 0; r < warmup + reps; r++) {
    if (r === warmup) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      gcAtStart = gcMs;
    }
    const start = performance.now();
    const c0 = process.cpuUsage();
    for (let s = 0; s < stepsPerRep; s++, k++) {
      const margins: Value[] = [];
      for (let i = 0; i < data.x.length; i++) {
        const score = graph === 'dot' ? model.call(data.x[i]!)[0]! : microgradForward(model, data.x[i]!);
        margins.push(score.mul(-ys[i]!).add(1).relu());
      }
      const dataLoss = Value.sum(margins).mul(1 / margins.length);
      const reg = Value.sum(params.map((p) => p.mul(p))).mul(1e-4);
      const loss = dataLoss.add(reg);
      model.zeroGrad();
      loss.backward();
      const lr = 1 - (0.9 * (k % 100)) / 100;
      for (const p of params) p.data -= lr * p.grad;
      if (k === 0) firstLoss = loss.data;
      lastLoss = loss.data;
    }
    const dc = process.cpuUsage(c0);
    const dt = performance.now() - start;
    if (r >= warmup) {
      wall.push(dt / stepsPerRep);
      cpu.push((dc.user + dc.system) / 1000 / stepsPerRep);
      wallTotal += dt;
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 0));
  const w = summarize(wall);
  const c = summarize(cpu);
  console.log(
    `${graph.padEnd(9)} wall median ${w.median.toFixed(2)} ms/step (min ${w.min.toFixed(2)}, max ${w.max.toFixed(2)})` +
      `  cpu median ${c.median.toFixed(2)} (min ${c.min.toFixed(2)}, max ${c.max.toFixed(2)})  ${reps}×${stepsPerRep} steps` +
      `  gc ${((100 * (gcMs - gcAtStart)) / wallTotal).toFixed(1)}% of wall` +
      `  loss ${firstLoss.toFixed(4)} -> ${lastLoss.toFixed(4)}  load ${loadavg()[0]!.toFixed(2)}`,
  );
}

for (const graph of graphs) await run(graph);
observer.disconnect();
