/**
 * Softmax cross-entropy on contiguous [n, c] logits with int32 labels, forward and backward each
 * in one pass over the logits. Plain loops, no autograd.
 */
import type { TypedArray } from '../tensor/dtype.js';

/**
 * Per row i of x [n, c]: losses[i] = logsumexp(x[i]) − x[i, target[i]] (0 where the label equals
 * `ignoreIndex`) and probs[i] = softmax(x[i]), computed in double precision. The logsumexp is
 * shifted by the row's maximum (by 0 when that maximum is ±∞, as `logsumexp`). Returns the index
 * of the first label outside [0, c) that is not ignored, or −1 when all are valid.
 */
export function softmaxCrossEntropyKernel(
  x: TypedArray,
  target: Int32Array,
  n: number,
  c: number,
  ignoreIndex: number,
  losses: Float64Array,
  probs: TypedArray,
): number {
  for (let i = 0; i < n; i++) {
    const t = target[i]!;
    if (t !== ignoreIndex && (t < 0 || t >= c)) return i;
  }
  for (let i = 0; i < n; i++) {
    const row = i * c;
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < c; j++) {
      const v = x[row + j]!;
      if (v > m || Number.isNaN(v)) m = v;
    }
    const shift = m === Number.POSITIVE_INFINITY || m === Number.NEGATIVE_INFINITY ? 0 : m;
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp(x[row + j]! - shift);
    const lse = Math.log(s) + shift;
    for (let j = 0; j < c; j++) probs[row + j] = Math.exp(x[row + j]! - lse);
    const t = target[i]!;
    losses[i] = t === ignoreIndex ? 0 : lse - x[row + t]!;
  }
  return -1;
}

/**
 * The gradient of the per-row losses: out[i, j] = scale[i]·(probs[i, j] − [j = target[i]]), and
 * 0 on rows whose label equals `ignoreIndex`. `scale` is the upstream gradient of each row's loss.
 */
export function softmaxCrossEntropyBackwardKernel(
  probs: TypedArray,
  target: Int32Array,
  scale: TypedArray,
  n: number,
  c: number,
  ignoreIndex: number,
  out: TypedArray,
): void {
  for (let i = 0; i < n; i++) {
    const row = i * c;
    const t = target[i]!;
    if (t === ignoreIndex) {
      out.fill(0, row, row + c);
      continue;
    }
    const s = scale[i]!;
    for (let j = 0; j < c; j++) out[row + j] = s * probs[row + j]!;
    out[row + t] = s * (probs[row + t]! - 1);
  }
}
