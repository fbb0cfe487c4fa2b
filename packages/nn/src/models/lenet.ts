/**
 * A LeNet-style convolutional network for 28×28 single-channel images (MNIST): two 5×5
 * convolutions with ReLU and 2×2 max pooling, then two fully connected layers.
 */
import { type DType, fmtShape, type Generator, ShapeError, type Tensor, ValueError } from '@tsgrad/core';
import { checkInputDType } from '../layers/checks.js';
import { Conv2d } from '../layers/conv.js';
import { Linear } from '../layers/linear.js';
import { MaxPool2d } from '../layers/pool.js';
import { Module } from '../module.js';

/** Options of `LeNet`. */
export interface LeNetOptions {
  /** Channels of the two convolutions (default [8, 16]). */
  channels?: readonly [number, number];
  /** Width of the hidden fully connected layer (default 128). */
  hidden?: number;
  /** Number of classes (default 10). */
  numClasses?: number;
  /** Element type of the weights (default float32). */
  dtype?: DType;
  /** Source of the initial weights (default: the global generator). */
  generator?: Generator;
}

/**
 * conv 5×5 (1→c1, padding 2) → relu → maxpool 2 → conv 5×5 (c1→c2) → relu → maxpool 2 →
 * flatten → Linear(c2·5·5 → hidden) → relu → Linear(hidden → numClasses). Input [N, 1, 28, 28],
 * output logits [N, numClasses]. With the defaults: 8 and 16 channels, 56,042 parameters.
 *
 * @example
 * const model = new LeNet({ generator: new Generator(0) });
 * const [images, labels] = [randn([4, 784]), tensor([3, 1, 4, 1], { dtype: 'int32' })];
 * const loss = F.crossEntropy(model.call(images.reshape([-1, 1, 28, 28])), labels);
 */
export class LeNet extends Module {
  /** The first convolution (1 → c1 channels, 5×5). */
  readonly conv1: Conv2d;
  /** The second convolution (c1 → c2 channels, 5×5). */
  readonly conv2: Conv2d;
  /** The 2×2 max-pooling after each convolution. */
  readonly pool = new MaxPool2d(2);
  /** The hidden fully connected layer. */
  readonly fc1: Linear;
  /** The output layer (logits). */
  readonly fc2: Linear;

  constructor(options: LeNetOptions = {}) {
    super();
    const [c1, c2] = options.channels ?? [8, 16];
    const hidden = options.hidden ?? 128;
    const classes = options.numClasses ?? 10;
    for (const [name, n] of [
      ['channels', c1],
      ['channels', c2],
      ['hidden', hidden],
      ['numClasses', classes],
    ] as const) {
      if (!Number.isInteger(n) || n < 1)
        throw new ValueError(`LeNet: ${name} must be positive integers, got ${n}`);
    }
    const common = { dtype: options.dtype, generator: options.generator };
    this.conv1 = new Conv2d(1, c1, 5, { padding: 2, ...common });
    this.conv2 = new Conv2d(c1, c2, 5, common);
    this.fc1 = new Linear(c2 * 5 * 5, hidden, common);
    this.fc2 = new Linear(hidden, classes, common);
  }

  /** Logits [N, numClasses] for images [N, 1, 28, 28] (or [N, 784], reshaped). */
  override forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    checkInputDType(name, x, this.conv1.weight.dtype);
    const flat = x.ndim === 2 && x.shape[1] === 784;
    const square = x.ndim === 4 && x.shape[1] === 1 && x.shape[2] === 28 && x.shape[3] === 28;
    if (!flat && !square) {
      throw new ShapeError(
        `${name}: expected images [N, 1, 28, 28] or [N, 784], got shape ${fmtShape(x.shape)}`,
      );
    }
    const images = flat ? x.reshape([x.shape[0]!, 1, 28, 28]) : x;
    const a = this.pool.forward(this.conv1.forward(images).relu());
    const b = this.pool.forward(this.conv2.forward(a).relu());
    return this.fc2.forward(this.fc1.forward(b.flatten(1)).relu());
  }
}

/**
 * A new `LeNet` (the CNN of the MNIST main job's `--model cnn`).
 *
 * @example
 * const model = lenet();
 * const logits = model.call(randn([2, 784])); // shape [2, 10]
 */
export function lenet(options: LeNetOptions = {}): LeNet {
  return new LeNet(options);
}
