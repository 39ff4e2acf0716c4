// nn.Conv1d and nn.Conv2d, as torch/nn/modules/conv.py: PyTorch's
// defaults, init (kaiming-uniform weight, uniform bias), repr and checks.
import { native, type LayerSpec } from '../native';
import { empty } from '../creation';
import { argumentError } from '../errors';
import type { Tensor } from '../tensor';
import type { DTypeLike } from '../dtype';
import type { DeviceLike } from '../device';
import { Module } from './module';
import { Parameter } from './parameter';
import { conv1d, conv2d, ntuple, type IntOrTuple } from './functional_layers';
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

/** The shared part of Conv1d and Conv2d (PyTorch's `_ConvNd`). */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  /** Ints per dim, or the padding string as given. */
  readonly padding: number[] | 'same' | 'valid';
  readonly dilation: number[];
  readonly groups: number;
  readonly paddingMode: string;
  weight: Parameter;
  bias: Parameter | null;

  protected constructor(op: string, dims: number, inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvLayerOptions) {
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
    this.groups = groups;
    this.paddingMode = paddingMode;
    // PyTorch's constructor checks (groups, padding strings), in the engine.
    native.validateLayer(this.spec(bias));
    const factory = { dtype: opts.dtype, device: opts.device };
    this.weight = new Parameter(empty([outChannels, inChannels / groups, ...this.kernelSize], factory));
    this.bias = bias ? new Parameter(empty([outChannels], factory)) : null;
    this.resetParameters();
  }

  private spec(bias: boolean): LayerSpec {
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
    if (!this._forwardIsFrom(ConvNd)) return null;
    params.push(this.weight);
    if (this.bias) params.push(this.bias);
    return [this.spec(this.bias !== null)];
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
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
