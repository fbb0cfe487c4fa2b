/** `Linear`: the fully connected layer y = x·Wᵀ + b, as `torch.nn.Linear`. */
import {
  type DType,
  fmtShape,
  type Generator,
  ShapeError,
  type Tensor,
  ValueError,
  zeros,
} from '@tsgrad/core';
import { linear } from '../functional/index.js';
import { calculateFanInAndFanOut, kaimingUniform, uniform } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkInputDType } from './checks.js';

/** Options of `Linear`. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Element type of the weights (default float32). */
  dtype?: DType;
  /** Source of the initial weights (default: the global generator). */
  generator?: Generator;
}

/**
 * y = x·Wᵀ + b for x of shape [*, inFeatures]. W has shape [outFeatures, inFeatures] and, like b,
 * starts as U(−1/√inFeatures, 1/√inFeatures) — PyTorch's default, `kaimingUniform(W, { a: √5 })`.
 *
 * @example
 * const fc = new Linear(784, 10);
 * fc.call(randn([32, 784])); // [32, 10]
 */
export class Linear extends Module {
  /** Weight of shape [outFeatures, inFeatures]. */
  readonly weight: Parameter;
  /** Bias of shape [outFeatures], or null with `bias: false`. */
  readonly bias: Parameter | null;

  constructor(
    /** Size of each input sample. */
    readonly inFeatures: number,
    /** Size of each output sample. */
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    for (const [name, n] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(n) || n < 0)
        throw new ValueError(`Linear: ${name} must be a non-negative integer, got ${n}`);
    }
    const dtype = options.dtype ?? 'float32';
    const generator = options.generator;
    this.weight = new Parameter(zeros([outFeatures, inFeatures], { dtype }));
    kaimingUniform(this.weight, { a: Math.sqrt(5), generator });
    if (options.bias ?? true) {
      this.bias = new Parameter(zeros([outFeatures], { dtype }));
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform(this.bias, -bound, bound, { generator });
    } else {
      this.bias = null;
    }
  }

  override forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    checkInputDType(name, x, this.weight.dtype);
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError(
        `${name}: input of shape ${fmtShape(x.shape)} does not match weight of shape ${fmtShape(this.weight.shape)} ` +
          `(expected [*, ${this.inFeatures}]: inFeatures = ${this.inFeatures})`,
      );
    }
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
