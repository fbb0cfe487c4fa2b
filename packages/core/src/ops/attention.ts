/**
 * Scaled dot-product attention with PyTorch 2's semantics, composed from core ops (matmul,
 * where, add, a max-shifted softmax) so that its gradients need no rule of its own.
 */
import { backendOf } from '../backends/backend.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import type { Generator } from '../random.js';
import { arange, full, rand } from '../tensor/create.js';
import { type DType, requireFloating } from '../tensor/dtype.js';
import { broadcastShapes, sameShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { toDevice } from './device.js';
import { abs, add, div, eq, exp, ge, le, lt, mul, sub, where } from './elementwise.js';
import { matmul } from './matmul.js';
import { amax, sum } from './reduce.js';
import { reshape, transpose } from './shape.js';

/** Options of `scaledDotProductAttention`. */
export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcasts to [..., L, S]. A boolean-like mask (dtype `bool`, or int32 0/1) keeps the
   * positions where it is true / non-zero; a float mask (the query's dtype) is added to the scores.
   */
  attnMask?: Tensor;
  /** Apply the lower-triangular (top-left aligned) causal mask; not together with `attnMask`. */
  isCausal?: boolean;
  /** Probability of zeroing an attention weight (the rest are scaled by 1 / (1 − p)); default 0. */
  dropoutP?: number;
  /** Multiplies q·kᵀ; default 1 / √E. */
  scale?: number;
  /** The generator the dropout draws from (the global one by default). */
  generator?: Generator;
}

const OP = 'scaledDotProductAttention';

/**
 * softmax(q·kᵀ·scale + mask)·v for q [..., L, E], k [..., S, E], v [..., S, Ev] → [..., L, Ev]
 * (batch dims broadcast). Rows whose mask removes every key give 0 (with zero gradient), as
 * PyTorch ≥ 2.5 does, not NaN.
 *
 * @example
 * const [q, k, v] = [randn([2, 4, 8, 16]), randn([2, 4, 8, 16]), randn([2, 4, 8, 16])]; // [B, H, T, D]
 * const out = scaledDotProductAttention(q, k, v, { isCausal: true }); // [2, 4, 8, 16]
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: ScaledDotProductAttentionOptions = {},
): Tensor {
  const { attnMask, isCausal = false, dropoutP = 0 } = options;
  requireFloating(OP, q.dtype);
  if (k.dtype !== q.dtype || v.dtype !== q.dtype) {
    throw new DTypeError(`${OP}: query, key and value dtypes differ (${q.dtype}, ${k.dtype}, ${v.dtype})`);
  }
  const shapes = `query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)}, value ${fmtShape(v.shape)}`;
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2) {
    throw new ShapeError(`${OP}: query, key and value need at least 2 dims, got ${shapes}`);
  }
  const L = q.shape[q.ndim - 2]!;
  const E = q.shape[q.ndim - 1]!;
  const S = k.shape[k.ndim - 2]!;
  if (k.shape[k.ndim - 1] !== E) {
    throw new ShapeError(`${OP}: query and key must share the last dim (E), got ${shapes}`);
  }
  if (v.shape[v.ndim - 2] !== S) {
    throw new ShapeError(`${OP}: key and value must share dim −2 (S), got ${shapes}`);
  }
  let batch: number[];
  try {
    batch = broadcastShapes(
      OP,
      broadcastShapes(OP, q.shape.slice(0, -2), k.shape.slice(0, -2)),
      v.shape.slice(0, -2),
    );
  } catch {
    throw new ShapeError(`${OP}: batch dims do not broadcast, got ${shapes}`);
  }
  if (!(dropoutP >= 0 && dropoutP <= 1)) {
    throw new ValueError(`${OP}: dropoutP must be in [0, 1], got ${dropoutP}`);
  }
  if (options.scale !== undefined && !Number.isFinite(options.scale)) {
    throw new ValueError(`${OP}: scale must be a finite number, got ${options.scale}`);
  }
  if (isCausal && attnMask !== undefined) {
    throw new ValueError(`${OP}: attnMask cannot be given together with isCausal`);
  }
  // One device for every operand (a 0-d CPU mask acts as a scalar), named here rather than in a matmul.
  backendOf(OP, q, k, v, ...(attnMask === undefined ? [] : [attnMask]));
  const scoreShape = [...batch, L, S];
  let bias: Tensor | null = null;
  if (attnMask !== undefined) {
    const merged = broadcastShapes(OP, attnMask.shape, scoreShape);
    if (!sameShape(merged, scoreShape)) {
      throw new ShapeError(
        `${OP}: attnMask of shape ${fmtShape(attnMask.shape)} does not broadcast to the attention shape ${fmtShape(scoreShape)}`,
      );
    }
    bias = maskBias(attnMask, q.dtype);
  } else if (isCausal) {
    const device = { dtype: 'int32', device: q.device } as const;
    const keep = le(
      reshape(arange(S, undefined, 1, device), [1, S]),
      reshape(arange(L, undefined, 1, device), [L, 1]),
    );
    bias = where(keep, full([], 0, { dtype: q.dtype }), Number.NEGATIVE_INFINITY);
  }

  const scale = options.scale ?? 1 / Math.sqrt(E);
  let scores = mul(matmul(q, transpose(k, -2, -1)), scale);
  if (bias !== null) scores = add(scores, bias);
  let weights = S === 0 ? scores : safeSoftmax(scores);
  if (dropoutP > 0) {
    // Drawn on the CPU from the generator and moved to the scores' device: the same seed gives
    // the same mask on every device.
    const draws = rand(weights.shape, { dtype: q.dtype, generator: options.generator });
    const keep = toDevice(ge(draws, dropoutP), weights.device);
    weights = where(keep, dropoutP === 1 ? weights : div(weights, 1 - dropoutP), 0);
  }
  return matmul(weights, v);
}

/** The additive bias of a mask: 0 / −∞ for a boolean-like one (`bool`, int32), the mask itself for a float one. */
function maskBias(mask: Tensor, dtype: DType): Tensor {
  const kind: string = mask.dtype;
  if (kind === 'bool' || kind === 'int32') {
    return where(mask, full([], 0, { dtype }), Number.NEGATIVE_INFINITY);
  }
  if (kind !== dtype) {
    throw new DTypeError(`${OP}: a float attnMask must have the query's dtype ${dtype}, got ${kind}`);
  }
  return mask;
}

/**
 * Softmax over the last dim, shifted by the row maximum; a row that is −∞ everywhere gives 0
 * rather than NaN (PyTorch's `_safe_softmax`), and passes no gradient.
 */
function safeSoftmax(x: Tensor): Tensor {
  const m = amax(x.detach(), -1, true);
  const shift = where(lt(abs(m), Number.POSITIVE_INFINITY), m, 0);
  const e = exp(sub(x, shift));
  const total = sum(e, -1, true);
  return div(e, where(eq(total, 0), 1, total));
}
