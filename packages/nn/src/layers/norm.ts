/**
 * Normalisation layers: `BatchNorm1d`, `BatchNorm2d`, `LayerNorm`, `GroupNorm` and `RMSNorm`, as in
 * PyTorch. Composed from core ops, so their gradients need no rule of their own. State-dict keys are
 * PyTorch's (`running_mean`, `running_var`, `num_batches_tracked`).
 */
import {
  type DType,
  fmtShape,
  groupNorm,
  noGrad,
  ones,
  requireFloating,
  rmsNorm,
  ShapeError,
  scalar,
  type Tensor,
  ValueError,
  zeros,
} from '@tsgrad/core';
import { writeElements } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { asLayer, checkInputDType } from './checks.js';

/** Options of `BatchNorm1d` and `BatchNorm2d`. */
export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * Weight of the new batch in the running statistics (default 0.1):
   * running = (1 − momentum)·running + momentum·batch. null keeps a cumulative average instead.
   */
  momentum?: number | null;
  /** Learn a per-channel scale (weight, from 1) and shift (bias, from 0) (default true). */
  affine?: boolean;
  /** Keep running mean and variance for evaluation mode (default true). */
  trackRunningStats?: boolean;
  /** Element type of the parameters and statistics (default float32). */
  dtype?: DType;
}

/**
 * The shared body of the batch norms: normalises each channel (dim 1) over every other dim.
 * In training mode (or without running statistics) it uses the batch's mean and biased variance,
 * and updates the running mean and the *unbiased* running variance; in evaluation mode it uses
 * the running statistics.
 */
abstract class BatchNorm extends Module {
  static override readonly stateKeys: Readonly<Record<string, string>> = {
    runningMean: 'running_mean',
    runningVar: 'running_var',
    numBatchesTracked: 'num_batches_tracked',
  };
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /** Scale of shape [numFeatures] (null without `affine`). */
  readonly weight: Parameter | null;
  /** Shift of shape [numFeatures] (null without `affine`). */
  readonly bias: Parameter | null;
  /** Running mean of shape [numFeatures] (a buffer; null without `trackRunningStats`). */
  declare runningMean: Tensor | null;
  /** Running unbiased variance of shape [numFeatures] (a buffer; null without `trackRunningStats`). */
  declare runningVar: Tensor | null;
  /** Number of training batches seen, an int32 scalar (a buffer; null without `trackRunningStats`). */
  declare numBatchesTracked: Tensor | null;

  /** The input ranks this layer accepts. */
  protected abstract readonly ranks: readonly number[];

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions = {},
  ) {
    super();
    const name = new.target.name;
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new ValueError(`${name}: numFeatures must be a positive integer, got ${numFeatures}`);
    }
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (!(this.eps >= 0)) throw new ValueError(`${name}: eps must be non-negative, got ${this.eps}`);
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new ValueError(`${name}: momentum must be in [0, 1] or null, got ${this.momentum}`);
    }
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const dtype = options.dtype ?? 'float32';
    this.weight = this.affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    const track = this.trackRunningStats;
    this.registerBuffer('runningMean', track ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer('runningVar', track ? ones([numFeatures], { dtype }) : null);
    this.registerBuffer('numBatchesTracked', track ? scalar(0, { dtype: 'int32' }) : null);
  }

  /** Sets the running statistics back to mean 0, variance 1, and no batches seen. */
  resetRunningStats(): void {
    if (this.runningMean === null || this.runningVar === null || this.numBatchesTracked === null) return;
    writeElements('resetRunningStats', this.runningMean, () => 0);
    writeElements('resetRunningStats', this.runningVar, () => 1);
    writeElements('resetRunningStats', this.numBatchesTracked, () => 0);
  }

  override forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    if (this.weight !== null) checkInputDType(name, x, this.weight.dtype);
    else if (this.runningMean !== null)
      checkInputDType(name, x, this.runningMean.dtype, 'running statistics');
    else requireFloating(name, x.dtype);
    if (!this.ranks.includes(x.ndim) || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(
        `${name}: expected a ${this.ranks.join('-D or ')}-D input with ${this.numFeatures} channels in dim 1, got shape ${fmtShape(x.shape)}`,
      );
    }
    return asLayer(name, () => this.#normalize(x));
  }

  #normalize(x: Tensor): Tensor {
    const name = this.constructor.name;
    const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const shape = x.shape.map((d, i) => (i === 1 ? d : 1));
    const useBatch = this.training || this.runningMean === null;
    let mean: Tensor;
    let variance: Tensor;
    if (useBatch) {
      const count = x.size / this.numFeatures;
      if (this.training && count <= 1) {
        throw new ValueError(
          `${name}: expected more than 1 value per channel when training, got input of shape ${fmtShape(x.shape)}`,
        );
      }
      mean = x.mean(dims, true);
      variance = x.var(dims, { correction: 0, keepdim: true });
      if (this.training && this.runningMean !== null) this.#updateRunningStats(mean, variance, count);
    } else {
      mean = this.runningMean!.reshape(shape);
      variance = this.runningVar!.reshape(shape);
    }
    let y = x.sub(mean).div(variance.add(this.eps).sqrt());
    if (this.weight !== null && this.bias !== null)
      y = y.mul(this.weight.reshape(shape)).add(this.bias.reshape(shape));
    return y;
  }

  #updateRunningStats(mean: Tensor, variance: Tensor, count: number): void {
    noGrad(() => {
      const tracked = this.numBatchesTracked!;
      tracked.data[tracked.offset]! += 1;
      const m = this.momentum ?? 1 / tracked.data[tracked.offset]!;
      const batchMean = mean.toTypedArray();
      const batchVar = variance.toTypedArray();
      const unbiased = count / (count - 1);
      const rm = this.runningMean!.toTypedArray();
      const rv = this.runningVar!.toTypedArray();
      writeElements('BatchNorm', this.runningMean!, (i) => (1 - m) * rm[i]! + m * batchMean[i]!);
      writeElements('BatchNorm', this.runningVar!, (i) => (1 - m) * rv[i]! + m * batchVar[i]! * unbiased);
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalisation over [N, C] or [N, C, L] inputs, per channel C.
 *
 * @example
 * const bn = new BatchNorm1d(16);
 * const y = bn.call(randn([8, 16])); // shape [8, 16]; running stats updated in training mode
 */
export class BatchNorm1d extends BatchNorm {
  protected readonly ranks = [2, 3] as const;
}

/**
 * Batch normalisation over [N, C, H, W] inputs, per channel C.
 *
 * @example
 * const bn = new BatchNorm2d(3);
 * const y = bn.call(randn([2, 3, 8, 8])); // shape [2, 3, 8, 8], per-channel statistics
 */
export class BatchNorm2d extends BatchNorm {
  protected readonly ranks = [4] as const;
}

/** Options of `LayerNorm`. */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn an elementwise scale (from 1) and shift (from 0) of `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
  /** With `elementwiseAffine`, learn the shift too (default true). */
  bias?: boolean;
  /** Element type of the parameters (default float32). */
  dtype?: DType;
}

/**
 * Normalises each sample over its last dims (`normalizedShape`) with their mean and biased
 * variance, then applies the elementwise affine map, as `torch.nn.LayerNorm`.
 *
 * @example
 * new LayerNorm(64).forward(randn([2, 5, 64])); // each 64-vector gets mean 0, variance 1
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  /** Scale of shape `normalizedShape` (null without `elementwiseAffine`). */
  readonly weight: Parameter | null;
  /** Shift of shape `normalizedShape` (null without `elementwiseAffine` or `bias`). */
  readonly bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (
      this.normalizedShape.length === 0 ||
      this.normalizedShape.some((d) => !Number.isInteger(d) || d < 1)
    ) {
      throw new ValueError(
        `LayerNorm: normalizedShape must be positive integers, got ${fmtShape(this.normalizedShape)}`,
      );
    }
    this.eps = options.eps ?? 1e-5;
    const dtype = options.dtype ?? 'float32';
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? new Parameter(ones(this.normalizedShape, { dtype })) : null;
    this.bias =
      affine && (options.bias ?? true) ? new Parameter(zeros(this.normalizedShape, { dtype })) : null;
  }

  override forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    const params = this.weight ?? this.bias;
    if (params !== null) checkInputDType(name, x, params.dtype);
    else requireFloating(name, x.dtype);
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.ndim - k);
    if (x.ndim < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new ShapeError(
        `${name}: input of shape ${fmtShape(x.shape)} does not end with normalizedShape ${fmtShape(this.normalizedShape)}`,
      );
    }
    return asLayer(name, () => this.#normalize(x));
  }

  #normalize(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    const dims = this.normalizedShape.map((_, i) => x.ndim - k + i);
    const mean = x.mean(dims, true);
    const variance = x.var(dims, { correction: 0, keepdim: true });
    let y = x.sub(mean).div(variance.add(this.eps).sqrt());
    if (this.weight !== null) y = y.mul(this.weight);
    if (this.bias !== null) y = y.add(this.bias);
    return y;
  }

  override extraRepr(): string {
    return `${fmtShape(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}

/** Options of `GroupNorm`. */
export interface GroupNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale (from 1) and shift (from 0) (default true). */
  affine?: boolean;
  /** Element type of the parameters (default float32). */
  dtype?: DType;
}

/**
 * Splits the channels (dim 1) of an [N, C, *] input into `numGroups` groups and normalises each
 * group of each sample with its mean and biased variance, then applies the per-channel affine map,
 * as `torch.nn.GroupNorm`.
 *
 * @example
 * const gn = new GroupNorm(2, 6); // 2 groups of 3 channels
 * const y = gn.call(randn([4, 6, 5])); // shape [4, 6, 5]
 */
export class GroupNorm extends Module {
  readonly eps: number;
  readonly affine: boolean;
  /** Scale of shape [numChannels] (null without `affine`). */
  readonly weight: Parameter | null;
  /** Shift of shape [numChannels] (null without `affine`). */
  readonly bias: Parameter | null;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    options: GroupNormOptions = {},
  ) {
    super();
    for (const [what, n] of [
      ['numGroups', numGroups],
      ['numChannels', numChannels],
    ] as const) {
      if (!Number.isInteger(n) || n < 1)
        throw new ValueError(`GroupNorm: ${what} must be a positive integer, got ${n}`);
    }
    if (numChannels % numGroups !== 0) {
      throw new ValueError(
        `GroupNorm: numChannels ${numChannels} must be divisible by numGroups ${numGroups}`,
      );
    }
    this.eps = options.eps ?? 1e-5;
    if (!(this.eps >= 0)) throw new ValueError(`GroupNorm: eps must be non-negative, got ${this.eps}`);
    this.affine = options.affine ?? true;
    const dtype = options.dtype ?? 'float32';
    this.weight = this.affine ? new Parameter(ones([numChannels], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numChannels], { dtype })) : null;
  }

  override forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    if (this.weight !== null) checkInputDType(name, x, this.weight.dtype);
    else requireFloating(name, x.dtype);
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new ShapeError(
        `${name}: expected an input of shape [N, ${this.numChannels}, *], got ${fmtShape(x.shape)}`,
      );
    }
    return asLayer(name, () => groupNorm(x, this.numGroups, this.weight, this.bias, this.eps));
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}

/** Options of `RMSNorm`. */
export interface RMSNormOptions {
  /** Added to the mean square (default: the dtype's machine epsilon, as PyTorch). */
  eps?: number;
  /** Learn an elementwise scale of `normalizedShape`, from 1 (default true). */
  elementwiseAffine?: boolean;
  /** Element type of the parameters (default float32). */
  dtype?: DType;
}

/**
 * x / √(mean(x²) + eps) over the last dims (`normalizedShape`), times a learned scale, as
 * `torch.nn.RMSNorm`.
 *
 * @example
 * const norm = new RMSNorm(64);
 * const y = norm.call(randn([2, 10, 64])); // shape [2, 10, 64], each 64-vector of RMS ≈ 1
 */
export class RMSNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number | undefined;
  /** Scale of shape `normalizedShape` (null without `elementwiseAffine`). */
  readonly weight: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: RMSNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (
      this.normalizedShape.length === 0 ||
      this.normalizedShape.some((d) => !Number.isInteger(d) || d < 1)
    ) {
      throw new ValueError(
        `RMSNorm: normalizedShape must be positive integers, got ${fmtShape(this.normalizedShape)}`,
      );
    }
    this.eps = options.eps;
    if (this.eps !== undefined && !(this.eps >= 0)) {
      throw new ValueError(`RMSNorm: eps must be non-negative, got ${this.eps}`);
    }
    const dtype = options.dtype ?? 'float32';
    this.weight =
      (options.elementwiseAffine ?? true) ? new Parameter(ones(this.normalizedShape, { dtype })) : null;
  }

  override forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    if (this.weight !== null) checkInputDType(name, x, this.weight.dtype);
    else requireFloating(name, x.dtype);
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.ndim - k);
    if (x.ndim < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new ShapeError(
        `${name}: input of shape ${fmtShape(x.shape)} does not end with normalizedShape ${fmtShape(this.normalizedShape)}`,
      );
    }
    return asLayer(name, () => rmsNorm(x, this.normalizedShape, this.weight, this.eps));
  }

  override extraRepr(): string {
    return `${fmtShape(this.normalizedShape)}, eps=${this.eps ?? 'None'}, elementwiseAffine=${this.weight !== null}`;
  }
}
