export { backward, type GradOptions, grad, sumToShape } from './autograd/backward.js';
export { backpropagate, type GraphNode, topologicalSort } from './autograd/engine.js';
export { type BackwardFn, type CustomOpDefinition, customOp, GradFn, record } from './autograd/function.js';
export { enableGrad, isGradEnabled, noGrad, setGradEnabled } from './autograd/grad-mode.js';
export * from './errors.js';
export { GradcheckError, type GradcheckOptions, gradcheck } from './gradcheck.js';
export { toDot } from './graphviz.js';
export { getNumThreads, setNumThreads } from './kernels/threads/pool.js';
export { logSoftmax, softmax } from './ops/activation.js';
export {
  type AvgPool2dOptions,
  adaptiveAvgPool2d,
  avgPool2d,
  type Conv2dAdjointOptions,
  type Conv2dOptions,
  conv2d,
  conv2dInputGrad,
  conv2dWeightGrad,
  type MaxPool2dOptions,
  maxPool2d,
  maxPool2dWithIndices,
  type PadOptions,
  pad,
  type Size2,
} from './ops/conv.js';
export {
  abs,
  add,
  cast,
  clamp,
  cos,
  div,
  eq,
  exp,
  ge,
  gt,
  le,
  log,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  relu,
  sigmoid,
  sign,
  sin,
  sqrt,
  sub,
  tanh,
  where,
} from './ops/elementwise.js';
export { gather, indexAdd, indexSelect, oneHot, scatterAdd } from './ops/index-ops.js';
export { matmul } from './ops/matmul.js';
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
export type { DType, TypedArray } from './tensor/dtype.js';
export { broadcastShapes, sameShape, sizeOf } from './tensor/shape.js';
export { type BackwardOptions, type NestedArray, Tensor, type TensorLike } from './tensor/tensor.js';
export { Value, type ValueBackward } from './value.js';
