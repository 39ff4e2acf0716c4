// nn.LayerNorm and nn.GroupNorm, as torch/nn/modules/normalization.py.
import { native } from '../native';
import { argumentError } from '../errors';
import { empty } from '../creation';
import { noGrad } from '../autograd';
import type { LayerSpec } from '../native';
import type { Tensor } from '../tensor';
import type { DTypeLike } from '../dtype';
import type { DeviceLike } from '../device';
import { Module } from './module';
import { Parameter } from './parameter';
import { groupNorm, layerNorm } from './functional_layers';
import { pyBool, pyFloat, pyTuple } from './python_format';

export interface LayerNormOptions {
  /** @default 1e-5 */
  eps?: number;
  /** @default true */
  elementwiseAffine?: boolean;
  /** @default true */
  bias?: boolean;
  device?: DeviceLike;
  dtype?: DTypeLike;
}

/**
 * Normalises over the last dims (`normalizedShape`), with a learned
 * per-element scale and shift.
 *
 * @example
 * new nn.LayerNorm(16).forward(torch.randn(2, 5, 16)).shape; // [2, 5, 16]
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : null;
    if (!shape || shape.some((s) => !Number.isInteger(s) || s < 0)) throw argumentError(`LayerNorm: normalized_shape must be an int or a list of ints, got ${String(normalizedShape)}`);
    const { eps = 1e-5, elementwiseAffine = true, bias = true } = opts;
    if (typeof eps !== 'number') throw argumentError('LayerNorm: eps must be a number');
    this.normalizedShape = shape;
    this.eps = eps;
    this.elementwiseAffine = elementwiseAffine;
    const factory = { dtype: opts.dtype, device: opts.device };
    this.weight = elementwiseAffine ? new Parameter(empty(shape, factory)) : null;
    this.bias = elementwiseAffine && bias ? new Parameter(empty(shape, factory)) : null;
    this.resetParameters();
  }

  /** weight ← 1, bias ← 0. */
  resetParameters(): void {
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.zero_();
    });
  }

  override forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override _layerSpecs(params: Parameter[]): LayerSpec[] | null {
    if (!this._forwardIsFrom(LayerNorm)) return null;
    if (this.weight) params.push(this.weight);
    if (this.bias) params.push(this.bias);
    return [{ type: 'LayerNorm', normalizedShape: this.normalizedShape, eps: this.eps, elementwiseAffine: this.elementwiseAffine, bias: this.bias !== null }];
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

export interface GroupNormOptions {
  /** @default 1e-5 */
  eps?: number;
  /** A learned per-channel scale and shift. @default true */
  affine?: boolean;
  device?: DeviceLike;
  dtype?: DTypeLike;
}

/**
 * Normalises each sample over groups of channels: the `numChannels`
 * channels of an `(N, C, *)` input split into `numGroups` groups, each
 * normalised over its channels and the remaining dims; then a per-channel
 * scale and shift.
 *
 * @example
 * new nn.GroupNorm(4, 16).forward(torch.randn(2, 16, 8, 8)).shape; // [2, 16, 8, 8]
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, opts: GroupNormOptions = {}) {
    super();
    for (const [name, v] of [['num_groups', numGroups], ['num_channels', numChannels]] as const) {
      if (!Number.isSafeInteger(v)) throw argumentError(`GroupNorm: ${name} must be an integer, got ${String(v)}`);
    }
    const { eps = 1e-5, affine = true } = opts;
    if (typeof eps !== 'number') throw argumentError('GroupNorm: eps must be a number');
    if (typeof affine !== 'boolean') throw argumentError('GroupNorm: affine must be a boolean');
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = eps;
    this.affine = affine;
    // PyTorch's divisibility check, in the engine.
    native.validateLayer(this.spec());
    const factory = { dtype: opts.dtype, device: opts.device };
    this.weight = affine ? new Parameter(empty([numChannels], factory)) : null;
    this.bias = affine ? new Parameter(empty([numChannels], factory)) : null;
    this.resetParameters();
  }

  private spec(affine = this.affine): LayerSpec {
    return { type: 'GroupNorm', numGroups: this.numGroups, numChannels: this.numChannels, eps: this.eps, affine };
  }

  /** weight ← 1, bias ← 0. */
  resetParameters(): void {
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.zero_();
    });
  }

  override forward(input: Tensor): Tensor {
    return groupNorm(input, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override _layerSpecs(params: Parameter[]): LayerSpec[] | null {
    if (!this._forwardIsFrom(GroupNorm)) return null;
    const affine = this.weight !== null && this.bias !== null;
    if (affine) params.push(this.weight!, this.bias!);
    return [this.spec(affine)];
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}
