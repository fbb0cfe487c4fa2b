export {
  type Checkpoint,
  type CheckpointInput,
  type CheckpointTargets,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint.js';
export { type ClipGradNormOptions, clipGradNorm, clipGradNormTensor, clipGradValue } from './clip.js';
/** The functional forms of the layers and losses (`F.relu`, `F.crossEntropy`), as `torch.nn.functional`. */
export * as F from './functional/index.js';
export {
  type BCEWithLogitsOptions,
  binaryCrossEntropyWithLogits,
  type CrossEntropyOptions,
  crossEntropy,
  dropout,
  type LossOptions,
  linear,
  logSoftmax,
  mseLoss,
  type NLLLossOptions,
  nllLoss,
  type Reduction,
  relu,
  sigmoid,
  softmax,
  softplus,
  tanh,
} from './functional/index.js';
/** Weight initialisers (`init.kaimingUniform`, `init.xavierNormal`, …), as `torch.nn.init`. */
export * as init from './init.js';
export {
  calculateFanInAndFanOut,
  calculateGain,
  type FanMode,
  type InitOptions,
  type KaimingOptions,
  kaimingNormal,
  kaimingUniform,
  type Nonlinearity,
  type XavierOptions,
  xavierNormal,
  xavierUniform,
} from './init.js';
export {
  ELU,
  GELU,
  type GELUOptions,
  LeakyReLU,
  LogSoftmax,
  Mish,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
} from './layers/activation.js';
export {
  MultiheadAttention,
  type MultiheadAttentionForwardOptions,
  type MultiheadAttentionOptions,
} from './layers/attention.js';
export { ModuleDict, ModuleList, Sequential } from './layers/container.js';
export { Conv2d, type Conv2dLayerOptions } from './layers/conv.js';
export { Dropout, type DropoutOptions } from './layers/dropout.js';
export { Embedding, type EmbeddingLayerOptions, type FromPretrainedOptions } from './layers/embedding.js';
export { Flatten } from './layers/flatten.js';
export { Identity } from './layers/identity.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export {
  BatchNorm1d,
  BatchNorm2d,
  type BatchNormOptions,
  GroupNorm,
  type GroupNormOptions,
  LayerNorm,
  type LayerNormOptions,
  RMSNorm,
  type RMSNormOptions,
} from './layers/norm.js';
export { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from './layers/pool.js';
export {
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  type LSTMOptions,
  RNN,
  RNNBase,
  type RNNBaseOptions,
  RNNCell,
  RNNCellBase,
  type RNNCellOptions,
  type RNNOptions,
} from './layers/rnn.js';
export {
  type TransformerActivation,
  TransformerDecoder,
  TransformerDecoderLayer,
  type TransformerDecoderLayerForwardOptions,
  TransformerEncoder,
  type TransformerEncoderForwardOptions,
  TransformerEncoderLayer,
  type TransformerEncoderLayerForwardOptions,
  type TransformerLayerOptions,
  type TransformerStackOptions,
} from './layers/transformer.js';
export { BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss } from './losses.js';
export { type Activation, Layer, type MicrogradOptions, MLP, Neuron } from './micrograd.js';
export { LeNet, type LeNetOptions, lenet } from './models/lenet.js';
export {
  type BackwardHookResult,
  type ForwardHook,
  type ForwardPreHook,
  type FullBackwardHook,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  Module,
  type RemovableHandle,
} from './module.js';
export * from './optim/index.js';
export { Parameter } from './parameter.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  halfToFloatBits,
  loadSafetensors,
  type SafetensorsContents,
  saveSafetensors,
  writeFileAtomic,
} from './safetensors.js';
