// Loss modules. Like PyTorch's _Loss, each holds its `reduction`.
import type { Tensor } from '../tensor';
import type { LossSpec } from '../native';
import { Module } from './module';
import * as F from './functional';

abstract class Loss extends Module {
  readonly reduction: F.Reduction;

  /** As in PyTorch, the reduction's value is checked when the loss runs (by the engine). */
  constructor(reduction: F.Reduction = 'mean') {
    super();
    this.reduction = reduction;
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;

  /**
   * @internal The engine's description of this loss, for fused training;
   * null when `forward` is a subclass's own (it runs JavaScript).
   */
  _lossSpec(): LossSpec | null {
    return null;
  }
}

/**
 * PyTorch's _WeightedLoss: the class weight is a registered buffer, so it is
 * in the state dict and moves with `to(device)`.
 */
abstract class WeightedLoss extends Loss {
  constructor(weight: Tensor | null | undefined, reduction?: F.Reduction) {
    super(reduction);
    this.registerBuffer('weight', weight ?? null);
  }

  get weight(): Tensor | null {
    return this._buffers.get('weight') ?? null;
  }
}

/**
 * Cross entropy between logits `(N, C)` and class indices `(N)` (int64) or
 * class probabilities `(N, C)`.
 *
 * @example
 * const criterion = new nn.CrossEntropyLoss();
 * const loss = criterion.forward(model.forward(x), y);
 */
export class CrossEntropyLoss extends WeightedLoss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  constructor(opts: F.CrossEntropyOptions = {}) {
    super(opts.weight, opts.reduction);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
  }

  override _lossSpec(): LossSpec | null {
    return this._forwardIsFrom(CrossEntropyLoss) ? F.crossEntropySpec(this) : null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, this);
  }
}

export class NLLLoss extends WeightedLoss {
  readonly ignoreIndex: number;

  constructor(opts: F.NLLLossOptions = {}) {
    super(opts.weight, opts.reduction);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }

  override _lossSpec(): LossSpec | null {
    return this._forwardIsFrom(NLLLoss) ? F.nllLossSpec(this) : null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, this);
  }
}

export class MSELoss extends Loss {
  constructor(opts: { reduction?: F.Reduction } = {}) {
    super(opts.reduction);
  }

  override _lossSpec(): LossSpec | null {
    return this._forwardIsFrom(MSELoss) ? F.mseLossSpec(this) : null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, this);
  }
}

/** Binary cross entropy on logits; `posWeight` (one per class) weighs the positive term. */
export class BCEWithLogitsLoss extends WeightedLoss {
  constructor(opts: F.BCEWithLogitsOptions = {}) {
    super(opts.weight, opts.reduction);
    this.registerBuffer('pos_weight', opts.posWeight ?? null);
  }

  get posWeight(): Tensor | null {
    return this._buffers.get('pos_weight') ?? null;
  }

  override _lossSpec(): LossSpec | null {
    return this._forwardIsFrom(BCEWithLogitsLoss) ? F.bceWithLogitsSpec(this) : null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, this);
  }
}

export { Loss, WeightedLoss };
