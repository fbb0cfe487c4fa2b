/**
 * Activations over a dim: softmax and logSoftmax, each one kernel forward and one backward (the
 * backward from the output, as PyTorch), with a rule of their own for gradients of gradients.
 */
import { record } from '../autograd/function.js';
import { backendOf } from '../backends/backend.js';
import type { Storage } from '../tensor/device.js';
import { requireFloating } from '../tensor/dtype.js';
import { normalizeDim } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { exp, mul, neg, sub } from './elementwise.js';
import { sum } from './reduce.js';
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
  return softmaxOp('softmax', x, d, false);
}

/**
 * x − logsumexp(x) along `dim`: the log of softmax without overflow or log(0).
 *
 * @example
 * logSoftmax(tensor([0, 0, 0, 0])); // ≈ [-1.386, -1.386, -1.386, -1.386], i.e. log(1/4)
 */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  requireFloating('logSoftmax', x.dtype);
  const d = normalizeDim('logSoftmax', dim, x.ndim);
  if (x.size === 0) return clone(x);
  return softmaxOp('logSoftmax', x, d, true);
}

/** The recorded forward: the kernel along dim d (a 0-d tensor is one row of one). */
function softmaxOp(op: string, x: Tensor, d: number, log: boolean): Tensor {
  const v = x.ndim === 0 ? new Tensor(x.storage, [1], [1], x.offset) : x;
  const res = backendOf(op, x).softmax(v, d, log);
  const out = new Tensor(res.out, x.shape);
  return record(op, [x], out, (g) => [softmaxBackward(out, g, d, log, res.saved)]);
}

/**
 * The input gradient of softmax (log: logSoftmax) from its output y and the output gradient g;
 * differentiable in both (y carries the graph back to the input).
 */
function softmaxBackward(y: Tensor, g: Tensor, d: number, log: boolean, saved: readonly Storage[]): Tensor {
  const op = log ? 'logSoftmaxBackward' : 'softmaxBackward';
  const flat = (t: Tensor) => (t.ndim === 0 ? new Tensor(t.storage, [1], [1], t.offset) : t);
  const out = new Tensor(backendOf(op, y, g).softmaxBackward(flat(y), flat(g), d, log, saved), y.shape);
  return record(op, [y, g], out, (h, needs) => {
    if (!log) {
      // out = y·(g − s), s = Σ g·y: ∂/∂g = softmaxBackward(y, h); ∂/∂y = h·(g − s) − g·Σ h·y.
      const s = sum(mul(g, y), d, true);
      const dy = needs[0] ? sub(mul(h, sub(g, s)), mul(g, sum(mul(h, y), d, true))) : null;
      const dg = needs[1] ? softmaxBackward(y, h, d, false, saved) : null;
      return [dy, dg];
    }
    // out = g − e·S, e = exp(y), S = Σ g: ∂/∂g = h − Σ h·e; ∂/∂y = −h·e·S.
    const e = exp(y);
    const dy = needs[0] ? neg(mul(mul(h, e), sum(g, d, true))) : null;
    const dg = needs[1] ? sub(h, sum(mul(h, e), d, true)) : null;
    return [dy, dg];
  });
}
