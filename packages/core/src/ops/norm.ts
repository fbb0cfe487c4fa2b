/** Vector norms, as PyTorch's `torch.linalg.vector_norm`, with PyTorch's gradient at 0. */
import { record } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import { fmtShape, ValueError } from '../errors.js';
import { allocate, requireFloating } from '../tensor/dtype.js';
import { normalizeDims, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { abs, div, eq, mul, pow, sign, sqrt, where } from './elementwise.js';
import { amax, amin, sum } from './reduce.js';
import { expand, reshape } from './shape.js';

/** Options of `norm`. */
export interface NormOptions {
  /** The order: any real number, `Infinity` (max |x|), `-Infinity` (min |x|), 0 (count of non-zeros). Default 2. */
  p?: number;
  /** The dims to reduce (all by default), negative allowed. */
  dim?: number | readonly number[];
  /** Keep reduced dims with size 1 (default false). */
  keepdim?: boolean;
}

function keptShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.map((s, i) => (dims.includes(i) ? 1 : s));
}

/**
 * The p-norm (Σ|x|ᵖ)^(1/p) over `dim` (all elements by default), as `torch.linalg.vector_norm`.
 * At a zero vector the gradient is 0 (PyTorch's subgradient choice).
 *
 * @example
 * norm(tensor([[1, -2], [3, 4]]), { p: 1, dim: -1 }); // row-wise L1 norms: [3, 7]
 */
export function norm(x: Tensor, options: NormOptions = {}): Tensor {
  requireFloating('norm', x.dtype);
  const p = options.p ?? 2;
  if (typeof p !== 'number' || Number.isNaN(p))
    throw new ValueError(`norm: p must be a number, got ${String(p)}`);
  const dims = normalizeDims('norm', options.dim, x.ndim);
  const keepdim = options.keepdim ?? false;
  const reducedCount = sizeOf(dims.map((d) => x.shape[d]!));
  if (!Number.isFinite(p) && reducedCount === 0) {
    throw new ValueError(`norm: p = ${p} over an empty slice is undefined (shape ${fmtShape(x.shape)})`);
  }
  const kept = keptShape(x.shape, dims);
  // Forward without recording; the op's own backward follows.
  const n = noGrad(() => {
    const a = abs(x);
    if (p === 2) return sqrt(sum(mul(a, a), dims, true));
    if (p === 1) return sum(a, dims, true);
    if (p === Number.POSITIVE_INFINITY) return amax(a, dims, true);
    if (p === Number.NEGATIVE_INFINITY) return amin(a, dims, true);
    if (p === 0) return sum(sign(a), dims, true);
    return pow(sum(pow(a, p), dims, true), 1 / p);
  });
  // The backward reads the recorded output, not `n`: with createGraph its terms in ‖x‖ then carry
  // their own gradient, so second derivatives are right.
  const out: Tensor = record('norm', [x], reshape(n, kept), (g) => [
    normBackward(x, p, dims, reshape(g, kept), out),
  ]);
  return keepdim
    ? out
    : reshape(
        out,
        x.shape.filter((_, i) => !dims.includes(i)),
      );
}

/** d‖x‖/dx · g in Tensor ops, as PyTorch's `linalg_vector_norm_backward` (g and n have kept dims). */
function normBackward(x: Tensor, p: number, dims: readonly number[], g: Tensor, n: Tensor): Tensor {
  const up = (t: Tensor) => expand(t, x.shape);
  if (p === 0) return new Tensor(allocate(x.dtype, x.size), x.shape);
  if (p === 1) return mul(sign(x), up(g));
  if (p === 2) return mul(x, up(where(eq(n, 0), 0, div(g, n))));
  if (!Number.isFinite(p)) {
    // The gradient is shared evenly among the elements that attain the max (or min) |x|.
    const hit = eq(abs(x), up(n));
    const one = new Tensor(allocate(x.dtype, 1), []);
    one.data[0] = 1;
    const count = sum(where(hit, one, 0), dims, true);
    return mul(where(hit, sign(x), 0), up(div(g, count)));
  }
  const a = abs(x);
  if (p < 1) {
    const scaled = mul(sign(x), where(eq(x, 0), 0, pow(a, p - 1)));
    return mul(scaled, up(mul(g, pow(n, 1 - p))));
  }
  const scale = up(where(eq(n, 0), 0, div(g, pow(n, p - 1))));
  if (p < 2) return mul(mul(sign(x), pow(a, p - 1)), scale);
  return mul(mul(x, pow(a, p - 2)), scale);
}
