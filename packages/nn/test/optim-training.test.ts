/**
 * End-to-end: a small MLP written with core tensor ops learns XOR and a noisy y = 2x + 1 with
 * each optimizer. Everything is seeded, so the runs are repeatable.
 */
import { Generator, randn, type Tensor, tensor } from '@tsgrad/core';
import { describe, expect, it } from 'vitest';
import { Adam, AdamW, type Optimizer, type OptimizerOptions, SGD } from '../src/optim/index.js';

interface Mlp {
  params: Tensor[];
  forward(x: Tensor): Tensor;
}

/** in → hidden (tanh) → out, weights N(0, 1/fanIn), biases zero. */
function mlp(nIn: number, hidden: number, nOut: number, seed: number): Mlp {
  const generator = new Generator(seed);
  const w1 = randn([nIn, hidden], { generator })
    .mul(1 / Math.sqrt(nIn))
    .detach()
    .requiresGrad_();
  const b1 = tensor(new Float32Array(hidden), { requiresGrad: true });
  const w2 = randn([hidden, nOut], { generator })
    .mul(1 / Math.sqrt(hidden))
    .detach()
    .requiresGrad_();
  const b2 = tensor(new Float32Array(nOut), { requiresGrad: true });
  return {
    params: [w1, b1, w2, b2],
    forward: (x) => x.matmul(w1).add(b1).tanh().matmul(w2).add(b2),
  };
}

function train(
  model: Mlp,
  opt: Optimizer<OptimizerOptions>,
  x: Tensor,
  y: Tensor,
  steps: number,
  head = (t: Tensor) => t,
): number {
  let loss = Number.NaN;
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const l = head(model.forward(x)).sub(y).square().mean();
    l.backward();
    opt.step();
    loss = l.item();
  }
  return loss;
}

const optimizers: [string, (params: Tensor[]) => Optimizer<OptimizerOptions>][] = [
  ['SGD', (p) => new SGD(p, { lr: 0.2 })],
  ['SGD with momentum', (p) => new SGD(p, { lr: 0.1, momentum: 0.9 })],
  ['SGD with Nesterov momentum', (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ['Adam', (p) => new Adam(p, { lr: 0.02 })],
  ['AdamW', (p) => new AdamW(p, { lr: 0.02, weightDecay: 1e-2 })],
];

describe('an MLP trained with each optimizer', () => {
  const xorX = tensor([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const xorY = tensor([[0], [1], [1], [0]]);

  it.each(optimizers)('%s learns XOR', (_name, make) => {
    const model = mlp(2, 8, 1, 7);
    const opt = make(model.params);
    const sigmoid = (t: Tensor) => t.sigmoid();
    const initial = sigmoid(model.forward(xorX)).sub(xorY).square().mean().item();
    const loss = train(model, opt, xorX, xorY, 1500, sigmoid);
    expect(loss).toBeLessThan(0.01);
    expect(loss).toBeLessThan(initial / 10);
    const predicted = sigmoid(model.forward(xorX))
      .toFlatArray()
      .map((p) => (p > 0.5 ? 1 : 0));
    expect(predicted).toEqual([0, 1, 1, 0]);
  });

  // y = 2x + 1 + N(0, 0.1²) on 64 points in [−1, 1]: the best fit has a mean squared error near 0.01.
  const generator = new Generator(2024);
  const xs = Array.from({ length: 64 }, () => generator.uniform(-1, 1));
  const ys = xs.map((v) => 2 * v + 1 + generator.normal(0, 0.1));
  const lineX = tensor(xs.map((v) => [v]));
  const lineY = tensor(ys.map((v) => [v]));
  // The least-squares line through the same points, in closed form: the best any model can do here.
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  const slope =
    xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const intercept = my - slope * mx;

  it('the data follow y = 2x + 1', () => {
    expect(slope).toBeCloseTo(2, 1);
    expect(intercept).toBeCloseTo(1, 1);
  });

  it.each(optimizers)('%s fits a noisy y = 2x + 1', (_name, make) => {
    const model = mlp(1, 8, 1, 3);
    const loss = train(model, make(model.params), lineX, lineY, 1500);
    expect(loss).toBeLessThan(0.012);
    const probes = [-0.5, 0, 0.5];
    const predicted = model.forward(tensor(probes.map((v) => [v]))).toFlatArray();
    for (const [i, x] of probes.entries())
      expect(Math.abs(predicted[i]! - (slope * x + intercept))).toBeLessThan(0.03);
  });
});
