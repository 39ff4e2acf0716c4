// nn.RNN, nn.LSTM and nn.GRU, as torch/nn/modules/rnn.py: PyTorch's
// arguments, flat-weight names and order, init, repr and checks; the
// recurrence is libtorch's fused op (crates/core/src/nn/rnn.rs), so outputs
// and gradients are PyTorch's bit for bit.
import { native } from '../native';
import { empty } from '../creation';
import { argumentError } from '../errors';
import { Tensor, tensorArg } from '../tensor';
import type { DTypeLike } from '../dtype';
import type { DeviceLike } from '../device';
import { describe } from '../validate';
import { Module } from './module';
import { Parameter } from './parameter';
import { pyBool, pyFloat } from './python_format';

type RnnConfig = Parameters<typeof native.rnnFlatWeights>[0];
type Mode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

export interface RNNBaseOptions {
  /** Stacked recurrent layers. @default 1 */
  numLayers?: number;
  /** Whether the layers have `b_ih` and `b_hh`. @default true */
  bias?: boolean;
  /** Input and output as `(batch, seq, feature)` instead of `(seq, batch, feature)`; states keep their layout. @default false */
  batchFirst?: boolean;
  /** Dropout on the outputs of each layer but the last (training only). @default 0 */
  dropout?: number;
  /** @default false */
  bidirectional?: boolean;
  device?: DeviceLike;
  dtype?: DTypeLike;
}

export interface RNNOptions extends RNNBaseOptions {
  /** @default 'tanh' */
  nonlinearity?: 'tanh' | 'relu';
}

export interface LSTMOptions extends RNNBaseOptions {
  /** If > 0, h_t is projected to this size by `weight_hr_l{k}`. @default 0 */
  projSize?: number;
}

/** Python's `type(x).__name__` for a JS value, as RNNBase's TypeErrors print it. */
function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'str';
  return describe(value);
}

function checkIntArg(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw argumentError(`${name} should be of type int, got: ${pyTypeName(value)}`);
  return value;
}

function checkBoolArg(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw argumentError(`${name} should be of type bool, got: ${pyTypeName(value)}`);
  return value;
}

/** The shared part of RNN, LSTM and GRU (PyTorch's `RNNBase`). */
export abstract class RNNBase extends Module {
  /** Flat weights by PyTorch's names: `weight_ih_l0`, `bias_hh_l1_reverse`, `weight_hr_l0`, … */
  [name: `weight_${string}` | `bias_${string}`]: Parameter;
  readonly mode: Mode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;
  /** The flat weights' names in PyTorch's order (`_flat_weights_names`). */
  readonly _flatWeightsNames: string[];
  private readonly _config: RnnConfig;

  protected constructor(mode: Mode, inputSize: number, hiddenSize: number, opts: LSTMOptions) {
    super();
    const { numLayers = 1, bias = true, batchFirst = false, dropout = 0, bidirectional = false, projSize = 0 } = opts;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
      throw argumentError('dropout should be a number in range [0, 1] representing the probability of an element being zeroed');
    }
    if (dropout > 0 && numLayers === 1) {
      process.emitWarning(
        `dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=${pyFloat(dropout)} and num_layers=${numLayers}`,
        'UserWarning',
      );
    }
    this.mode = mode;
    this.bias = checkBoolArg('bias', bias);
    this.batchFirst = checkBoolArg('batch_first', batchFirst);
    this.inputSize = checkIntArg('input_size', inputSize);
    this.hiddenSize = checkIntArg('hidden_size', hiddenSize);
    this.numLayers = checkIntArg('num_layers', numLayers);
    this.dropout = dropout;
    this.bidirectional = checkBoolArg('bidirectional', bidirectional);
    this.projSize = checkIntArg('proj_size', projSize);
    this._config = {
      mode, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize,
    };
    // RNNBase's value checks and the weights' names and shapes, from the engine.
    const layout = native.rnnFlatWeights(this._config);
    const factory = { dtype: opts.dtype, device: opts.device };
    this._flatWeightsNames = layout.map((w) => w.name);
    for (const { name, shape } of layout) {
      this[name as `weight_${string}`] = new Parameter(empty(shape, factory));
    }
    this.resetParameters();
  }

  /** The flat weights as they are now (a replaced `weight_ih_l0` counts, as Python's `_update_flat_weights`). */
  private flatWeights(): Parameter[] {
    return this._flatWeightsNames.map((name) => this[name as `weight_${string}`]);
  }

  /** The weights per layer and direction (`all_weights`). */
  get allWeights(): Parameter[][] {
    const perGroup = 2 + (this.bias ? 2 : 0) + (this.projSize > 0 ? 1 : 0);
    const flat = this.flatWeights();
    const groups: Parameter[][] = [];
    for (let i = 0; i < flat.length; i += perGroup) groups.push(flat.slice(i, i + perGroup));
    return groups;
  }

  /** Every weight U(-1/√hiddenSize, 1/√hiddenSize), drawn in PyTorch's order. */
  resetParameters(): void {
    native.rnnResetParameters(this._config, this.flatWeights().map((p) => p._n));
  }

  /** A no-op, as PyTorch's on the CPU (cuDNN's weight layout is not used). */
  flattenParameters(): void {}

  /** @internal the engine's forward: `[output, h_n]` or `[output, h_n, c_n]`. */
  protected _run(op: string, input: Tensor, hx: readonly Tensor[]): Tensor[] {
    const handles = native.rnnForward(
      this._config, tensorArg(op, 'input', input), hx.map((h, i) => tensorArg(op, `hx[${i}]`, h)),
      this.flatWeights().map((p) => p._n), this.training,
    );
    return handles.map((h) => new Tensor(h));
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += `, bias=${pyBool(false)}`;
    if (this.batchFirst) s += `, batch_first=${pyBool(true)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(true)}`;
    return s;
  }
}

function refuseProjSize(opts: object): void {
  if ('projSize' in opts) throw argumentError('proj_size argument is only supported for LSTM, not RNN or GRU');
}

function optionalState(op: string, hx: Tensor | null | undefined): Tensor[] {
  if (hx === undefined || hx === null) return [];
  if (!(hx instanceof Tensor)) throw argumentError(`${op}(): hx must be a Tensor, got ${describe(hx)}`);
  return [hx];
}

/**
 * An Elman RNN, `h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)` (or ReLU).
 * Input `(L, N, H_in)` (`(N, L, H_in)` with batchFirst, or unbatched `(L, H_in)`)
 * → `[output, h_n]`, output `(L, N, D·H_out)`, h_n `(D·numLayers, N, H_out)`.
 *
 * @example
 * const rnn = new nn.RNN(10, 20, { numLayers: 2 });
 * const [output, hn] = rnn.forward(torch.randn(5, 3, 10), torch.randn(2, 3, 20));
 */
export class RNN extends RNNBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    refuseProjSize(opts);
    const { nonlinearity = 'tanh', ...rest } = opts;
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
      throw argumentError(`Unknown nonlinearity '${String(nonlinearity)}'. Select from 'tanh' or 'relu'.`);
    }
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, rest);
    this.nonlinearity = nonlinearity;
  }

  /** `[output, h_n]`; `hx` defaults to zeros. */
  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const [output, h] = this._run('RNN.forward', input, optionalState('RNN.forward', hx));
    return [output!, h!];
  }
}

/**
 * A long short-term memory RNN (with an optional projection, `projSize`).
 * Input as RNN's → `[output, [h_n, c_n]]`; c_n is `(D·numLayers, N, hiddenSize)`,
 * h_n and output use `projSize` when it is set.
 *
 * @example
 * const lstm = new nn.LSTM(10, 20, { numLayers: 2 });
 * const [output, [hn, cn]] = lstm.forward(torch.randn(5, 3, 10), [torch.randn(2, 3, 20), torch.randn(2, 3, 20)]);
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: LSTMOptions = {}) {
    super('LSTM', inputSize, hiddenSize, opts);
  }

  /** `[output, [h_n, c_n]]`; `hx` (`[h_0, c_0]`) defaults to zeros. */
  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const op = 'LSTM.forward';
    let states: Tensor[] = [];
    if (hx !== undefined && hx !== null) {
      if (!Array.isArray(hx) || hx.length !== 2 || !hx.every((t) => t instanceof Tensor)) {
        throw argumentError(`${op}(): hx must be a pair [h_0, c_0] of Tensors, got ${describe(hx)}`);
      }
      states = [...hx];
    }
    const [output, h, c] = this._run(op, input, states);
    return [output!, [h!, c!]];
  }
}

/**
 * A gated recurrent unit RNN. Input as RNN's → `[output, h_n]`.
 *
 * @example
 * const gru = new nn.GRU(10, 20, { batchFirst: true });
 * const [output, hn] = gru.forward(torch.randn(3, 5, 10));
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNBaseOptions = {}) {
    refuseProjSize(opts);
    super('GRU', inputSize, hiddenSize, opts);
  }

  /** `[output, h_n]`; `hx` defaults to zeros. */
  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const [output, h] = this._run('GRU.forward', input, optionalState('GRU.forward', hx));
    return [output!, h!];
  }
}
