// MultiheadAttention, TransformerEncoderLayer/TransformerEncoder and
// F.scaledDotProductAttention against PyTorch 2.11
// (test/fixtures/nn_attention.json, from nn_attention_fixtures.py): initial
// parameters after manualSeed, outputs, attention weights, input and
// parameter gradients bit for bit (same libtorch kernels, same op sequence),
// seeded dropout in train mode, reprs, state-dict keys, PyTorch's error
// messages, and a tiny encoder trained four Adam steps. Eval cases with grad
// disabled compare with Python's composite path (its fast path turned off):
// torchts always takes that path.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randn, zeros } from '../ts/creation';
import { manualSeed } from '../ts/random';
import { noGrad } from '../ts/autograd';
import { TorchError } from '../ts/errors';
import type { Tensor } from '../ts/tensor';
import * as nn from '../ts/nn';
import * as F from '../ts/nn/functional';
import { Adam } from '../ts/optim';
import { FIXTURE_DIR, float32Bits, fromJson, values, type TensorJson } from './fixtures/nn_fixture';
import { bits, expectState, expectTensorBits, type StateJson } from './helpers/tensor_bits';

type Kwargs = Record<string, number | boolean | string | null>;
type ForwardJson = Record<string, string | boolean>;

interface MhaCase {
  name: string;
  seed: number;
  kwargs: Kwargs;
  sizes: [number, number, number | null];
  inputs: 'self' | 'kv' | 'qkv';
  forward: ForwardJson;
  train: boolean;
  repr: string;
  state_dict_keys: string[];
  named_parameters: string[];
  initial: StateJson;
  query: TensorJson;
  key: TensorJson;
  value: TensorJson;
  masks: Record<string, TensorJson>;
  output: TensorJson;
  weights: TensorJson | null;
  grad_output: TensorJson;
  grad_weights: TensorJson | null;
  query_grad: TensorJson;
  key_grad: TensorJson;
  value_grad: TensorJson;
  param_grads: StateJson;
}

interface EncoderCase {
  name: string;
  seed: number;
  kwargs: Kwargs;
  stack: [number, boolean] | null;
  forward: ForwardJson;
  mode: 'train' | 'eval_no_grad';
  repr: string;
  state_dict_keys: string[];
  initial: StateJson;
  src: TensorJson;
  masks: Record<string, TensorJson>;
  output: TensorJson;
  grad_output?: TensorJson;
  src_grad?: TensorJson;
  param_grads?: StateJson;
}

interface SdpaCase {
  name: string;
  options: { scale?: number; is_causal?: boolean; dropout_p?: number };
  query: TensorJson;
  key: TensorJson;
  value: TensorJson;
  attn_mask: TensorJson | null;
  output: TensorJson;
  grad_output: TensorJson;
  query_grad: TensorJson;
  key_grad: TensorJson;
  value_grad: TensorJson;
}

interface AttentionFixture {
  torch_version: string;
  mha: MhaCase[];
  encoders: EncoderCase[];
  sdpa: SdpaCase[];
  errors: Record<string, string>;
  training: { repr: string; initial: StateJson; x: TensorJson; y: TensorJson; mask: TensorJson; losses: number[]; final: StateJson };
}

const fx = JSON.parse(readFileSync(join(FIXTURE_DIR, 'nn_attention.json'), 'utf8')) as AttentionFixture;

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Python keyword arguments as a TS options object (`batch_first` → `batchFirst`). */
function options(kwargs: Kwargs, positional: string[]): Record<string, number | boolean | string | null> {
  return Object.fromEntries(Object.entries(kwargs).filter(([k]) => !positional.includes(k)).map(([k, v]) => [camel(k), v]));
}

function expectBits(t: Tensor | null | undefined, expected: TensorJson, what: string): void {
  expect(t, what).toBeTruthy();
  expectTensorBits(t!, expected, what);
}

function expectParamGrads(module: nn.Module, expected: StateJson): void {
  const grads = [...module.namedParameters()].filter(([, p]) => p.grad !== null);
  expect(grads.map(([n]) => n)).toEqual(Object.keys(expected));
  for (const [name, p] of grads) expectBits(p.grad, expected[name]!, `${name}.grad`);
}

function leaf(j: TensorJson): Tensor {
  return fromJson(j).requiresGrad_();
}

/** The forward's options: masks from the fixture, flags as given (camelCased). */
function forwardOptions(forward: ForwardJson, masks: Record<string, TensorJson>, rebuild: (kind: string) => Tensor | undefined = () => undefined) {
  const out: Record<string, Tensor | boolean> = {};
  for (const [k, v] of Object.entries(forward)) {
    if (typeof v === 'boolean') out[camel(k)] = v;
    else out[camel(k)] = masks[k] ? fromJson(masks[k]) : rebuild(v)!;
  }
  return out;
}

function buildMha(c: MhaCase): nn.MultiheadAttention {
  manualSeed(c.seed);
  return new nn.MultiheadAttention(c.kwargs.embed_dim as number, c.kwargs.num_heads as number, options(c.kwargs, ['embed_dim', 'num_heads']));
}

describe('nn.MultiheadAttention against PyTorch 2.11', () => {
  it('uses the fixture of torch 2.11', () => {
    expect(fx.torch_version.startsWith('2.11')).toBe(true);
  });

  for (const [index, c] of fx.mha.entries()) {
    it(`${c.name}: init, repr, keys, output, weights and gradients bit for bit`, () => {
      const mha = buildMha(c);
      expect(String(mha)).toBe(c.repr);
      expect([...mha.namedParameters()].map(([n]) => n)).toEqual(c.named_parameters);
      expectState(mha, c.initial);
      const query = leaf(c.query);
      const key = c.inputs === 'self' ? query : leaf(c.key);
      const value = c.inputs === 'qkv' ? leaf(c.value) : key;
      mha.train(c.train);
      manualSeed(3000 + index);
      const [out, weights] = mha.forward(query, key, value, forwardOptions(c.forward, c.masks));
      expectBits(out, c.output, 'output');
      if (c.weights) expectBits(weights, c.weights, 'weights');
      else expect(weights).toBeNull();
      let loss = out.mul(fromJson(c.grad_output)).sum();
      if (weights && c.grad_weights) loss = loss.add(weights.mul(fromJson(c.grad_weights)).sum());
      loss.backward();
      expectBits(query.grad, c.query_grad, 'query.grad');
      expectBits(key.grad, c.key_grad, 'key.grad');
      expectBits(value.grad, c.value_grad, 'value.grad');
      expectParamGrads(mha, c.param_grads);
    });
  }

  it('keeps _layerSpecs null (not an engine layer) and exposes its parameters by camelCase getters', () => {
    const mha = new nn.MultiheadAttention(8, 2, { addBiasKv: true });
    expect(mha._layerSpecs([])).toBeNull();
    expect(mha.inProjWeight?.shape).toEqual([24, 8]);
    expect(mha.inProjBias?.shape).toEqual([24]);
    expect(mha.biasK?.shape).toEqual([1, 1, 8]);
    expect(mha.outProj.weight.shape).toEqual([8, 8]);
    expect(mha.qProjWeight).toBeNull();
    const separate = new nn.MultiheadAttention(8, 2, { kdim: 3, vdim: 5, bias: false });
    expect(separate.inProjWeight).toBeNull();
    expect(separate.kProjWeight?.shape).toEqual([8, 3]);
    expect(separate.inProjBias).toBeNull();
    expect(separate.outProj.bias).toBeNull();
  });
});

function buildEncoder(c: EncoderCase): nn.Module {
  manualSeed(c.seed);
  const layer = new nn.TransformerEncoderLayer(c.kwargs.d_model as number, c.kwargs.nhead as number, options(c.kwargs, ['d_model', 'nhead']) as nn.TransformerEncoderLayerOptions);
  if (!c.stack) return layer;
  const [numLayers, withNorm] = c.stack;
  return new nn.TransformerEncoder(layer, numLayers, { norm: withNorm ? new nn.LayerNorm(c.kwargs.d_model as number) : null, enableNestedTensor: false });
}

describe('nn.TransformerEncoderLayer / nn.TransformerEncoder against PyTorch 2.11', () => {
  for (const [index, c] of fx.encoders.entries()) {
    it(`${c.name}: init, repr, keys, output and gradients bit for bit (${c.mode})`, () => {
      const model = buildEncoder(c);
      expect(String(model)).toBe(c.repr);
      expect([...model.stateDict().keys()]).toEqual(c.state_dict_keys);
      expectState(model, c.initial);
      const src = c.mode === 'train' ? leaf(c.src) : fromJson(c.src);
      const size = c.src.shape[c.kwargs.batch_first ? 1 : 0]!;
      const opts = forwardOptions(c.forward, c.masks, (kind) => (kind === 'causal_float' ? nn.generateSquareSubsequentMask(size) : undefined));
      model.train(c.mode === 'train');
      manualSeed(3000 + index);
      const run = () => model.forward(src, opts) as Tensor;
      const out = c.mode === 'eval_no_grad' ? noGrad(run) : run();
      expectBits(out, c.output, 'output');
      if (c.mode !== 'train') return;
      out.backward(fromJson(c.grad_output!));
      expectBits(src.grad, c.src_grad!, 'src.grad');
      expectParamGrads(model, c.param_grads!);
    });
  }

  it('TransformerEncoder copies the layer: same starting weights, separate storage', () => {
    manualSeed(1);
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 });
    const encoder = new nn.TransformerEncoder(layer, 2);
    const [first, second] = [...encoder.layers] as nn.TransformerEncoderLayer[];
    expect(bits(first!.linear1.weight)).toEqual(bits(layer.linear1.weight));
    expect(bits(second!.selfAttn.inProjWeight!)).toEqual(bits(layer.selfAttn.inProjWeight!));
    noGrad(() => first!.linear1.weight.fill_(0));
    expect(values(layer.linear1.weight).some((v) => v !== 0)).toBe(true);
    expect(values(second!.linear1.weight).some((v) => v !== 0)).toBe(true);
    expect(second!.selfAttn.outProj).not.toBe(layer.selfAttn.outProj);
    expect(encoder._layerSpecs([])).toBeNull();
  });

  it('defaults to PyTorch\'s dim_feedforward 2048, dropout 0.1 and relu', () => {
    const layer = new nn.TransformerEncoderLayer(4, 2);
    expect(layer.linear1.weight.shape).toEqual([2048, 4]);
    expect(layer.dropout.p).toBe(0.1);
    expect(layer.selfAttn.dropout).toBe(0.1);
    expect(layer.activationReluOrGelu).toBe(1);
  });

  it('accepts an activation function or module', () => {
    manualSeed(2);
    const withModule = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0, activation: new nn.GELU() });
    manualSeed(2);
    const withString = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0, activation: 'gelu' });
    manualSeed(2);
    const withFunction = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0, activation: (x: Tensor) => F.gelu(x) });
    const x = randn([3, 2, 4]);
    const expected = bits(withString.forward(x));
    expect(bits(withModule.forward(x))).toEqual(expected);
    expect(bits(withFunction.forward(x))).toEqual(expected);
    expect(String(withModule)).toContain('(activation): GELU(approximate=\'none\')');
    expect(withString.activationReluOrGelu).toBe(2);
  });
});

describe('F.scaledDotProductAttention against PyTorch 2.11', () => {
  for (const [i, c] of fx.sdpa.entries()) {
    it(`${c.name}: output and gradients bit for bit`, () => {
      const [q, k, v] = [leaf(c.query), leaf(c.key), leaf(c.value)];
      manualSeed(4100 + i);
      const out = F.scaledDotProductAttention(q, k, v, {
        attnMask: c.attn_mask ? fromJson(c.attn_mask) : null, scale: c.options.scale, isCausal: c.options.is_causal, dropoutP: c.options.dropout_p,
      });
      expectBits(out, c.output, 'output');
      out.backward(fromJson(c.grad_output));
      expectBits(q.grad, c.query_grad, 'query.grad');
      expectBits(k.grad, c.key_grad, 'key.grad');
      expectBits(v.grad, c.value_grad, 'value.grad');
    });
  }
});

describe('attention errors: one line, PyTorch\'s message', () => {
  const x = () => randn([4, 2, 8]);
  const mha = () => new nn.MultiheadAttention(8, 2);
  const boolZeros = (shape: number[]) => zeros(shape, { dtype: 'bool' });
  const cases: Record<string, () => unknown> = {
    not_divisible: () => new nn.MultiheadAttention(10, 3),
    non_positive: () => new nn.MultiheadAttention(0, 2),
    query_dims: () => mha().forward(randn([1, 4, 2, 8]), x(), x()),
    key_dims: () => mha().forward(x(), randn([4, 8]), randn([4, 8])),
    embed_dim: () => mha().forward(randn([4, 2, 6]), randn([4, 2, 6]), randn([4, 2, 6])),
    key_value_shape: () => mha().forward(x(), randn([5, 2, 8]), randn([6, 2, 8])),
    attn_mask_2d: () => { const t = x(); return mha().forward(t, t, t, { attnMask: zeros([3, 4]) }); },
    attn_mask_3d: () => { const t = x(); return mha().forward(t, t, t, { attnMask: zeros([3, 4, 4]) }); },
    attn_mask_dims: () => { const t = x(); return mha().forward(t, t, t, { attnMask: zeros([1, 1, 4, 4]) }); },
    kpm_dims: () => { const t = x(); return mha().forward(t, t, t, { keyPaddingMask: boolZeros([2, 4, 1]) }); },
    kpm_batch: () => { const t = x(); return mha().forward(t, t, t, { keyPaddingMask: boolZeros([3, 4]) }); },
    kpm_length: () => { const t = x(); return mha().forward(t, t, t, { keyPaddingMask: boolZeros([2, 5]) }); },
    mask_dtype: () => { const t = x(); return mha().forward(t, t, t, { keyPaddingMask: zeros([2, 4], { dtype: 'int64' }) }); },
    is_causal_without_mask: () => { const t = x(); return mha().forward(t, t, t, { isCausal: true }); },
    unbatched_attn_mask_3d: () => mha().forward(randn([4, 8]), randn([4, 8]), randn([4, 8]), { attnMask: zeros([3, 4, 4]) }),
    activation: () => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as 'relu' }),
    encoder_d_model: () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 4 }).forward(randn([3, 2, 6])),
  };
  for (const [name, run] of Object.entries(cases)) {
    it(name, () => {
      let error: unknown;
      try {
        run();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TorchError);
      expect((error as Error).message).toBe(fx.errors[name]);
      expect((error as Error).message).not.toContain('\n');
    });
  }
});

describe('a tiny TransformerEncoder trained with Adam', () => {
  it('gives PyTorch\'s losses and final parameters bit for bit (dropout 0.1, key padding)', () => {
    const t = fx.training;
    manualSeed(60);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.1, batchFirst: true });
    const model = new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm(8), enableNestedTensor: false });
    expect(String(model)).toBe(t.repr);
    expectState(model, t.initial);
    const [x, y, mask] = [fromJson(t.x), fromJson(t.y), fromJson(t.mask)];
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    model.train();
    manualSeed(62);
    const losses: number[] = [];
    for (let step = 0; step < 4; step++) {
      optimizer.zeroGrad();
      const loss = F.mseLoss(model.forward(x, { srcKeyPaddingMask: mask }), y);
      loss.backward();
      optimizer.step();
      losses.push(loss.item() as number);
    }
    expect(float32Bits(losses)).toEqual(float32Bits(t.losses));
    expectState(model, t.final);
  });
});
