// torch.utils.data: datasets, samplers, collation and the DataLoader.
export { Dataset, IterableDataset, TensorDataset, ConcatDataset, Subset, randomSplit } from './dataset';
export {
  Sampler,
  SequentialSampler,
  RandomSampler,
  SubsetRandomSampler,
  WeightedRandomSampler,
  BatchSampler,
  type Sized,
  type RandomSamplerOptions,
  type WeightedRandomSamplerOptions,
} from './sampler';
export { defaultCollate, defaultConvert, type Collated } from './collate';
export { DataLoader, type DataLoaderOptions } from './dataloader';
export { Generator } from './generator';
