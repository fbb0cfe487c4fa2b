/**
 * Registry entries of the sampling ops: multinomial, bernoulli, randperm, normal, uniform. Each
 * `apply` draws from a fresh Generator seeded from its arguments, so the determinism property
 * checks that a seed fixes the draw; none is differentiable.
 */
import * as core from '@tsgrad/core';
import fc from 'fast-check';
import { probabilities, tensors } from '../arbitraries.js';
import { defineOp, type OpInfo, sampleOf } from '../op-info.js';
import { broadcastTensors, SMALL, seedArb } from './samples.js';

const gen = (seed: number) => ({ generator: new core.Generator(seed) });

export const samplingOps: OpInfo[] = [
  defineOp({
    name: 'multinomial',
    apply: ([p], a: { n: number; replacement: boolean; seed: number }) =>
      core.multinomial(p!, a.n, { replacement: a.replacement, ...gen(a.seed) }),
    sample: fc
      .record({
        rows: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        cats: fc.integer({ min: 1, max: 4 }),
        replacement: fc.boolean(),
        seed: seedArb,
      })
      .chain(({ rows, cats, replacement, seed }) =>
        fc
          .tuple(
            probabilities(rows === undefined ? [cats] : [rows, cats], -1, { requiresGrad: false }),
            fc.integer({ min: 1, max: replacement ? 5 : cats }),
          )
          .map(([p, n]) => sampleOf([p], { n, replacement, seed })),
      ),
    domain: 'probability rows (entries ≥ 0.01); n ≤ categories without replacement; a seed',
    differentiable: false,
    outputDtype: 'int32',
    random: true,
  }),
  defineOp({
    name: 'bernoulli',
    apply: ([p], { seed }: { seed: number }) => core.bernoulli(p!, gen(seed)),
    sample: fc
      .tuple(tensors({ shape: SMALL, min: 0, max: 1, requiresGrad: false }), seedArb)
      .map(([p, seed]) => sampleOf([p], { seed })),
    domain: 'probabilities in [0, 1]; a seed',
    differentiable: false,
    random: true,
  }),
  defineOp({
    name: 'randperm',
    apply: (_, { n, seed }: { n: number; seed: number }) => core.randperm(n, gen(seed)),
    sample: fc.record({ n: fc.integer({ min: 0, max: 10 }), seed: seedArb }).map((a) => sampleOf([], a)),
    domain: 'n in [0, 10]; a seed',
    differentiable: false,
    outputDtype: 'int32',
    random: true,
  }),
  defineOp({
    name: 'normal',
    apply: ([mean, std], { seed }: { seed: number }) => core.normal(mean!, std!, gen(seed)),
    sample: fc
      .tuple(
        broadcastTensors(2, [{ requiresGrad: false }, { min: 0.1, max: 2, requiresGrad: false }]),
        seedArb,
      )
      .map(([s, seed]) => sampleOf(s.inputs, { seed })),
    domain: 'mean any reals, std in [0.1, 2], broadcastable shapes; a seed',
    differentiable: false,
    broadcasting: true,
    random: true,
  }),
  defineOp({
    name: 'uniform',
    apply: (_, a: { shape: number[]; low: number; high: number; seed: number }) =>
      core.uniform(a.shape, a.low, a.high, gen(a.seed)),
    sample: fc
      .record({
        shape: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
        low: fc.integer({ min: -8, max: 4 }),
        width: fc.integer({ min: 0, max: 8 }),
        seed: seedArb,
      })
      .map(({ shape, low, width, seed }) =>
        sampleOf([], { shape, low: low / 4, high: (low + width) / 4, seed }),
      ),
    // Bounds on a grid of quarters: core's float32 kernel loops forever when no float32 value lies
    // in [low, high) (e.g. uniform([1], -1e-310, 0)), a reported bug.
    domain: 'low ≤ high, multiples of 1/4 (float32-representable); any small shape; a seed',
    differentiable: false,
    outputDtype: 'float32',
    random: true,
  }),
];
