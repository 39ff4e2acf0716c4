// torch.nn.functional: the layers and losses as functions.
import { native, type LossSpec } from '../native';
import { expectTensor, Tensor, tensorArg } from '../tensor';
import { checkNumber, checkOptionalBool, checkOptionalInt, describe } from '../validate';
import { argumentError } from '../errors';
import type { DTypeLike } from '../dtype';

export * from './functional_layers';

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

export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  return runLoss('mse_loss', mseLossSpec(lossOptions('mse_loss', opts)), input, target);
}

export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BCEWithLogitsOptions = {}): Tensor {
  const o = lossOptions('binary_cross_entropy_with_logits', opts);
  return runLoss('binary_cross_entropy_with_logits', bceWithLogitsSpec(o), input, target, o.weight, o.posWeight);
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
export const bceWithLogitsSpec = (o: BCEWithLogitsOptions): LossSpec => ({ type: 'BceWithLogits', reduction: o.reduction ?? 'mean' });

function runLoss(op: string, spec: LossSpec, input: Tensor, target: Tensor, weight?: Tensor | null, posWeight?: Tensor | null): Tensor {
  return new Tensor(native.loss(spec, tensorArg(op, 'input', input), tensorArg(op, 'target', target), optionalTensorArg(op, 'weight', weight), optionalTensorArg(op, 'pos_weight', posWeight)));
}

function optionalTensorArg(op: string, name: string, value: Tensor | null | undefined) {
  return value === undefined || value === null ? undefined : tensorArg(op, name, value);
}

/**
 * A loss's options, type-checked: a reduction name, an integer ignore index,
 * a numeric smoothing. Their values are the engine's to check (Loss::new,
 * with PyTorch's messages).
 */
function lossOptions<T extends { reduction?: Reduction; ignoreIndex?: number; labelSmoothing?: number }>(op: string, opts: T): T {
  if (opts === null || typeof opts !== 'object') throw argumentError(`${op}(): options must be an object, got ${describe(opts)}`);
  const { reduction, ignoreIndex, labelSmoothing } = opts;
  if (reduction !== undefined && typeof reduction !== 'string') throw argumentError(`${op}(): reduction must be a string, got ${describe(reduction)}`);
  checkOptionalInt(op, 'ignore_index', ignoreIndex);
  if (labelSmoothing !== undefined && typeof labelSmoothing !== 'number') throw argumentError(`${op}(): label_smoothing must be a number, got ${describe(labelSmoothing)}`);
  return opts;
}
