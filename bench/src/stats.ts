/** Timing helpers: medians over repetitions, summarised the same way for every library. */

/** Median, minimum and maximum of a list of samples (ms per unit of work). */
export interface Summary {
  median: number;
  min: number;
  max: number;
  reps: number;
}

/** Median, min and max of `samples`. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const median =
    n === 0 ? Number.NaN : n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted[n - 1] ?? Number.NaN, reps: n };
}

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export function now(): number {
  return performance.now();
}

/** Formats a number with `digits` significant decimals, or '—' when missing. */
export function fmt(x: number | undefined, digits = 2): string {
  return x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits);
}
