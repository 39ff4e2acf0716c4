// torch.autograd: grad mode (re-exported at the top level too), custom
// Functions, the graph (Node), and the functional grad/backward.
export { noGrad, enableGrad, setGradEnabled, isGradEnabled, inferenceMode, isInferenceModeEnabled, type GradModeGuard, type InferenceModeGuard } from './grad_mode';
export { AutogradFunction as Function, FunctionCtx, type BackwardResult, type FunctionClass } from './function';
export { Node } from './graph';
export { RemovableHandle } from './hooks';
export { backward, grad, type BackwardOptions, type GradOptions } from './functional';
