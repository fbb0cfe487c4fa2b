import './tensor/methods.js';

export { detectAnomaly, isAnomalyEnabled, withDetectAnomaly } from './autograd/anomaly.js';
export {
  backward,
  type GradFunctionOptions,
  type GradOptions,
  grad,
  sumToShape,
} from './autograd/backward.js';
export { backpropagate, type GraphNode, topologicalSort } from './autograd/engine.js';
export {
  type BackwardFn,
  type CustomOpDefinition,
  customOp,
  GradFn,
  type InputSummary,
  record,
} from './autograd/function.js';
export {
  type FunctionalOptions,
  hessian,
  hvp,
  jacobian,
  jvp,
  type Like,
  type TensorFunction,
  type Tensors,
  vhp,
  vjp,
} from './autograd/functional.js';

export { enableGrad, isGradEnabled, noGrad, setGradEnabled } from './autograd/grad-mode.js';
export {
  type DeviceInfo,
  type DeviceStats,
  deviceStats,
  initDevice,
  synchronize,
} from './backends/device.js';
export * from './errors.js';
export {
  type CheckedFunction,
  type CheckGradientsOptions,
  checkGradients,
  fmtNumber,
  GradcheckError,
  type GradcheckMode,
  type GradcheckOptions,
  type GradcheckReport,
  type GradientMismatch,
  gradcheck,
  gradgradcheck,
  type InputFailure,
} from './gradcheck.js';
export { toDot } from './graphviz.js';
export { getNumThreads, setNumThreads } from './kernels/threads/pool.js';
export { logSoftmax, softmax } from './ops/activation.js';
export { type ScaledDotProductAttentionOptions, scaledDotProductAttention } from './ops/attention.js';
export { conv2d, conv2dInputGrad, conv2dWeightGrad } from './ops/conv.js';
export type { Conv2dAdjointOptions, Conv2dOptions, Size2 } from './ops/conv-options.js';
export { readAsync, toDevice, toDeviceAsync } from './ops/device.js';
export { einsum } from './ops/einsum.js';
export {
  abs,
  add,
  atan2,
  cast,
  ceil,
  clamp,
  cos,
  div,
  elu,
  eq,
  erf,
  erfinv,
  exp,
  expm1,
  floor,
  floorDivide,
  type GeluOptions,
  ge,
  gelu,
  gt,
  hardtanh,
  isfinite,
  isinf,
  isnan,
  le,
  leakyRelu,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  lt,
  maximum,
  minimum,
  mish,
  mul,
  type NanToNumOptions,
  nanToNum,
  ne,
  neg,
  pow,
  reciprocal,
  relu,
  remainder,
  round,
  rsqrt,
  type SoftplusOptions,
  sigmoid,
  sign,
  silu,
  sin,
  softplus,
  sqrt,
  square,
  sub,
  tanh,
  where,
} from './ops/elementwise.js';
export { type EmbeddingOptions, embedding } from './ops/embedding.js';
export { gather, indexAdd, indexSelect, oneHot, scatterAdd, take } from './ops/index-ops.js';
export { linear } from './ops/linear.js';
export { type SoftmaxCrossEntropyOptions, softmaxCrossEntropy } from './ops/loss.js';
export { all, any, maskedFill, tril, triu } from './ops/mask.js';
export { matmul } from './ops/matmul.js';
export { type NormOptions, norm } from './ops/norm.js';
export { groupNorm, layerNorm, rmsNorm } from './ops/normalization.js';
export {
  type AdamStepOptions,
  type AdamStepParams,
  adamStep_,
  type SgdStepOptions,
  type SgdStepParams,
  sgdStep_,
} from './ops/optim.js';
export {
  type AvgPool2dOptions,
  adaptiveAvgPool2d,
  avgPool2d,
  type MaxPool2dOptions,
  maxPool2d,
  maxPool2dWithIndices,
} from './ops/pool.js';
export {
  broadcastTo,
  type DiagonalOptions,
  diag,
  diagonal,
  flip,
  type MeshgridOptions,
  meshgrid,
  outer,
  repeat,
  roll,
  select,
  tile,
} from './ops/rearrange.js';
export {
  amax,
  amin,
  argmax,
  argmin,
  logsumexp,
  maxAlong,
  mean,
  minAlong,
  std,
  sum,
  type VarianceOptions,
  variance,
} from './ops/reduce.js';
export {
  type BernoulliOptions,
  bernoulli,
  type MultinomialOptions,
  multinomial,
  normal,
  randperm,
  type SamplingOptions,
  uniform,
} from './ops/sampling.js';
export { cumprod, cumsum } from './ops/scan.js';
export {
  cat,
  chunk,
  clone,
  contiguous,
  expand,
  flatten,
  narrow,
  type PadOptions,
  pad,
  permute,
  reshape,
  slice,
  split,
  squeeze,
  stack,
  t,
  transpose,
  unsqueeze,
  view,
} from './ops/shape.js';
export {
  argsort,
  kthvalue,
  median,
  type SortOptions,
  sort,
  type TopkOptions,
  topk,
  type UniqueOptions,
  type UniqueResult,
  unique,
  type ValuesIndices,
} from './ops/sort.js';
export { checkSeed, defaultGenerator, Generator, type GeneratorState, manualSeed } from './random.js';
export * from './tensor/create.js';
export { type Device, DeviceBuffer, type Storage } from './tensor/device.js';
export { type DType, requireFloating, type TypedArray } from './tensor/dtype.js';
export type { BackwardOptions } from './tensor/methods.js';
export { broadcastShapes, sameShape, sizeOf } from './tensor/shape.js';
export { type GradHook, type NestedArray, Tensor, type TensorLike } from './tensor/tensor.js';
export { Value, type ValueBackward } from './value.js';
