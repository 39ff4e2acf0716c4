// torch.nn.functional's attention, re-exported by functional.ts: each is one
// native call into crates/core/src/nn/attention.rs, which runs PyTorch's op
// sequence (multi_head_attention_forward's composite path) and its checks.
import { native } from '../native';
import { Tensor, tensorArg } from '../tensor';
import { checkNumber, checkOptionalBool, checkOptions, checkInt } from '../validate';

function optionalTensor(op: string, name: string, value: Tensor | null | undefined) {
  return value === undefined || value === null ? undefined : tensorArg(op, name, value);
}

export interface ScaledDotProductAttentionOptions {
  /** Bool (true: take part) or float (added) mask, broadcast to `(N, ..., L, S)`. */
  attnMask?: Tensor | null;
  /** @default 0 */
  dropoutP?: number;
  /** @default false */
  isCausal?: boolean;
  /** @default 1 / √E */
  scale?: number | null;
  /** @default false */
  enableGqa?: boolean;
}

/**
 * `softmax(Q Kᵀ · scale + mask) V` over `(N, ..., L, E)` queries and
 * `(N, ..., S, E)` keys and values, with libtorch's kernel choice.
 *
 * @example
 * const out = F.scaledDotProductAttention(q, k, v, { isCausal: true });
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, opts: ScaledDotProductAttentionOptions = {}): Tensor {
  const op = 'scaled_dot_product_attention';
  const { attnMask, dropoutP = 0, isCausal, scale, enableGqa } = checkOptions(op, opts);
  return new Tensor(native.scaledDotProductAttention(
    tensorArg(op, 'query', query), tensorArg(op, 'key', key), tensorArg(op, 'value', value), optionalTensor(op, 'attn_mask', attnMask),
    checkNumber(op, 'dropout_p', dropoutP), checkOptionalBool(op, 'is_causal', isCausal) ?? false,
    scale === undefined || scale === null ? undefined : checkNumber(op, 'scale', scale), checkOptionalBool(op, 'enable_gqa', enableGqa) ?? false,
  ));
}

export interface MultiHeadAttentionOptions {
  /** @default true */
  training?: boolean;
  /** `(N, S)` (or `(S)`): true / -inf marks padding keys. */
  keyPaddingMask?: Tensor | null;
  /** @default true */
  needWeights?: boolean;
  /** `(L, S)` or `(N * numHeads, L, S)`: true / -inf blocks a position. */
  attnMask?: Tensor | null;
  /** @default false */
  useSeparateProjWeight?: boolean;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  staticK?: Tensor | null;
  staticV?: Tensor | null;
  /** @default true */
  averageAttnWeights?: boolean;
  /** A hint that `attnMask` is causal (it must still be given). @default false */
  isCausal?: boolean;
}

/**
 * `F.multi_head_attention_forward` on sequence-first input `(L, N, E)` (or
 * unbatched `(L, E)`): `[output, weights]`, weights null unless
 * `needWeights`. As in Python, passing the same Tensor object as query and
 * key (and value) projects them in one matrix product.
 */
export function multiHeadAttentionForward(
  query: Tensor, key: Tensor, value: Tensor, embedDimToCheck: number, numHeads: number,
  inProjWeight: Tensor | null, inProjBias: Tensor | null, biasK: Tensor | null, biasV: Tensor | null,
  addZeroAttn: boolean, dropoutP: number, outProjWeight: Tensor, outProjBias: Tensor | null,
  opts: MultiHeadAttentionOptions = {},
): [Tensor, Tensor | null] {
  const op = 'multi_head_attention_forward';
  const o = checkOptions(op, opts);
  const bool = (name: string, value: unknown, fallback: boolean) => checkOptionalBool(op, name, value) ?? fallback;
  const needWeights = bool('need_weights', o.needWeights, true);
  const options = {
    embedDimToCheck: checkInt(op, 'embed_dim_to_check', embedDimToCheck),
    numHeads: checkInt(op, 'num_heads', numHeads),
    addZeroAttn: bool('add_zero_attn', addZeroAttn, false),
    dropoutP: checkNumber(op, 'dropout_p', dropoutP),
    training: bool('training', o.training, true),
    needWeights,
    useSeparateProjWeight: bool('use_separate_proj_weight', o.useSeparateProjWeight, false),
    averageAttnWeights: bool('average_attn_weights', o.averageAttnWeights, true),
    isCausal: bool('is_causal', o.isCausal, false),
    queryIsKey: query === key,
    keyIsValue: key === value,
  };
  const [output, weights] = native.multiHeadAttentionForward(
    tensorArg(op, 'query', query), tensorArg(op, 'key', key), tensorArg(op, 'value', value), options,
    optionalTensor(op, 'in_proj_weight', inProjWeight), optionalTensor(op, 'in_proj_bias', inProjBias),
    optionalTensor(op, 'bias_k', biasK), optionalTensor(op, 'bias_v', biasV),
    tensorArg(op, 'out_proj_weight', outProjWeight), optionalTensor(op, 'out_proj_bias', outProjBias),
    optionalTensor(op, 'q_proj_weight', o.qProjWeight), optionalTensor(op, 'k_proj_weight', o.kProjWeight), optionalTensor(op, 'v_proj_weight', o.vProjWeight),
    optionalTensor(op, 'static_k', o.staticK), optionalTensor(op, 'static_v', o.staticV),
    optionalTensor(op, 'key_padding_mask', o.keyPaddingMask), optionalTensor(op, 'attn_mask', o.attnMask),
  );
  return [new Tensor(output!), weights === undefined ? null : new Tensor(weights)];
}
