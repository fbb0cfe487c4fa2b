/** Scans along one dim: `cumsum` and `cumprod`, each with its gradient. */
import { record } from '../autograd/function.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { AutogradError } from '../errors.js';
import { cumprodGradKernel, cumprodKernel, cumsumKernel } from '../kernels/scan.js';
import { allocate } from '../tensor/dtype.js';
import { normalizeDim } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { div, mul } from './elementwise.js';
import { flip } from './rearrange.js';
import { reshape } from './shape.js';

/** Σ from the end: the adjoint of cumsum along `d`. */
function reverseCumsum(g: Tensor, d: number): Tensor {
  return flip(cumsum(flip(g, [d]), d), [d]);
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
  const out = new Tensor(allocate(x.dtype, x.size, 'cumsum'), x.shape);
  cumsumKernel(x, d, out.data);
  return record('cumsum', [x], out, (g) => [reverseCumsum(g, d)]);
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
  const out = new Tensor(allocate(x.dtype, x.size, 'cumprod'), x.shape);
  const hasZero = cumprodKernel(x, d, out.data);
  return record('cumprod', [x], out, (g) => {
    // Without zeros: dx[k] = Σ_{j≥k} g[j]·y[j] / x[k], in Tensor ops (so it differentiates again).
    if (!hasZero) return [div(reverseCumsum(mul(g, out), d), x)];
    if (isGradEnabled()) {
      throw new AutogradError(
        'cumprod: second derivatives of cumprod are not supported when the input holds a zero',
      );
    }
    const dx = new Tensor(allocate(x.dtype, x.size, 'cumprod'), x.shape);
    cumprodGradKernel(x, g, d, dx.data);
    return [dx];
  });
}
