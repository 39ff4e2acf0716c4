// nn.Embedding, as torch/nn/modules/sparse.py.
import { native, type LayerSpec } from '../native';
import { argumentError } from '../errors';
import { empty } from '../creation';
import type { Tensor } from '../tensor';
import type { DTypeLike } from '../dtype';
import type { DeviceLike } from '../device';
import { Module } from './module';
import { Parameter } from './parameter';
import { embedding } from './functional_layers';
import { pyFloat } from './python_format';

export interface EmbeddingLayerOptions {
  /** This row is zero at init and gets no gradient; negative counts from the end. */
  paddingIdx?: number | null;
  /** Rows looked up are renormalised in place to at most this norm. */
  maxNorm?: number | null;
  /** @default 2 */
  normType?: number;
  /** @default false */
  scaleGradByFreq?: boolean;
  /** @default false */
  sparse?: boolean;
  device?: DeviceLike;
  dtype?: DTypeLike;
}

/**
 * A lookup table: integer indices `(*)` → rows `(*, embeddingDim)`.
 * Initialised N(0, 1) exactly like PyTorch for the same seed.
 *
 * @example
 * const emb = new nn.Embedding(10, 3, { paddingIdx: 0 });
 * emb.forward(torch.tensor([[1, 2], [0, 9]])).shape; // [2, 2, 3]
 */
export class Embedding extends Module {
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly sparse: boolean;
  weight: Parameter;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: EmbeddingLayerOptions = {}) {
    super();
    for (const [name, v] of [['num_embeddings', numEmbeddings], ['embedding_dim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 0) throw argumentError(`Embedding: ${name} must be a non-negative integer, got ${String(v)}`);
    }
    const { paddingIdx = null, maxNorm = null, normType = 2, scaleGradByFreq = false, sparse = false } = opts;
    if (paddingIdx !== null && (!Number.isInteger(paddingIdx) || paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings)) {
      throw argumentError('Padding_idx must be within num_embeddings');
    }
    this.paddingIdx = paddingIdx !== null && paddingIdx < 0 ? numEmbeddings + paddingIdx : paddingIdx;
    this.maxNorm = maxNorm;
    this.normType = normType;
    this.scaleGradByFreq = scaleGradByFreq;
    this.sparse = sparse;
    this.weight = new Parameter(empty([numEmbeddings, embeddingDim], { dtype: opts.dtype, device: opts.device }));
    this.resetParameters();
  }

  /** N(0, 1), then the padding row zeroed, as `nn.Embedding.reset_parameters`. */
  resetParameters(): void {
    native.embeddingResetParameters(this.weight._n, this.paddingIdx ?? undefined);
  }

  override forward(input: Tensor): Tensor {
    const { paddingIdx, maxNorm, normType, scaleGradByFreq, sparse } = this;
    return embedding(input, this.weight, { paddingIdx, maxNorm, normType, scaleGradByFreq, sparse });
  }

  override _layerSpecs(params: Parameter[]): LayerSpec[] | null {
    // max_norm renormalises the weight in place and sparse makes sparse grads: eager only.
    if (!this._forwardIsFrom(Embedding) || this.maxNorm !== null || this.sparse) return null;
    params.push(this.weight);
    return [{ type: 'Embedding', paddingIdx: this.paddingIdx ?? -1, scaleGradByFreq: this.scaleGradByFreq }];
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    if (this.sparse) s += ', sparse=True';
    return s;
  }
}
