// torch.nn
export { Module, type StateDict, type LoadStateDictResult, type ForwardAsyncOptions } from './module';
export { Parameter } from './parameter';
export { Sequential } from './container';
export { Linear, Identity, type LinearOptions } from './linear';
export { ReLU, Sigmoid, Tanh, Softmax, LogSoftmax } from './activation';
export { Dropout } from './dropout';
export { Flatten } from './flatten';
export { Loss, CrossEntropyLoss, NLLLoss, MSELoss, BCEWithLogitsLoss } from './loss';
export * as functional from './functional';
