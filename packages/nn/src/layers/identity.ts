/** `Identity`, as `torch.nn.Identity`. */
import type { Tensor } from '@tsgrad/core';
import { Module } from '../module.js';

/**
 * Returns its input unchanged: a placeholder, e.g. for a layer switched off by configuration.
 *
 * @example
 * const x = randn([2, 3]);
 * new Identity().call(x) === x; // true
 */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}
