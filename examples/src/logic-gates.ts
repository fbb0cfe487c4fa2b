/**
 * Logic gates from a single neuron, and the one gate a single neuron cannot make.
 *
 * Run: pnpm logic-gates
 *
 * A threshold neuron outputs 1 when w1·x1 + w2·x2 ≥ θ and 0 otherwise: it splits the plane of
 * inputs with one straight line. AND, OR and NAND differ only in their weights and threshold.
 * XOR needs (0,1) and (1,0) on one side and (0,0) and (1,1) on the other, which no straight line
 * does; a grid search over weights and thresholds finds none. Two layers fix it: a small MLP of
 * Values, trained by backpropagation, learns XOR.
 */
import { pathToFileURL } from 'node:url';
import { Generator, Value } from '@tsgrad/core';
import { logicGate } from '@tsgrad/datasets';
import { MLP } from '@tsgrad/nn';

/** A two-input gate: inputs 0/1, output 0/1. */
export type Gate = (x1: number, x2: number) => number;

/** The article's perceptron: 1 if w1·x1 + w2·x2 ≥ θ, else 0. */
export function thresholdNeuron(w1: number, w2: number, theta: number): Gate {
  return (x1, x2) => (w1 * x1 + w2 * x2 >= theta ? 1 : 0);
}

/** The gate's outputs on (0,0), (0,1), (1,0), (1,1), the order of `logicGate`'s rows. */
export function truthTable(gate: Gate): number[] {
  return logicGate('and').x.map(([x1, x2]) => gate(x1!, x2!));
}

/** The weights and thresholds the article gives. */
export const gateWeights: Record<'and' | 'or' | 'nand', { w1: number; w2: number; theta: number }> = {
  and: { w1: 0.5, w2: 0.5, theta: 0.7 },
  or: { w1: 0.5, w2: 0.5, theta: 0.2 },
  nand: { w1: -0.5, w2: -0.5, theta: -0.7 },
};

/**
 * Tries every (w1, w2, θ) on a grid over [−1, 1] with the given step (default 0.1) and returns
 * how many were tried and those whose truth table equals `target`.
 */
export function searchNeuron(
  target: readonly number[],
  step = 0.1,
): { tried: number; found: [number, number, number][] } {
  const n = Math.round(1 / step);
  // Integer grid indices, so that 0.1-steps do not drift (−1 + 20·0.1 is exactly 1 here).
  const values = Array.from({ length: 2 * n + 1 }, (_, i) => (i - n) / n);
  const found: [number, number, number][] = [];
  let tried = 0;
  for (const w1 of values) {
    for (const w2 of values) {
      for (const theta of values) {
        tried++;
        const table = truthTable(thresholdNeuron(w1, w2, theta));
        if (table.every((y, i) => y === target[i])) found.push([w1, w2, theta]);
      }
    }
  }
  return { tried, found };
}

/** The grid search for a single neuron computing XOR (there is none). */
export function searchXorNeuron(step = 0.1): { tried: number; found: [number, number, number][] } {
  return searchNeuron(logicGate('xor').y, step);
}

/** Options for `trainXor`. */
export interface XorOptions {
  /** Seed of the initial weights (default 0). */
  seed?: number;
  /** Full-batch gradient-descent steps (default 500). */
  steps?: number;
  /** Learning rate (default 0.5). */
  lr?: number;
}

/**
 * Trains MLP(2, [4, 1]) with tanh hidden units and a sigmoid on its output to compute XOR,
 * minimising the mean squared error over the four rows by gradient descent. Returns the final
 * loss, the outputs (probabilities) and the truth table they round to.
 */
export function trainXor(options: XorOptions = {}): { loss: number; outputs: number[]; table: number[] } {
  const { x, y } = logicGate('xor');
  const model = new MLP(2, [4, 1], { activation: 'tanh', generator: new Generator(options.seed ?? 0) });
  const params = model.parameters();
  const lr = options.lr ?? 0.5;
  const forward = () => {
    const outputs = x.map((row) => model.call(row)[0]!.sigmoid());
    const loss = Value.sum(outputs.map((o, i) => o.sub(y[i]!).pow(2))).div(outputs.length);
    return { outputs, loss };
  };
  for (let step = 0; step < (options.steps ?? 500); step++) {
    const { loss } = forward();
    model.zeroGrad();
    loss.backward();
    for (const p of params) p.data -= lr * p.grad;
  }
  const { outputs, loss } = forward();
  const probs = outputs.map((o) => o.data);
  return { loss: loss.data, outputs: probs, table: probs.map((p) => (p >= 0.5 ? 1 : 0)) };
}

function printTable(name: string, table: number[], extra: string[] = []): void {
  console.log(`  x1 x2 | ${name}`);
  logicGate('and').x.forEach(([x1, x2], i) => {
    console.log(`   ${x1}  ${x2} |  ${table[i]}${extra[i] ?? ''}`);
  });
}

function main(): void {
  console.log('A threshold neuron: y = 1 if w1·x1 + w2·x2 ≥ θ, else 0\n');
  for (const gate of ['and', 'or', 'nand'] as const) {
    const { w1, w2, theta } = gateWeights[gate];
    const table = truthTable(thresholdNeuron(w1, w2, theta));
    const expected = logicGate(gate).y;
    const ok = table.every((v, i) => v === expected[i]);
    console.log(`${gate.toUpperCase()} with w = (${w1}, ${w2}), θ = ${theta}${ok ? '' : '  (wrong!)'}`);
    printTable(gate.toUpperCase(), table);
    console.log();
  }

  // XOR is not linearly separable: no single line splits {(0,1), (1,0)} from {(0,0), (1,1)}.
  const search = searchXorNeuron(0.1);
  console.log('XOR with one neuron: grid search over w1, w2, θ in [−1, 1], step 0.1');
  console.log(`  tried ${search.tried} candidates, ${search.found.length} compute XOR\n`);

  // A hidden layer bends the boundary: MLP(2, [4, 1]), trained by backpropagation.
  const xor = trainXor();
  console.log('XOR with MLP(2, [4, 1]) (tanh hidden, sigmoid output), 500 steps of gradient descent');
  printTable(
    'XOR',
    xor.table,
    xor.outputs.map((p) => `   (output ${p.toFixed(3)})`),
  );
  console.log(`  final loss (mean squared error): ${xor.loss.toFixed(5)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
