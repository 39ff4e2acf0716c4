// nn.Dropout: active in train(), the identity in eval().
import type { Tensor } from '../tensor';
import { native, type LayerSpec } from '../native';
import { argumentError } from '../errors';
import { describe } from '../validate';
import { Module } from './module';
import * as F from './functional';

export class Dropout extends Module {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    if (typeof p !== 'number') throw argumentError(`dropout probability has to be between 0 and 1, but got ${describe(p)}`);
    native.validateLayer({ type: 'Dropout', p });
    this.p = p;
  }

  override forward(input: Tensor): Tensor {
    return F.dropout(input, this.p, this.training);
  }

  override _layerSpecs(): LayerSpec[] | null {
    return this._forwardIsFrom(Dropout) ? [{ type: 'Dropout', p: this.p }] : null;
  }

  override extraRepr(): string {
    return `p=${this.p}, inplace=False`;
  }
}
