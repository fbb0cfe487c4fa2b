/** Activations as modules, for `Sequential`: `ReLU`, `Sigmoid`, `Tanh`, `Softmax`, `LogSoftmax`. */
import type { Tensor } from '@tsgrad/core';
import { Module } from '../module.js';
import { asLayer } from './checks.js';

/** max(x, 0) elementwise. */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => x.relu());
  }
}

/** 1 / (1 + e⁻ˣ) elementwise. */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => x.sigmoid());
  }
}

/** Hyperbolic tangent elementwise. */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => x.tanh());
  }
}

/** Softmax along `dim` (default −1; PyTorch asks for it explicitly, and for [N, C] it is 1 = −1). */
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

/** log(softmax(x)) along `dim` (default −1), computed stably. */
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
