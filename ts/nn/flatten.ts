// nn.Flatten: flattens dims startDim..endDim (default: all but the batch dim);
// nn.Unflatten: splits one dim into several.
import type { Tensor } from '../tensor';
import type { LayerSpec } from '../native';
import { Module } from './module';
import { argumentError } from '../errors';
import { unflatten } from './functional_layers';
import { pyTuple } from './python_format';

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }

  override _layerSpecs(): LayerSpec[] | null {
    const { startDim, endDim } = this;
    const ints = Number.isSafeInteger(startDim) && Number.isSafeInteger(endDim);
    return this._forwardIsFrom(Flatten) && ints ? [{ type: 'Flatten', startDim, endDim }] : null;
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Splits dim `dim` into `unflattenedSize` (one entry may be -1).
 *
 * @example
 * new nn.Unflatten(1, [2, 3]).forward(torch.randn(4, 6)).shape; // [4, 2, 3]
 */
export class Unflatten extends Module {
  readonly unflattenedSize: number[];

  constructor(readonly dim: number, unflattenedSize: readonly number[]) {
    super();
    if (!Number.isInteger(dim)) throw new TypeError(`invalid argument type for dim parameter, expected int, got ${typeof dim}`);
    if (!Array.isArray(unflattenedSize)) throw new TypeError(`unflattened_size must be tuple of ints, but found type ${typeof unflattenedSize}`);
    for (const [i, s] of unflattenedSize.entries()) {
      if (!Number.isInteger(s)) throw argumentError(`unflattened_size must be tuple of ints, but found element of type ${typeof s} at pos ${i}`);
    }
    this.unflattenedSize = [...unflattenedSize];
  }

  override forward(input: Tensor): Tensor {
    return unflatten(input, this.dim, this.unflattenedSize);
  }

  override _layerSpecs(): LayerSpec[] | null {
    return this._forwardIsFrom(Unflatten) ? [{ type: 'Unflatten', dim: this.dim, sizes: this.unflattenedSize }] : null;
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}
