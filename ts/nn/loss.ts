// Loss modules. Like PyTorch's _Loss, each holds its `reduction`.
import type { Tensor } from '../tensor';
import { argumentError } from '../errors';
import { Module } from './module';
import * as F from './functional';

abstract class Loss extends Module {
  readonly reduction: F.Reduction;

  constructor(reduction: F.Reduction = 'mean') {
    super();
    if (!['mean', 'sum', 'none'].includes(reduction)) throw argumentError(`${reduction} is not a valid value for reduction`);
    this.reduction = reduction;
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/**
 * Cross entropy between logits `(N, C)` and class indices `(N)` (int64) or
 * class probabilities `(N, C)`.
 *
 * @example
 * const criterion = new nn.CrossEntropyLoss();
 * const loss = criterion.forward(model.forward(x), y);
 */
export class CrossEntropyLoss extends Loss {
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  constructor(opts: F.CrossEntropyOptions = {}) {
    super(opts.reduction);
    this.weight = opts.weight ?? null;
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, this);
  }
}

export class NLLLoss extends Loss {
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;

  constructor(opts: F.NLLLossOptions = {}) {
    super(opts.reduction);
    this.weight = opts.weight ?? null;
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, this);
  }
}

export class MSELoss extends Loss {
  constructor(opts: { reduction?: F.Reduction } = {}) {
    super(opts.reduction);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, this);
  }
}

export class BCEWithLogitsLoss extends Loss {
  readonly weight: Tensor | null;
  readonly posWeight: Tensor | null;

  constructor(opts: F.BCEWithLogitsOptions = {}) {
    super(opts.reduction);
    this.weight = opts.weight ?? null;
    this.posWeight = opts.posWeight ?? null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, this);
  }
}

export { Loss };
