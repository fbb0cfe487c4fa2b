import { Generator, Value } from '@tsgrad/core';
import { Layer, MLP, Neuron } from '@tsgrad/nn';
import { describe, expect, it } from 'vitest';

describe('Neuron', () => {
  it('starts with weights uniform in [−1, 1) and a zero bias, from the given generator', () => {
    const n = new Neuron(1000, { generator: new Generator(1) });
    expect(n.w).toHaveLength(1000);
    expect(n.w.every((w) => w.data >= -1 && w.data < 1)).toBe(true);
    expect(n.w.some((w) => w.data < -0.5) && n.w.some((w) => w.data > 0.5)).toBe(true);
    expect(n.b.data).toBe(0);
    expect(n.parameters()).toHaveLength(1001);
  });

  it('computes act(w · x + b)', () => {
    const n = new Neuron(2, { generator: new Generator(3) });
    n.w[0]!.data = 0.5;
    n.w[1]!.data = -2;
    n.b.data = 0.25;
    expect(n.call([1, 1]).data).toBe(0); // relu(−1.25)
    expect(n.call([3, 0]).data).toBe(1.75);
    const linear = new Neuron(2, { nonlin: false });
    linear.w[0]!.data = 1;
    linear.w[1]!.data = 1;
    expect(linear.call([-1, -2]).data).toBe(-3);
    const tanh = new Neuron(1, { activation: 'tanh' });
    tanh.w[0]!.data = 1;
    expect(tanh.call([0.5]).data).toBeCloseTo(Math.tanh(0.5), 12);
    const sigmoid = new Neuron(1, { activation: 'sigmoid' });
    sigmoid.w[0]!.data = 1;
    expect(sigmoid.call([0]).data).toBe(0.5);
  });

  it('rejects a wrong number of inputs and a bad size', () => {
    expect(() => new Neuron(2).call([1])).toThrow(/expected 2 inputs, got 1/);
    expect(() => new Neuron(0)).toThrow(/nin must be a positive integer, got 0/);
    expect(() => new Layer(2, 1.5)).toThrow(/nout must be a positive integer/);
    expect(() => new MLP(2, [])).toThrow(/at least one layer/);
  });

  it('names itself like micrograd', () => {
    expect(String(new Neuron(2))).toBe('ReLUNeuron(2)');
    expect(String(new Neuron(3, { nonlin: false }))).toBe('LinearNeuron(3)');
  });
});

describe('MLP', () => {
  it("has micrograd's demo size: MLP(2, [16, 16, 1]) holds 337 parameters", () => {
    const model = new MLP(2, [16, 16, 1]);
    expect(model.parameters()).toHaveLength(16 * 3 + 16 * 17 + 17);
    expect(model.layers.map((l) => l.neurons.length)).toEqual([16, 16, 1]);
  });

  it('applies the activation in every layer but the last, which is linear', () => {
    const model = new MLP(3, [4, 4, 2]);
    expect(model.layers.map((l) => l.neurons.every((n) => n.nonlin))).toEqual([true, true, false]);
  });

  it('is reproducible from a seed, and different across seeds', () => {
    const weights = (seed: number) =>
      new MLP(2, [4, 1], { generator: new Generator(seed) }).parameters().map((p) => p.data);
    expect(weights(7)).toEqual(weights(7));
    expect(weights(7)).not.toEqual(weights(8));
  });

  it('returns one output per last-layer neuron and sends a gradient to every parameter', () => {
    const model = new MLP(2, [3, 2], { activation: 'tanh', generator: new Generator(5) });
    const out = model.call([0.3, -0.7]);
    expect(out).toHaveLength(2);
    Value.sum(out).backward();
    expect(model.parameters().every((p) => p.grad !== 0)).toBe(true);
    model.zeroGrad();
    expect(model.parameters().every((p) => p.grad === 0)).toBe(true);
  });

  it('gives the same gradients as a hand-written micrograd graph of products and sums', () => {
    const model = new MLP(2, [3, 1], { activation: 'tanh', generator: new Generator(2) });
    const x = [0.4, -1.2];
    model.call(x)[0]!.backward();
    const viaModel = model.parameters().map((p) => p.grad);
    model.zeroGrad();
    const [l1, l2] = model.layers;
    const hidden = l1!.neurons.map((n) => n.w[0]!.mul(x[0]!).add(n.w[1]!.mul(x[1]!)).add(n.b).tanh());
    const out = l2!.neurons[0]!;
    hidden.reduce((acc, h, i) => acc.add(out.w[i]!.mul(h)), out.b.mul(1)).backward();
    const byHand = model.parameters().map((p) => p.grad);
    viaModel.forEach((g, i) => {
      expect(g).toBeCloseTo(byHand[i]!, 12);
    });
  });
});
