/**
 * Activation functions of `F`: `relu`, `sigmoid`, `tanh`, `softmax`, `logSoftmax` and `softplus`.
 * All but `softplus` are the core ops under their PyTorch functional names; `softplus` has a rule
 * of its own (its forward needs `log1p`).
 */
import { record, requireFloating, Tensor } from '@tsgrad/core';

/** max(x, 0). */
export function relu(x: Tensor): Tensor {
  return x.relu();
}

/** 1 / (1 + e⁻ˣ). */
export function sigmoid(x: Tensor): Tensor {
  return x.sigmoid();
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return x.tanh();
}

/** Softmax along `dim` (default −1, the class dim of [N, C]). */
export function softmax(x: Tensor, dim = -1): Tensor {
  return x.softmax(dim);
}

/** log(softmax(x)) along `dim` (default −1), computed stably as x − logsumexp(x). */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return x.logSoftmax(dim);
}

/**
 * log(1 + eˣ), computed stably as max(x, 0) + log1p(e^−|x|); its gradient is sigmoid(x), exact at
 * x = 0 too (composing abs and relu would give the wrong one-sided gradient there).
 */
export function softplus(x: Tensor): Tensor {
  requireFloating('softplus', x.dtype);
  const values = x.toTypedArray();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    values[i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
  }
  return record('softplus', [x], new Tensor(values, [...x.shape]), (g) => [g.mul(x.sigmoid())]);
}
