// nn.Parameter: a tensor that a Module registers as trainable.
import { Tensor } from '../tensor';

export class Parameter extends Tensor {
  /** Wraps `data`'s storage (no copy) as a leaf that requires grad by default. */
  constructor(data: Tensor, requiresGrad = true) {
    super(data.detach()._n);
    if (requiresGrad) this.requiresGrad = true;
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
