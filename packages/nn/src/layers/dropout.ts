/** `Dropout`, as `torch.nn.Dropout`. */
import { type Generator, type Tensor, ValueError } from '@tsgrad/core';
import { dropout } from '../functional/index.js';
import { Module } from '../module.js';
import { asLayer } from './checks.js';

/** Options of `Dropout`. */
export interface DropoutOptions {
  /** Source of the masks (default: the global generator at each call). */
  generator?: Generator;
}

/**
 * In training, zeroes each element with probability `p` (default 0.5) and scales the others by
 * 1 / (1 − p), so the expected value is unchanged; in evaluation mode (`eval()`), the identity.
 *
 * @example
 * const drop = new Dropout(0.1);
 * drop.call(ones([2, 4])); // training: each element 0 or 1/0.9
 * drop.eval().call(ones([2, 4])); // evaluation: the identity
 */
export class Dropout extends Module {
  /** The generator the masks are drawn from (the global one when undefined). */
  readonly generator: Generator | undefined;

  constructor(
    /** The probability of zeroing an element. */
    readonly p = 0.5,
    options: DropoutOptions = {},
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ValueError(`Dropout: probability p must be in [0, 1], got ${p}`);
    this.generator = options.generator;
  }

  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => dropout(x, this.p, this.training, this.generator));
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
