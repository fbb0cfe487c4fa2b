/** The CPU's fused softmax cross-entropy: the loops of `kernels/loss.ts`, in double precision. */
import { toContiguous } from '../../kernels/copy.js';
import { softmaxCrossEntropyBackwardKernel, softmaxCrossEntropyKernel } from '../../kernels/loss.js';
import { allocate, type TypedArray } from '../../tensor/dtype.js';
import { labelOutOfRange } from '../indexing.js';
import type { LossKernels } from '../loss.js';
import { arr } from './view.js';

/** The CPU loss kernels. */
export const cpuLoss: LossKernels = {
  softmaxCrossEntropy: (op, logits, target, ignoreIndex, reduction) => {
    const [n, c] = logits.shape as [number, number];
    const labels = toContiguous(arr(target), true) as Int32Array;
    const losses = new Float64Array(n);
    const probs = allocate(logits.dtype, n * c);
    const bad = softmaxCrossEntropyKernel(
      toContiguous(arr(logits), true),
      labels,
      n,
      c,
      ignoreIndex,
      losses,
      probs,
    );
    if (bad >= 0) throw labelOutOfRange(op, labels[bad]!, bad, c);
    if (reduction === 'none') {
      const loss = allocate(logits.dtype, n);
      loss.set(losses);
      return { loss, probs, counted: null };
    }
    let counted = 0;
    for (let i = 0; i < n; i++) if (labels[i] !== ignoreIndex) counted++;
    let total = 0;
    for (let i = 0; i < n; i++) total += losses[i]!;
    const loss = allocate(logits.dtype, 1);
    loss[0] = reduction === 'sum' ? total : total / counted;
    if (reduction === 'sum') return { loss, probs, counted: null };
    const count = allocate(logits.dtype, 1);
    count[0] = counted;
    return { loss, probs, counted: count };
  },
  softmaxCrossEntropyBackward: (probs, labels, rowGrad, n, c, ignoreIndex) => {
    const out = allocate(rowGrad.dtype, n * c);
    softmaxCrossEntropyBackwardKernel(
      probs as TypedArray,
      toContiguous(arr(labels), true) as Int32Array,
      toContiguous(arr(rowGrad), true),
      n,
      c,
      ignoreIndex,
      out,
    );
    return out;
  },
};
