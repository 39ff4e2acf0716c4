// torch.nn.utils
export { clipGradNorm_, clipGradValue_, clipGradsWithNorm_, getTotalNorm, type ClipGradNormOptions } from './clip_grad';
export { parametersToVector, vectorToParameters } from './convert_parameters';
