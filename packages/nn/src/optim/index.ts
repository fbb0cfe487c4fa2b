export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Adam, type AdamOptions } from './adam.js';
export { AdamW } from './adamw.js';
export {
  CosineAnnealingLR,
  type CosineAnnealingLROptions,
  LambdaLR,
  type LambdaLROptions,
  LinearLR,
  type LinearLROptions,
  LRScheduler,
  type LRSchedulerStateDict,
  type LrLambda,
  MultiplicativeLR,
  type MultiplicativeLROptions,
  OneCycleLR,
  type OneCycleLROptions,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  type SchedulableOptimizer,
  type Scheduler,
  type SchedulerStateDict,
  SequentialLR,
  type SequentialLROptions,
  StepLR,
  type StepLROptions,
} from './lr-scheduler.js';
export {
  type FloatArray,
  Optimizer,
  type OptimizerOptions,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type ParamsInput,
} from './optimizer.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { SGD, type SGDOptions } from './sgd.js';
