// torch.nn.functional: the layers and losses as functions.
import { native, type LossSpec } from '../native';
import { expectTensor, Tensor, tensorArg } from '../tensor';
import { checkNumber, checkOptionalBool, checkOptionalInt, describe } from '../validate';
import { argumentError } from '../errors';
import type { DTypeLike } from '../dtype';

export * from './functional_layers';
export * from './functional_attention';

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}

export interface NLLLossOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
}

export interface BCEWithLogitsOptions {
  weight?: Tensor | null;
  posWeight?: Tensor | null;
  reduction?: Reduction;
}

/** `weight`: BCELoss's rescaling (broadcast to the target); for mse/l1/huber, elementwise of input's size. */
export interface WeightedLossOptions {
  weight?: Tensor | null;
  reduction?: Reduction;
}

export interface SmoothL1Options {
  reduction?: Reduction;
  /** Where the loss turns from quadratic to linear; 0 is the L1 loss. @default 1 */
  beta?: number;
}

export interface HuberOptions extends WeightedLossOptions {
  /** @default 1 */
  delta?: number;
}

/** KLDivLoss's reductions: `batchmean` is the sum over the batch size (the KL divergence's definition). */
export type KLDivReduction = Reduction | 'batchmean';

export interface KLDivOptions {
  reduction?: KLDivReduction;
  /** Whether the target is given as log-probabilities. @default false */
  logTarget?: boolean;
}

export interface PoissonNLLOptions {
  /** Whether the input is the log of the rate. @default true */
  logInput?: boolean;
  /** Add the Stirling approximation term. @default false */
  full?: boolean;
  /** @default 1e-8 */
  eps?: number;
  reduction?: Reduction;
}

export interface MarginLossOptions {
  /** @default 0 */
  margin?: number;
  reduction?: Reduction;
}

export interface GaussianNLLOptions {
  /** Add the constant 0.5 log(2π). @default false */
  full?: boolean;
  /** The variance's floor. @default 1e-6 */
  eps?: number;
  reduction?: Reduction;
}

export function relu(input: Tensor): Tensor {
  return expectTensor('relu', 'input', input).relu();
}

export function sigmoid(input: Tensor): Tensor {
  return expectTensor('sigmoid', 'input', input).sigmoid();
}

export function tanh(input: Tensor): Tensor {
  return expectTensor('tanh', 'input', input).tanh();
}

export function softmax(input: Tensor, dim: number, opts?: { dtype?: DTypeLike }): Tensor {
  return expectTensor('softmax', 'input', input).softmax(dim, opts);
}

export function logSoftmax(input: Tensor, dim: number, opts?: { dtype?: DTypeLike }): Tensor {
  return expectTensor('log_softmax', 'input', input).logSoftmax(dim, opts);
}

/** `y = x Wᵀ + b`. */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const b = bias === undefined || bias === null ? undefined : tensorArg('linear', 'bias', bias);
  return new Tensor(native.linear(tensorArg('linear', 'input', input), tensorArg('linear', 'weight', weight), b));
}

/** Zeroes elements with probability `p` during training, scaling the rest by 1/(1-p). */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  return new Tensor(native.dropout(tensorArg('dropout', 'input', input), checkNumber('dropout', 'p', p), checkOptionalBool('dropout', 'training', training) ?? true));
}

/** Class-index targets (int64) or class-probability targets (float), as in PyTorch. */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const o = lossOptions('cross_entropy', opts);
  return runLoss('cross_entropy', crossEntropySpec(o), input, target, o.weight);
}

export function nllLoss(input: Tensor, target: Tensor, opts: NLLLossOptions = {}): Tensor {
  const o = lossOptions('nll_loss', opts);
  return runLoss('nll_loss', nllLossSpec(o), input, target, o.weight);
}

export function mseLoss(input: Tensor, target: Tensor, opts: WeightedLossOptions = {}): Tensor {
  const o = lossOptions('mse_loss', opts);
  return runLoss('mse_loss', mseLossSpec(o), input, target, o.weight);
}

export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BCEWithLogitsOptions = {}): Tensor {
  const o = lossOptions('binary_cross_entropy_with_logits', opts);
  return runLoss('binary_cross_entropy_with_logits', bceWithLogitsSpec(o), input, target, o.weight, o.posWeight);
}

/** Binary cross entropy between probabilities in [0, 1] and targets of the same size. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: WeightedLossOptions = {}): Tensor {
  const o = lossOptions('binary_cross_entropy', opts);
  return runLoss('binary_cross_entropy', bceSpec(o), input, target, o.weight);
}

/** Mean absolute error; input and target broadcast as in PyTorch (which warns when their sizes differ). */
export function l1Loss(input: Tensor, target: Tensor, opts: WeightedLossOptions = {}): Tensor {
  const o = lossOptions('l1_loss', opts);
  return runLoss('l1_loss', l1LossSpec(o), input, target, o.weight);
}

export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1Options = {}): Tensor {
  return runLoss('smooth_l1_loss', smoothL1LossSpec(lossOptions('smooth_l1_loss', opts)), input, target);
}

export function huberLoss(input: Tensor, target: Tensor, opts: HuberOptions = {}): Tensor {
  const o = lossOptions('huber_loss', opts);
  return runLoss('huber_loss', huberLossSpec(o), input, target, o.weight);
}

/** KL divergence; `input` is log-probabilities, `target` probabilities (or log-probabilities with `logTarget`). */
export function klDiv(input: Tensor, target: Tensor, opts: KLDivOptions = {}): Tensor {
  return runLoss('kl_div', klDivSpec(lossOptions('kl_div', opts)), input, target);
}

/** Two-class logistic loss against targets of 1 or -1. */
export function softMarginLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  return runLoss('soft_margin_loss', softMarginLossSpec(lossOptions('soft_margin_loss', opts)), input, target);
}

export function poissonNllLoss(input: Tensor, target: Tensor, opts: PoissonNLLOptions = {}): Tensor {
  return runLoss('poisson_nll_loss', poissonNllLossSpec(lossOptions('poisson_nll_loss', opts)), input, target);
}

/** Cosine embedding loss of `(N, D)` (or `(D)`) pairs against targets of 1 or -1. */
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts: MarginLossOptions = {}): Tensor {
  const op = 'cosine_embedding_loss';
  const o = lossOptions(op, opts);
  return new Tensor(native.cosineEmbeddingLoss(tensorArg(op, 'input1', input1), tensorArg(op, 'input2', input2), tensorArg(op, 'target', target), o.margin ?? 0, o.reduction ?? 'mean'));
}

/** `max(0, -target * (input1 - input2) + margin)`; all three of the same dimension. */
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts: MarginLossOptions = {}): Tensor {
  const op = 'margin_ranking_loss';
  const o = lossOptions(op, opts);
  return new Tensor(native.marginRankingLoss(tensorArg(op, 'input1', input1), tensorArg(op, 'input2', input2), tensorArg(op, 'target', target), o.margin ?? 0, o.reduction ?? 'mean'));
}

/** Gaussian negative log likelihood; `variance` is a tensor (per element, or one short of input for one per row) or a number. */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor | number, opts: GaussianNLLOptions = {}): Tensor {
  const op = 'gaussian_nll_loss';
  const o = lossOptions(op, opts);
  const varTensor = typeof variance === 'number' ? undefined : tensorArg(op, 'var', variance);
  const varNumber = typeof variance === 'number' ? variance : undefined;
  return new Tensor(native.gaussianNllLoss(tensorArg(op, 'input', input), tensorArg(op, 'target', target), varTensor, varNumber, o.full ?? false, o.eps ?? 1e-6, o.reduction ?? 'mean'));
}

// The engine's loss specs, PyTorch's defaults filled in: the functions above
// and fused training (through the loss modules) describe a loss the same way.

/** @internal */
export const crossEntropySpec = (o: CrossEntropyOptions): LossSpec => ({
  type: 'CrossEntropy', reduction: o.reduction ?? 'mean', ignoreIndex: o.ignoreIndex ?? -100, labelSmoothing: o.labelSmoothing ?? 0,
});
/** @internal */
export const nllLossSpec = (o: NLLLossOptions): LossSpec => ({ type: 'Nll', reduction: o.reduction ?? 'mean', ignoreIndex: o.ignoreIndex ?? -100 });
/** @internal */
export const mseLossSpec = (o: { reduction?: Reduction }): LossSpec => ({ type: 'Mse', reduction: o.reduction ?? 'mean' });
/** @internal */
export const bceSpec = (o: { reduction?: Reduction }): LossSpec => ({ type: 'Bce', reduction: o.reduction ?? 'mean' });
/** @internal */
export const l1LossSpec = (o: { reduction?: Reduction }): LossSpec => ({ type: 'L1', reduction: o.reduction ?? 'mean' });
/** @internal */
export const smoothL1LossSpec = (o: SmoothL1Options): LossSpec => ({ type: 'SmoothL1', reduction: o.reduction ?? 'mean', beta: o.beta ?? 1 });
/** @internal */
export const huberLossSpec = (o: HuberOptions): LossSpec => ({ type: 'Huber', reduction: o.reduction ?? 'mean', delta: o.delta ?? 1 });
/** @internal */
export const klDivSpec = (o: KLDivOptions): LossSpec => ({ type: 'KlDiv', reduction: o.reduction ?? 'mean', logTarget: o.logTarget ?? false });
/** @internal */
export const softMarginLossSpec = (o: { reduction?: Reduction }): LossSpec => ({ type: 'SoftMargin', reduction: o.reduction ?? 'mean' });
/** @internal */
export const poissonNllLossSpec = (o: PoissonNLLOptions): LossSpec => ({
  type: 'PoissonNll', reduction: o.reduction ?? 'mean', logInput: o.logInput ?? true, full: o.full ?? false, eps: o.eps ?? 1e-8,
});
/** @internal */
export const bceWithLogitsSpec = (o: BCEWithLogitsOptions): LossSpec => ({ type: 'BceWithLogits', reduction: o.reduction ?? 'mean' });

function runLoss(op: string, spec: LossSpec, input: Tensor, target: Tensor, weight?: Tensor | null, posWeight?: Tensor | null): Tensor {
  return new Tensor(native.loss(spec, tensorArg(op, 'input', input), tensorArg(op, 'target', target), optionalTensorArg(op, 'weight', weight), optionalTensorArg(op, 'pos_weight', posWeight)));
}

function optionalTensorArg(op: string, name: string, value: Tensor | null | undefined) {
  return value === undefined || value === null ? undefined : tensorArg(op, name, value);
}

interface AnyLossOptions {
  reduction?: string;
  ignoreIndex?: number;
  labelSmoothing?: number;
  beta?: number;
  delta?: number;
  margin?: number;
  eps?: number;
  logTarget?: boolean;
  logInput?: boolean;
  full?: boolean;
}

/** The numeric options, by PyTorch's names, for type checks. */
const NUMBER_OPTIONS = [['labelSmoothing', 'label_smoothing'], ['beta', 'beta'], ['delta', 'delta'], ['margin', 'margin'], ['eps', 'eps']] as const;
const BOOL_OPTIONS = [['logTarget', 'log_target'], ['logInput', 'log_input'], ['full', 'full']] as const;

/**
 * A loss's options, type-checked: a reduction name, an integer ignore index,
 * numbers and booleans. Their values are the engine's to check (Loss::new
 * and libtorch, with PyTorch's messages).
 */
function lossOptions<T extends AnyLossOptions>(op: string, opts: T): T {
  if (opts === null || typeof opts !== 'object') throw argumentError(`${op}(): options must be an object, got ${describe(opts)}`);
  const { reduction, ignoreIndex } = opts;
  if (reduction !== undefined && typeof reduction !== 'string') throw argumentError(`${op}(): reduction must be a string, got ${describe(reduction)}`);
  checkOptionalInt(op, 'ignore_index', ignoreIndex);
  for (const [key, name] of NUMBER_OPTIONS) {
    const value = opts[key];
    if (value !== undefined && typeof value !== 'number') throw argumentError(`${op}(): ${name} must be a number, got ${describe(value)}`);
  }
  for (const [key, name] of BOOL_OPTIONS) checkOptionalBool(op, name, opts[key]);
  return opts;
}
