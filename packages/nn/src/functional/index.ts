/**
 * Stateless building blocks, as `torch.nn.functional` (imported as the namespace `F`): `linear`,
 * `dropout`, activations and losses.
 *
 * @example
 * const labels = tensor([1, 0, 9, 3], { dtype: 'int32' });
 * const loss = F.crossEntropy(randn([4, 10]), labels, { labelSmoothing: 0.1 });
 */
export { logSoftmax, relu, sigmoid, softmax, softplus, tanh } from './activations.js';
export { dropout, linear } from './layers.js';
export {
  type BCEWithLogitsOptions,
  binaryCrossEntropyWithLogits,
  type CrossEntropyOptions,
  crossEntropy,
  type LossOptions,
  mseLoss,
  type NLLLossOptions,
  nllLoss,
  type Reduction,
} from './losses.js';
