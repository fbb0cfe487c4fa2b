/**
 * micrograd's `Neuron`, `Layer` and `MLP` over scalar `Value`s: small enough to read in one
 * sitting, and enough for the article's logic gates, XOR and two moons.
 *
 * @example
 * const model = new MLP(2, [16, 16, 1], { generator: new Generator(1337) });
 * const [score] = model.call([0.5, -1]);
 */
import { defaultGenerator, type Generator, Value, ValueError } from '@tsgrad/core';

/** The nonlinearity a neuron applies after its weighted sum. */
export type Activation = 'relu' | 'tanh' | 'sigmoid';

/** Options shared by `Neuron`, `Layer` and `MLP`. */
export interface MicrogradOptions {
  /** Apply the activation (true, the default) or stay linear. `MLP` sets it per layer. */
  nonlin?: boolean;
  /** Which activation to apply when `nonlin` is true (default `'relu'`, as micrograd). */
  activation?: Activation;
  /** Source of the initial weights, uniform in [−1, 1) (default: the global generator). */
  generator?: Generator;
}

/**
 * One neuron: act(w · x + b), with w uniform in [−1, 1) and b = 0, as micrograd.
 *
 * @example
 * const n = new Neuron(2, { activation: 'tanh' });
 * const out = n.call([0.5, -1]); // a Value in (−1, 1)
 * out.backward(); // n.w[0].grad, n.w[1].grad, n.b.grad now set
 */
export class Neuron {
  /** The input weights. */
  readonly w: Value[];
  /** The bias. */
  readonly b: Value;
  /** Whether the activation is applied. */
  readonly nonlin: boolean;
  /** The activation applied when `nonlin` is true. */
  readonly activation: Activation;

  constructor(nin: number, options: MicrogradOptions = {}) {
    checkCount('Neuron', 'nin', nin);
    const gen = options.generator ?? defaultGenerator;
    this.w = Array.from({ length: nin }, () => new Value(gen.uniform(-1, 1)));
    this.b = new Value(0);
    this.nonlin = options.nonlin ?? true;
    this.activation = options.activation ?? 'relu';
  }

  /** act(w · x + b) for one input vector of length `nin`. */
  call(x: readonly (Value | number)[]): Value {
    if (x.length !== this.w.length) {
      throw new ValueError(`Neuron.call: expected ${this.w.length} inputs, got ${x.length}`);
    }
    // Σ wᵢ·xᵢ as one dot node (same gradients as micrograd's products and sum, fewer nodes).
    const act = Value.dot(this.w, x).add(this.b);
    if (!this.nonlin) return act;
    if (this.activation === 'relu') return act.relu();
    if (this.activation === 'tanh') return act.tanh();
    return act.sigmoid();
  }

  /** The weights, then the bias. */
  parameters(): Value[] {
    return [...this.w, this.b];
  }

  /** Sets every parameter's gradient to 0. */
  zeroGrad(): void {
    Value.zeroGrad(this.parameters());
  }

  /** `ReLUNeuron(2)`, `LinearNeuron(16)`, … */
  toString(): string {
    const kind = this.nonlin ? { relu: 'ReLU', tanh: 'Tanh', sigmoid: 'Sigmoid' }[this.activation] : 'Linear';
    return `${kind}Neuron(${this.w.length})`;
  }
}

/**
 * `nout` neurons that all read the same `nin` inputs.
 *
 * @example
 * const layer = new Layer(3, 4);
 * const outs = layer.call([1, 2, 3]); // 4 Values
 * layer.parameters().length; // 16: 4 neurons × (3 weights + 1 bias)
 */
export class Layer {
  /** The neurons, one per output. */
  readonly neurons: Neuron[];

  constructor(nin: number, nout: number, options: MicrogradOptions = {}) {
    checkCount('Layer', 'nout', nout);
    this.neurons = Array.from({ length: nout }, () => new Neuron(nin, options));
  }

  /** One output per neuron. */
  call(x: readonly (Value | number)[]): Value[] {
    // Wrap plain numbers once, so that the neurons share the same input leaves.
    const xs = x.map((xi) => (typeof xi === 'number' ? new Value(xi) : xi));
    return this.neurons.map((n) => n.call(xs));
  }

  /** Every neuron's parameters, in order. */
  parameters(): Value[] {
    return this.neurons.flatMap((n) => n.parameters());
  }

  /** Sets every parameter's gradient to 0. */
  zeroGrad(): void {
    Value.zeroGrad(this.parameters());
  }

  /** A readable summary of the neurons. */
  toString(): string {
    return `Layer of [${this.neurons.join(', ')}]`;
  }
}

/**
 * A multilayer perceptron: `nin` inputs, then one layer per entry of `nouts`. Every layer applies
 * the activation except the last, which is linear, as in micrograd.
 *
 * @example
 * const model = new MLP(3, [4, 4, 1]);
 * const [y] = model.call([2, 3, -1]); // one Value
 * model.parameters().length; // 41
 */
export class MLP {
  /** The layers, input side first. */
  readonly layers: Layer[];

  constructor(nin: number, nouts: readonly number[], options: Omit<MicrogradOptions, 'nonlin'> = {}) {
    if (nouts.length === 0) throw new ValueError('MLP: nouts must name at least one layer, got []');
    const sizes = [nin, ...nouts];
    this.layers = nouts.map(
      (_, i) => new Layer(sizes[i]!, sizes[i + 1]!, { ...options, nonlin: i !== nouts.length - 1 }),
    );
  }

  /** The outputs of the last layer (an array of length `nouts.at(-1)`). */
  call(x: readonly (Value | number)[]): Value[] {
    let out: readonly (Value | number)[] = x;
    for (const layer of this.layers) out = layer.call(out);
    return out as Value[];
  }

  /** Every layer's parameters, in order. */
  parameters(): Value[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  /** Sets every parameter's gradient to 0. */
  zeroGrad(): void {
    Value.zeroGrad(this.parameters());
  }

  /** A readable summary of the layers. */
  toString(): string {
    return `MLP of [${this.layers.join(', ')}]`;
  }
}

function checkCount(where: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new ValueError(`${where}: ${name} must be a positive integer, got ${n}`);
}
