// The CNN layers against PyTorch 2.11 (test/fixtures/nn_layers.json, from
// nn_layers_fixtures.py): initial parameters after manualSeed, outputs, input
// and parameter gradients and BatchNorm's running stats bit for bit (same
// libtorch kernels), reprs, state-dict keys and error messages; fused fit
// equals the eager loop; forwardAsync equals forward.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { thrownTorchError } from './helpers/errors';
import { trainSteps } from './helpers/training';
import { randn, tensor } from '../ts/creation';
import { manualSeed } from '../ts/random';
import { noGrad } from '../ts/autograd';
import { TorchError } from '../ts/errors';
import type { Tensor } from '../ts/tensor';
import * as nn from '../ts/nn';
import * as F from '../ts/nn/functional';
import { SGD } from '../ts/optim';
import { fit } from '../ts/train';
import { FIXTURE_DIR, float32Bits, fromJson, type TensorJson } from './fixtures/nn_fixture';
import { expectState, bits, jsonBits, type StateJson } from './helpers/tensor_bits';


interface LayerCase {
  name: string;
  seed: number;
  train: boolean;
  repr: string;
  state_dict_keys: string[];
  initial: StateJson;
  input: TensorJson;
  output: TensorJson;
  grad_output: TensorJson;
  input_grad: TensorJson | null;
  param_grads: StateJson;
  final_state: StateJson;
  eval_output?: TensorJson;
  after_steps?: StateJson;
}

interface LayersFixture {
  torch_version: string;
  layers: LayerCase[];
  errors: Record<string, string>;
  containers: {
    repr: string;
    state_dict_keys: string[];
    named_parameters: string[];
    named_buffers: string[];
    initial: StateJson;
    module_list_repr: string;
    module_list_len: number;
    module_dict_keys: string[];
  };
  cnn: { repr: string; initial: StateJson; x: TensorJson; y: TensorJson; losses: number[]; final: StateJson; eval_logits: TensorJson };
}

const fx = JSON.parse(readFileSync(join(FIXTURE_DIR, 'nn_layers.json'), 'utf8')) as LayersFixture;

/** Each fixture case's layer, built as the Python script builds it. */
const LAYERS: Record<string, () => nn.Module> = {
  conv2d: () => new nn.Conv2d(3, 4, 3),
  conv2d_strided: () => new nn.Conv2d(3, 6, [3, 2], { stride: 2, padding: [1, 0], dilation: [1, 2], groups: 3, bias: false }),
  conv2d_same_even: () => new nn.Conv2d(2, 4, 4, { padding: 'same' }),
  conv2d_same_dilated: () => new nn.Conv2d(2, 2, 3, { padding: 'same', dilation: 2 }),
  conv2d_valid: () => new nn.Conv2d(2, 3, 3, { padding: 'valid' }),
  conv2d_unbatched: () => new nn.Conv2d(1, 2, 2, { padding: 1 }),
  conv1d: () => new nn.Conv1d(4, 2, 3, { padding: 1 }),
  conv1d_same: () => new nn.Conv1d(2, 4, 3, { padding: 'same', dilation: 2, groups: 2 }),
  conv1d_strided: () => new nn.Conv1d(3, 3, 4, { stride: 3, bias: false }),
  max_pool2d: () => new nn.MaxPool2d(2),
  max_pool2d_ceil: () => new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
  max_pool2d_dilated: () => new nn.MaxPool2d([2, 3], { stride: [1, 2], dilation: 2 }),
  max_pool1d: () => new nn.MaxPool1d(3, { stride: 2, padding: 1 }),
  avg_pool2d: () => new nn.AvgPool2d(2),
  avg_pool2d_pad: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }),
  avg_pool2d_divisor: () => new nn.AvgPool2d(2, { ceilMode: true, divisorOverride: 3 }),
  adaptive_avg_pool2d_1: () => new nn.AdaptiveAvgPool2d([1, 1]),
  adaptive_avg_pool2d_none: () => new nn.AdaptiveAvgPool2d([3, null]),
  adaptive_avg_pool2d_int: () => new nn.AdaptiveAvgPool2d(4),
  batch_norm2d: () => new nn.BatchNorm2d(3),
  batch_norm2d_eval: () => new nn.BatchNorm2d(3),
  batch_norm2d_no_affine: () => new nn.BatchNorm2d(2, { eps: 1e-3, momentum: 0.3, affine: false }),
  batch_norm2d_cumulative: () => new nn.BatchNorm2d(2, { momentum: null }),
  batch_norm2d_no_stats: () => new nn.BatchNorm2d(2, { trackRunningStats: false }),
  batch_norm1d: () => new nn.BatchNorm1d(4),
  batch_norm1d_3d: () => new nn.BatchNorm1d(3),
  layer_norm: () => new nn.LayerNorm(5),
  layer_norm_2d: () => new nn.LayerNorm([3, 4], { eps: 1e-3 }),
  layer_norm_no_affine: () => new nn.LayerNorm(4, { elementwiseAffine: false }),
  layer_norm_no_bias: () => new nn.LayerNorm(4, { bias: false }),
  embedding: () => new nn.Embedding(10, 3),
  embedding_padding: () => new nn.Embedding(10, 3, { paddingIdx: 2 }),
  embedding_padding_negative: () => new nn.Embedding(6, 4, { paddingIdx: -1 }),
  embedding_max_norm: () => new nn.Embedding(8, 3, { maxNorm: 1.0 }),
  gelu: () => new nn.GELU(),
  gelu_tanh: () => new nn.GELU({ approximate: 'tanh' }),
  leaky_relu: () => new nn.LeakyReLU(),
  leaky_relu_02: () => new nn.LeakyReLU(0.2),
  silu: () => new nn.SiLU(),
  elu: () => new nn.ELU(),
  elu_05: () => new nn.ELU(0.5),
  softplus: () => new nn.Softplus(),
  softplus_beta: () => new nn.Softplus({ beta: 2, threshold: 1 }),
  hardtanh: () => new nn.Hardtanh(),
  hardtanh_range: () => new nn.Hardtanh(-2.0, 0.5),
  unflatten: () => new nn.Unflatten(1, [2, 3]),
};

function inputOf(c: LayerCase): Tensor {
  const x = fromJson(c.input);
  if (x.dtype.isFloatingPoint) x.requiresGrad = true;
  return x;
}

describe('layers against PyTorch 2.11', () => {
  it('covers every fixture case', () => {
    expect(fx.torch_version.startsWith('2.11')).toBe(true);
    expect(fx.layers.map((c) => c.name).sort()).toEqual(Object.keys(LAYERS).sort());
  });

  for (const c of fx.layers) {
    it(`${c.name}: init, repr, state-dict keys, forward and backward bit for bit`, () => {
      manualSeed(c.seed);
      const layer = LAYERS[c.name]!();
      expect(String(layer)).toBe(c.repr);
      expect([...layer.stateDict().keys()]).toEqual(c.state_dict_keys);
      expectState(layer, c.initial);
      const x = inputOf(c);
      layer.train(c.train);
      const out = layer.forward(x) as Tensor;
      expect(out.shape).toEqual(c.output.shape);
      expect(bits(out)).toEqual(jsonBits(c.output));
      out.backward(fromJson(c.grad_output));
      if (c.input_grad) expect(bits(x.grad!)).toEqual(jsonBits(c.input_grad));
      const grads = Object.fromEntries([...layer.namedParameters()].filter(([, p]) => p.grad).map(([n, p]) => [n, bits(p.grad!)]));
      expect(grads).toEqual(Object.fromEntries(Object.entries(c.param_grads).map(([n, g]) => [n, jsonBits(g)])));
      expectState(layer, c.final_state);
      if (c.after_steps) {
        for (let step = 0; step < 3; step++) {
          manualSeed(3000 + step);
          const batch = randn(x.shape);
          noGrad(() => layer.forward(batch));
        }
        layer.eval();
        expect(bits(noGrad(() => layer.forward(x) as Tensor))).toEqual(jsonBits(c.eval_output!));
        expectState(layer, c.after_steps);
      }
    });
  }

  it('forwardAsync runs every engine layer on the thread pool and equals forward', async () => {
    let engineLayers = 0;
    for (const c of fx.layers) {
      manualSeed(c.seed);
      const layer = LAYERS[c.name]!();
      layer.train(c.train);
      const isEngineLayer = layer._layerSpecs([]) !== null;
      if (!isEngineLayer) continue;
      engineLayers++;
      const x = fromJson(c.input);
      const eager = noGrad(() => layer.forward(x) as Tensor);
      const background = await noGrad(() => layer.forwardAsync(x));
      expect(bits(background), c.name).toEqual(bits(eager));
    }
    // Everything but BatchNorm (buffers) and Embedding with max_norm (renormalises in place).
    expect(engineLayers).toBe(fx.layers.filter((c) => !c.name.startsWith('batch_norm') && c.name !== 'embedding_max_norm').length);
  });

  it('the functional forms give the modules\' numbers', () => {
    const c = fx.layers.find((l) => l.name === 'conv2d_strided')!;
    manualSeed(c.seed);
    const conv = new nn.Conv2d(3, 6, [3, 2], { stride: 2, padding: [1, 0], dilation: [1, 2], groups: 3, bias: false });
    const x = fromJson(c.input);
    const out = F.conv2d(x, conv.weight, null, { stride: 2, padding: [1, 0], dilation: [1, 2], groups: 3 });
    expect(bits(out)).toEqual(jsonBits(c.output));
    const g = fx.layers.find((l) => l.name === 'hardtanh_range')!;
    expect(bits(F.hardtanh(fromJson(g.input), -2, 0.5))).toEqual(jsonBits(g.output));
    const p = fx.layers.find((l) => l.name === 'max_pool2d_ceil')!;
    expect(bits(F.maxPool2d(fromJson(p.input), 3, { stride: 2, padding: 1, ceilMode: true }))).toEqual(jsonBits(p.output));
  });
});

const thrown = thrownTorchError;

describe('bad input: one-line TorchErrors with PyTorch\'s messages', () => {
  const e = fx.errors;
  it('convolution', () => {
    expect(thrown(() => new nn.Conv2d(3, 4, 3).forward(randn(2, 1, 8, 8))).message).toBe(e.conv_channels);
    expect(thrown(() => new nn.Conv2d(1, 1, 5).forward(randn(1, 1, 3, 3))).message).toBe(e.conv_kernel_too_large);
    // Python prints the set of valid strings in hash order; the fixture's order varies by run.
    expect(thrown(() => new nn.Conv2d(1, 1, 3, { padding: 'full' as 'same' })).message).toMatch(/^Invalid padding string 'full', should be one of \{'(same|valid)', '(same|valid)'\}$/);
    expect(e.conv_padding_string).toMatch(/^Invalid padding string 'full', should be one of/);
    expect(thrown(() => new nn.Conv2d(1, 1, 3, { padding: 'same', stride: 2 })).message).toBe(e.conv_same_strided);
    expect(thrown(() => new nn.Conv2d(3, 4, 3, { groups: 2 })).message).toBe(e.conv_groups_in);
    expect(thrown(() => new nn.Conv2d(4, 3, 3, { groups: 2 })).message).toBe(e.conv_groups_out);
    expect(thrown(() => new nn.Conv2d(4, 4, 3, { groups: 0 })).message).toBe(e.conv_groups_zero);
    expect(thrown(() => F.conv2d(randn(1, 2, 5, 5), randn(1, 2, 3, 3), null, { padding: 'full' as 'same' })).message).toMatch(/^Invalid padding string 'full'/);
  });

  it('pooling, normalisation, embedding, activations', () => {
    expect(thrown(() => new nn.MaxPool2d(4).forward(randn(1, 1, 3, 3))).message).toBe(e.max_pool_kernel_too_large);
    expect(thrown(() => new nn.BatchNorm2d(3).forward(randn(3, 4, 4))).message).toBe(e.batch_norm2d_dim);
    expect(thrown(() => new nn.BatchNorm1d(3).forward(randn(3, 4, 4, 4))).message).toBe(e.batch_norm1d_dim);
    expect(thrown(() => new nn.BatchNorm1d(3).forward(randn(1, 3))).message).toBe(e.batch_norm_one_value);
    expect(thrown(() => new nn.LayerNorm(4).forward(randn(2, 3))).message).toBe(e.layer_norm_shape);
    expect(thrown(() => new nn.Embedding(5, 2).forward(tensor([1, 5], { dtype: 'int64' }))).message).toBe(e.embedding_index);
    expect(thrown(() => new nn.Embedding(5, 2, { paddingIdx: 5 })).message).toBe(e.embedding_padding_idx);
    expect(thrown(() => new nn.GELU({ approximate: 'fast' as 'tanh' }).forward(randn(2))).message).toBe(e.gelu_approximate);
    expect(thrown(() => new nn.LeakyReLU().forward(tensor([1, 2], { dtype: 'int64' }))).message).toMatch(/not implemented for 'Long'/);
  });
});

class Containers extends nn.Module {
  blocks = new nn.ModuleList([new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.MaxPool2d(2)]);
  heads = new nn.ModuleDict({ cls: new nn.Linear(4, 3), reg: new nn.Linear(4, 1, { bias: false }) });
  norm = new nn.BatchNorm1d(4);
}

describe('ModuleList and ModuleDict', () => {
  it('register children with PyTorch\'s names, reprs and state-dict keys', () => {
    const c = fx.containers;
    manualSeed(40);
    const model = new Containers();
    expect(String(model)).toBe(c.repr);
    expect([...model.stateDict().keys()]).toEqual(c.state_dict_keys);
    expect([...model.namedParameters()].map(([n]) => n)).toEqual(c.named_parameters);
    expect([...model.namedBuffers()].map(([n]) => n)).toEqual(c.named_buffers);
    expectState(model, c.initial);
    expect(model.heads.keys()).toEqual(c.module_dict_keys);
    const list = new nn.ModuleList<nn.Module>([new nn.Linear(2, 2), new nn.GELU()]);
    list.append(new nn.Tanh()).extend([new nn.SiLU(), new nn.Identity()]);
    list.insert(1, new nn.LeakyReLU(0.1));
    expect(list.length).toBe(c.module_list_len);
    expect(String(list)).toBe(c.module_list_repr);
  });

  it('ModuleList folds runs of identical children in its repr, indexes and pops', () => {
    const list = new nn.ModuleList([new nn.ReLU(), new nn.ReLU(), new nn.ReLU(), new nn.Linear(1, 1)]);
    expect(String(list)).toBe('ModuleList(\n  (0-2): 3 x ReLU()\n  (3): Linear(in_features=1, out_features=1, bias=True)\n)');
    expect(list.at(-1)).toBeInstanceOf(nn.Linear);
    expect(list.pop(0)).toBeInstanceOf(nn.ReLU);
    expect([...list.namedChildren()].map(([n]) => n)).toEqual(['0', '1', '2']);
    const dict = new nn.ModuleDict({ a: new nn.ReLU() });
    expect(dict.pop('a')).toBeInstanceOf(nn.ReLU);
    expect(() => dict.get('a')).toThrow(TorchError);
  });
});

class SmallCNN extends nn.Module {
  net = new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(4 * 4 * 4, 3),
  );

  override forward(x: Tensor): Tensor {
    return this.net.forward(x);
  }
}

describe('a small CNN', () => {
  it('trains like PyTorch: SGD with momentum, BatchNorm in the loop, losses and parameters bit for bit', () => {
    const c = fx.cnn;
    manualSeed(50);
    const model = new SmallCNN();
    expect(String(model)).toBe(c.repr);
    expectState(model, c.initial);
    const x = fromJson(c.x);
    const y = fromJson(c.y);
    const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const criterion = new nn.CrossEntropyLoss();
    model.train();
    const losses = trainSteps(model, criterion, optimizer, x, y, 5);
    expect(float32Bits(losses)).toEqual(float32Bits(c.losses));
    expectState(model, c.final);
    model.eval();
    expect(bits(noGrad(() => model.forward(x)))).toEqual(jsonBits(c.eval_logits));
  });

  const engineCnn = () => new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.GELU(), new nn.MaxPool2d(2),
    new nn.Conv2d(4, 4, 3, { padding: 'same', groups: 2 }), new nn.LeakyReLU(0.1), new nn.AvgPool2d(2),
    new nn.Flatten(), new nn.LayerNorm(16), new nn.Linear(16, 3),
  );

  function train(mode: 'fused' | 'eager') {
    manualSeed(60);
    const model = engineCnn();
    manualSeed(61);
    const xTrain = randn(24, 1, 8, 8);
    const yTrain = tensor(Array.from({ length: 24 }, (_, i) => i % 3), { dtype: 'int64' });
    const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const history = fit(model, { optimizer, criterion: new nn.CrossEntropyLoss(), xTrain, yTrain, epochs: 4, batchSize: 8, mode });
    return { history, state: [...model.stateDict()].map(([n, t]) => [n, bits(t)]) };
  }

  it('fused fit of engine layers equals the eager loop exactly', () => {
    const fused = train('fused');
    const eager = train('eager');
    expect(fused.history).toEqual(eager.history);
    expect(fused.state).toEqual(eager.state);
  });

  it('a model with BatchNorm is not fused (its buffers), and says why', () => {
    const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), new nn.Flatten(), new nn.Linear(2 * 6 * 6, 2));
    const xTrain = randn(4, 1, 8, 8);
    const yTrain = tensor([0, 1, 0, 1], { dtype: 'int64' });
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    expect(() => fit(model, { optimizer, criterion: new nn.CrossEntropyLoss(), xTrain, yTrain, epochs: 1, mode: 'fused' })).toThrow(/BatchNorm2d is not a built-in layer/);
    const history = fit(model, { optimizer, criterion: new nn.CrossEntropyLoss(), xTrain, yTrain, epochs: 2 });
    expect(history).toHaveLength(2);
    expect(Number((model.at(1) as nn.BatchNorm2d).numBatchesTracked!.item())).toBe(2);
  });
});
