// torch.nn
export { Module, type StateDict, type LoadStateDictResult, type ForwardAsyncOptions } from './module';
export { Parameter } from './parameter';
export { Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict } from './container';
export { RemovableHandle, type ForwardHook, type ForwardPreHook, type HookOptions } from './hooks';
export { Linear, Identity, type LinearOptions } from './linear';
export { ReLU, Sigmoid, Tanh, Softmax, LogSoftmax, GELU, LeakyReLU, SiLU, ELU, Softplus, Hardtanh } from './activation';
export { Dropout } from './dropout';
export { Flatten, Unflatten } from './flatten';
export {
  Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, type ConvLayerOptions, type ConvTransposeLayerOptions, type ConvTransposeForwardOptions,
} from './conv';
export { MaxPool1d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pooling';
export { BatchNorm1d, BatchNorm2d, type BatchNormLayerOptions } from './batchnorm';
export { LayerNorm, GroupNorm, type LayerNormOptions, type GroupNormOptions } from './normalization';
export { Embedding, type EmbeddingLayerOptions } from './sparse';
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from './activation';
export { TransformerEncoderLayer, TransformerEncoder, generateSquareSubsequentMask, type TransformerEncoderLayerOptions, type TransformerEncoderOptions } from './transformer';
export { RNNBase, RNN, LSTM, GRU, type RNNBaseOptions, type RNNOptions, type LSTMOptions } from './rnn';
export {
  Loss, CrossEntropyLoss, NLLLoss, MSELoss, BCEWithLogitsLoss, BCELoss, L1Loss, SmoothL1Loss, HuberLoss, KLDivLoss,
  SoftMarginLoss, PoissonNLLLoss, CosineEmbeddingLoss, MarginRankingLoss, GaussianNLLLoss,
} from './loss';
export * as functional from './functional';
export * as init from './init';
export * as utils from './utils';
