// Activation layers: nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Softmax, nn.LogSoftmax.
import type { Tensor } from '../tensor';
import type { LayerSpec } from '../native';
import { Module } from './module';
import * as F from './functional';

/** `max(0, x)` elementwise. */
export class ReLU extends Module {
  override forward(input: Tensor): Tensor {
    return F.relu(input);
  }

  override _layerSpecs(): LayerSpec[] | null {
    return this._forwardIsFrom(ReLU) ? [{ type: 'ReLU' }] : null;
  }
}

export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return F.sigmoid(input);
  }

  override _layerSpecs(): LayerSpec[] | null {
    return this._forwardIsFrom(Sigmoid) ? [{ type: 'Sigmoid' }] : null;
  }
}

export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    return F.tanh(input);
  }

  override _layerSpecs(): LayerSpec[] | null {
    return this._forwardIsFrom(Tanh) ? [{ type: 'Tanh' }] : null;
  }
}

export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return F.softmax(input, this.dim);
  }
  override _layerSpecs(): LayerSpec[] | null {
    return this._forwardIsFrom(Softmax) && Number.isSafeInteger(this.dim) ? [{ type: 'Softmax', dim: this.dim }] : null;
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return F.logSoftmax(input, this.dim);
  }
  override _layerSpecs(): LayerSpec[] | null {
    return this._forwardIsFrom(LogSoftmax) && Number.isSafeInteger(this.dim) ? [{ type: 'LogSoftmax', dim: this.dim }] : null;
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
