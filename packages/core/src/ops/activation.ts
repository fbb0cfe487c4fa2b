/** Activations over a dim, composed from primitives so their gradients need no rule of their own. */
import { requireFloating } from '../tensor/dtype.js';
import { normalizeDim } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { div, exp, sub } from './elementwise.js';
import { amax, logsumexp, sum } from './reduce.js';
import { clone } from './shape.js';

/**
 * exp(x) / Σ exp(x) along `dim`, shifted by the maximum so ±1000 stays finite.
 *
 * @example
 * softmax(tensor([[1, 2, 3], [0, 0, 0]]), -1); // ≈ [[0.090, 0.245, 0.665], [0.333, 0.333, 0.333]]
 */
export function softmax(x: Tensor, dim = -1): Tensor {
  requireFloating('softmax', x.dtype);
  const d = normalizeDim('softmax', dim, x.ndim);
  // Nothing to normalise over an empty dim (and no maximum to shift by): an empty result.
  if (x.size === 0) return clone(x);
  const e = exp(sub(x, amax(x.detach(), d, true)));
  return div(e, sum(e, d, true));
}

/**
 * x − logsumexp(x) along `dim`: the log of softmax without overflow or log(0).
 *
 * @example
 * logSoftmax(tensor([0, 0, 0, 0])); // ≈ [-1.386, -1.386, -1.386, -1.386], i.e. log(1/4)
 */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  requireFloating('logSoftmax', x.dtype);
  return sub(x, logsumexp(x, normalizeDim('logSoftmax', dim, x.ndim), true));
}
