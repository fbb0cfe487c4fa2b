export { Adam, type AdamOptions } from './adam.js';
export { AdamW } from './adamw.js';
export {
  CosineAnnealingLR,
  type CosineAnnealingLROptions,
  LinearLR,
  type LinearLROptions,
  LRScheduler,
  type LRSchedulerStateDict,
  type SchedulableOptimizer,
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
export { SGD, type SGDOptions } from './sgd.js';
