/** `Flatten`: merges a range of dims, as `torch.nn.Flatten`. */
import type { Tensor } from '@tsgrad/core';
import { Module } from '../module.js';
import { asLayer } from './checks.js';

/**
 * Merges dims startDim..endDim (default 1..−1: everything but the batch dim), e.g. [N, 1, 28, 28] → [N, 784].
 *
 * @example
 * new Flatten().call(zeros([8, 1, 28, 28])); // [8, 784]
 */
export class Flatten extends Module {
  constructor(
    /** The first dim flattened (default 1, keeping the batch dim). */
    readonly startDim = 1,
    /** The last dim flattened (default -1). */
    readonly endDim = -1,
  ) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => x.flatten(this.startDim, this.endDim));
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
