// Loss modules. Like PyTorch's _Loss, each holds its `reduction`.
import type { Tensor } from '../tensor';
import type { LossSpec } from '../native';
import { Module } from './module';
import * as F from './functional';

abstract class Loss<R extends string = string> extends Module {
  readonly reduction: R;

  /** As in PyTorch, the reduction's value is checked when the loss runs (by the engine). */
  constructor(reduction?: R) {
    super();
    // 'mean' is every loss's default reduction (R only widens it, for KLDivLoss's 'batchmean').
    this.reduction = reduction ?? ('mean' as R);
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
abstract class WeightedLoss extends Loss<F.Reduction> {
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
    return F.crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
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
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

export class MSELoss extends Loss<F.Reduction> {
  constructor(opts: { reduction?: F.Reduction } = {}) {
    super(opts.reduction);
  }

  override _lossSpec(): LossSpec | null {
    return this._forwardIsFrom(MSELoss) ? F.mseLossSpec(this) : null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
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
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}

/** Binary cross entropy between probabilities in [0, 1] and targets of the same shape; `weight` rescales each element. */
export class BCELoss extends WeightedLoss {
  constructor(opts: F.WeightedLossOptions = {}) {
    super(opts.weight, opts.reduction);
  }

  /** Unfused with a weight: it is expanded to the whole target, not to a minibatch of it. */
  override _lossSpec(): LossSpec | null {
    return this._forwardIsFrom(BCELoss) && !this.weight ? F.bceSpec(this) : null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** Mean absolute error. */
export class L1Loss extends Loss<F.Reduction> {
  constructor(opts: { reduction?: F.Reduction } = {}) {
    super(opts.reduction);
  }

  override _lossSpec(): LossSpec | null {
    return this._forwardIsFrom(L1Loss) ? F.l1LossSpec(this) : null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Squared error below `beta`, absolute error above it (`beta` 0 is L1Loss). */
export class SmoothL1Loss extends Loss<F.Reduction> {
  readonly beta: number;

  constructor(opts: F.SmoothL1Options = {}) {
    super(opts.reduction);
    this.beta = opts.beta ?? 1;
  }

  override _lossSpec(): LossSpec | null {
    return this._forwardIsFrom(SmoothL1Loss) ? F.smoothL1LossSpec(this) : null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Squared error below `delta`, `delta`-scaled absolute error above it. */
export class HuberLoss extends Loss<F.Reduction> {
  readonly delta: number;

  constructor(opts: { reduction?: F.Reduction; delta?: number } = {}) {
    super(opts.reduction);
    this.delta = opts.delta ?? 1;
  }

  override _lossSpec(): LossSpec | null {
    return this._forwardIsFrom(HuberLoss) ? F.huberLossSpec(this) : null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/**
 * KL divergence of log-probabilities `input` from `target`. PyTorch's 'mean'
 * divides by every element; 'batchmean' by the batch size, as the math does.
 */
export class KLDivLoss extends Loss<F.KLDivReduction> {
  readonly logTarget: boolean;

  constructor(opts: F.KLDivOptions = {}) {
    super(opts.reduction);
    this.logTarget = opts.logTarget ?? false;
  }

  override _lossSpec(): LossSpec | null {
    return this._forwardIsFrom(KLDivLoss) ? F.klDivSpec(this) : null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}

/** Two-class logistic loss against targets of 1 or -1. */
export class SoftMarginLoss extends Loss<F.Reduction> {
  constructor(opts: { reduction?: F.Reduction } = {}) {
    super(opts.reduction);
  }

  override _lossSpec(): LossSpec | null {
    return this._forwardIsFrom(SoftMarginLoss) ? F.softMarginLossSpec(this) : null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.softMarginLoss(input, target, { reduction: this.reduction });
  }
}

/** Negative log likelihood of a Poisson target; the input is the log rate unless `logInput: false`. */
export class PoissonNLLLoss extends Loss<F.Reduction> {
  readonly logInput: boolean;
  readonly full: boolean;
  readonly eps: number;

  constructor(opts: F.PoissonNLLOptions = {}) {
    super(opts.reduction);
    this.logInput = opts.logInput ?? true;
    this.full = opts.full ?? false;
    this.eps = opts.eps ?? 1e-8;
  }

  override _lossSpec(): LossSpec | null {
    return this._forwardIsFrom(PoissonNLLLoss) ? F.poissonNllLossSpec(this) : null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.poissonNllLoss(input, target, { logInput: this.logInput, full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

/**
 * Losses whose forward takes three tensors. `torch.fit`'s loop calls
 * `criterion(output, target)`, so these run eagerly only (no `_lossSpec`).
 */
abstract class TripleInputLoss extends Module {
  readonly reduction: F.Reduction;

  constructor(reduction: F.Reduction = 'mean') {
    super();
    this.reduction = reduction;
  }
}

/** Cosine embedding loss of pairs against targets of 1 (similar) or -1 (dissimilar). */
export class CosineEmbeddingLoss extends TripleInputLoss {
  readonly margin: number;

  constructor(opts: F.MarginLossOptions = {}) {
    super(opts.reduction);
    this.margin = opts.margin ?? 0;
  }

  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return F.cosineEmbeddingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** `max(0, -target * (input1 - input2) + margin)`: ranks input1 above input2 where target is 1. */
export class MarginRankingLoss extends TripleInputLoss {
  readonly margin: number;

  constructor(opts: F.MarginLossOptions = {}) {
    super(opts.reduction);
    this.margin = opts.margin ?? 0;
  }

  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return F.marginRankingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** Gaussian negative log likelihood of `target` under mean `input` and variance `variance`. */
export class GaussianNLLLoss extends TripleInputLoss {
  readonly full: boolean;
  readonly eps: number;

  constructor(opts: F.GaussianNLLOptions = {}) {
    super(opts.reduction);
    this.full = opts.full ?? false;
    this.eps = opts.eps ?? 1e-6;
  }

  override forward(input: Tensor, target: Tensor, variance: Tensor | number): Tensor {
    return F.gaussianNllLoss(input, target, variance, { full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

export { Loss, WeightedLoss };
