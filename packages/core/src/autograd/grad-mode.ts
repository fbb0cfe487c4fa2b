/** Whether operations record the graph for autograd; `noGrad` turns it off for a block. */
let gradEnabled = true;

/** True when operations currently record the autograd graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Sets gradient recording on or off and returns the previous setting. */
export function setGradEnabled(enabled: boolean): boolean {
  const previous = gradEnabled;
  gradEnabled = enabled;
  return previous;
}

/** Runs `fn` without recording the graph (like `torch.no_grad()`), e.g. for evaluation or updates. */
export function noGrad<T>(fn: () => T): T {
  const previous = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(previous);
  }
}

/** Runs `fn` with graph recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  const previous = setGradEnabled(true);
  try {
    return fn();
  } finally {
    setGradEnabled(previous);
  }
}
