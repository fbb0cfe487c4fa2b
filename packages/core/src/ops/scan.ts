/** Scans along one dim: `cumsum` and `cumprod`, each with its gradient. */
import { record } from '../autograd/function.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { backendOf } from '../backends/backend.js';
import { AutogradError } from '../errors.js';
import { normalizeDim } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { div, mul } from './elementwise.js';
import { reshape } from './shape.js';

/** The running sum along `d`, from the end with `reverse` (each is the other's adjoint). */
function scanSum(x: Tensor, d: number, reverse: boolean): Tensor {
  const out = new Tensor(backendOf('cumsum', x).cumsum(x, d, reverse), x.shape);
  return record('cumsum', [x], out, (g) => [scanSum(g, d, !reverse)]);
}

/** Σ from the end: the adjoint of cumsum along `d`. */
function reverseCumsum(g: Tensor, d: number): Tensor {
  return scanSum(g, d, true);
}

/**
 * Running sum along `dim` (as `torch.cumsum`); float32 accumulates in float64, int32 stays int32.
 *
 * @example
 * cumsum(tensor([1, 2, 3]), 0); // [1, 3, 6]
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('cumsum', dim, x.ndim);
  if (x.ndim === 0) return reshape(cumsum(reshape(x, [1]), 0), []);
  return scanSum(x, d, false);
}

/**
 * Running product along `dim` (as `torch.cumprod`). The gradient is exact with zeros in the input;
 * second derivatives are available when the input has no zero.
 *
 * @example
 * cumprod(tensor([1, 2, 3, 4]), 0); // [1, 2, 6, 24]
 */
export function cumprod(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('cumprod', dim, x.ndim);
  if (x.ndim === 0) return reshape(cumprod(reshape(x, [1]), 0), []);
  const { storage, hasZero } = backendOf('cumprod', x).cumprod(x, d);
  const out = new Tensor(storage, x.shape);
  return record('cumprod', [x], out, (g) => {
    // Without zeros: dx[k] = Σ_{j≥k} g[j]·y[j] / x[k], in Tensor ops (so it differentiates again).
    // On a device, whether x holds a zero is unknown without a read: a recorded backward
    // (createGraph) then takes this form too (exact only without zeros), a plain one the kernel.
    if (hasZero === false || (hasZero === null && isGradEnabled())) {
      return [div(reverseCumsum(mul(g, out), d), x)];
    }
    if (isGradEnabled()) {
      throw new AutogradError(
        'cumprod: second derivatives of cumprod are not supported when the input holds a zero',
      );
    }
    return [new Tensor(backendOf('cumprod', x, g).cumprodGrad(x, g, d), x.shape)];
  });
}
