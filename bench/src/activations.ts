/**
 * Section: activations on a [16, 64, 256] float32 tensor (a Transformer MLP's hidden layer): GELU
 * (exact, through erf, and the tanh form) against tanh, forward and forward + backward, the ops
 * interleaved so that machine noise falls on all alike.
 */
import { gelu, manualSeed, randn, type Tensor } from '@tsgrad/core';
import { now, type Summary, summarize } from './stats.js';

/** Timings of one activation. */
export interface ActivationResult {
  name: string;
  forward: Summary;
  forwardBackward: Summary;
}

const SHAPE = [16, 64, 256];

/** Times each activation `reps` times after `warmup` rounds; ms per call. */
export function benchActivations(options: { warmup: number; reps: number }): ActivationResult[] {
  manualSeed(0);
  const x = randn(SHAPE);
  const g = randn(SHAPE);
  const ops: [string, (t: Tensor) => Tensor][] = [
    ['tanh', (t) => t.tanh()],
    ['gelu (erf)', (t) => gelu(t)],
    ["gelu ('tanh')", (t) => gelu(t, { approximate: 'tanh' })],
  ];
  const forward = ops.map(() => [] as number[]);
  const both = ops.map(() => [] as number[]);
  for (let rep = 0; rep < options.warmup + options.reps; rep++) {
    ops.forEach(([, op], i) => {
      const t0 = now();
      op(x);
      const t1 = now();
      const leaf = x.detach().requiresGrad_();
      op(leaf).backward(g);
      const t2 = now();
      if (rep >= options.warmup) {
        forward[i]!.push(t1 - t0);
        both[i]!.push(t2 - t1);
      }
    });
  }
  return ops.map(([name], i) => ({
    name,
    forward: summarize(forward[i]!),
    forwardBackward: summarize(both[i]!),
  }));
}
