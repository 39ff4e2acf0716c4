// Activation layers: nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Softmax, nn.LogSoftmax.
import type { Tensor } from '../tensor';
import { Module } from './module';
import * as F from './functional';

/** `max(0, x)` elementwise. */
export class ReLU extends Module {
  override forward(input: Tensor): Tensor {
    return F.relu(input);
  }

  override _nativeLayers(): string[] | null {
    return this._forwardIsFrom(ReLU) ? ['relu'] : null;
  }
}

export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return F.sigmoid(input);
  }

  override _nativeLayers(): string[] | null {
    return this._forwardIsFrom(Sigmoid) ? ['sigmoid'] : null;
  }
}

export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    return F.tanh(input);
  }

  override _nativeLayers(): string[] | null {
    return this._forwardIsFrom(Tanh) ? ['tanh'] : null;
  }
}

export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return F.softmax(input, this.dim);
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
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
