// torch.nn.functional: the layers and losses as functions.
import { native } from '../native';
import { Tensor } from '../tensor';
import type { DTypeLike } from '../dtype';

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
  return input.relu();
}

export function sigmoid(input: Tensor): Tensor {
  return input.sigmoid();
}

export function tanh(input: Tensor): Tensor {
  return input.tanh();
}

export function softmax(input: Tensor, dim: number, opts?: { dtype?: DTypeLike }): Tensor {
  return input.softmax(dim, opts);
}

export function logSoftmax(input: Tensor, dim: number, opts?: { dtype?: DTypeLike }): Tensor {
  return input.logSoftmax(dim, opts);
}

/** `y = x Wᵀ + b`. */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return new Tensor(native.linear(input._n, weight._n, bias?._n));
}

/** Zeroes elements with probability `p` during training, scaling the rest by 1/(1-p). */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  return new Tensor(native.dropout(input._n, p, training));
}

/** Class-index targets (int64) or class-probability targets (float), as in PyTorch. */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const { weight, ignoreIndex, reduction, labelSmoothing } = opts;
  return new Tensor(native.loss('cross_entropy', input._n, target._n, { reduction, ignoreIndex, labelSmoothing }, weight?._n));
}

export function nllLoss(input: Tensor, target: Tensor, opts: NLLLossOptions = {}): Tensor {
  const { weight, ignoreIndex, reduction } = opts;
  return new Tensor(native.loss('nll', input._n, target._n, { reduction, ignoreIndex }, weight?._n));
}

export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  return new Tensor(native.loss('mse', input._n, target._n, { reduction: opts.reduction }));
}

export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BCEWithLogitsOptions = {}): Tensor {
  const { weight, posWeight, reduction } = opts;
  return new Tensor(native.loss('bce_with_logits', input._n, target._n, { reduction }, weight?._n, posWeight?._n));
}
