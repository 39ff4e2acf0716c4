// nn.TransformerEncoderLayer and nn.TransformerEncoder, as
// torch/nn/modules/transformer.py's composite path (see MultiheadAttention
// on the fast path). Submodules run through `call`, so their hooks fire as
// in Python. Not engine layers: fused fit runs their JS forward.
import { native } from '../native';
import { tensor } from '../creation';
import { noGrad } from '../autograd';
import { argumentError } from '../errors';
import { Tensor, expectTensor } from '../tensor';
import type { DType, DTypeLike } from '../dtype';
import type { DeviceLike } from '../device';
import { checkNumber, checkOptionalBool, checkOptions, describe } from '../validate';
import { Module, moduleFunction } from './module';
import { Parameter } from './parameter';
import { ModuleList } from './container';
import { Linear } from './linear';
import { Dropout } from './dropout';
import { LayerNorm } from './normalization';
import { GELU, MultiheadAttention, ReLU } from './activation';
import { gelu } from './functional_layers';
import { relu } from './functional';

/** What the feed-forward block applies between its two Linears. */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | Module;

export interface TransformerEncoderLayerOptions {
  /** @default 2048 */
  dimFeedforward?: number;
  /** @default 0.1 */
  dropout?: number;
  /** @default 'relu' */
  activation?: TransformerActivation;
  /** @default 1e-5 */
  layerNormEps?: number;
  /** Inputs are `(N, S, E)` instead of `(S, N, E)`. @default false */
  batchFirst?: boolean;
  /** LayerNorm before attention and feed-forward instead of after. @default false */
  normFirst?: boolean;
  /** @default true */
  bias?: boolean;
  device?: DeviceLike;
  dtype?: DTypeLike;
}

export interface TransformerEncoderLayerForwardOptions {
  /** `(S, S)` or `(N * nhead, S, S)`: true / -inf blocks a position. */
  srcMask?: Tensor | null;
  /** `(N, S)`: true / -inf marks padding. */
  srcKeyPaddingMask?: Tensor | null;
  /** A hint that `srcMask` is causal. @default false */
  isCausal?: boolean;
}

/** `F._canonical_mask`: bool masks become 0 / -inf of `like`'s dtype. */
function canonicalMask(mask: Tensor | null | undefined, name: string, like: Tensor): Tensor | null {
  if (mask === undefined || mask === null) return null;
  return new Tensor(native.canonicalMask(expectTensor('canonical_mask', name, mask)._n, name, like._n));
}

/**
 * A causal mask: -inf above the diagonal, 0 elsewhere, as
 * `nn.Transformer.generate_square_subsequent_mask(sz)`.
 */
export function generateSquareSubsequentMask(sz: number, opts: { dtype?: DTypeLike; device?: DeviceLike } = {}): Tensor {
  const rows = Array.from({ length: sz }, (_, i) => Array.from({ length: sz }, (_, j) => (j > i ? -Infinity : 0)));
  return tensor(rows, { dtype: opts.dtype ?? 'float32', device: opts.device }).reshape([sz, sz]);
}

/**
 * One encoder block: self-attention then a feed-forward network, each
 * with dropout, a residual connection and LayerNorm (after, or before with
 * `normFirst`). Submodules and state-dict keys are PyTorch's (`self_attn`,
 * `linear1`, `dropout`, `linear2`, `norm1`, `norm2`, `dropout1`, `dropout2`).
 *
 * @example
 * const layer = new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 64, batchFirst: true });
 * layer.forward(torch.randn(2, 10, 16)).shape; // [2, 10, 16]
 */
export class TransformerEncoderLayer extends Module {
  readonly normFirst: boolean;
  /** 1 for relu, 2 for gelu, 0 otherwise (PyTorch's `activation_relu_or_gelu`). */
  readonly activationReluOrGelu: 0 | 1 | 2;
  /** The activation as a function; null when it is the `activation` child module (so deep copies use their own). */
  private readonly _activation: ((x: Tensor) => Tensor) | null;

  constructor(dModel: number, nhead: number, opts: TransformerEncoderLayerOptions = {}) {
    super();
    const o = checkOptions('TransformerEncoderLayer', opts);
    const { dimFeedforward = 2048, dropout = 0.1, activation = 'relu', layerNormEps = 1e-5, batchFirst = false, normFirst = false, bias = true } = o;
    const factory = { device: o.device, dtype: o.dtype };
    checkNumber('TransformerEncoderLayer', 'dropout', dropout);
    this.registerModule('self_attn', new MultiheadAttention(dModel, nhead, { dropout, bias, batchFirst, ...factory }));
    this.registerModule('linear1', new Linear(dModel, dimFeedforward, { bias, ...factory }));
    this.registerModule('dropout', new Dropout(dropout));
    this.registerModule('linear2', new Linear(dimFeedforward, dModel, { bias, ...factory }));
    this.normFirst = checkOptionalBool('TransformerEncoderLayer', 'norm_first', normFirst) ?? false;
    this.registerModule('norm1', new LayerNorm(dModel, { eps: layerNormEps, bias, ...factory }));
    this.registerModule('norm2', new LayerNorm(dModel, { eps: layerNormEps, bias, ...factory }));
    this.registerModule('dropout1', new Dropout(dropout));
    this.registerModule('dropout2', new Dropout(dropout));
    if (typeof activation === 'string') {
      if (activation !== 'relu' && activation !== 'gelu') throw argumentError(`activation should be relu/gelu, not ${String(activation)}`);
      this._activation = activation === 'relu' ? relu : (x) => gelu(x);
      this.activationReluOrGelu = activation === 'relu' ? 1 : 2;
    } else if (activation instanceof Module) {
      // A module is a child, as Python's attribute assignment makes it.
      this.registerModule('activation', activation);
      this._activation = null;
      this.activationReluOrGelu = activation instanceof ReLU ? 1 : activation instanceof GELU ? 2 : 0;
    } else if (typeof activation === 'function') {
      this._activation = activation;
      this.activationReluOrGelu = activation === relu ? 1 : activation === gelu ? 2 : 0;
    } else {
      throw argumentError(`TransformerEncoderLayer: activation must be 'relu', 'gelu', a function or a Module, got ${describe(activation)}`);
    }
  }

  private child<T extends Module>(name: string): T {
    return this._modules.get(name) as T;
  }

  get selfAttn(): MultiheadAttention { return this.child('self_attn'); }
  get linear1(): Linear { return this.child('linear1'); }
  get dropout(): Dropout { return this.child('dropout'); }
  get linear2(): Linear { return this.child('linear2'); }
  get norm1(): LayerNorm { return this.child('norm1'); }
  get norm2(): LayerNorm { return this.child('norm2'); }
  get dropout1(): Dropout { return this.child('dropout1'); }
  get dropout2(): Dropout { return this.child('dropout2'); }

  override forward(src: Tensor, opts: TransformerEncoderLayerForwardOptions = {}): Tensor {
    const o = checkOptions('TransformerEncoderLayer.forward', opts);
    expectTensor('TransformerEncoderLayer.forward', 'src', src);
    const keyPaddingMask = canonicalMask(o.srcKeyPaddingMask, 'src_key_padding_mask', src);
    const mask = canonicalMask(o.srcMask, 'src_mask', src);
    const isCausal = checkOptionalBool('TransformerEncoderLayer.forward', 'is_causal', o.isCausal) ?? false;
    let x = src;
    if (this.normFirst) {
      x = x.add(this.saBlock(this.norm1.call(x), mask, keyPaddingMask, isCausal));
      x = x.add(this.ffBlock(this.norm2.call(x)));
    } else {
      x = this.norm1.call(x.add(this.saBlock(x, mask, keyPaddingMask, isCausal)));
      x = this.norm2.call(x.add(this.ffBlock(x)));
    }
    return x;
  }

  private saBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null, isCausal: boolean): Tensor {
    const [out] = this.selfAttn.call(x, x, x, { attnMask, keyPaddingMask, needWeights: false, isCausal });
    return this.dropout1.call(out);
  }

  private ffBlock(x: Tensor): Tensor {
    const h = this.linear1.call(x);
    const activated = this._activation ? this._activation(h) : (this.child('activation').call(h) as Tensor);
    const hidden = this.dropout.call(activated);
    return this.dropout2.call(this.linear2.call(hidden));
  }
}

export interface TransformerEncoderOptions {
  /** A final normalisation (usually a LayerNorm). @default null */
  norm?: Module | null;
  /** Accepted for PyTorch's signature; torchts has no nested tensors, so padding is always masked. @default true */
  enableNestedTensor?: boolean;
  /** Accepted for PyTorch's signature (it checks nested-tensor masks). @default true */
  maskCheck?: boolean;
}

export interface TransformerEncoderForwardOptions {
  /** `(S, S)` or `(N * nhead, S, S)`: true / -inf blocks a position. */
  mask?: Tensor | null;
  /** `(N, S)`: true / -inf marks padding. */
  srcKeyPaddingMask?: Tensor | null;
  /** Whether `mask` is causal; left out, it is detected by comparing with the causal mask. */
  isCausal?: boolean | null;
}

/**
 * Copies a value as Python's `copy.deepcopy` copies a module: modules,
 * parameters, buffers and containers become new objects (tensors with
 * their own storage, same values), functions and other objects are shared.
 */
function deepCopy<T>(value: T, memo: Map<unknown, unknown>): T {
  if (value === null || (typeof value !== 'object' && !(value instanceof Module))) return value;
  const seen = memo.get(value);
  if (seen !== undefined) return seen as T;
  let copy: unknown;
  if (value instanceof Parameter) {
    copy = new Parameter(noGrad(() => value.detach().clone()), value.requiresGrad);
  } else if (value instanceof Tensor) {
    copy = noGrad(() => value.detach().clone());
  } else if (value instanceof Map) {
    const map = new Map();
    memo.set(value, map);
    for (const [k, v] of value) map.set(k, deepCopy(v, memo));
    return map as T;
  } else if (Array.isArray(value)) {
    const list: unknown[] = [];
    memo.set(value, list);
    for (const v of value) list.push(deepCopy(v, memo));
    return list as T;
  } else if (value instanceof Module) {
    const module = moduleFunction(Object.getPrototypeOf(value) as object) as unknown as Record<string, unknown>;
    memo.set(value, module);
    for (const [k, v] of Object.entries(value)) module[k] = deepCopy(v, memo);
    return module as T;
  } else {
    copy = value;
  }
  memo.set(value, copy);
  return copy as T;
}

/** `_detect_is_causal_mask`: the hint if given, else whether `mask` equals the causal mask of `size`. */
function detectIsCausalMask(mask: Tensor | null, isCausal: boolean | null | undefined, size: number): boolean {
  if (isCausal !== undefined && isCausal !== null) return isCausal === true;
  if (mask === null) return false;
  const causal = generateSquareSubsequentMask(size, { dtype: mask.dtype as DType, device: mask.device });
  if (mask.shape.join() !== causal.shape.join()) return false;
  return mask.eq(causal).all().item() === 1;
}

/**
 * A stack of `numLayers` copies of `encoderLayer` (deep copies: each starts
 * with the given layer's weights, as in PyTorch), then `norm` if given.
 *
 * @example
 * const layer = new nn.TransformerEncoderLayer(16, 4, { batchFirst: true });
 * const encoder = new nn.TransformerEncoder(layer, 6);
 * encoder.forward(torch.randn(2, 10, 16), { srcKeyPaddingMask: padding });
 */
export class TransformerEncoder extends Module {
  readonly numLayers: number;
  readonly enableNestedTensor: boolean;
  readonly maskCheck: boolean;
  layers: ModuleList<TransformerEncoderLayer>;
  norm: Module | null;

  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, opts: TransformerEncoderOptions = {}) {
    super();
    const o = checkOptions('TransformerEncoder', opts);
    if (!(encoderLayer instanceof Module)) throw argumentError(`TransformerEncoder: encoder_layer must be a Module, got ${describe(encoderLayer)}`);
    if (!Number.isInteger(numLayers) || numLayers < 0) throw argumentError(`TransformerEncoder: num_layers must be a non-negative integer, got ${describe(numLayers)}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => deepCopy(encoderLayer, new Map())));
    this.numLayers = numLayers;
    this.norm = o.norm ?? null;
    this.enableNestedTensor = o.enableNestedTensor ?? true;
    this.maskCheck = o.maskCheck ?? true;
  }

  override forward(src: Tensor, opts: TransformerEncoderForwardOptions = {}): Tensor {
    const o = checkOptions('TransformerEncoder.forward', opts);
    expectTensor('TransformerEncoder.forward', 'src', src);
    const srcKeyPaddingMask = canonicalMask(o.srcKeyPaddingMask, 'src_key_padding_mask', src);
    const mask = canonicalMask(o.mask, 'mask', src);
    const layers = [...this.layers] as TransformerEncoderLayer[];
    const batchFirst = layers[0]?.selfAttn.batchFirst ?? false;
    const seqLen = src.dim() === 2 ? src.size(0) : src.size(batchFirst ? 1 : 0);
    const isCausal = detectIsCausalMask(mask, o.isCausal, seqLen);
    let output = src;
    for (const layer of layers) output = layer.call(output, { srcMask: mask, isCausal, srcKeyPaddingMask });
    return this.norm ? (this.norm.call(output) as Tensor) : output;
  }
}
