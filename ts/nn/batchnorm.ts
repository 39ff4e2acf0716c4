// nn.BatchNorm1d and nn.BatchNorm2d, as torch/nn/modules/batchnorm.py:
// weight/bias parameters, running_mean/running_var/num_batches_tracked
// buffers, batch statistics in train(), running ones in eval().
//
// Not an engine layer (no `_layerSpecs`): fused training would have to carry
// the buffers and count batches the way this forward does, so a model with
// BatchNorm trains through `fit`'s JavaScript path, with the same numbers.
import { argumentError } from '../errors';
import { empty, ones, zeros } from '../creation';
import { noGrad } from '../autograd';
import type { Tensor } from '../tensor';
import type { DTypeLike } from '../dtype';
import type { DeviceLike } from '../device';
import { Module } from './module';
import { Parameter } from './parameter';
import { batchNorm } from './functional_layers';
import { pyBool, pyFloat } from './python_format';

export interface BatchNormLayerOptions {
  /** @default 1e-5 */
  eps?: number;
  /** null: a cumulative average (1 / batches seen). @default 0.1 */
  momentum?: number | null;
  /** @default true */
  affine?: boolean;
  /** @default true */
  trackRunningStats?: boolean;
  device?: DeviceLike;
  dtype?: DTypeLike;
}

/** The shared part of BatchNorm1d and BatchNorm2d (PyTorch's `_BatchNorm`). */
abstract class BatchNorm extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  protected constructor(readonly numFeatures: number, opts: BatchNormLayerOptions) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 0) throw argumentError(`${this.constructor.name}: num_features must be a non-negative integer, got ${String(numFeatures)}`);
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = opts;
    if (typeof eps !== 'number') throw argumentError(`${this.constructor.name}: eps must be a number`);
    if (momentum !== null && typeof momentum !== 'number') throw argumentError(`${this.constructor.name}: momentum must be a number or null`);
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    const factory = { dtype: opts.dtype, device: opts.device };
    this.weight = affine ? new Parameter(empty([numFeatures], factory)) : null;
    this.bias = affine ? new Parameter(empty([numFeatures], factory)) : null;
    if (trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], factory));
      this.registerBuffer('running_var', ones([numFeatures], factory));
      this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int64', device: opts.device }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
    this.resetParameters();
  }

  get runningMean(): Tensor | null {
    return this._buffers.get('running_mean') ?? null;
  }

  get runningVar(): Tensor | null {
    return this._buffers.get('running_var') ?? null;
  }

  get numBatchesTracked(): Tensor | null {
    return this._buffers.get('num_batches_tracked') ?? null;
  }

  /** running_mean ← 0, running_var ← 1, num_batches_tracked ← 0. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  /** Running stats reset, weight ← 1, bias ← 0 (no random draws). */
  resetParameters(): void {
    this.resetRunningStats();
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.zero_();
    });
  }

  /** PyTorch's `_check_input_dim`, with its message. */
  protected abstract checkInputDim(input: Tensor): void;

  override forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    let factor = this.momentum ?? 0.0;
    const counter = this.numBatchesTracked;
    if (this.training && this.trackRunningStats && counter) {
      const seen = Number(counter.item()) + 1;
      noGrad(() => counter.fill_(seen));
      factor = this.momentum === null ? 1.0 / seen : this.momentum;
    }
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const passStats = !this.training || this.trackRunningStats;
    return batchNorm(input, passStats ? this.runningMean : null, passStats ? this.runningVar : null, {
      weight: this.weight, bias: this.bias, training: useBatchStats, momentum: factor, eps: this.eps,
    });
  }

  override extraRepr(): string {
    const momentum = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${momentum}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/** Batch normalisation over `(N, C)` or `(N, C, L)`, per channel C. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, opts: BatchNormLayerOptions = {}) {
    super(numFeatures, opts);
  }

  protected override checkInputDim(input: Tensor): void {
    const d = input.dim();
    if (d !== 2 && d !== 3) throw argumentError(`expected 2D or 3D input (got ${d}D input)`);
  }
}

/**
 * Batch normalisation over `(N, C, H, W)`, per channel C.
 *
 * @example
 * const bn = new nn.BatchNorm2d(8);
 * bn.forward(torch.randn(4, 8, 5, 5)); // train(): batch stats, running stats updated
 */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, opts: BatchNormLayerOptions = {}) {
    super(numFeatures, opts);
  }

  protected override checkInputDim(input: Tensor): void {
    const d = input.dim();
    if (d !== 4) throw argumentError(`expected 4D input (got ${d}D input)`);
  }
}
