/** Whether operations record the graph for autograd; `noGrad` turns it off for a block. */
let gradEnabled = true;

/**
 * True when operations currently record the autograd graph.
 *
 * @example
 * isGradEnabled(); // true (the default)
 * noGrad(() => isGradEnabled()); // false
 */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Sets gradient recording on or off and returns the previous setting.
 *
 * @example
 * const previous = setGradEnabled(false); // true: it was on
 * tensor([1, 2], { requiresGrad: true }).mul(2).requiresGrad; // false: nothing recorded
 * setGradEnabled(previous);
 */
export function setGradEnabled(enabled: boolean): boolean {
  const previous = gradEnabled;
  gradEnabled = enabled;
  return previous;
}

/**
 * Runs `fn` without recording the graph (like `torch.no_grad()`), e.g. for evaluation or updates.
 *
 * @example
 * const w = tensor([1, 2], { requiresGrad: true });
 * const y = noGrad(() => w.mul(2)); // [2, 4]
 * y.requiresGrad; // false
 */
export function noGrad<T>(fn: () => T): T {
  const previous = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(previous);
  }
}

/**
 * Runs `fn` with graph recording on, even inside `noGrad`.
 *
 * @example
 * const w = tensor([1, 2], { requiresGrad: true });
 * noGrad(() => enableGrad(() => w.mul(2))).requiresGrad; // true
 */
export function enableGrad<T>(fn: () => T): T {
  const previous = setGradEnabled(true);
  try {
    return fn();
  } finally {
    setGradEnabled(previous);
  }
}
