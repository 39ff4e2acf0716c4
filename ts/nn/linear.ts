// nn.Linear and nn.Identity.
import { native, type LayerSpec } from '../native';
import { empty } from '../creation';
import { argumentError } from '../errors';
import { describe } from '../validate';
import type { Tensor } from '../tensor';
import type { DTypeLike } from '../dtype';
import type { DeviceLike } from '../device';
import { Module } from './module';
import { Parameter } from './parameter';
import * as F from './functional';

export interface LinearOptions {
  /** @default true */
  bias?: boolean;
  device?: DeviceLike;
  dtype?: DTypeLike;
}

/**
 * Applies `y = x Wᵀ + b`.
 *
 * Args: inFeatures, outFeatures, `{ bias = true }`.
 * Shape: input `(*, inFeatures)` → output `(*, outFeatures)`.
 * Initialised exactly like PyTorch: after `torch.manualSeed(s)` the weights
 * equal Python's `nn.Linear` after `torch.manual_seed(s)`.
 *
 * @example
 * const layer = new nn.Linear(2, 8);
 * layer.forward(torch.randn(5, 2)).shape; // [5, 8]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    for (const [name, v] of [['in_features', inFeatures], ['out_features', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw argumentError(`Linear: ${name} must be a non-negative integer, got ${describe(v)}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const factory = { dtype: opts.dtype, device: opts.device };
    this.weight = new Parameter(empty([outFeatures, inFeatures], factory));
    this.bias = opts.bias ?? true ? new Parameter(empty([outFeatures], factory)) : null;
    this.resetParameters();
  }

  /** Kaiming-uniform weight (a = √5) then uniform bias, as torch.nn.Linear.reset_parameters. */
  resetParameters(): void {
    native.linearResetParameters(this.weight._n, this.bias?._n);
  }

  override forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  override _layerSpecs(params: Parameter[]): LayerSpec[] | null {
    if (!this._forwardIsFrom(Linear)) return null;
    params.push(this.weight);
    if (this.bias) params.push(this.bias);
    return [{ type: 'Linear', bias: this.bias !== null }];
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? 'True' : 'False'}`;
  }
}

/** Returns its input unchanged. */
export class Identity extends Module {
  override forward(input: Tensor): Tensor {
    return input;
  }

  override _layerSpecs(): LayerSpec[] | null {
    return this._forwardIsFrom(Identity) ? [{ type: 'Identity' }] : null;
  }
}
