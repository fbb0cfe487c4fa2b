/** The learning-rate schedule of nanoGPT's `get_lr`: linear warm-up, then cosine decay to a floor. */

/** The schedule's settings. */
export interface WarmupCosine {
  /** Peak learning rate, reached at the end of the warm-up. */
  lr: number;
  /** Learning rate at the end of the decay (and after it). */
  minLr: number;
  /** Steps of linear warm-up. */
  warmup: number;
  /** Step at which the cosine reaches `minLr` (nanoGPT's `lr_decay_iters`; here the run's length). */
  decaySteps: number;
}

/**
 * The learning rate of step `it` (0-based), as nanoGPT: lr·(it + 1)/(warmup + 1) during the warm-up,
 * then minLr + ½(1 + cos(π·r))·(lr − minLr) with r = (it − warmup)/(decaySteps − warmup), and
 * minLr after `decaySteps`.
 *
 * @example
 * warmupCosineLr(0, { lr: 1e-3, minLr: 1e-4, warmup: 100, decaySteps: 2000 }); // 1e-3 / 101
 */
export function warmupCosineLr(it: number, s: WarmupCosine): number {
  if (it < s.warmup) return (s.lr * (it + 1)) / (s.warmup + 1);
  if (it > s.decaySteps) return s.minLr;
  const span = s.decaySteps - s.warmup;
  const ratio = span > 0 ? (it - s.warmup) / span : 1;
  return s.minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (s.lr - s.minLr);
}

/** Sets the learning rate of every parameter group of an optimizer (the schedule's step). */
export function setLr(optimizer: { paramGroups: { lr: number }[] }, lr: number): void {
  for (const group of optimizer.paramGroups) group.lr = lr;
}
