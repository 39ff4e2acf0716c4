// nn.Flatten: flattens dims startDim..endDim (default: all but the batch dim).
import type { Tensor } from '../tensor';
import type { LayerSpec } from '../native';
import { Module } from './module';

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
