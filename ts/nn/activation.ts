// Activation layers: nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Softmax, nn.LogSoftmax,
// nn.GELU, nn.LeakyReLU, nn.SiLU, nn.ELU, nn.Softplus, nn.Hardtanh, and
// nn.MultiheadAttention (PyTorch keeps it in activation.py too).
import { expectTensor, type Tensor } from '../tensor';
import type { LayerSpec } from '../native';
import { Module } from './module';
import * as F from './functional';
import { native } from '../native';
import { argumentError } from '../errors';
import { pyFloat } from './python_format';
import { empty } from '../creation';
import type { DTypeLike } from '../dtype';
import type { DeviceLike } from '../device';
import { checkNumber, checkOptionalBool, checkOptions, describe, isOptionsObject } from '../validate';
import { Linear } from './linear';
import { Parameter } from './parameter';
import { constant_, xavierNormal_, xavierUniform_ } from './init';
import { multiHeadAttentionForward } from './functional_attention';

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
  readonly dim: number;
  /** `new nn.Softmax(1)` or, as Python's keyword, `new nn.Softmax({ dim: 1 })`. */
  constructor(dim: number | { dim: number }) {
    super();
    this.dim = isOptionsObject(dim) ? dim.dim : dim;
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
  readonly dim: number;
  constructor(dim: number | { dim: number }) {
    super();
    this.dim = isOptionsObject(dim) ? dim.dim : dim;
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

/** PyTorch's `NonDynamicallyQuantizableLinear`: MultiheadAttention's out_proj, a Linear by another name (its repr says so). */
export class NonDynamicallyQuantizableLinear extends Linear {}

export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights. @default 0 */
  dropout?: number;
  /** Biases on the in- and out-projections. @default true */
  bias?: boolean;
  /** Learned bias rows appended to the keys and values. @default false */
  addBiasKv?: boolean;
  /** A zero row appended to the keys and values. @default false */
  addZeroAttn?: boolean;
  /** Key features. @default embedDim */
  kdim?: number | null;
  /** Value features. @default embedDim */
  vdim?: number | null;
  /** Inputs are `(N, L, E)` instead of `(L, N, E)`. @default false */
  batchFirst?: boolean;
  device?: DeviceLike;
  dtype?: DTypeLike;
}

export interface MultiheadAttentionForwardOptions {
  /** `(N, S)` (or `(S)`): true / -inf marks padding keys. */
  keyPaddingMask?: Tensor | null;
  /** @default true */
  needWeights?: boolean;
  /** `(L, S)` or `(N * numHeads, L, S)`: true / -inf blocks a position. */
  attnMask?: Tensor | null;
  /** @default true */
  averageAttnWeights?: boolean;
  /** A hint that `attnMask` is causal (it must still be given). @default false */
  isCausal?: boolean;
}

/**
 * Multi-head attention, as torch/nn/modules/activation.py: parameters
 * `in_proj_weight` (or `q/k/v_proj_weight` when kdim/vdim differ),
 * `in_proj_bias`, `bias_k`/`bias_v`, `out_proj`, initialised with
 * PyTorch's numbers. `forward` returns `[output, weights]` (weights null
 * unless `needWeights`).
 *
 * torchts always runs PyTorch's composite path (`F.multi_head_attention_forward`);
 * Python's fused fast path, taken only in eval with grad disabled, can
 * differ from it in the last bits.
 *
 * @example
 * const mha = new nn.MultiheadAttention(16, 4, { batchFirst: true });
 * const [out, weights] = mha.forward(x, x, x);   // x: (N, L, 16)
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly numHeads: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly headDim: number;
  readonly addZeroAttn: boolean;
  private readonly _qkvSameEmbedDim: boolean;

  constructor(embedDim: number, numHeads: number, opts: MultiheadAttentionOptions = {}) {
    super();
    const o = checkOptions('MultiheadAttention', opts);
    const { dropout = 0, bias = true, addBiasKv = false, addZeroAttn = false, batchFirst = false } = o;
    if (!Number.isInteger(embedDim) || !Number.isInteger(numHeads)) {
      throw argumentError(`MultiheadAttention: embed_dim and num_heads must be integers, got ${describe(embedDim)} and ${describe(numHeads)}`);
    }
    if (embedDim <= 0 || numHeads <= 0) {
      throw argumentError(`embed_dim and num_heads must be greater than 0, got embed_dim=${embedDim} and num_heads=${numHeads} instead`);
    }
    this.embedDim = embedDim;
    this.kdim = o.kdim ?? embedDim;
    this.vdim = o.vdim ?? embedDim;
    this._qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    this.numHeads = numHeads;
    this.dropout = checkNumber('MultiheadAttention', 'dropout', dropout);
    this.batchFirst = checkOptionalBool('MultiheadAttention', 'batch_first', batchFirst) ?? false;
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) throw argumentError('embed_dim must be divisible by num_heads');
    const factory = { dtype: o.dtype, device: o.device };
    // Registration order is PyTorch's: it is the state dict's order.
    if (this._qkvSameEmbedDim) {
      this.registerParameter('in_proj_weight', new Parameter(empty([3 * embedDim, embedDim], factory)));
    } else {
      this.registerParameter('q_proj_weight', new Parameter(empty([embedDim, embedDim], factory)));
      this.registerParameter('k_proj_weight', new Parameter(empty([embedDim, this.kdim], factory)));
      this.registerParameter('v_proj_weight', new Parameter(empty([embedDim, this.vdim], factory)));
    }
    this.registerParameter('in_proj_bias', bias ? new Parameter(empty([3 * embedDim], factory)) : null);
    // out_proj draws its Linear init here, before _reset_parameters, as in Python.
    this.registerModule('out_proj', new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias, ...factory }));
    this.registerParameter('bias_k', addBiasKv ? new Parameter(empty([1, 1, embedDim], factory)) : null);
    this.registerParameter('bias_v', addBiasKv ? new Parameter(empty([1, 1, embedDim], factory)) : null);
    this.addZeroAttn = checkOptionalBool('MultiheadAttention', 'add_zero_attn', addZeroAttn) ?? false;
    this.resetParameters();
  }

  private param(name: string): Parameter | null {
    return this._parameters.get(name) ?? null;
  }

  get inProjWeight(): Parameter | null { return this.param('in_proj_weight'); }
  get qProjWeight(): Parameter | null { return this.param('q_proj_weight'); }
  get kProjWeight(): Parameter | null { return this.param('k_proj_weight'); }
  get vProjWeight(): Parameter | null { return this.param('v_proj_weight'); }
  get inProjBias(): Parameter | null { return this.param('in_proj_bias'); }
  get biasK(): Parameter | null { return this.param('bias_k'); }
  get biasV(): Parameter | null { return this.param('bias_v'); }
  get outProj(): NonDynamicallyQuantizableLinear {
    return this._modules.get('out_proj') as NonDynamicallyQuantizableLinear;
  }

  /** Xavier-uniform projections, zero biases, xavier-normal bias_k/bias_v, as `_reset_parameters`. */
  resetParameters(): void {
    if (this._qkvSameEmbedDim) xavierUniform_(this.inProjWeight!);
    else for (const w of [this.qProjWeight, this.kProjWeight, this.vProjWeight]) xavierUniform_(w!);
    if (this.inProjBias) {
      constant_(this.inProjBias, 0);
      constant_(this.outProj.bias!, 0);
    }
    if (this.biasK) xavierNormal_(this.biasK);
    if (this.biasV) xavierNormal_(this.biasV);
  }

  override forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const o = checkOptions('MultiheadAttention.forward', opts);
    let [q, k, v] = [query, key, value];
    const isBatched = expectTensor('MultiheadAttention.forward', 'query', query).dim() === 3;
    if (this.batchFirst && isBatched) {
      // Keep Python's `is` relations: they choose the packed projection.
      if (key === value) {
        if (query === key) q = k = v = query.transpose(1, 0);
        else {
          q = query.transpose(1, 0);
          k = v = key.transpose(1, 0);
        }
      } else {
        [q, k, v] = [query.transpose(1, 0), key.transpose(1, 0), value.transpose(1, 0)];
      }
    }
    const separate = !this._qkvSameEmbedDim;
    const [output, weights] = multiHeadAttentionForward(
      q, k, v, this.embedDim, this.numHeads, this.inProjWeight, this.inProjBias, this.biasK, this.biasV, this.addZeroAttn,
      this.dropout, this.outProj.weight, this.outProj.bias, {
        training: this.training, keyPaddingMask: o.keyPaddingMask, needWeights: o.needWeights, attnMask: o.attnMask,
        useSeparateProjWeight: separate, qProjWeight: this.qProjWeight, kProjWeight: this.kProjWeight, vProjWeight: this.vProjWeight,
        averageAttnWeights: o.averageAttnWeights, isCausal: o.isCausal,
      },
    );
    return [this.batchFirst && isBatched ? output.transpose(1, 0) : output, weights];
  }
}
