/** `Conv2d`: a 2-d convolution layer over NCHW inputs, as `torch.nn.Conv2d`. */
import {
  conv2d,
  type DType,
  fmtShape,
  type Generator,
  ShapeError,
  type Size2,
  type Tensor,
  ValueError,
  zeros,
} from '@tsgrad/core';
import { calculateFanInAndFanOut, kaimingUniform, uniform } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { asLayer, checkInputDType } from './checks.js';

/** Options of `Conv2d`. */
export interface Conv2dLayerOptions {
  /** Step between windows (default 1). */
  stride?: Size2;
  /** Zero padding on each side (default 0), or 'same' / 'valid'. */
  padding?: Size2 | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  dilation?: Size2;
  /** Channel groups (default 1); both channel counts must be divisible by it. */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** Element type of the weights (default float32). */
  dtype?: DType;
  /** Source of the initial weights (default: the global generator). */
  generator?: Generator;
}

function pairOf(v: Size2): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

function fmt(v: Size2 | string): string {
  return typeof v === 'string' ? `'${v}'` : `[${pairOf(v).join(',')}]`;
}

/**
 * y = conv2d(x, W) + b for x of shape [N, inChannels, H, W]. W has shape
 * [outChannels, inChannels/groups, kh, kw]; W and b start as U(−1/√fanIn, 1/√fanIn) with
 * fanIn = inChannels/groups·kh·kw — PyTorch's default, `kaimingUniform(W, { a: √5 })`.
 *
 * @example
 * const conv = new Conv2d(1, 8, 5, { padding: 2 }); // [N,1,28,28] → [N,8,28,28]
 */
export class Conv2d extends Module {
  /** Weight of shape [outChannels, inChannels/groups, kh, kw]. */
  readonly weight: Parameter;
  /** Bias of shape [outChannels], or null with `bias: false`. */
  readonly bias: Parameter | null;
  /** The kernel size [kh, kw]. */
  readonly kernelSize: [number, number];
  /** The stride: one number or [sh, sw]. */
  readonly stride: Size2;
  /** Zero padding: one number, [ph, pw], 'same' or 'valid'. */
  readonly padding: Size2 | 'same' | 'valid';
  /** The spacing of the kernel elements: one number or [dh, dw]. */
  readonly dilation: Size2;
  /** The number of channel groups (inChannels and outChannels are multiples of it). */
  readonly groups: number;

  constructor(
    /** Channels of the input. */
    readonly inChannels: number,
    /** Channels of the output (the number of filters). */
    readonly outChannels: number,
    kernelSize: Size2,
    options: Conv2dLayerOptions = {},
  ) {
    super();
    this.kernelSize = pairOf(kernelSize);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.groups = options.groups ?? 1;
    const positive = [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
      ['groups', this.groups],
      ['kernelSize', this.kernelSize[0]],
      ['kernelSize', this.kernelSize[1]],
    ] as const;
    for (const [name, n] of positive) {
      if (!Number.isInteger(n) || n < 1)
        throw new ValueError(`Conv2d: ${name} must be a positive integer, got ${n}`);
    }
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new ValueError(
        `Conv2d: inChannels ${inChannels} and outChannels ${outChannels} must both be divisible by groups ${this.groups}`,
      );
    }
    const dtype = options.dtype ?? 'float32';
    const generator = options.generator;
    const [kh, kw] = this.kernelSize;
    this.weight = new Parameter(zeros([outChannels, inChannels / this.groups, kh, kw], { dtype }));
    kaimingUniform(this.weight, { a: Math.sqrt(5), generator });
    if (options.bias ?? true) {
      this.bias = new Parameter(zeros([outChannels], { dtype }));
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      const bound = 1 / Math.sqrt(fanIn);
      uniform(this.bias, -bound, bound, { generator });
    } else {
      this.bias = null;
    }
  }

  override forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    checkInputDType(name, x, this.weight.dtype);
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(
        `${name}: expected a 4-D input [N, ${this.inChannels}, H, W] (inChannels = ${this.inChannels}), got shape ${fmtShape(x.shape)}`,
      );
    }
    return asLayer(name, () =>
      conv2d(x, this.weight, this.bias, {
        stride: this.stride,
        padding: this.padding,
        dilation: this.dilation,
        groups: this.groups,
      }),
    );
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${fmt(this.kernelSize)}, stride=${fmt(this.stride)}`;
    if (this.padding !== 0) s += `, padding=${fmt(this.padding)}`;
    if (this.dilation !== 1) s += `, dilation=${fmt(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=false';
    return s;
  }
}
