/**
 * Activations as modules, for `Sequential`: `ReLU`, `Sigmoid`, `Tanh`, `Softmax`, `LogSoftmax`,
 * `GELU`, `SiLU`, `LeakyReLU`, `ELU`, `Softplus`, `Mish`.
 */
import { elu, gelu, leakyRelu, mish, silu, softplus, type Tensor, ValueError } from '@tsgrad/core';
import { Module } from '../module.js';
import { asLayer } from './checks.js';

/**
 * max(x, 0) elementwise.
 *
 * @example
 * new ReLU().call(tensor([-1, 0, 2])); // [0, 0, 2]
 */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => x.relu());
  }
}

/**
 * 1 / (1 + e⁻ˣ) elementwise.
 *
 * @example
 * new Sigmoid().call(tensor([0])); // [0.5]
 */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => x.sigmoid());
  }
}

/**
 * Hyperbolic tangent elementwise.
 *
 * @example
 * new Tanh().call(tensor([0, 1])); // [0, 0.7616]
 */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => x.tanh());
  }
}

/**
 * Softmax along `dim` (default −1; PyTorch asks for it explicitly, and for [N, C] it is 1 = −1).
 *
 * @example
 * const probs = new Softmax().call(randn([4, 10])); // shape [4, 10], rows sum to 1
 */
export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => x.softmax(this.dim));
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * log(softmax(x)) along `dim` (default −1), computed stably.
 *
 * @example
 * const logProbs = new LogSoftmax(1).call(randn([4, 10])); // shape [4, 10]
 */
export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => x.logSoftmax(this.dim));
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Options of `GELU`. */
export interface GELUOptions {
  /** 'none' (default): x·Φ(x) exactly; 'tanh': the tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/**
 * x·Φ(x), Φ the standard normal CDF (or its tanh approximation), as `torch.nn.GELU`.
 *
 * @example
 * const y = new GELU({ approximate: 'tanh' }).call(randn([2, 8])); // shape [2, 8]
 */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: GELUOptions = {}) {
    super();
    this.approximate = options.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') {
      throw new ValueError(`GELU: approximate must be 'none' or 'tanh', got '${String(this.approximate)}'`);
    }
  }

  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => gelu(x, { approximate: this.approximate }));
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/**
 * x·σ(x) (swish), as `torch.nn.SiLU`.
 *
 * @example
 * new SiLU().call(tensor([0, 1])); // [0, 0.7311]
 */
export class SiLU extends Module {
  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => silu(x));
  }
}

/**
 * x where x > 0, else negativeSlope·x (default 0.01), as `torch.nn.LeakyReLU`.
 *
 * @example
 * new LeakyReLU(0.1).call(tensor([-2, 3])); // [-0.2, 3]
 */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (!Number.isFinite(negativeSlope))
      throw new ValueError(`LeakyReLU: negativeSlope must be a finite number, got ${negativeSlope}`);
  }

  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => leakyRelu(x, this.negativeSlope));
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/**
 * x where x > 0, else α(eˣ − 1) (α default 1), as `torch.nn.ELU`.
 *
 * @example
 * new ELU().call(tensor([-1, 2])); // [-0.6321, 2]
 */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
    if (!Number.isFinite(alpha)) throw new ValueError(`ELU: alpha must be a finite number, got ${alpha}`);
  }

  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => elu(x, this.alpha));
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/**
 * log(1 + e^(βx)) / β, linear above `threshold` (β default 1, threshold 20), as `torch.nn.Softplus`.
 *
 * @example
 * new Softplus().call(tensor([0, 30])); // [0.6931, 30]
 */
export class Softplus extends Module {
  constructor(
    readonly beta = 1,
    readonly threshold = 20,
  ) {
    super();
    if (!Number.isFinite(beta) || beta === 0)
      throw new ValueError(`Softplus: beta must be finite and non-zero, got ${beta}`);
  }

  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => softplus(x, { beta: this.beta, threshold: this.threshold }));
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/**
 * x·tanh(softplus(x)), as `torch.nn.Mish`.
 *
 * @example
 * new Mish().call(tensor([0, 1])); // [0, 0.8651]
 */
export class Mish extends Module {
  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => mish(x));
  }
}
