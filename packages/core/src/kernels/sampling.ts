/**
 * Sampling kernels: categorical draws (with and without replacement), Bernoulli and normal draws
 * over contiguous buffers, from any source of uniform [0, 1) numbers (a `Generator`). Plain loops,
 * no autograd; the caller checks the arguments.
 */
import type { TypedArray } from '../tensor/dtype.js';

/** A source of uniform numbers in [0, 1) and standard normal numbers (a `Generator`). */
export interface RandomSource {
  random(): number;
  normal(): number;
}

/** Why a row of weights is not a distribution: a negative entry, an infinite or NaN one, or a zero sum. */
export type BadRow = { row: number; reason: 'negative' | 'nonfinite' | 'zeroSum' } | null;

/** Finds the first row of `rows` × `n` weights that is not a distribution (see `BadRow`). */
export function checkDistributionRows(weights: TypedArray, rows: number, n: number): BadRow {
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let i = r * n; i < (r + 1) * n; i++) {
      const w = weights[i]!;
      if (w < 0) return { row: r, reason: 'negative' };
      if (!Number.isFinite(w)) return { row: r, reason: 'nonfinite' };
      total += w;
    }
    if (!(total > 0)) return { row: r, reason: 'zeroSum' };
  }
  return null;
}

/**
 * Draws `k` categories per row of `rows` × `n` non-negative weights (each row with a positive
 * sum) into `out` ([rows, k]). With replacement: inverse-CDF draws. Without: the categories in
 * the order of exponential keys −ln(U)/w (the same law as drawing one at a time and removing it);
 * zero-weight categories come last, in random order.
 */
export function multinomialKernel(
  weights: TypedArray,
  rows: number,
  n: number,
  k: number,
  replacement: boolean,
  rng: RandomSource,
  out: Int32Array,
): void {
  const cdf = new Float64Array(n);
  const keys = new Float64Array(n);
  const order: number[] = new Array<number>(n);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    if (replacement) {
      let total = 0;
      let last = 0;
      for (let i = 0; i < n; i++) {
        const w = weights[base + i]!;
        total += w;
        cdf[i] = total;
        if (w > 0) last = i;
      }
      for (let s = 0; s < k; s++) {
        const u = rng.random() * total;
        // The first category whose cumulative weight exceeds u (zero-weight ones never do first).
        let lo = 0;
        let hi = n - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cdf[mid]! > u) hi = mid;
          else lo = mid + 1;
        }
        out[r * k + s] = cdf[lo]! > u ? lo : last;
      }
      continue;
    }
    for (let i = 0; i < n; i++) {
      const w = weights[base + i]!;
      // 1 − U lies in (0, 1], so the key is finite for w > 0; zero weights sort after every other.
      keys[i] = w > 0 ? -Math.log(1 - rng.random()) / w : Number.POSITIVE_INFINITY;
      order[i] = i;
    }
    order.sort((a, b) => keys[a]! - keys[b]! || a - b);
    // Shuffle the zero-weight tail (Fisher–Yates) so that it is not in index order.
    let firstZero = n;
    while (firstZero > 0 && keys[order[firstZero - 1]!] === Number.POSITIVE_INFINITY) firstZero--;
    for (let i = n - 1; i > firstZero; i--) {
      const j = firstZero + Math.floor(rng.random() * (i - firstZero + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (let s = 0; s < k; s++) out[r * k + s] = order[s]!;
  }
}

/** out[i] = 1 with probability p[i] (`p` a stride-0 scalar view works too: pass `pStep` 0), else 0. */
export function bernoulliKernel(
  p: TypedArray,
  pOffset: number,
  pStep: number,
  rng: RandomSource,
  out: TypedArray,
): void {
  for (let i = 0, j = pOffset; i < out.length; i++, j += pStep) out[i] = rng.random() < p[j]! ? 1 : 0;
}

/** out[i] = mean[i] + std[i]·z with z standard normal, row-major, one draw per element. */
export function normalKernel(mean: TypedArray, std: TypedArray, rng: RandomSource, out: TypedArray): void {
  for (let i = 0; i < out.length; i++) out[i] = mean[i]! + std[i]! * rng.normal();
}

/** out[i] = low + (high − low)·U in [low, high), redrawn where rounding to `out`'s type reaches high. */
export function uniformKernel(low: number, high: number, rng: RandomSource, out: TypedArray): void {
  const width = high - low;
  for (let i = 0; i < out.length; i++) {
    out[i] = low + width * rng.random();
    while (width > 0 && out[i]! >= high) out[i] = low + width * rng.random();
  }
}
