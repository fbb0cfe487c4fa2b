/**
 * Section 1: training the article's MNIST network (784-50-100-10, sigmoid, cross-entropy on the
 * logits, plain SGD with lr 0.5, batch 100) from the same initial weights in every library.
 */
import {
  add,
  Generator,
  gather,
  logSoftmax,
  matmul,
  mean,
  neg,
  noGrad,
  setNumThreads,
  sigmoid,
  type Tensor,
  tensor,
} from '@tsgrad/core';
import type { MnistBatchSource } from './mnist-data.js';
import { now, type Summary, summarize } from './stats.js';
import { type TfBackend, tf, useBackend } from './tfjs.js';

/** Layer sizes of the article's network. */
export const SIZES = [784, 50, 100, 10] as const;
const LR = 0.5;
const BATCH = 100;

/** Initial weights shared by every library: W[i] is fanIn × fanOut, uniform ±1/√fanIn (PyTorch's default). */
export interface InitialWeights {
  weights: Float32Array[];
  biases: Float32Array[];
}

/** Draws the initial weights from a seeded generator. */
export function initialWeights(seed: number): InitialWeights {
  const g = new Generator(seed);
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  for (let l = 0; l < SIZES.length - 1; l++) {
    const fanIn = SIZES[l]!;
    const fanOut = SIZES[l + 1]!;
    const bound = 1 / Math.sqrt(fanIn);
    const w = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < w.length; i++) w[i] = g.uniform(-bound, bound);
    const b = new Float32Array(fanOut);
    for (let i = 0; i < b.length; i++) b[i] = g.uniform(-bound, bound);
    weights.push(w);
    biases.push(b);
  }
  return { weights, biases };
}

/** One library's training loop: `step(i)` trains on batch i and returns the loss before the update. */
export interface Trainer {
  readonly name: string;
  activate(): Promise<void>;
  step(batch: number): number;
  /** The current parameters, in order (the MLP's W1, b1, W2, b2, W3, b3); call after `activate`. */
  weights(): Float32Array[];
}

/** The initial weights in the order trainers list their parameters: W1, b1, W2, b2, W3, b3. */
export function weightList(init: InitialWeights): Float32Array[] {
  return init.weights.flatMap((w, i) => [w, init.biases[i]!]);
}

/**
 * tsgrad, written with core tensor ops only (no @tsgrad/nn), updating parameters in place, on
 * `threads` threads (set when activated).
 */
export function tsgradTrainer(
  init: InitialWeights,
  data: MnistBatchSource,
  threads: number,
  name = 'tsgrad',
): Trainer {
  const params: Tensor[] = [];
  for (let l = 0; l < SIZES.length - 1; l++) {
    params.push(tensor(init.weights[l]!.slice(), { shape: [SIZES[l]!, SIZES[l + 1]!], requiresGrad: true }));
    params.push(tensor(init.biases[l]!.slice(), { shape: [SIZES[l + 1]!], requiresGrad: true }));
  }
  const [w1, b1, w2, b2, w3, b3] = params as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
  const batches = Math.floor(data.count / BATCH);
  return {
    name,
    activate: async () => setNumThreads(threads),
    weights: () => params.map((p) => Float32Array.from(p.toTypedArray() as Float32Array)),
    step(batch: number): number {
      const off = (batch % batches) * BATCH;
      const x = tensor(data.images.subarray(off * 784, (off + BATCH) * 784), { shape: [BATCH, 784] });
      const y = tensor(data.labels.subarray(off, off + BATCH), { shape: [BATCH, 1] });
      const h1 = sigmoid(add(matmul(x, w1), b1));
      const h2 = sigmoid(add(matmul(h1, w2), b2));
      const logits = add(matmul(h2, w3), b3);
      const loss = neg(mean(gather(logSoftmax(logits, 1), 1, y)));
      loss.backward();
      noGrad(() => {
        for (const p of params) {
          const g = p.grad!;
          const gd = g.isContiguous ? g.data : g.toTypedArray();
          const go = g.isContiguous ? g.offset : 0;
          const pd = p.data;
          for (let i = 0; i < pd.length; i++) pd[i]! -= LR * gd[go + i]!;
          p.grad = null;
        }
      });
      return loss.item();
    },
  };
}

/** TensorFlow.js on `backend`: variables, `tf.losses.softmaxCrossEntropy`, `tf.train.sgd`. */
export function tfjsTrainer(backend: TfBackend, init: InitialWeights, data: MnistBatchSource): Trainer {
  let vars: tf.Variable[] | null = null;
  let optimizer: tf.Optimizer | null = null;
  const batches = Math.floor(data.count / BATCH);
  return {
    name: `tfjs-${backend}`,
    async activate() {
      await useBackend(backend);
      if (vars === null) {
        vars = [];
        for (let l = 0; l < SIZES.length - 1; l++) {
          vars.push(tf.variable(tf.tensor2d(init.weights[l]!, [SIZES[l]!, SIZES[l + 1]!])));
          vars.push(tf.variable(tf.tensor1d(init.biases[l]!)));
        }
        optimizer = tf.train.sgd(LR);
      }
    },
    weights: () => vars!.map((v) => Float32Array.from(v.dataSync() as Float32Array)),
    step(batch: number): number {
      const [w1, b1, w2, b2, w3, b3] = vars as [
        tf.Variable,
        tf.Variable,
        tf.Variable,
        tf.Variable,
        tf.Variable,
        tf.Variable,
      ];
      const off = (batch % batches) * BATCH;
      const cost = optimizer!.minimize(
        () => {
          const x = tf.tensor2d(data.images.subarray(off * 784, (off + BATCH) * 784), [BATCH, 784]);
          const y = tf.oneHot(tf.tensor1d(data.labels.subarray(off, off + BATCH), 'int32'), 10);
          const h1 = tf.sigmoid(tf.add(tf.matMul(x, w1), b1));
          const h2 = tf.sigmoid(tf.add(tf.matMul(h1, w2), b2));
          const logits = tf.add(tf.matMul(h2, w3), b3);
          return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
        },
        true,
        vars!,
      )!;
      const loss = cost.dataSync()[0]!;
      cost.dispose();
      return loss;
    },
  };
}

/** Per-library timings and the loss trajectory of the training benchmark. */
export interface TrainResult {
  name: string;
  msPerStep: Summary;
  losses: number[];
}

/**
 * Trains every library for `warmup + reps` blocks of `stepsPerRep` steps, interleaved block by
 * block (rotating the order) so that machine noise hits all of them alike; the warm-up blocks
 * are not timed. Every library sees the same batches in the same order.
 */
export async function benchTraining(
  trainers: readonly Trainer[],
  options: { warmup: number; reps: number; stepsPerRep: number },
): Promise<TrainResult[]> {
  const samples = trainers.map(() => [] as number[]);
  const losses = trainers.map(() => [] as number[]);
  const blocks = options.warmup + options.reps;
  for (let r = 0; r < blocks; r++) {
    for (let j = 0; j < trainers.length; j++) {
      const t = (j + r) % trainers.length;
      const trainer = trainers[t]!;
      await trainer.activate();
      const first = r * options.stepsPerRep;
      const start = now();
      for (let s = 0; s < options.stepsPerRep; s++) losses[t]!.push(trainer.step(first + s));
      const ms = (now() - start) / options.stepsPerRep;
      if (r >= options.warmup) samples[t]!.push(ms);
    }
  }
  return trainers.map((t, i) => ({ name: t.name, msPerStep: summarize(samples[i]!), losses: losses[i]! }));
}

/** Largest absolute difference between two loss trajectories. */
export function maxLossGap(a: readonly number[], b: readonly number[]): number {
  let gap = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) gap = Math.max(gap, Math.abs(a[i]! - b[i]!));
  return gap;
}
