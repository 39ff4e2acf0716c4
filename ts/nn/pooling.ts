// Pooling layers, as torch/nn/modules/pooling.py: MaxPool1d, MaxPool2d,
// AvgPool2d, AdaptiveAvgPool2d. Sizes print as given (an int or a tuple).
import type { LayerSpec } from '../native';
import type { Tensor } from '../tensor';
import { Module } from './module';
import {
  adaptiveAvgPool2d, adaptiveSize2d, avgPool2d, maxPool1d, maxPool2d, ntuple,
  type AdaptiveSize, type AvgPool2dOptions, type IntOrTuple, type MaxPoolOptions,
} from './functional_layers';
import { pyBool, pySize } from './python_format';

/** The shared part of MaxPool1d and MaxPool2d (PyTorch's `_MaxPoolNd`). */
abstract class MaxPoolNd extends Module {
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple;
  readonly dilation: IntOrTuple;
  readonly ceilMode: boolean;

  protected constructor(private readonly dims: number, readonly kernelSize: IntOrTuple, opts: MaxPoolOptions) {
    super();
    const op = dims === 1 ? 'MaxPool1d' : 'MaxPool2d';
    ntuple(op, 'kernel_size', kernelSize, dims);
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.ceilMode = opts.ceilMode ?? false;
    for (const [name, v] of [['stride', this.stride], ['padding', this.padding], ['dilation', this.dilation]] as const) ntuple(op, name, v, dims);
  }

  override forward(input: Tensor): Tensor {
    const opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    return this.dims === 1 ? maxPool1d(input, this.kernelSize, opts) : maxPool2d(input, this.kernelSize, opts);
  }

  override _layerSpecs(): LayerSpec[] | null {
    if (!this._forwardIsFrom(MaxPoolNd)) return null;
    const n = (name: string, v: IntOrTuple) => ntuple(this.constructor.name, name, v, this.dims);
    return [{
      type: 'MaxPool', kernelSize: n('kernel_size', this.kernelSize), stride: n('stride', this.stride),
      padding: n('padding', this.padding), dilation: n('dilation', this.dilation), ceilMode: this.ceilMode,
    }];
  }

  override extraRepr(): string {
    return `kernel_size=${pySize(this.kernelSize)}, stride=${pySize(this.stride)}, padding=${pySize(this.padding)}, dilation=${pySize(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/** Max over windows of `(N, C, L)`. */
export class MaxPool1d extends MaxPoolNd {
  constructor(kernelSize: IntOrTuple, opts: MaxPoolOptions = {}) {
    super(1, kernelSize, opts);
  }
}

/**
 * Max over windows of `(N, C, H, W)`; stride defaults to the kernel size.
 *
 * @example
 * new nn.MaxPool2d(2).forward(torch.randn(1, 3, 8, 8)).shape; // [1, 3, 4, 4]
 */
export class MaxPool2d extends MaxPoolNd {
  constructor(kernelSize: IntOrTuple, opts: MaxPoolOptions = {}) {
    super(2, kernelSize, opts);
  }
}

/** Mean over windows of `(N, C, H, W)`; stride defaults to the kernel size. */
export class AvgPool2d extends Module {
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(readonly kernelSize: IntOrTuple, opts: AvgPool2dOptions = {}) {
    super();
    ntuple('AvgPool2d', 'kernel_size', kernelSize, 2);
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
    this.divisorOverride = opts.divisorOverride ?? null;
    ntuple('AvgPool2d', 'stride', this.stride, 2);
    ntuple('AvgPool2d', 'padding', this.padding, 2);
  }

  private options(): AvgPool2dOptions {
    return { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride };
  }

  override forward(input: Tensor): Tensor {
    return avgPool2d(input, this.kernelSize, this.options());
  }

  override _layerSpecs(): LayerSpec[] | null {
    if (!this._forwardIsFrom(AvgPool2d)) return null;
    const n = (name: string, v: IntOrTuple) => ntuple('AvgPool2d', name, v, 2);
    return [{
      type: 'AvgPool2d', kernelSize: n('kernel_size', this.kernelSize), stride: n('stride', this.stride), padding: n('padding', this.padding),
      ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride ?? undefined,
    }];
  }

  override extraRepr(): string {
    return `kernel_size=${pySize(this.kernelSize)}, stride=${pySize(this.stride)}, padding=${pySize(this.padding)}`;
  }
}

/** Averages `(N, C, H, W)` down to `outputSize` (null keeps that dim's size). */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize) {
    super();
    adaptiveSize2d('AdaptiveAvgPool2d', outputSize);
  }

  override forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }

  override _layerSpecs(): LayerSpec[] | null {
    if (!this._forwardIsFrom(AdaptiveAvgPool2d)) return null;
    return [{ type: 'AdaptiveAvgPool2d', outputSize: adaptiveSize2d('AdaptiveAvgPool2d', this.outputSize) }];
  }

  override extraRepr(): string {
    const size = this.outputSize;
    return `output_size=${size === null ? 'None' : pySize(size)}`;
  }
}
