/** Pooling layers over NCHW inputs: `MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d`, as in PyTorch. */
import {
  type AvgPool2dOptions,
  adaptiveAvgPool2d,
  avgPool2d,
  type MaxPool2dOptions,
  maxPool2d,
  type Size2,
  type Tensor,
} from '@tsgrad/core';
import { Module } from '../module.js';
import { asLayer } from './checks.js';

function fmt(v: Size2): string {
  return typeof v === 'number' ? String(v) : `[${v[0]},${v[1]}]`;
}

/**
 * The maximum of each kh×kw window (stride defaults to the kernel size): `new MaxPool2d(2)` halves H and W.
 *
 * @example
 * new MaxPool2d(2).call(randn([1, 3, 28, 28])); // [1, 3, 14, 14]
 */
export class MaxPool2d extends Module {
  constructor(
    /** The window size: one number or [kh, kw]. */
    readonly kernelSize: Size2,
    /** Stride (default: the kernel size), padding and dilation. */
    readonly options: MaxPool2dOptions = {},
  ) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => maxPool2d(x, this.kernelSize, this.options));
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernelSize=${fmt(this.kernelSize)}, stride=${fmt(o.stride ?? this.kernelSize)}, padding=${fmt(o.padding ?? 0)}, dilation=${fmt(o.dilation ?? 1)}`;
  }
}

/**
 * The mean of each kh×kw window (stride defaults to the kernel size).
 *
 * @example
 * new AvgPool2d(2).call(randn([1, 3, 28, 28])); // [1, 3, 14, 14]
 */
export class AvgPool2d extends Module {
  constructor(
    /** The window size: one number or [kh, kw]. */
    readonly kernelSize: Size2,
    /** Stride (default: the kernel size) and padding. */
    readonly options: AvgPool2dOptions = {},
  ) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => avgPool2d(x, this.kernelSize, this.options));
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernelSize=${fmt(this.kernelSize)}, stride=${fmt(o.stride ?? this.kernelSize)}, padding=${fmt(o.padding ?? 0)}`;
  }
}

/**
 * Averages over windows chosen to give a fixed output size, whatever the input's H×W.
 *
 * @example
 * new AdaptiveAvgPool2d(1).call(randn([2, 16, 7, 7])); // [2, 16, 1, 1]: global average pooling
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(
    /** The output H×W: one number, or [h, w] where null keeps the input size. */
    readonly outputSize: number | readonly [number | null, number | null],
  ) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return asLayer(this.constructor.name, () => adaptiveAvgPool2d(x, this.outputSize));
  }

  override extraRepr(): string {
    const o = this.outputSize;
    return `outputSize=${typeof o === 'number' ? o : `[${o[0]},${o[1]}]`}`;
  }
}
