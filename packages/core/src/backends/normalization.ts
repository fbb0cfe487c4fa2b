/**
 * The kernels of the normalisation layers: each row (the trailing `dims` dims of x) is
 * standardised, (x − mean)·rstd, or, without centring (rmsNorm), x·rstd with rstd = 1/√(mean(x²)+eps).
 */
import type { Storage } from '../tensor/device.js';
import type { View } from './backend.js';

/** The row statistics and result of a normalisation. */
export interface NormalizeResult {
  /** The normalised x, times `weight` plus `bias` where given (contiguous, x's shape). */
  y: Storage;
  /** The mean of each row (row-major over the leading dims), null without centring. */
  mean: Storage | null;
  /** 1/√(var + eps) of each row (the mean of squares without centring). */
  rstd: Storage;
}

/** The kernels behind `layerNorm`, `groupNorm` and `rmsNorm`. */
export interface NormalizationKernels {
  /**
   * Normalises each row of x over its trailing `dims` dims (the biased variance), then scales by
   * `weight` and shifts by `bias` (each of the rows' shape, or null).
   */
  normalize(
    x: View,
    dims: number,
    weight: View | null,
    bias: View | null,
    eps: number,
    center: boolean,
  ): NormalizeResult;
  /**
   * The gradient of `normalize` for the incoming gradient `g` (x's shape), from the forward's
   * row statistics (`mean` and `rstd` with shape x's leading dims followed by `dims` ones): dx,
   * and g·x̂ (whose sum over the rows is weight's gradient) when `weightGrad`.
   */
  normalizeBackward(
    g: View,
    x: View,
    mean: View | null,
    rstd: View,
    weight: View | null,
    dims: number,
    center: boolean,
    weightGrad: boolean,
  ): { dx: Storage; gxhat: Storage | null };
}
