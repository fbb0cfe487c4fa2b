/**
 * @tsgrad/testing — property-testing gradients with fast-check: tensor arbitraries that shrink
 * well, `checkGrads`, `assertClose`, and the op registry from which tsgrad's own op tests are
 * generated (and `supportMatrix`, the registry as a table). `import '@tsgrad/testing/vitest'`
 * registers the `toBeCloseTensor` matcher and gives `testOp`; the test suites' shared helpers are
 * in `@tsgrad/testing/fixtures`.
 */
export {
  asGenerated,
  type BroadcastableShapeOptions,
  type BroadcastShapes,
  broadcastableShapes,
  broadcastShape,
  type IndicesOptions,
  indices,
  type MutuallyBroadcastableOptions,
  mutuallyBroadcastableShapes,
  nonContiguous,
  probabilities,
  type ShapeOptions,
  shapes,
  type TensorOptions,
  tensorSource,
  tensors,
  wellConditionedMatrices,
} from './arbitraries.js';
export {
  AssertCloseError,
  type AssertCloseOptions,
  assertClose,
  closeMismatch,
  type TensorInput,
} from './assert-close.js';
export { type CheckGradsOptions, checkGrads, type NamedParameters } from './check-grads.js';
export {
  type CheckOnDeviceOptions,
  checkOnDevice,
  type DeviceCheck,
  DeviceMismatchError,
  type DeviceSupport,
} from './device-check.js';
export {
  applicableProperties,
  defineOp,
  type OpInfo,
  type OpProperty,
  type OpSample,
  opProperties,
  type PropertyKind,
  sampleOf,
} from './op-info.js';
export { findOp, opInfos } from './ops/index.js';
export { deviceSupport, type OpDeviceSupport, type OpSupport, supportMatrix } from './support-matrix.js';
