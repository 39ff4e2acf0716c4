// nn.Flatten: flattens dims startDim..endDim (default: all but the batch dim).
import type { Tensor } from '../tensor';
import { Module } from './module';

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }

  override _nativeLayers(): string[] | null {
    return this._forwardIsFrom(Flatten) ? [`flatten:${this.startDim}:${this.endDim}`] : null;
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}
