// Activation layers: nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Softmax, nn.LogSoftmax,
// nn.GELU, nn.LeakyReLU, nn.SiLU, nn.ELU, nn.Softplus, nn.Hardtanh.
import type { Tensor } from '../tensor';
import type { LayerSpec } from '../native';
import { Module } from './module';
import * as F from './functional';
import { native } from '../native';
import { argumentError } from '../errors';
import { pyFloat } from './python_format';

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

function numberArg(layer: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw argumentError(`${layer}: ${name} must be a number, got ${typeof value}`);
  return value;
}

/** Gaussian error linear unit: exact (`'none'`) or its tanh approximation. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(opts: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    const { approximate = 'none' } = opts;
    if (typeof approximate !== 'string') throw argumentError(`GELU: approximate must be a string, got ${typeof approximate}`);
    this.approximate = approximate;
  }
  override forward(input: Tensor): Tensor {
    return F.gelu(input, { approximate: this.approximate });
  }
  override _layerSpecs(): LayerSpec[] | null {
    return this._forwardIsFrom(GELU) ? [{ type: 'GELU', approximate: this.approximate }] : null;
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** `x` for x > 0, `negativeSlope * x` otherwise. */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;

  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = numberArg('LeakyReLU', 'negative_slope', negativeSlope);
  }
  override forward(input: Tensor): Tensor {
    return F.leakyRelu(input, this.negativeSlope);
  }
  override _layerSpecs(): LayerSpec[] | null {
    return this._forwardIsFrom(LeakyReLU) ? [{ type: 'LeakyReLU', negativeSlope: this.negativeSlope }] : null;
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/** `x * sigmoid(x)` (swish). */
export class SiLU extends Module {
  override forward(input: Tensor): Tensor {
    return F.silu(input);
  }
  override _layerSpecs(): LayerSpec[] | null {
    return this._forwardIsFrom(SiLU) ? [{ type: 'SiLU' }] : null;
  }
}

/** `x` for x > 0, `alpha * (exp(x) - 1)` otherwise. */
export class ELU extends Module {
  readonly alpha: number;

  constructor(alpha = 1.0) {
    super();
    this.alpha = numberArg('ELU', 'alpha', alpha);
  }
  override forward(input: Tensor): Tensor {
    return F.elu(input, this.alpha);
  }
  override _layerSpecs(): LayerSpec[] | null {
    return this._forwardIsFrom(ELU) ? [{ type: 'ELU', alpha: this.alpha }] : null;
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/** `log(1 + exp(beta x)) / beta`, the identity where `beta x > threshold`. */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(opts: { beta?: number; threshold?: number } = {}) {
    super();
    this.beta = numberArg('Softplus', 'beta', opts.beta ?? 1.0);
    this.threshold = numberArg('Softplus', 'threshold', opts.threshold ?? 20.0);
  }
  override forward(input: Tensor): Tensor {
    return F.softplus(input, this.beta, this.threshold);
  }
  override _layerSpecs(): LayerSpec[] | null {
    return this._forwardIsFrom(Softplus) ? [{ type: 'Softplus', beta: this.beta, threshold: this.threshold }] : null;
  }
  override extraRepr(): string {
    return `beta=${pyFloat(this.beta)}, threshold=${pyFloat(this.threshold)}`;
  }
}

/** Clamps to `[minVal, maxVal]` (gradient 0 outside and at the bounds). */
export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;

  constructor(minVal = -1.0, maxVal = 1.0) {
    super();
    this.minVal = numberArg('Hardtanh', 'min_val', minVal);
    this.maxVal = numberArg('Hardtanh', 'max_val', maxVal);
    native.validateLayer({ type: 'Hardtanh', minVal: this.minVal, maxVal: this.maxVal });
  }
  override forward(input: Tensor): Tensor {
    return F.hardtanh(input, this.minVal, this.maxVal);
  }
  override _layerSpecs(): LayerSpec[] | null {
    return this._forwardIsFrom(Hardtanh) ? [{ type: 'Hardtanh', minVal: this.minVal, maxVal: this.maxVal }] : null;
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}`;
  }
}
