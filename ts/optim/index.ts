// torch.optim
export { Optimizer, type OptimizerStateDict, type ParamsArg } from './optimizer';
export { Adam, AdamW, type AdamOptions } from './adam';
export { SGD, type SGDOptions } from './sgd';
export * as lrScheduler from './lr_scheduler';
