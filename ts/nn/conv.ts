// nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d and nn.ConvTranspose2d, as
// torch/nn/modules/conv.py: PyTorch's defaults, init (kaiming-uniform
// weight, uniform bias), repr and checks.
import { native, type LayerSpec } from '../native';
import { empty } from '../creation';
import { argumentError } from '../errors';
import type { Tensor } from '../tensor';
import type { DTypeLike } from '../dtype';
import type { DeviceLike } from '../device';
import { Module } from './module';
import { Parameter } from './parameter';
import { conv1d, conv2d, convTranspose1d, convTranspose2d, ntuple, type IntOrTuple } from './functional_layers';
import { pyBool, pyTuple } from './python_format';

export interface ConvLayerOptions {
  /** @default 1 */
  stride?: IntOrTuple;
  /** An int, a tuple, or 'same' / 'valid'. @default 0 */
  padding?: IntOrTuple | 'same' | 'valid';
  /** @default 1 */
  dilation?: IntOrTuple;
  /** @default 1 */
  groups?: number;
  /** @default true */
  bias?: boolean;
  /** Only 'zeros' is built (PyTorch also has 'reflect', 'replicate', 'circular'). @default 'zeros' */
  paddingMode?: 'zeros';
  device?: DeviceLike;
  dtype?: DTypeLike;
}

const PADDING_MODES = ['zeros', 'reflect', 'replicate', 'circular'];

/** The shared part of Conv1d, Conv2d and the transposed ones (PyTorch's `_ConvNd`). */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  /** Ints per dim, or the padding string as given. */
  readonly padding: number[] | 'same' | 'valid';
  readonly dilation: number[];
  /** Zeros but for transposed convolutions. */
  readonly outputPadding: number[];
  readonly transposed: boolean;
  readonly groups: number;
  readonly paddingMode: string;
  weight: Parameter;
  bias: Parameter | null;

  protected constructor(
    op: string, dims: number, inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvLayerOptions,
    transposed: { outputPadding: IntOrTuple } | null = null,
  ) {
    super();
    for (const [name, v] of [['in_channels', inChannels], ['out_channels', outChannels]] as const) {
      if (!Number.isInteger(v) || v < 0) throw argumentError(`${op}: ${name} must be a non-negative integer, got ${String(v)}`);
    }
    const { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true, paddingMode = 'zeros' } = opts;
    if (!PADDING_MODES.includes(paddingMode)) {
      throw argumentError(`padding_mode must be one of ['zeros', 'reflect', 'replicate', 'circular'], but got padding_mode='${String(paddingMode)}'`);
    }
    if (paddingMode !== 'zeros') throw argumentError(`${op}: padding_mode='${paddingMode}' is not supported yet (only 'zeros')`);
    if (!Number.isInteger(groups)) throw argumentError('groups must be a positive integer');
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = ntuple(op, 'kernel_size', kernelSize, dims);
    this.stride = ntuple(op, 'stride', stride, dims);
    this.padding = typeof padding === 'string' ? padding : ntuple(op, 'padding', padding, dims);
    this.dilation = ntuple(op, 'dilation', dilation, dims);
    this.transposed = transposed !== null;
    this.outputPadding = ntuple(op, 'output_padding', transposed?.outputPadding ?? 0, dims);
    this.groups = groups;
    this.paddingMode = paddingMode;
    // PyTorch's constructor checks (groups, padding strings), in the engine.
    native.validateLayer(this.spec(bias));
    const factory = { dtype: opts.dtype, device: opts.device };
    // A transposed convolution's weight is (in, out / groups, ...), as PyTorch's.
    const weightShape = this.transposed ? [inChannels, outChannels / groups] : [outChannels, inChannels / groups];
    this.weight = new Parameter(empty([...weightShape, ...this.kernelSize], factory));
    this.bias = bias ? new Parameter(empty([outChannels], factory)) : null;
    this.resetParameters();
  }

  private spec(bias: boolean): LayerSpec {
    if (this.transposed) {
      return {
        type: 'ConvTranspose', inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: this.kernelSize, stride: this.stride,
        padding: this.padding as number[], outputPadding: this.outputPadding, groups: this.groups, dilation: this.dilation, bias,
      };
    }
    const str = typeof this.padding === 'string';
    return {
      type: 'Conv', inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: this.kernelSize, stride: this.stride,
      padding: str ? [] : (this.padding as number[]), paddingString: str ? (this.padding as string) : undefined,
      dilation: this.dilation, groups: this.groups, bias,
    };
  }

  /** Kaiming-uniform weight (a = √5), then a uniform bias, as `_ConvNd.reset_parameters`. */
  resetParameters(): void {
    native.convResetParameters(this.weight._n, this.bias?._n);
  }

  override forward(input: Tensor): Tensor {
    const opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
    return this.kernelSize.length === 1 ? conv1d(input, this.weight, this.bias, opts) : conv2d(input, this.weight, this.bias, opts);
  }

  override _layerSpecs(params: Parameter[]): LayerSpec[] | null {
    if (!this._forwardIsFrom(this.transposed ? ConvTransposeNd : ConvNd)) return null;
    params.push(this.weight);
    if (this.bias) params.push(this.bias);
    return [this.spec(this.bias !== null)];
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += `, bias=${pyBool(false)}`;
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/**
 * 1-d convolution: input `(N, C_in, L)` → `(N, C_out, L_out)`.
 *
 * @example
 * const conv = new nn.Conv1d(16, 33, 3, { stride: 2 });
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvLayerOptions = {}) {
    super('Conv1d', 1, inChannels, outChannels, kernelSize, opts);
  }
}

/**
 * 2-d convolution: input `(N, C_in, H, W)` → `(N, C_out, H_out, W_out)`.
 * Initialised exactly like PyTorch: after `torch.manualSeed(s)` the weights
 * equal Python's `nn.Conv2d` after `torch.manual_seed(s)`.
 *
 * @example
 * const conv = new nn.Conv2d(1, 8, 3, { padding: 1 });
 * conv.forward(torch.randn(4, 1, 28, 28)).shape; // [4, 8, 28, 28]
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvLayerOptions = {}) {
    super('Conv2d', 2, inChannels, outChannels, kernelSize, opts);
  }
}

export interface ConvTransposeLayerOptions {
  /** @default 1 */
  stride?: IntOrTuple;
  /** Trimmed from both sides of the output: `dilation * (kernelSize - 1) - padding` zeros pad the input. @default 0 */
  padding?: IntOrTuple;
  /** Extra size added to one side of the output (smaller than stride or dilation). @default 0 */
  outputPadding?: IntOrTuple;
  /** @default 1 */
  groups?: number;
  /** @default true */
  bias?: boolean;
  /** @default 1 */
  dilation?: IntOrTuple;
  /** Only 'zeros' is supported, as in PyTorch. @default 'zeros' */
  paddingMode?: 'zeros';
  device?: DeviceLike;
  dtype?: DTypeLike;
}

export interface ConvTransposeForwardOptions {
  /**
   * The output's spatial size (or its full size), which picks the output
   * padding: strided convolutions map several input sizes to one output size.
   */
  outputSize?: readonly number[] | null;
}

/** A Python list of ints: `[9, 9]`. */
const pyList = (items: readonly number[]) => `[${items.join(', ')}]`;

/** The shared part of ConvTranspose1d and ConvTranspose2d (PyTorch's `_ConvTransposeNd`). */
abstract class ConvTransposeNd extends ConvNd {
  protected constructor(op: string, dims: number, inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvTransposeLayerOptions) {
    if (opts.paddingMode !== undefined && opts.paddingMode !== 'zeros') {
      throw argumentError(`Only "zeros" padding mode is supported for ${new.target.name}`);
    }
    const { outputPadding = 0, ...convOpts } = opts;
    if (typeof convOpts.padding === 'string') throw argumentError(`${op}: padding must be an int or a tuple of ints, got '${String(convOpts.padding)}'`);
    super(op, dims, inChannels, outChannels, kernelSize, convOpts, { outputPadding });
  }

  /**
   * PyTorch's `_output_padding`: the configured one, or the one that makes
   * the output `outputSize` (its spatial dims, or all of them).
   */
  private outputPaddingFor(input: Tensor, outputSize: readonly number[] | null | undefined): number[] {
    if (outputSize === undefined || outputSize === null) return this.outputPadding;
    const dims = this.kernelSize.length;
    if (!Array.isArray(outputSize) || outputSize.some((v) => !Number.isInteger(v))) {
      throw argumentError(`ConvTranspose${dims}D: output_size must be a list of ints, got ${String(outputSize)}`);
    }
    const nonSpatial = input.dim() === dims + 2 ? 2 : 1;
    const size = outputSize.length === nonSpatial + dims ? outputSize.slice(nonSpatial) : [...outputSize];
    if (size.length !== dims) {
      throw argumentError(`ConvTranspose${dims}D: for ${input.dim()}D input, output_size must have ${dims} or ${nonSpatial + dims} elements (got ${size.length})`);
    }
    const minSizes = this.kernelSize.map((k, d) =>
      (input.size(d + nonSpatial) - 1) * this.stride[d]! - 2 * (this.padding as number[])[d]! + this.dilation[d]! * (k - 1) + 1);
    const maxSizes = minSizes.map((m, d) => m + this.stride[d]! - 1);
    if (size.some((s, d) => s < minSizes[d]! || s > maxSizes[d]!)) {
      throw argumentError(
        `requested an output size of ${pyList(size)}, but valid sizes range from ${pyList(minSizes)} to ${pyList(maxSizes)} ` +
        `(for an input of torch.Size(${pyList(input.shape.slice(2))}))`,
      );
    }
    return size.map((s, d) => s - minSizes[d]!);
  }

  override forward(input: Tensor, opts: ConvTransposeForwardOptions = {}): Tensor {
    const outputPadding = this.outputPaddingFor(input, opts.outputSize);
    const fnOpts = { stride: this.stride, padding: this.padding as number[], outputPadding, groups: this.groups, dilation: this.dilation };
    return this.kernelSize.length === 1
      ? convTranspose1d(input, this.weight, this.bias, fnOpts)
      : convTranspose2d(input, this.weight, this.bias, fnOpts);
  }
}

/**
 * 1-d transposed convolution ("deconvolution"): input `(N, C_in, L)` →
 * `(N, C_out, L_out)`, `L_out = (L - 1)·stride - 2·padding +
 * dilation·(kernelSize - 1) + outputPadding + 1`.
 *
 * @example
 * const up = new nn.ConvTranspose1d(16, 8, 4, { stride: 2, padding: 1 });
 * up.forward(torch.randn(2, 16, 10)).shape; // [2, 8, 20]
 */
export class ConvTranspose1d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvTransposeLayerOptions = {}) {
    super('ConvTranspose1d', 1, inChannels, outChannels, kernelSize, opts);
  }
}

/**
 * 2-d transposed convolution ("deconvolution"), the gradient of Conv2d with
 * respect to its input: `(N, C_in, H, W)` → `(N, C_out, H_out, W_out)`.
 * Initialised exactly like PyTorch after the same `manualSeed`.
 *
 * @example
 * const up = new nn.ConvTranspose2d(8, 4, 3, { stride: 2, padding: 1 });
 * up.forward(x, { outputSize: [28, 28] }).shape; // [N, 4, 28, 28] for a 14×14 x
 */
export class ConvTranspose2d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvTransposeLayerOptions = {}) {
    super('ConvTranspose2d', 2, inChannels, outChannels, kernelSize, opts);
  }
}
