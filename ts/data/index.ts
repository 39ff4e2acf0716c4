// Datasets and splitting, scikit-learn compatible (same numbers for the same seed).
export { RandomState, checkRandomState, type Seed, type RandomStateLike, type MutableArrayLike } from './random_state';
export {
  makeCircles,
  makeMoons,
  makeBlobs,
  type Dataset,
  type BlobsDataset,
  type MakeCirclesOptions,
  type MakeMoonsOptions,
  type MakeBlobsOptions,
} from './datasets';
export {
  trainTestSplit,
  trainTestSplitIndices,
  registerSplittable,
  numSamples,
  type TrainTestSplitOptions,
  type SplitIndices,
  type SplitResult,
  type LabelsLike,
} from './split';
