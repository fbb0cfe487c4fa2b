/** The kernels of the fused softmax cross-entropy (`softmaxCrossEntropy`, forward and backward). */
import type { Storage } from '../tensor/device.js';
import type { View } from './backend.js';

/** What the fused forward returns. */
export interface SoftmaxCrossEntropyResult {
  /** The loss: [n] per-row losses for `none`, else one element (the sum, or the mean over counted rows). */
  loss: Storage;
  /** softmax(logits), contiguous [n, c], saved for the backward. */
  probs: Storage;
  /** For `mean`: one element holding the number of rows whose label is not ignored; else null. */
  counted: Storage | null;
}

/** Kernels of the fused softmax cross-entropy. */
export interface LossKernels {
  /**
   * Per row i of logits [n, c]: logsumexp(x[i]) − x[i, labels[i]] (0 where the label equals
   * `ignoreIndex`), reduced by `reduction`, and the softmax. `labels` are int32 [n]; a label
   * outside [0, c) that is not ignored is a ValueError naming `op` (on a GPU: at the next read).
   */
  softmaxCrossEntropy(
    op: string,
    logits: View,
    labels: View,
    ignoreIndex: number,
    reduction: 'mean' | 'sum' | 'none',
  ): SoftmaxCrossEntropyResult;
  /**
   * [n, c]: rowGrad[i]·(probs[i] − onehot(labels[i])), 0 on rows whose label equals
   * `ignoreIndex`; `probs` is the forward's contiguous [n, c] softmax of `dtype`, `rowGrad` [n].
   */
  softmaxCrossEntropyBackward(
    probs: Storage,
    labels: View,
    rowGrad: View,
    n: number,
    c: number,
    ignoreIndex: number,
  ): Storage;
}
