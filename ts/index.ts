// torchts: PyTorch for TypeScript.
import './errors';

export { Tensor, type NestedArray, type TypedArray, type ToOptions } from './tensor';
export { Slice, type IndexItem } from './indexing';
export { TorchError } from './errors';
export * from './dtype';
export { Device, device, type DeviceLike } from './device';
export * from './creation';
export * from './ops';
export * from './generated/functions';
export { noGrad, enableGrad, setGradEnabled, isGradEnabled, inferenceMode, isInferenceModeEnabled, type GradModeGuard, type InferenceModeGuard } from './autograd';
export * as autograd from './autograd';
export { tidy, dispose, keep } from './memory';
export { manualSeed } from './random';
export { Generator } from './generator';
export { cuda, backends, getNumThreads, setNumThreads } from './cuda';
export { save, load } from './serialization';
export { setPrintOptions } from './tensor_str';
export { fit, fitAsync, type EpochRecord, type FitOptions, type FitAsyncOptions } from './train';
export * as nn from './nn';
export * as optim from './optim';
export * as utils from './utils';
export * as jit from './jit';
export * as export from './export';
export { makeCircles, makeMoons, makeBlobs, trainTestSplit } from './data';
export { accuracy, confusionMatrix, precisionScore, recallScore, f1Score } from './metrics';

/** The libtorch version this build targets. */
export const LIBTORCH_VERSION = '2.11.0';

// trainTestSplit takes tensors too: rows are picked with indexSelect on dim 0.
import { registerSplittable } from './data/split';
import { Tensor as TensorClass } from './tensor';
import { tensor as makeTensor } from './creation';
registerSplittable(
  (x) => x instanceof TensorClass,
  (x, indices) => {
    const t = x as TensorClass;
    return t.indexSelect(0, makeTensor(indices, { dtype: 'int64', device: t.device }));
  },
);
