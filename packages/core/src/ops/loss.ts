/**
 * Softmax cross-entropy of [N, C] logits against int32 class labels as one op: the forward is one
 * kernel pass (logsumexp, the picked logit and the softmax, in double precision) and the backward
 * is (softmax − onehot) scaled by the upstream gradient, again in one pass over saved
 * probabilities, instead of the half-dozen passes of logSoftmax + gather + mean.
 */
import { record } from '../autograd/function.js';
import { backendOf } from '../backends/backend.js';
import { labelOutOfRange } from '../backends/indexing.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import type { Storage } from '../tensor/device.js';
import { requireFloating } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { softmax } from './activation.js';
import { toDevice } from './device.js';
import { cast, div, mul, ne, sub, where } from './elementwise.js';
import { oneHot } from './index-ops.js';
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
  // Labels on the CPU with logits elsewhere are checked here and moved (nn passes them either way).
  let labels = target;
  if (target.device === 'cpu' && logits.device !== 'cpu') {
    const bad = firstOutOfRange(target.toTypedArray() as Int32Array, c, ignoreIndex);
    if (bad >= 0) throw labelOutOfRange(op, target.toTypedArray()[bad]!, bad, c);
    labels = toDevice(target, logits.device);
  }
  const be = backendOf(op, logits, labels);
  const res = be.softmaxCrossEntropy(op, logits, labels, ignoreIndex, reduction);
  const out = new Tensor(res.loss, reduction === 'none' ? [n] : []);
  const counted = res.counted === null ? null : new Tensor(res.counted, []);
  return record(op, [logits], out, (g) => {
    // The upstream gradient of each row's loss, [N].
    const rowGrad =
      reduction === 'none' ? g : expand(reshape(counted === null ? g : div(g, counted), [1]), [n]);
    return [softmaxCrossEntropyBackward(logits, labels, res.probs, ignoreIndex, rowGrad)];
  });
}

/** The position of the first label outside [0, c) that is not `ignoreIndex`, or −1. */
function firstOutOfRange(labels: Int32Array, c: number, ignoreIndex: number): number {
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    if (t !== ignoreIndex && (t < 0 || t >= c)) return i;
  }
  return -1;
}

/**
 * rowGrad[i]·(softmax(x)[i] − onehot(labels)[i]), 0 on ignored rows, from the forward's saved
 * probabilities; differentiable in x and rowGrad (through `softmax`) for gradients of gradients.
 */
function softmaxCrossEntropyBackward(
  x: Tensor,
  labels: Tensor,
  probs: Storage,
  ignoreIndex: number,
  rowGrad: Tensor,
): Tensor {
  const [n, c] = x.shape as [number, number];
  const out = new Tensor(
    backendOf('softmaxCrossEntropyBackward', x, labels, rowGrad).softmaxCrossEntropyBackward(
      probs,
      labels,
      rowGrad,
      n,
      c,
      ignoreIndex,
    ),
    [n, c],
  );
  return record('softmaxCrossEntropyBackward', [x, rowGrad], out, (h, needs) => {
    // out = valid·rowGrad·(S − Y) with S = softmax(x), Y the one-hot labels, valid 0 on ignored rows.
    const validMask = ne(labels, ignoreIndex);
    const valid = reshape(cast(validMask, x.dtype), [n, 1]);
    const y = mul(oneHot(where(validMask, labels, 0), c, { dtype: x.dtype }), valid);
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
