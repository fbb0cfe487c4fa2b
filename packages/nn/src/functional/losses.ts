/**
 * Loss functions of `F`, as in `torch.nn.functional`: `mseLoss`, `nllLoss`, `crossEntropy` and
 * `binaryCrossEntropyWithLogits`. Composed from core ops (and `softplus`), so their gradients come
 * from the ops' own rules.
 *
 * @example
 * const labels = tensor([1, 0, 9, 3], { dtype: 'int32' });
 * const loss = F.crossEntropy(randn([4, 10]), labels, { labelSmoothing: 0.1 });
 */
import {
  broadcastShapes,
  DTypeError,
  eq,
  fmtShape,
  full,
  ge,
  indexSelect,
  logicalOr,
  lt,
  requireFloating,
  ShapeError,
  sameShape,
  softmaxCrossEntropy,
  type Tensor,
  ValueError,
  where,
} from '@tsgrad/core';
import { softplus } from './activations.js';

/** How a loss combines its per-element values: their mean (default), their sum, or none. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options shared by the losses. */
export interface LossOptions {
  /** `mean` (default), `sum` or `none`. */
  reduction?: Reduction;
}

/** Options of `nllLoss`. */
export interface NLLLossOptions extends LossOptions {
  /** Targets equal to this label contribute nothing, and are left out of the mean (default −100). */
  ignoreIndex?: number;
  /** A rescaling weight per class, shape [C]; the mean is then divided by the summed weights. */
  weight?: Tensor;
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions extends NLLLossOptions {
  /** ε in [0, 1]: the target mixes (1 − ε) of the label with ε spread over all classes (default 0). */
  labelSmoothing?: number;
}

/** Options of `binaryCrossEntropyWithLogits`. */
export interface BCEWithLogitsOptions extends LossOptions {
  /** Weight of the positive examples, broadcast along the last (class) dim, e.g. shape [C]. */
  posWeight?: Tensor;
  /** A rescaling weight of each element's loss, broadcast to the logits' shape. */
  weight?: Tensor;
}

function checkReduction(op: string, reduction: Reduction): void {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ValueError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? loss.sum() : loss.mean();
}

/**
 * Mean squared error (input − target)², reduced. Shapes must match (no silent broadcasting).
 *
 * @example
 * F.mseLoss(tensor([1, 2, 3]), tensor([1, 2, 5])); // 4 / 3
 * F.mseLoss(tensor([1, 2]), tensor([0, 0]), { reduction: 'sum' }); // 5
 */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  checkReduction('mseLoss', reduction);
  requireFloating('mseLoss', input.dtype);
  if (!sameShape(input.shape, target.shape)) {
    throw new ShapeError(
      `mseLoss: target of shape ${fmtShape(target.shape)} does not match input of shape ${fmtShape(input.shape)}`,
    );
  }
  if (input.dtype !== target.dtype) {
    throw new DTypeError(`mseLoss: input is ${input.dtype} but target is ${target.dtype}`);
  }
  const d = input.sub(target);
  return reduce(d.mul(d), reduction);
}

// ---- classification losses ----

/** Batched views of an input [N, C, d…] (or unbatched [C]) and its target. */
interface Batched {
  input: Tensor;
  target: Tensor;
  /** The input was [C]: a `none` reduction returns a 0-d tensor. */
  unbatched: boolean;
}

function batchInput(
  op: string,
  inputName: string,
  input: Tensor,
  target: Tensor,
  probabilities: boolean,
): Batched {
  if (input.ndim === 0) throw new ShapeError(`${op}: ${inputName} must have a class dim, got a 0-d tensor`);
  if (input.ndim > 1) return { input, target, unbatched: false };
  const targetRank = probabilities ? 1 : 0;
  if (target.ndim !== targetRank) {
    const want = probabilities ? fmtShape(input.shape) : '[] (one label)';
    throw new ShapeError(
      `${op}: target of shape ${fmtShape(target.shape)} does not fit unbatched ${inputName} ${fmtShape(input.shape)} (expected ${want})`,
    );
  }
  return { input: input.unsqueeze(0), target: target.unsqueeze(0), unbatched: true };
}

/** Weight of shape [C], matching dtype, or an error naming both. */
function checkWeight(op: string, weight: Tensor | undefined, input: Tensor): void {
  if (weight === undefined) return;
  const c = input.shape[1]!;
  if (weight.ndim !== 1 || weight.shape[0] !== c) {
    throw new ShapeError(`${op}: weight of shape ${fmtShape(weight.shape)} should be [${c}] (one per class)`);
  }
  if (weight.dtype !== input.dtype)
    throw new DTypeError(`${op}: weight is ${weight.dtype} but the input is ${input.dtype}`);
}

/** The per-element negative log-likelihood of class labels, and what its mean divides by. */
interface LabelTerms {
  /** −w[t]·logp[t] per element, 0 where ignored; shape of the target. */
  nll: Tensor;
  /** Σ w[t] over non-ignored elements (their count without `weight`). */
  totalWeight: number | Tensor;
  /** 1 where the label counts, 0 where it is ignored (null when none is ignored); target's shape. */
  mask: Tensor | null;
}

function labelTerms(
  op: string,
  inputName: string,
  logp: Tensor,
  target: Tensor,
  ignoreIndex: number,
  weight: Tensor | undefined,
): LabelTerms {
  const n = logp.shape[0]!;
  const c = logp.shape[1]!;
  const expected = [n, ...logp.shape.slice(2)];
  if (!sameShape(target.shape, expected)) {
    if (target.ndim === 0 || target.shape[0] !== n) {
      throw new ShapeError(
        `${op}: target of shape ${fmtShape(target.shape)} does not match batch size ${n} of ${inputName} ${fmtShape(logp.shape)}`,
      );
    }
    throw new ShapeError(
      `${op}: target of shape ${fmtShape(target.shape)} should be ${fmtShape(expected)} for ${inputName} ${fmtShape(logp.shape)}`,
    );
  }
  checkWeight(op, weight, logp);
  const ignoredMask = eq(target, ignoreIndex);
  // Labels on the CPU are checked here. Labels on a GPU are not read back (that would wait for
  // the device every step): the ignored ones are masked whether or not there are any, an
  // out-of-range label is reported by gather's deferred index check at the next read, and the
  // total weight stays a tensor.
  const onCpu = target.device === 'cpu';
  const ignored = !onCpu || ignoredMask.any().item() === 1;
  const index = ignored ? where(ignoredMask, 0, target) : target;
  if (onCpu && index.size > 0) {
    const outOfRange = logicalOr(lt(index, 0), ge(index, c));
    if (outOfRange.any().item() === 1) {
      const i = outOfRange.flatten().to('int32').argmax().item();
      const v = target.flatten().select(0, i).item();
      throw new ValueError(`${op}: label ${v} at index ${i} is out of range [0, ${c})`);
    }
  }
  const gatherShape = [...target.shape];
  gatherShape.splice(1, 0, 1);
  const picked = logp.gather(1, index.reshape(gatherShape)).reshape(target.shape);
  const mask = ignored ? where(ignoredMask, 0, full([], 1, { dtype: logp.dtype })) : null;
  let w: Tensor | null = weight === undefined ? null : indexSelect(weight, 0, index);
  if (mask !== null) w = w === null ? mask : w.mul(mask);
  const nll = w === null ? picked.neg() : picked.mul(w).neg();
  const totalWeight = w === null ? target.size : onCpu ? w.sum().item() : w.sum();
  return { nll, totalWeight, mask };
}

/** Reduces a per-element class loss: the mean divides by `denominator` (summed weights). */
function reduceBy(
  loss: Tensor,
  reduction: Reduction,
  denominator: number | Tensor,
  unbatched: boolean,
): Tensor {
  if (reduction === 'none') return unbatched ? loss.reshape([]) : loss;
  const total = loss.sum();
  return reduction === 'sum' ? total : total.div(denominator);
}

/** Shape [1, C, 1, …] so a per-class weight broadcasts over [N, C, d…]. */
function classWeightView(weight: Tensor, rank: number): Tensor {
  const shape = new Array<number>(rank).fill(1);
  shape[1] = weight.shape[0]!;
  return weight.reshape(shape);
}

/**
 * Negative log-likelihood of int32 class labels under log-probabilities (as `F.nll_loss`):
 * logProbs [N, C] with target [N], logProbs [N, C, d1, …] with target [N, d1, …], or [C] with a
 * 0-d target. loss = −weight[t]·logProbs[t]; labels equal to `ignoreIndex` count for nothing, and
 * the mean is over the weights of the labels that count.
 *
 * @example
 * const logProbs = F.logSoftmax(randn([3, 5]));
 * const loss = F.nllLoss(logProbs, tensor([0, 4, 2], { dtype: 'int32' })); // 0-d, mean over 3 rows
 */
export function nllLoss(logProbs: Tensor, target: Tensor, options: NLLLossOptions = {}): Tensor {
  const op = 'nllLoss';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  requireFloating(op, logProbs.dtype);
  if (target.dtype !== 'int32') {
    throw new DTypeError(`${op}: target must hold int32 class labels, got ${target.dtype}`);
  }
  const b = batchInput(op, 'input', logProbs, target, false);
  const terms = labelTerms(op, 'input', b.input, b.target, options.ignoreIndex ?? -100, options.weight);
  return reduceBy(terms.nll, reduction, terms.totalWeight, b.unbatched);
}

/**
 * Cross-entropy between logits and a target (as `F.cross_entropy`), computed stably through
 * `logSoftmax`. The target is either int32 class labels — [N] for logits [N, C], [N, d1, …] for
 * logits [N, C, d1, …], 0-d for logits [C] — or float class probabilities of the logits' shape.
 *
 * With labels: loss = (1 − ε)·nll + ε·(−Σ_c w_c·logp_c)/C, where ε is `labelSmoothing`, labels
 * equal to `ignoreIndex` contribute nothing, and the mean divides by the summed weights of the
 * labels that count. With probabilities: loss = −Σ_c w_c·q_c·logp_c with q = (1 − ε)·p + ε/C, and
 * the mean is over the N·d1·… positions.
 *
 * @example
 * F.crossEntropy(randn([3, 10]), tensor([3, 0, 9], { dtype: 'int32' }), { ignoreIndex: 0 });
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  requireFloating(op, logits.dtype);
  const eps = options.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new ValueError(`${op}: labelSmoothing must be in [0, 1], got ${eps}`);
  const weight = options.weight;

  if (target.dtype !== 'int32') {
    // Class probabilities.
    if (!sameShape(target.shape, logits.shape)) {
      throw new ShapeError(
        `${op}: target of shape ${fmtShape(target.shape)} (${target.dtype}) does not fit logits ${fmtShape(logits.shape)}: ` +
          'class labels must be int32, class probabilities must have the shape of the logits',
      );
    }
    if (target.dtype !== logits.dtype) {
      throw new DTypeError(
        `${op}: target probabilities are ${target.dtype} but the logits are ${logits.dtype}`,
      );
    }
    if (options.ignoreIndex !== undefined && options.ignoreIndex >= 0) {
      throw new ValueError(
        `${op}: ignoreIndex (${options.ignoreIndex}) is not supported with class-probability targets`,
      );
    }
    const b = batchInput(op, 'logits', logits, target, true);
    checkWeight(op, weight, b.input);
    const c = b.input.shape[1]!;
    const logp = b.input.logSoftmax(1);
    const q = eps > 0 ? b.target.mul(1 - eps).add(eps / c) : b.target;
    let terms = logp.mul(q);
    if (weight !== undefined) terms = terms.mul(classWeightView(weight, b.input.ndim));
    const loss = terms.sum(1).neg();
    return reduceBy(loss, reduction, loss.size, b.unbatched);
  }

  // Class labels. The plain case (no class weights, no smoothing, logits [N, C]) is one fused core
  // op; an invalid label falls through to the general path, whose error names crossEntropy.
  if (
    eps === 0 &&
    weight === undefined &&
    logits.ndim === 2 &&
    target.ndim === 1 &&
    target.shape[0] === logits.shape[0]
  ) {
    try {
      return softmaxCrossEntropy(logits, target, { reduction, ignoreIndex: options.ignoreIndex ?? -100 });
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
    }
  }
  const b = batchInput(op, 'logits', logits, target, false);
  const logp = b.input.logSoftmax(1);
  const terms = labelTerms(op, 'logits', logp, b.target, options.ignoreIndex ?? -100, weight);
  const nll = reduceBy(terms.nll, reduction, terms.totalWeight, b.unbatched);
  if (eps === 0) return nll;
  const c = b.input.shape[1]!;
  const weighted = weight === undefined ? logp : logp.mul(classWeightView(weight, b.input.ndim));
  let smooth = weighted.sum(1).neg();
  if (terms.mask !== null) smooth = smooth.mul(terms.mask);
  // PyTorch divides the smoothing term's mean by the summed weights when weights are given, and by
  // the count of labels that count otherwise; totalWeight is exactly that in both cases.
  const smoothReduced = reduceBy(smooth, reduction, terms.totalWeight, b.unbatched);
  return nll.mul(1 - eps).add(smoothReduced.mul(eps / c));
}

/**
 * Binary cross-entropy of logits x against targets t in [0, 1] (as
 * `F.binary_cross_entropy_with_logits`), stable for any x: (1 − t)·x + (1 + (pw − 1)·t)·softplus(−x),
 * which without `posWeight` is max(x, 0) − x·t + log(1 + e^−|x|).
 *
 * @example
 * const logits = randn([4, 1]);
 * const loss = F.binaryCrossEntropyWithLogits(logits, tensor([[1], [0], [1], [1]])); // 0-d
 */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  target: Tensor,
  options: BCEWithLogitsOptions = {},
): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  requireFloating(op, logits.dtype);
  if (!sameShape(logits.shape, target.shape)) {
    throw new ShapeError(
      `${op}: target of shape ${fmtShape(target.shape)} does not match logits of shape ${fmtShape(logits.shape)}`,
    );
  }
  if (target.dtype !== logits.dtype)
    throw new DTypeError(`${op}: target is ${target.dtype} but the logits are ${logits.dtype}`);
  const fits = (name: string, t: Tensor | undefined): void => {
    if (t === undefined) return;
    if (t.dtype !== logits.dtype)
      throw new DTypeError(`${op}: ${name} is ${t.dtype} but the logits are ${logits.dtype}`);
    if (!sameShape(broadcastShapes(op, t.shape, logits.shape), logits.shape)) {
      throw new ShapeError(
        `${op}: ${name} of shape ${fmtShape(t.shape)} does not broadcast to logits ${fmtShape(logits.shape)}`,
      );
    }
  };
  fits('posWeight', options.posWeight);
  fits('weight', options.weight);
  // No threshold: log(1 + e⁻ˣ) exactly, however large x is.
  const spNeg = softplus(logits.neg(), { threshold: Number.POSITIVE_INFINITY });
  const logWeight = options.posWeight === undefined ? null : options.posWeight.sub(1).mul(target).add(1);
  let loss = target
    .neg()
    .add(1)
    .mul(logits)
    .add(logWeight === null ? spNeg : logWeight.mul(spNeg));
  if (options.weight !== undefined) loss = loss.mul(options.weight);
  return reduce(loss, reduction);
}
