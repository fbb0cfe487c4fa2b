/**
 * micrograd's demo: a two-hidden-layer MLP of scalar Values learns to separate two moons.
 *
 * Run: pnpm moons
 *
 * Every weight is a `Value`; the forward pass over 100 points builds a graph of some 70,000
 * scalar nodes, and one `backward()` call pushes the gradient of the loss into every weight by
 * the chain rule. Then plain SGD nudges each weight against its gradient.
 */
import { pathToFileURL } from 'node:url';
import { Generator, Value } from '@tsgrad/core';
import { makeMoons } from '@tsgrad/datasets';
import { MLP } from '@tsgrad/nn';

/** Options for `trainMoons`. */
export interface MoonsTrainOptions {
  /** Seed for both the data and the initial weights (default 1337, micrograd's). */
  seed?: number;
  /** Number of SGD steps (default 100). */
  steps?: number;
  /** Number of points (default 100). */
  n?: number;
  /** Called after every step with its loss and accuracy. */
  onStep?: (step: number, loss: number, accuracy: number) => void;
}

/** What `trainMoons` returns. */
export interface MoonsResult {
  /** Training accuracy after the last step, in [0, 1]. */
  accuracy: number;
  /** The loss at each step. */
  losses: number[];
  /** The accuracy at each step (of the weights before that step's update). */
  accuracies: number[];
  /** Mean wall time of one step (forward, backward, update), in milliseconds. */
  msPerStep: number;
}

/**
 * Trains MLP(2, [16, 16, 1]) on two noisy moons with micrograd's SVM max-margin loss and
 * learning-rate schedule.
 */
export function trainMoons(options: MoonsTrainOptions = {}): MoonsResult {
  const seed = options.seed ?? 1337;
  const steps = options.steps ?? 100;
  const gen = new Generator(seed);
  const data = makeMoons(options.n ?? 100, { noise: 0.1, generator: gen });
  // Labels 0/1 become −1/+1, so that y·score > 0 means "right side of the boundary".
  const ys = data.y.map((label) => 2 * label - 1);
  const model = new MLP(2, [16, 16, 1], { generator: gen });
  const params = model.parameters();

  // The loss: mean hinge loss relu(1 − y·score), plus a little L2 regularisation of the weights.
  const lossAndAccuracy = (): { loss: Value; accuracy: number } => {
    const scores = data.x.map((x) => model.call(x)[0]!);
    const hinge = scores.map((s, i) => s.mul(-ys[i]!).add(1).relu());
    const dataLoss = Value.sum(hinge).mul(1 / hinge.length);
    const regLoss = Value.sum(params.map((p) => p.mul(p))).mul(1e-4);
    const correct = scores.filter((s, i) => s.data > 0 === ys[i]! > 0).length;
    return { loss: dataLoss.add(regLoss), accuracy: correct / scores.length };
  };

  const losses: number[] = [];
  const accuracies: number[] = [];
  let accuracy = 0;
  const start = performance.now();
  for (let k = 0; k < steps; k++) {
    const step = lossAndAccuracy();
    model.zeroGrad();
    step.loss.backward();
    // SGD with micrograd's schedule: the learning rate decays from 1.0 to 0.1.
    const lr = 1.0 - (0.9 * k) / 100;
    for (const p of params) p.data -= lr * p.grad;
    losses.push(step.loss.data);
    accuracies.push(step.accuracy);
    options.onStep?.(k, step.loss.data, step.accuracy);
  }
  const msPerStep = (performance.now() - start) / Math.max(steps, 1);
  accuracy = lossAndAccuracy().accuracy;
  return { accuracy, losses, accuracies, msPerStep };
}

function main(): void {
  console.log("micrograd's demo: MLP(2, [16, 16, 1]) on 100 noisy moons, 100 SGD steps\n");
  const result = trainMoons({
    onStep: (k, loss, acc) => {
      if (k % 10 === 0 || k === 99) {
        console.log(
          `step ${String(k).padStart(2)}  loss ${loss.toFixed(4)}  accuracy ${(acc * 100).toFixed(0)}%`,
        );
      }
    },
  });
  console.log(`\nfinal training accuracy: ${(result.accuracy * 100).toFixed(0)}%`);
  console.log(`${result.msPerStep.toFixed(1)} ms per step (forward + backward + update)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
