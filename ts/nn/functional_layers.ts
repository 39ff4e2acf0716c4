// torch.nn.functional's CNN-era layers (convolution, pooling, normalisation,
// embedding, activations), re-exported by functional.ts. Each is one native
// call into the same engine function the fused layers run, so `F.conv2d`
// and a fused Conv2d give the same numbers.
import { native } from '../native';
import { Tensor, tensorArg } from '../tensor';
import { argumentError } from '../errors';
import { checkInt, checkNumber, checkOptionalBool, checkOptions, describe } from '../validate';

/** An int or a tuple of ints, as PyTorch's `_single`/`_pair` take them. */
export type IntOrTuple = number | readonly number[];

/** @internal `_ntuple(n)`: an int repeated n times, or a list of exactly n ints. */
export function ntuple(op: string, name: string, value: IntOrTuple, n: number): number[] {
  const list = typeof value === 'number' ? Array<number>(n).fill(value) : Array.isArray(value) ? [...value] : null;
  if (!list || list.length !== n || list.some((v) => !Number.isInteger(v))) {
    throw argumentError(`${op}(): ${name} must be an int or a tuple of ${n} ints, got ${describe(value)}`);
  }
  return list;
}

function optionalTensor(op: string, name: string, value: Tensor | null | undefined) {
  return value === undefined || value === null ? undefined : tensorArg(op, name, value);
}

export interface ConvOptions {
  /** @default 1 */
  stride?: IntOrTuple;
  /** An int, a tuple, or 'same' / 'valid'. @default 0 */
  padding?: IntOrTuple | 'same' | 'valid';
  /** @default 1 */
  dilation?: IntOrTuple;
  /** @default 1 */
  groups?: number;
}

function convN(op: string, dims: number, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: ConvOptions): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = checkOptions(op, opts);
  const paddingString = typeof padding === 'string' ? padding : undefined;
  if (paddingString !== undefined && paddingString !== 'same' && paddingString !== 'valid') {
    throw argumentError(`Invalid padding string '${paddingString}', should be one of {'same', 'valid'}`);
  }
  const paddingInts = paddingString === undefined ? ntuple(op, 'padding', padding as IntOrTuple, dims) : [];
  return new Tensor(native.conv(
    tensorArg(op, 'input', input), tensorArg(op, 'weight', weight), optionalTensor(op, 'bias', bias),
    ntuple(op, 'stride', stride, dims), paddingInts, paddingString, ntuple(op, 'dilation', dilation, dims), checkInt(op, 'groups', groups),
  ));
}

/** 1-d convolution over `(N, C_in, L)` (or unbatched `(C_in, L)`) with weight `(C_out, C_in/groups, k)`. */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  return convN('conv1d', 1, input, weight, bias, opts);
}

/** 2-d convolution over `(N, C_in, H, W)` (or unbatched `(C_in, H, W)`) with weight `(C_out, C_in/groups, kH, kW)`. */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  return convN('conv2d', 2, input, weight, bias, opts);
}

export interface MaxPoolOptions {
  /** @default kernelSize */
  stride?: IntOrTuple | null;
  /** @default 0 */
  padding?: IntOrTuple;
  /** @default 1 */
  dilation?: IntOrTuple;
  /** @default false */
  ceilMode?: boolean;
}

function maxPoolN(op: string, dims: number, input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions): Tensor {
  const { stride, padding = 0, dilation = 1, ceilMode } = checkOptions(op, opts);
  const kernel = ntuple(op, 'kernel_size', kernelSize, dims);
  return new Tensor(native.maxPool(
    tensorArg(op, 'input', input), kernel, stride === undefined || stride === null ? kernel : ntuple(op, 'stride', stride, dims),
    ntuple(op, 'padding', padding, dims), ntuple(op, 'dilation', dilation, dims), checkOptionalBool(op, 'ceil_mode', ceilMode) ?? false,
  ));
}

export function maxPool1d(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): Tensor {
  return maxPoolN('max_pool1d', 1, input, kernelSize, opts);
}

export function maxPool2d(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): Tensor {
  return maxPoolN('max_pool2d', 2, input, kernelSize, opts);
}

export interface AvgPool2dOptions {
  /** @default kernelSize */
  stride?: IntOrTuple | null;
  /** @default 0 */
  padding?: IntOrTuple;
  /** @default false */
  ceilMode?: boolean;
  /** @default true */
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

export function avgPool2d(input: Tensor, kernelSize: IntOrTuple, opts: AvgPool2dOptions = {}): Tensor {
  const op = 'avg_pool2d';
  const { stride, padding = 0, ceilMode, countIncludePad, divisorOverride } = checkOptions(op, opts);
  const kernel = ntuple(op, 'kernel_size', kernelSize, 2);
  return new Tensor(native.avgPool2d(
    tensorArg(op, 'input', input), kernel, stride === undefined || stride === null ? kernel : ntuple(op, 'stride', stride, 2),
    ntuple(op, 'padding', padding, 2), checkOptionalBool(op, 'ceil_mode', ceilMode) ?? false,
    checkOptionalBool(op, 'count_include_pad', countIncludePad) ?? true,
    divisorOverride === undefined || divisorOverride === null ? undefined : checkInt(op, 'divisor_override', divisorOverride),
  ));
}

/** A size per dim; null keeps the input's size there. */
export type AdaptiveSize = number | null | readonly (number | null)[];

/** @internal the output size as a list of 2, nulls kept. */
export function adaptiveSize2d(op: string, outputSize: AdaptiveSize): (number | null)[] {
  const list = Array.isArray(outputSize) ? [...(outputSize as (number | null)[])] : [outputSize as number | null, outputSize as number | null];
  if (list.length !== 2 || list.some((v) => v !== null && !Number.isInteger(v))) {
    throw argumentError(`${op}(): output_size must be an int, None, or a tuple of 2 of them, got ${describe(outputSize)}`);
  }
  return list;
}

export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  const op = 'adaptive_avg_pool2d';
  return new Tensor(native.adaptiveAvgPool2d(tensorArg(op, 'input', input), adaptiveSize2d(op, outputSize)));
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** @default false */
  training?: boolean;
  /** @default 0.1 */
  momentum?: number;
  /** @default 1e-5 */
  eps?: number;
}

/**
 * Normalises over every dim but 1 (channels). In training the batch's
 * statistics are used and the running stats, when given, move toward them
 * by `momentum`, in place.
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  const op = 'batch_norm';
  const { weight, bias, training, momentum = 0.1, eps = 1e-5 } = checkOptions(op, opts);
  return new Tensor(native.batchNorm(
    tensorArg(op, 'input', input), optionalTensor(op, 'running_mean', runningMean), optionalTensor(op, 'running_var', runningVar),
    optionalTensor(op, 'weight', weight), optionalTensor(op, 'bias', bias), checkOptionalBool(op, 'training', training) ?? false,
    checkNumber(op, 'momentum', momentum), checkNumber(op, 'eps', eps),
  ));
}

export interface LayerNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** @default 1e-5 */
  eps?: number;
}

/** Normalises over the last `normalizedShape.length` dims. */
export function layerNorm(input: Tensor, normalizedShape: IntOrTuple, opts: LayerNormOptions = {}): Tensor {
  const op = 'layer_norm';
  const { weight, bias, eps = 1e-5 } = checkOptions(op, opts);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : ntuple(op, 'normalized_shape', normalizedShape, normalizedShape.length);
  return new Tensor(native.layerNorm(tensorArg(op, 'input', input), shape, optionalTensor(op, 'weight', weight), optionalTensor(op, 'bias', bias), checkNumber(op, 'eps', eps)));
}

export interface EmbeddingOptions {
  paddingIdx?: number | null;
  /** Rows picked by `input` are renormalised in place to at most this norm. */
  maxNorm?: number | null;
  /** @default 2 */
  normType?: number;
  /** @default false */
  scaleGradByFreq?: boolean;
  /** @default false */
  sparse?: boolean;
}

/** Rows of `weight` picked by the integer tensor `input`. */
export function embedding(input: Tensor, weight: Tensor, opts: EmbeddingOptions = {}): Tensor {
  const op = 'embedding';
  const { paddingIdx, maxNorm, normType = 2, scaleGradByFreq, sparse } = checkOptions(op, opts);
  const x = tensorArg(op, 'input', input);
  const w = tensorArg(op, 'weight', weight);
  const idx = paddingIdx === undefined || paddingIdx === null ? undefined : checkInt(op, 'padding_idx', paddingIdx);
  if (maxNorm !== undefined && maxNorm !== null) native.embeddingRenorm(w, x, checkNumber(op, 'max_norm', maxNorm), checkNumber(op, 'norm_type', normType));
  return new Tensor(native.embedding(x, w, idx, checkOptionalBool(op, 'scale_grad_by_freq', scaleGradByFreq) ?? false, checkOptionalBool(op, 'sparse', sparse) ?? false));
}

/** GELU, exact ('none', the default) or its tanh approximation. */
export function gelu(input: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  const { approximate = 'none' } = checkOptions('gelu', opts);
  if (typeof approximate !== 'string') throw argumentError(`gelu(): approximate must be a string, got ${describe(approximate)}`);
  return new Tensor(native.gelu(tensorArg('gelu', 'input', input), approximate));
}

/** `x * sigmoid(x)`. */
export function silu(input: Tensor): Tensor {
  return new Tensor(native.silu(tensorArg('silu', 'input', input)));
}

export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  return new Tensor(native.leakyRelu(tensorArg('leaky_relu', 'input', input), checkNumber('leaky_relu', 'negative_slope', negativeSlope)));
}

export function elu(input: Tensor, alpha = 1.0): Tensor {
  return new Tensor(native.elu(tensorArg('elu', 'input', input), checkNumber('elu', 'alpha', alpha)));
}

/** `log(1 + exp(beta x)) / beta`, linear above `threshold`. */
export function softplus(input: Tensor, beta = 1.0, threshold = 20.0): Tensor {
  const op = 'softplus';
  return new Tensor(native.softplus(tensorArg(op, 'input', input), checkNumber(op, 'beta', beta), checkNumber(op, 'threshold', threshold)));
}

export function hardtanh(input: Tensor, minVal = -1.0, maxVal = 1.0): Tensor {
  const op = 'hardtanh';
  return new Tensor(native.hardtanh(tensorArg(op, 'input', input), checkNumber(op, 'min_val', minVal), checkNumber(op, 'max_val', maxVal)));
}

/** @internal `input.unflatten(dim, sizes)`. */
export function unflatten(input: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const op = 'unflatten';
  return new Tensor(native.unflatten(tensorArg(op, 'input', input), checkInt(op, 'dim', dim), ntuple(op, 'sizes', sizes, sizes.length)));
}

export interface ConvTransposeOptions {
  /** @default 1 */
  stride?: IntOrTuple;
  /** @default 0 */
  padding?: IntOrTuple;
  /** @default 0 */
  outputPadding?: IntOrTuple;
  /** @default 1 */
  groups?: number;
  /** @default 1 */
  dilation?: IntOrTuple;
}

function convTransposeN(op: string, dims: number, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: ConvTransposeOptions): Tensor {
  const { stride = 1, padding = 0, outputPadding = 0, groups = 1, dilation = 1 } = checkOptions(op, opts);
  return new Tensor(native.convTranspose(
    tensorArg(op, 'input', input), tensorArg(op, 'weight', weight), optionalTensor(op, 'bias', bias),
    ntuple(op, 'stride', stride, dims), ntuple(op, 'padding', padding, dims), ntuple(op, 'output_padding', outputPadding, dims),
    checkInt(op, 'groups', groups), ntuple(op, 'dilation', dilation, dims),
  ));
}

/** 1-d transposed convolution over `(N, C_in, L)` with weight `(C_in, C_out/groups, k)`. */
export function convTranspose1d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvTransposeOptions = {}): Tensor {
  return convTransposeN('conv_transpose1d', 1, input, weight, bias, opts);
}

/** 2-d transposed convolution over `(N, C_in, H, W)` with weight `(C_in, C_out/groups, kH, kW)`. */
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvTransposeOptions = {}): Tensor {
  return convTransposeN('conv_transpose2d', 2, input, weight, bias, opts);
}

export interface GroupNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** @default 1e-5 */
  eps?: number;
}

/** Normalises each sample over groups of `numGroups` channels (and the remaining dims). */
export function groupNorm(input: Tensor, numGroups: number, opts: GroupNormOptions = {}): Tensor {
  const op = 'group_norm';
  const { weight, bias, eps = 1e-5 } = checkOptions(op, opts);
  return new Tensor(native.groupNorm(
    tensorArg(op, 'input', input), checkInt(op, 'num_groups', numGroups),
    optionalTensor(op, 'weight', weight), optionalTensor(op, 'bias', bias), checkNumber(op, 'eps', eps),
  ));
}
