/**
 * Learning y = 2x + 1 one pair at a time, as the article does by hand.
 *
 * Run: pnpm linear-regression
 *
 * The model is y = w·x + b, starting from w = 0.5, b = 0.6. For each pair (x, t) the loss is
 * (y − t)² / 2; its gradients ∂L/∂w = (y − t)·x and ∂L/∂b = (y − t) come from `Value.backward`,
 * not from a formula written here. Gradient descent with learning rate 0.01 then moves each
 * parameter a little against its gradient.
 */
import { pathToFileURL } from 'node:url';
import { Generator, Value } from '@tsgrad/core';
import { makeLinear } from '@tsgrad/datasets';

/** The two parameters of y = w·x + b. */
export interface LineParams {
  w: number;
  b: number;
}

/** The article's starting point. */
export const initialParams: LineParams = { w: 0.5, b: 0.6 };

/** The article's learning rate. */
export const learningRate = 0.01;

/**
 * One step of stochastic gradient descent on one pair (x, t): builds the loss from Values,
 * backpropagates, and returns the updated parameters and the loss before the update.
 */
export function sgdStep(
  params: LineParams,
  x: number,
  t: number,
  lr = learningRate,
): LineParams & { loss: number } {
  const w = new Value(params.w, 'w');
  const b = new Value(params.b, 'b');
  const y = w.mul(x).add(b);
  const loss = y.sub(t).pow(2).div(2);
  loss.backward();
  return { w: w.data - lr * w.grad, b: b.data - lr * b.grad, loss: loss.data };
}

/** Formats to 5 decimals and drops trailing zeros: 0.5, 0.604, 0.51796. */
export function fmt(x: number): string {
  return x
    .toFixed(5)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '')
    .replace(/^-0$/, '0');
}

/** Options for `trainUntilClose`. */
export interface ConvergenceOptions {
  /** How close both parameters must get to the true w = 2, b = 1 (default 0.05). */
  tolerance?: number;
  /** Noise of the generated points around y = 2x + 1 (default 0.1). */
  noise?: number;
  /** Seed of the generated points (default 0). */
  seed?: number;
  /** Give up after this many pairs (default 100,000). */
  maxPairs?: number;
}

/**
 * Keeps feeding seeded noisy pairs near y = 2x + 1 (x uniform in [−2, 2)) to `sgdStep` from
 * `start`, and returns after how many pairs |w − 2| and |b − 1| are both within the tolerance
 * (`pairs` is null if that never happens within `maxPairs`).
 */
export function trainUntilClose(
  start: LineParams,
  options: ConvergenceOptions = {},
): { pairs: number | null; params: LineParams } {
  const tolerance = options.tolerance ?? 0.05;
  const maxPairs = options.maxPairs ?? 100_000;
  const data = makeLinear(maxPairs, {
    noise: options.noise ?? 0.1,
    xRange: [-2, 2],
    generator: new Generator(options.seed ?? 0),
  });
  let params = start;
  for (let i = 0; i < maxPairs; i++) {
    const { w, b } = sgdStep(params, data.x[i]![0]!, data.y[i]!);
    params = { w, b };
    if (Math.abs(w - 2) <= tolerance && Math.abs(b - 1) <= tolerance) return { pairs: i + 1, params };
  }
  return { pairs: null, params };
}

function main(): void {
  console.log('Learning y = 2x + 1 with y = w·x + b, loss (y − t)²/2, learning rate 0.01\n');
  let params = initialParams;
  console.log(`start:            w = ${fmt(params.w)}, b = ${fmt(params.b)}`);

  // Pair (0, 1): x = 0, so only b moves: ∂L/∂b = y − t = 0.6 − 1 = −0.4, b = 0.6 + 0.01·0.4.
  params = sgdStep(params, 0, 1);
  console.log(`after (0, 1):     w = ${fmt(params.w)}, b = ${fmt(params.b)}`);

  // Pair (1, 2.9): y = 1.104, y − t = −1.796, and both parameters move by 0.01·1.796.
  params = sgdStep(params, 1, 2.9);
  console.log(`after (1, 2.9):   w = ${fmt(params.w)}, b = ${fmt(params.b)}`);

  // Many more pairs, each near the line y = 2x + 1 with a little noise, pull w and b to 2 and 1.
  const { pairs, params: final } = trainUntilClose(params);
  if (pairs === null) {
    console.log('\nw and b did not get within 0.05 of 2 and 1');
    return;
  }
  console.log(`\nafter ${pairs} more noisy pairs near y = 2x + 1 (seeded), both are within 0.05:`);
  console.log(`                  w = ${fmt(final.w)}, b = ${fmt(final.b)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
