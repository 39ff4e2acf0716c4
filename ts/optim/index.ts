// torch.optim
export { Optimizer, type OptimizerStateDict, type ParamsArg } from './optimizer';
export { Adam, AdamW, type AdamOptions } from './adam';
export { SGD, type SGDOptions } from './sgd';
export { RMSprop, type RMSpropOptions } from './rmsprop';
export { Adagrad, type AdagradOptions } from './adagrad';
export { Adadelta, type AdadeltaOptions } from './adadelta';
export { Adamax, type AdamaxOptions } from './adamax';
export { NAdam, type NAdamOptions } from './nadam';
export { RAdam, type RAdamOptions } from './radam';
export * as lrScheduler from './lr_scheduler';
export { LBFGS, type LBFGSOptions, type LBFGSState, type LBFGSStateDict } from './lbfgs';
