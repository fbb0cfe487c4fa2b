/**
 * Section 3: the scalar engine. micrograd's demo step: MLP(2, [16, 16, 1]) of `Value`s, the
 * max-margin loss plus L2 regularisation over 100 two-moons points, backward, and an SGD update.
 * Two graph shapes: tsgrad's `Neuron` (one n-ary `dot` node per neuron), and micrograd's own
 * (one node per product wᵢ·xᵢ, chained adds), which is what a straight port of micrograd builds.
 */
import { Generator, Value } from '@tsgrad/core';
import { makeMoons } from '@tsgrad/datasets';
import { MLP } from '@tsgrad/nn';
import { now, type Summary, summarize } from './stats.js';

/** Timings of the scalar demo step. */
export interface ScalarResult {
  msPerStep: Summary;
  /** Values created per step (the graph's size). */
  nodes: number;
  firstLoss: number;
  lastLoss: number;
}

/** How a neuron's pre-activation is built. */
export type ScalarGraph = 'dot' | 'micrograd';

/** micrograd's neuron: b + w₁x₁ + w₂x₂ + …, one node per product and per add. */
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

/** Runs `warmup + reps` blocks of `stepsPerRep` demo steps and times each block. */
export function benchScalar(
  options: { warmup: number; reps: number; stepsPerRep: number },
  graph: ScalarGraph = 'dot',
): ScalarResult {
  const data = makeMoons(100, { noise: 0.1, generator: new Generator(1) });
  const ys = data.y.map((v) => v * 2 - 1);
  const model = new MLP(2, [16, 16, 1], { generator: new Generator(1337) });
  const params = model.parameters();
  const samples: number[] = [];
  let firstLoss = Number.NaN;
  let lastLoss = Number.NaN;
  let nodes = 0;
  let k = 0;
  const total = options.warmup + options.reps;
  for (let r = 0; r < total; r++) {
    const start = now();
    for (let s = 0; s < options.stepsPerRep; s++, k++) {
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
      if (k === 0) {
        firstLoss = loss.data;
        nodes = countNodes(loss);
      }
      lastLoss = loss.data;
    }
    if (r >= options.warmup) samples.push((now() - start) / options.stepsPerRep);
  }
  return { msPerStep: summarize(samples), nodes, firstLoss, lastLoss };
}

function countNodes(root: Value): number {
  const seen = new Set<Value>([root]);
  const stack = [root];
  while (stack.length > 0) {
    for (const p of stack.pop()!.parents) {
      if (!seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  return seen.size;
}
