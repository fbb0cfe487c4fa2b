/**
 * Softmax cross-entropy of [N, C] logits against int32 class labels as one op: the forward is one
 * kernel pass (logsumexp, the picked logit and the softmax, in double precision) and the backward
 * is (softmax − onehot) scaled by the upstream gradient, again in one pass over saved
 * probabilities, instead of the half-dozen passes of logSoftmax + gather + mean.
 */
import { record } from '../autograd/function.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { toContiguous } from '../kernels/copy.js';
import { softmaxCrossEntropyBackwardKernel, softmaxCrossEntropyKernel } from '../kernels/loss.js';
import { allocate, requireFloating, type TypedArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { softmax } from './activation.js';
import { div, mul, sub } from './elementwise.js';
import { sum } from './reduce.js';
import { expand, reshape } from './shape.js';

/** Options of `softmaxCrossEntropy`. */
export interface SoftmaxCrossEntropyOptions {
  /** `mean` over the labels that count (default), `sum`, or `none` (one loss per row). */
  reduction?: 'mean' | 'sum' | 'none';
  /** Rows whose label equals this count for nothing and are left out of the mean (default −100). */
  ignoreIndex?: number;
}

/**
 * −log softmax(logits)[target] per row of logits [N, C] with int32 labels target [N], reduced as
 * `F.cross_entropy` with its default options (plus `reduction` and `ignoreIndex`). The gradient
 * is (softmax − onehot)·g, divided by the number of counted labels for the mean.
 *
 * @example
 * const logits = randn([3, 10], { requiresGrad: true });
 * const loss = softmaxCrossEntropy(logits, tensor([3, 0, 9], { dtype: 'int32' }));
 * loss.backward(); // logits.grad = (softmax(logits) − onehot) / 3
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  target: Tensor,
  options: SoftmaxCrossEntropyOptions = {},
): Tensor {
  const op = 'softmaxCrossEntropy';
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ValueError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex))
    throw new ValueError(`${op}: ignoreIndex must be an integer, got ${ignoreIndex}`);
  requireFloating(op, logits.dtype);
  if (target.dtype !== 'int32')
    throw new DTypeError(`${op}: target must hold int32 class labels, got ${target.dtype}`);
  if (logits.ndim !== 2)
    throw new ShapeError(`${op}: expected logits [N, C], got shape ${fmtShape(logits.shape)}`);
  const [n, c] = logits.shape as [number, number];
  if (target.ndim !== 1 || target.shape[0] !== n) {
    throw new ShapeError(
      `${op}: target of shape ${fmtShape(target.shape)} should be [${n}] for logits ${fmtShape(logits.shape)}`,
    );
  }
  const labels = toContiguous(target, true) as Int32Array;
  const losses = new Float64Array(n);
  const probs = allocate(logits.dtype, n * c);
  const bad = softmaxCrossEntropyKernel(toContiguous(logits, true), labels, n, c, ignoreIndex, losses, probs);
  if (bad >= 0) throw new ValueError(`${op}: label ${labels[bad]} at index ${bad} is out of range [0, ${c})`);
  let counted = 0;
  for (let i = 0; i < n; i++) if (labels[i] !== ignoreIndex) counted++;

  let out: Tensor;
  if (reduction === 'none') {
    out = new Tensor(allocate(logits.dtype, n), [n]);
    out.data.set(losses);
  } else {
    let total = 0;
    for (let i = 0; i < n; i++) total += losses[i]!;
    out = new Tensor(allocate(logits.dtype, 1), []);
    out.data[0] = reduction === 'sum' ? total : total / counted;
  }
  return record(op, [logits], out, (g) => {
    // The upstream gradient of each row's loss, [N].
    const rowGrad =
      reduction === 'none' ? g : expand(reshape(reduction === 'sum' ? g : div(g, counted), [1]), [n]);
    return [softmaxCrossEntropyBackward(logits, labels, probs, ignoreIndex, rowGrad)];
  });
}

/**
 * rowGrad[i]·(softmax(x)[i] − onehot(labels)[i]), 0 on ignored rows, from the forward's saved
 * probabilities; differentiable in x and rowGrad (through `softmax`) for gradients of gradients.
 */
function softmaxCrossEntropyBackward(
  x: Tensor,
  labels: Int32Array,
  probs: TypedArray,
  ignoreIndex: number,
  rowGrad: Tensor,
): Tensor {
  const [n, c] = x.shape as [number, number];
  const out = new Tensor(allocate(x.dtype, n * c), [n, c]);
  softmaxCrossEntropyBackwardKernel(probs, labels, toContiguous(rowGrad, true), n, c, ignoreIndex, out.data);
  return record('softmaxCrossEntropyBackward', [x, rowGrad], out, (h, needs) => {
    // out = valid·rowGrad·(S − Y) with S = softmax(x), Y the one-hot labels, valid 0 on ignored rows.
    const y = new Tensor(allocate(x.dtype, n * c), [n, c]);
    const valid = new Tensor(allocate(x.dtype, n), [n, 1]);
    for (let i = 0; i < n; i++) {
      if (labels[i] === ignoreIndex) continue;
      valid.data[i] = 1;
      y.data[i * c + labels[i]!] = 1;
    }
    const s = softmax(x, 1);
    const hv = mul(h, valid);
    let dx: Tensor | null = null;
    if (needs[0]) {
      const u = mul(hv, reshape(rowGrad, [n, 1]));
      dx = mul(s, sub(u, sum(mul(s, u), 1, true)));
    }
    const dRow = needs[1] ? sum(mul(hv, sub(s, y)), 1) : null;
    return [dx, dRow];
  });
}
