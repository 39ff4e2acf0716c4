// torch.optim.lr_scheduler: learning-rate schedules over an optimizer's
// param groups, with PyTorch 2.11's formulas, defaults, checks and state dicts.
export { LRScheduler, type AnyOptimizer, type ParamGroup, type SchedulerStateDict } from './scheduler';
export {
  StepLR, MultiStepLR, ExponentialLR, ConstantLR, LinearLR, PolynomialLR,
  type StepLROptions, type ConstantLROptions, type LinearLROptions, type PolynomialLROptions,
} from './decay';
export { LambdaLR, MultiplicativeLR, type LrLambda } from './lambda';
export {
  CosineAnnealingLR, CosineAnnealingWarmRestarts, type CosineAnnealingLROptions, type CosineAnnealingWarmRestartsOptions,
} from './cosine';
export { OneCycleLR, type OneCycleLROptions, type SchedulePhase } from './one_cycle';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './plateau';
export { SequentialLR, ChainedScheduler } from './composite';
