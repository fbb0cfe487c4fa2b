/**
 * Anomaly detection, as `torch.autograd.detect_anomaly`: while on, every op remembers where in
 * the forward it was created, and the backward checks each gradient an op returns; the first one
 * holding NaN or ±Infinity stops the pass with an error naming that op and its creation stack.
 * Off by default: it costs a stack trace per op and a scan per gradient.
 */
let anomalyEnabled = false;

/**
 * True while anomaly detection is on.
 *
 * @example
 * isAnomalyEnabled(); // false (the default)
 * withDetectAnomaly(() => isAnomalyEnabled()); // true
 */
export function isAnomalyEnabled(): boolean {
  return anomalyEnabled;
}

/**
 * Turns anomaly detection on or off for everything that follows; returns the previous setting.
 *
 * @example
 * const previous = detectAnomaly(true); // false: it was off
 * isAnomalyEnabled(); // true
 * detectAnomaly(previous); // back off
 */
export function detectAnomaly(enabled = true): boolean {
  const previous = anomalyEnabled;
  anomalyEnabled = enabled;
  return previous;
}

/**
 * Runs `fn` (forward and backward) with anomaly detection on.
 *
 * @example
 * const x = tensor([1, 2], { requiresGrad: true });
 * try {
 *   withDetectAnomaly(() => x.sub(x).log().sum().backward());
 * } catch (e) {
 *   console.log(String(e)); // AnomalyError: log: backward returned a gradient with non-finite values (inf) …
 * }
 */
export function withDetectAnomaly<T>(fn: () => T): T {
  const previous = detectAnomaly(true);
  try {
    return fn();
  } finally {
    detectAnomaly(previous);
  }
}

/** Where the current op is being created: the stack below tsgrad's own frames. */
export function creationStack(): string {
  const lines = (new Error().stack ?? '').split('\n').slice(1);
  const user = lines.filter((l) => !/[\\/]packages[\\/]core[\\/](src|dist)[\\/]/.test(l));
  return (user.length > 0 ? user : lines).map((l) => l.trim()).join('\n  ');
}
