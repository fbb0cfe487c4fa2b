/**
 * End-to-end: each optimizer, fed gradients from backward, follows its update rule written out in
 * plain numbers, reaches the known least-squares line of a hand-made data set, and trains a small
 * MLP on XOR. Everything is seeded, so the runs are repeatable.
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
});

/**
 * The update rules written out in plain numbers (PyTorch's documented algorithms), for one scalar
 * parameter whose gradient is `grad(θ)`; returns θ after each of `steps` steps.
 */
type Rule = (grad: (theta: number) => number, theta0: number, steps: number) => number[];

function sgdRule(lr: number, momentum = 0, nesterov = false): Rule {
  return (grad, theta0, steps) => {
    let theta = theta0;
    let b = 0;
    const out: number[] = [];
    for (let t = 1; t <= steps; t++) {
      const g = grad(theta);
      b = t === 1 ? g : momentum * b + g;
      theta -= lr * (momentum === 0 ? g : nesterov ? g + momentum * b : b);
      out.push(theta);
    }
    return out;
  };
}

function adamRule(lr: number, weightDecay = 0, decoupled = false): Rule {
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  return (grad, theta0, steps) => {
    let theta = theta0;
    let m = 0;
    let v = 0;
    const out: number[] = [];
    for (let t = 1; t <= steps; t++) {
      let g = grad(theta);
      if (decoupled) theta *= 1 - lr * weightDecay;
      else g += weightDecay * theta;
      m = beta1 * m + (1 - beta1) * g;
      v = beta2 * v + (1 - beta2) * g * g;
      const mHat = m / (1 - beta1 ** t);
      const vHat = v / (1 - beta2 ** t);
      theta -= (lr * mHat) / (Math.sqrt(vHat) + eps);
      out.push(theta);
    }
    return out;
  };
}

const rules: [string, (params: Tensor[]) => Optimizer<OptimizerOptions>, Rule][] = [
  ['SGD', (p) => new SGD(p, { lr: 0.2 }), sgdRule(0.2)],
  ['SGD with momentum', (p) => new SGD(p, { lr: 0.1, momentum: 0.9 }), sgdRule(0.1, 0.9)],
  [
    'SGD with Nesterov momentum',
    (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }),
    sgdRule(0.1, 0.9, true),
  ],
  ['Adam', (p) => new Adam(p, { lr: 0.05 }), adamRule(0.05)],
  ['Adam with weight decay', (p) => new Adam(p, { lr: 0.05, weightDecay: 0.1 }), adamRule(0.05, 0.1)],
  ['AdamW', (p) => new AdamW(p, { lr: 0.05, weightDecay: 0.1 }), adamRule(0.05, 0.1, true)],
];

describe('each optimizer on f(θ) = (θ − 3)²·a / 2, gradients from backward', () => {
  it.each(rules)('%s follows its update rule, step by step, for 20 steps', (_name, make, rule) => {
    // Two independent coordinates with different curvatures a and starting points.
    const curvature = [1, 4];
    const start = [0, 5];
    const theta = tensor(start, { dtype: 'float64', requiresGrad: true });
    const a = tensor(curvature, { dtype: 'float64' });
    const opt = make([theta]);
    const seen: number[][] = [];
    for (let s = 0; s < 20; s++) {
      opt.zeroGrad();
      theta.sub(3).square().mul(a).div(2).sum().backward();
      opt.step();
      seen.push(theta.toFlatArray());
    }
    for (const [i, ai] of curvature.entries()) {
      const expected = rule((th) => ai * (th - 3), start[i]!, 20);
      for (let s = 0; s < 20; s++) expect(seen[s]![i]).toBeCloseTo(expected[s]!, 12);
    }
  });
});

describe('each optimizer fits a line whose least-squares solution is known exactly', () => {
  // y = 2x + 1 + e with e = [0.1, −0.1, 0, −0.1, 0.1] at x = [−1, −0.5, 0, 0.5, 1]: Σe = 0 and
  // Σx·e = 0, so the least-squares line is exactly w = 2, b = 1, with mean squared error
  // mean(e²) = 0.04 / 5 = 0.008, the smallest any line can reach.
  const xs = [-1, -0.5, 0, 0.5, 1];
  const noise = [0.1, -0.1, 0, -0.1, 0.1];
  const x = tensor(
    xs.map((v) => [v]),
    { dtype: 'float64' },
  );
  const y = tensor(
    xs.map((v, i) => [2 * v + 1 + noise[i]!]),
    { dtype: 'float64' },
  );

  it.each(optimizers)('%s reaches w = 2, b = 1 and the minimal loss 0.008', (name, make) => {
    const w = tensor([[0]], { dtype: 'float64', requiresGrad: true });
    const b = tensor([0], { dtype: 'float64', requiresGrad: true });
    const opt = make([w, b]);
    let loss = Number.NaN;
    for (let s = 0; s < 1500; s++) {
      opt.zeroGrad();
      const l = x.matmul(w).add(b).sub(y).square().mean();
      l.backward();
      opt.step();
      loss = l.item();
    }
    expect(loss).toBeGreaterThanOrEqual(0.008 - 1e-12);
    if (name === 'AdamW') {
      // Decoupled weight decay pulls the weights toward 0, so the fit sits just short of the line.
      expect(loss).toBeLessThan(0.00802);
      expect(w.item()).toBeLessThan(2);
      expect(w.item()).toBeGreaterThan(1.99);
      expect(b.item()).toBeLessThan(1);
      expect(b.item()).toBeGreaterThan(0.995);
    } else {
      expect(loss).toBeLessThan(0.008 + 1e-9);
      expect(w.item()).toBeCloseTo(2, 6);
      expect(b.item()).toBeCloseTo(1, 6);
    }
  });
});
