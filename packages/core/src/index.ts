import './tensor/methods.js';

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
export { enableGrad, isGradEnabled, noGrad, setGradEnabled } from './autograd/grad-mode.js';
export * from './errors.js';
export { GradcheckError, type GradcheckOptions, gradcheck } from './gradcheck.js';
export { toDot } from './graphviz.js';
export { logSoftmax, softmax } from './ops/activation.js';
export { conv2d, conv2dInputGrad, conv2dWeightGrad } from './ops/conv.js';
export type { Conv2dAdjointOptions, Conv2dOptions, Size2 } from './ops/conv-options.js';
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
export { gather, indexAdd, indexSelect, oneHot, scatterAdd } from './ops/index-ops.js';
export { all, any, maskedFill, tril, triu } from './ops/mask.js';
export { matmul } from './ops/matmul.js';
export {
  type AvgPool2dOptions,
  adaptiveAvgPool2d,
  avgPool2d,
  type MaxPool2dOptions,
  maxPool2d,
  maxPool2dWithIndices,
} from './ops/pool.js';
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
export { defaultGenerator, Generator, manualSeed } from './random.js';
export * from './tensor/create.js';
export { type DType, requireFloating, type TypedArray } from './tensor/dtype.js';
export type { BackwardOptions } from './tensor/methods.js';
export { broadcastShapes, sameShape, sizeOf } from './tensor/shape.js';
export { type NestedArray, Tensor, type TensorLike } from './tensor/tensor.js';
export { Value, type ValueBackward } from './value.js';
