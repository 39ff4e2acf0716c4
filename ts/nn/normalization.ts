// nn.LayerNorm, as torch/nn/modules/normalization.py.
import { argumentError } from '../errors';
import { empty } from '../creation';
import { noGrad } from '../autograd';
import type { LayerSpec } from '../native';
import type { Tensor } from '../tensor';
import type { DTypeLike } from '../dtype';
import type { DeviceLike } from '../device';
import { Module } from './module';
import { Parameter } from './parameter';
import { layerNorm } from './functional_layers';
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
