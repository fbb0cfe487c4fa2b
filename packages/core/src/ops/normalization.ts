/**
 * Normalisation layers as functional ops (`torch.nn.functional.layer_norm`, `group_norm`,
 * `rms_norm`). Each runs one normalisation kernel (forward, and the input's gradient) keeping the
 * row mean and 1/std; a recorded backward (createGraph) is written in Tensor ops instead, so
 * higher derivatives work.
 */
import { record } from '../autograd/function.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { backendOf } from '../backends/backend.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { requireFloating } from '../tensor/dtype.js';
import { sameShape, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { add, div, mul, sqrt, sub } from './elementwise.js';
import { mean, sum } from './reduce.js';
import { reshape } from './shape.js';

/** The machine epsilon of a floating dtype (`torch.finfo(dtype).eps`). */
function machineEpsilon(dtype: string): number {
  return dtype === 'float64' ? 2 ** -52 : 2 ** -23;
}

function checkEps(op: string, eps: number): void {
  if (!(eps >= 0) || !Number.isFinite(eps))
    throw new ValueError(`${op}: eps must be a finite number ≥ 0, got ${eps}`);
}

/** Checks that x ends with `normalizedShape` and returns the dims it covers. */
function trailingDims(op: string, x: Tensor, normalizedShape: number | readonly number[]): number[] {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const tail = x.shape.slice(x.ndim - shape.length);
  if (shape.length === 0 || shape.length > x.ndim || !sameShape(tail, shape)) {
    throw new ShapeError(
      `${op}: given normalizedShape ${fmtShape(shape)}, expected an input of shape [*,${shape.join(',')}], got ${fmtShape(x.shape)}`,
    );
  }
  return shape.map((_, i) => x.ndim - shape.length + i);
}

function checkAffine(
  op: string,
  name: string,
  x: Tensor,
  p: Tensor | null | undefined,
  shape: readonly number[],
): void {
  if (p === null || p === undefined) return;
  if (p.dtype !== x.dtype)
    throw new DTypeError(`${op}: ${name} dtype ${p.dtype} differs from the input's ${x.dtype}`);
  if (!sameShape(p.shape, shape)) {
    throw new ShapeError(`${op}: ${name} of shape ${fmtShape(p.shape)} should have shape ${fmtShape(shape)}`);
  }
}

function affine(y: Tensor, weight: Tensor | null | undefined, bias: Tensor | null | undefined): Tensor {
  const scaled = weight === null || weight === undefined ? y : mul(y, weight);
  return bias === null || bias === undefined ? scaled : add(scaled, bias);
}

/**
 * Normalises x over its trailing `dims` dims — (x − mean)/√(var + eps) with the biased variance,
 * or x/√(mean(x²) + eps) without `center` — then scales by `weight` and shifts by `bias`, in one
 * kernel. `op` names the caller.
 */
function normalizeRows(
  op: string,
  x: Tensor,
  dims: number,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  center: boolean,
): Tensor {
  const inputs = [x, ...(weight === null ? [] : [weight]), ...(bias === null ? [] : [bias])];
  const r = backendOf(op, ...inputs).normalize(x, dims, weight, bias, eps, center);
  const out = new Tensor(r.y, x.shape);
  const lead = x.ndim - dims;
  const rowShape = x.shape.map((s, i) => (i < lead ? s : 1));
  const rowMean = r.mean === null ? null : new Tensor(r.mean, rowShape);
  const rstd = new Tensor(r.rstd, rowShape);
  const batch = x.shape.map((_, i) => i).filter((i) => i < lead);
  const overRows = (t: Tensor) => (batch.length === 0 ? t : sum(t, batch));
  return record(op, inputs, out, (g, needs) => {
    const needW = weight !== null && needs[1] === true;
    const needB = bias !== null && needs[weight === null ? 1 : 2] === true;
    let dx: Tensor | null = null;
    let gxhat: Tensor | null = null;
    if (isGradEnabled()) {
      // Recorded (createGraph): the same rule in Tensor ops, with the statistics recomputed from x
      // so that they are differentiated too.
      const rowDims = x.shape.map((_, i) => i).filter((i) => i >= lead);
      const c = center ? sub(x, mean(x, rowDims, true)) : x;
      const rs = div(1, sqrt(add(mean(mul(c, c), rowDims, true), eps)));
      const xhat = mul(c, rs);
      const gy = weight === null ? g : mul(g, weight);
      const u = center ? sub(gy, mean(gy, rowDims, true)) : gy;
      if (needs[0]) dx = mul(sub(u, mul(xhat, mean(mul(gy, xhat), rowDims, true))), rs);
      if (needW) gxhat = mul(g, xhat);
    } else {
      const k = backendOf(op, g, x).normalizeBackward(g, x, rowMean, rstd, weight, dims, center, needW);
      if (needs[0]) dx = new Tensor(k.dx, x.shape);
      if (k.gxhat !== null) gxhat = new Tensor(k.gxhat, x.shape);
    }
    const grads: (Tensor | null)[] = [dx];
    if (weight !== null) grads.push(gxhat === null ? null : overRows(gxhat));
    if (bias !== null) grads.push(needB ? overRows(g) : null);
    return grads;
  });
}

/**
 * Normalises over the trailing `normalizedShape` dims, then scales by `weight` and shifts by `bias`
 * (both of shape `normalizedShape`), as `F.layer_norm`.
 *
 * @example
 * const [x, gamma, beta] = [randn([2, 5, 8]), ones([8]), zeros([8])]; // x: [B, T, C], gamma/beta: [C]
 * layerNorm(x, [x.dim(-1)], gamma, beta);
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  requireFloating('layerNorm', x.dtype);
  checkEps('layerNorm', eps);
  const dims = trailingDims('layerNorm', x, normalizedShape);
  const shape = dims.map((d) => x.shape[d]!);
  checkAffine('layerNorm', 'weight', x, weight, shape);
  checkAffine('layerNorm', 'bias', x, bias, shape);
  return normalizeRows('layerNorm', x, dims.length, weight ?? null, bias ?? null, eps, true);
}

/**
 * Splits the channels (dim 1) of x [N, C, *] into `numGroups` groups, normalises each group over
 * its channels and positions, then applies the per-channel `weight` and `bias` ([C]), as `F.group_norm`.
 *
 * @example
 * const [x, gamma, beta] = [randn([2, 32, 4, 4]), ones([32]), zeros([32])]; // x: [N, C, H, W]
 * groupNorm(x, 4, gamma, beta); // 4 groups of 8 channels
 */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  requireFloating('groupNorm', x.dtype);
  checkEps('groupNorm', eps);
  if (x.ndim < 2)
    throw new ShapeError(`groupNorm: expected an input of shape [N, C, *], got ${fmtShape(x.shape)}`);
  const c = x.shape[1]!;
  if (!Number.isInteger(numGroups) || numGroups <= 0 || c % numGroups !== 0) {
    throw new ValueError(
      `groupNorm: the channels of an input of shape ${fmtShape(x.shape)} (${c}) are not divisible into numGroups=${numGroups} groups`,
    );
  }
  checkAffine('groupNorm', 'weight', x, weight, [c]);
  checkAffine('groupNorm', 'bias', x, bias, [c]);
  const n = x.shape[0]!;
  const groupSize = (c / numGroups) * sizeOf(x.shape.slice(2));
  const grouped = reshape(x, [n, numGroups, groupSize]);
  const y = reshape(normalizeRows('groupNorm', grouped, 1, null, null, eps, true), x.shape);
  // weight and bias apply per channel: shape [C, 1, …, 1] against [N, C, *].
  const perChannel = [c, ...x.shape.slice(2).map(() => 1)];
  return affine(
    y,
    weight === null || weight === undefined ? weight : reshape(weight, perChannel),
    bias === null || bias === undefined ? bias : reshape(bias, perChannel),
  );
}

/**
 * x / √(mean(x²) + eps) over the trailing `normalizedShape` dims, times `weight`, as PyTorch 2.4's
 * `F.rms_norm`; eps defaults to the dtype's machine epsilon.
 *
 * @example
 * const [x, gamma] = [randn([2, 5, 8]), ones([8])]; // x: [B, T, C], gamma: [C]
 * rmsNorm(x, [x.dim(-1)], gamma);
 */
export function rmsNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  eps?: number,
): Tensor {
  requireFloating('rmsNorm', x.dtype);
  const e = eps ?? machineEpsilon(x.dtype);
  checkEps('rmsNorm', e);
  const dims = trailingDims('rmsNorm', x, normalizedShape);
  checkAffine(
    'rmsNorm',
    'weight',
    x,
    weight,
    dims.map((d) => x.shape[d]!),
  );
  return normalizeRows('rmsNorm', x, dims.length, weight ?? null, null, e, false);
}
