export { type Activation, Layer, type MicrogradOptions, MLP, Neuron } from './micrograd.js';
export * from './optim/index.js';
export {
  encodeSafetensors,
  decodeSafetensors,
  saveSafetensors,
  loadSafetensors,
  halfToFloatBits,
  type SafetensorsContents,
} from './safetensors.js';
export { Parameter } from './parameter.js';
export { Module, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export * as F from './functional.js';
export {
  linear, relu, sigmoid, tanh, softmax, logSoftmax, softplus, dropout, mseLoss, crossEntropy, nllLoss,
  binaryCrossEntropyWithLogits, type Reduction, type LossOptions, type NLLLossOptions, type CrossEntropyOptions,
  type BCEWithLogitsOptions,
} from './functional.js';
export { MSELoss, NLLLoss, CrossEntropyLoss, BCEWithLogitsLoss } from './losses.js';
export * as init from './init.js';
export {
  calculateGain, calculateFanInAndFanOut, xavierUniform, xavierNormal, kaimingUniform, kaimingNormal,
  type Nonlinearity, type FanMode, type InitOptions, type XavierOptions, type KaimingOptions,
} from './init.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { Sequential, ModuleList } from './layers/container.js';
export { ReLU, Sigmoid, Tanh, Softmax, LogSoftmax } from './layers/activation.js';
export { Flatten } from './layers/flatten.js';
export { Dropout, type DropoutOptions } from './layers/dropout.js';
export { Identity } from './layers/identity.js';
export { Conv2d, type Conv2dLayerOptions } from './layers/conv.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './layers/pool.js';
export { BatchNorm1d, BatchNorm2d, LayerNorm, type BatchNormOptions, type LayerNormOptions } from './layers/norm.js';
export { LeNet, lenet, type LeNetOptions } from './models/lenet.js';
