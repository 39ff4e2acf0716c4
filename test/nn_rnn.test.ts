// nn.RNN, nn.LSTM and nn.GRU against PyTorch 2.11 (test/fixtures/nn_rnn.json,
// from nn_rnn_fixtures.py): initial parameters after manualSeed, reprs,
// state-dict keys, outputs, final states and the gradients of a weighted sum
// bit for bit (libtorch's own fused recurrence), dropout between layers in
// training, PyTorch's messages for bad input, and a small sequence model
// trained five SGD steps.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { thrownTorchError } from './helpers/errors';
import { trainSteps } from './helpers/training';
import { randn, zeros } from '../ts/creation';
import { manualSeed } from '../ts/random';
import { noGrad } from '../ts/autograd';
import { Tensor } from '../ts/tensor';
import * as nn from '../ts/nn';
import { SGD } from '../ts/optim';
import { FIXTURE_DIR, float32Bits, fromJson, values, type TensorJson } from './fixtures/nn_fixture';
import { bits, expectState, expectTensorBits, type StateJson } from './helpers/tensor_bits';


interface RnnCase {
  name: string;
  seed: number;
  train: boolean;
  repr: string;
  state_dict_keys: string[];
  initial: StateJson;
  input: TensorJson;
  states: TensorJson[];
  output: TensorJson;
  finals: TensorJson[];
  loss_weights: TensorJson[];
  loss: number;
  input_grad: TensorJson;
  state_grads: TensorJson[];
  param_grads: StateJson;
}

interface RnnFixture {
  torch_version: string;
  layers: RnnCase[];
  reprs: Record<'rnn_relu_dropout' | 'lstm_all', string>;
  errors: Record<string, string>;
  sequence: { repr: string; initial: StateJson; x: TensorJson; y: TensorJson; losses: number[]; final: StateJson; prediction: TensorJson };
}

const fx = JSON.parse(readFileSync(join(FIXTURE_DIR, 'nn_rnn.json'), 'utf8')) as RnnFixture;

/** Each fixture case's layer, built as the Python script builds it. */
const LAYERS: Record<string, () => nn.RNNBase> = {
  rnn_tanh: () => new nn.RNN(3, 4),
  rnn_relu_2_layers: () => new nn.RNN(3, 4, { numLayers: 2, nonlinearity: 'relu' }),
  rnn_bidirectional_batch_first: () => new nn.RNN(3, 4, { bidirectional: true, batchFirst: true }),
  rnn_unbatched_no_bias: () => new nn.RNN(3, 4, { bias: false }),
  lstm: () => new nn.LSTM(3, 4),
  lstm_2_layers_bidirectional: () => new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true }),
  lstm_batch_first_no_bias: () => new nn.LSTM(3, 5, { batchFirst: true, bias: false }),
  lstm_proj: () => new nn.LSTM(3, 5, { numLayers: 2, projSize: 2, bidirectional: true }),
  lstm_unbatched: () => new nn.LSTM(3, 4, { numLayers: 2 }),
  lstm_dropout_train: () => new nn.LSTM(3, 4, { numLayers: 3, dropout: 0.5 }),
  gru: () => new nn.GRU(3, 4),
  gru_2_layers_bidirectional_batch_first: () => new nn.GRU(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true }),
  gru_unbatched_bidirectional: () => new nn.GRU(3, 4, { bidirectional: true }),
  gru_dropout_train: () => new nn.GRU(3, 4, { numLayers: 2, dropout: 0.3, batchFirst: true }),
};

const expectTensor = expectTensorBits;

function leaf(j: TensorJson): Tensor {
  const t = fromJson(j);
  t.requiresGrad = true;
  return t;
}

/** The layer's forward with the fixture's initial states: `[output, finals]`. */
function run(layer: nn.RNNBase, x: Tensor, states: Tensor[]): [Tensor, Tensor[]] {
  if (layer instanceof nn.LSTM) {
    const [out, [h, c]] = layer.forward(x, states.length ? [states[0]!, states[1]!] : undefined);
    return [out, [h, c]];
  }
  const [out, h] = (layer as nn.RNN | nn.GRU).forward(x, states[0]);
  return [out, [h]];
}

describe('RNN, LSTM and GRU against PyTorch 2.11', () => {
  it('covers every fixture case', () => {
    expect(fx.torch_version.startsWith('2.11')).toBe(true);
    expect(fx.layers.map((c) => c.name).sort()).toEqual(Object.keys(LAYERS).sort());
  });

  fx.layers.forEach((c, index) => {
    it(`${c.name}: init, repr, state-dict keys, outputs, states and gradients bit for bit`, () => {
      manualSeed(c.seed);
      const layer = LAYERS[c.name]!();
      expect(String(layer)).toBe(c.repr);
      expect([...layer.stateDict().keys()]).toEqual(c.state_dict_keys);
      expectState(layer, c.initial);
      const x = leaf(c.input);
      const states = c.states.map(leaf);
      layer.train(c.train);
      manualSeed(2000 + index);
      const [out, finals] = run(layer, x, states);
      expectTensor(out, c.output, 'output');
      finals.forEach((f, i) => expectTensor(f, c.finals[i]!, `final state ${i}`));
      const weights = c.loss_weights.map(fromJson);
      let loss = out.mul(weights[0]!).sum();
      finals.forEach((f, i) => { loss = loss.add(f.mul(weights[i + 1]!).sum()); });
      expect(float32Bits([loss.item() as number])).toEqual(float32Bits([c.loss]));
      loss.backward();
      expectTensor(x.grad!, c.input_grad, 'input grad');
      states.forEach((s, i) => expectTensor(s.grad!, c.state_grads[i]!, `state grad ${i}`));
      const grads = [...layer.namedParameters()];
      expect(grads.map(([n]) => n)).toEqual(Object.keys(c.param_grads));
      for (const [name, p] of grads) expectTensor(p.grad!, c.param_grads[name]!, `${name} grad`);
    });
  });

  it('reprs list every non-default argument in PyTorch\'s order', () => {
    expect(String(new nn.RNN(3, 4, { numLayers: 2, nonlinearity: 'relu', dropout: 0.25 }))).toBe(fx.reprs.rnn_relu_dropout);
    const all = new nn.LSTM(3, 4, { numLayers: 2, bias: false, batchFirst: true, dropout: 0.5, bidirectional: true, projSize: 2 });
    expect(String(all)).toBe(fx.reprs.lstm_all);
  });

  it('weights are reachable by PyTorch\'s names, per layer through allWeights, and a replaced weight is used', () => {
    const lstm = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
    expect(lstm.weight_ih_l0.shape).toEqual([16, 3]);
    expect(lstm.bias_hh_l1_reverse.shape).toEqual([16]);
    expect(lstm.allWeights.map((group) => group.length)).toEqual([4, 4, 4, 4]);
    expect(lstm.allWeights[3]![0]).toBe(lstm.weight_ih_l1_reverse);
    const gru = new nn.GRU(2, 3);
    const x = randn(4, 1, 2);
    gru.weight_hh_l0 = new nn.Parameter(zeros(9, 3));
    gru.weight_ih_l0 = new nn.Parameter(zeros(9, 2));
    gru.bias_ih_l0 = new nn.Parameter(zeros(9));
    gru.bias_hh_l0 = new nn.Parameter(zeros(9));
    const [out] = noGrad(() => gru.forward(x));
    // All-zero weights: every gate is 0.5 and n is 0, so h stays 0.
    expect(values(out).every((v) => v === 0)).toBe(true);
  });

  it('call() is forward, as Python\'s module(x): arrays in place of tuples', () => {
    manualSeed(1);
    const lstm = new nn.LSTM(3, 4);
    const x = randn(5, 2, 3);
    const h0: [Tensor, Tensor] = [randn(1, 2, 4), randn(1, 2, 4)];
    const [out, [h, c]] = noGrad(() => lstm.call(x, h0));
    const [out2, [h2, c2]] = noGrad(() => lstm.forward(x, h0));
    expect([bits(out), bits(h), bits(c)]).toEqual([bits(out2), bits(h2), bits(c2)]);
    const gru = new nn.GRU(3, 4);
    const [o, hn] = noGrad(() => gru.call(x));
    expect([o.shape, hn.shape]).toEqual([[5, 2, 4], [1, 2, 4]]);
  });

  it('eval() turns the dropout between layers off', () => {
    manualSeed(0);
    const lstm = new nn.LSTM(3, 4, { numLayers: 2, dropout: 0.9 }).eval();
    const x = randn(5, 2, 3);
    const [a] = noGrad(() => lstm.forward(x));
    const [b] = noGrad(() => lstm.forward(x));
    expect(bits(a)).toEqual(bits(b));
  });
});

const thrown = thrownTorchError;

describe('bad input: one-line TorchErrors with PyTorch\'s messages', () => {
  const e = fx.errors;
  const x = () => randn(5, 2, 3);

  it('forward: input size, dims, dtype and initial-state shapes', () => {
    expect(thrown(() => new nn.LSTM(3, 4).forward(randn(5, 2, 7))).message).toBe(e.input_size);
    expect(thrown(() => new nn.GRU(3, 4).forward(randn(5, 2))).message).toBe(e.input_size_unbatched);
    expect(thrown(() => new nn.GRU(3, 4).forward(x(), randn(1, 3, 4))).message).toBe(e.hidden_size);
    expect(thrown(() => new nn.RNN(3, 4, { numLayers: 2 }).forward(x(), randn(1, 2, 4))).message).toBe(e.rnn_hidden_layers);
    expect(thrown(() => new nn.LSTM(3, 4, { projSize: 2 }).forward(x(), [randn(1, 2, 4), randn(1, 2, 4)])).message).toBe(e.lstm_hidden0);
    expect(thrown(() => new nn.LSTM(3, 4).forward(x(), [randn(1, 2, 4), randn(1, 2, 5)])).message).toBe(e.lstm_hidden1);
    expect(thrown(() => new nn.RNN(3, 4).forward(randn(3))).message).toBe(e.rnn_input_dim);
    expect(thrown(() => new nn.LSTM(3, 4).forward(randn(1, 5, 2, 3))).message).toBe(e.lstm_input_dim);
    expect(thrown(() => new nn.GRU(3, 4).forward(randn(3))).message).toBe(e.gru_input_dim);
    expect(thrown(() => new nn.GRU(3, 4).forward(x(), randn(1, 4))).message).toBe(e.gru_hx_batched);
    expect(thrown(() => new nn.RNN(3, 4).forward(randn(5, 3), randn(1, 2, 4))).message).toBe(e.rnn_hx_unbatched);
    expect(thrown(() => new nn.LSTM(3, 4).forward(x(), [randn(1, 2, 4), randn(2, 4)])).message).toBe(e.lstm_hx_batched);
    expect(thrown(() => new nn.LSTM(3, 4).forward(randn(5, 3), [randn(1, 2, 4), randn(1, 2, 4)])).message).toBe(e.lstm_hx_unbatched);
    expect(thrown(() => new nn.RNN(3, 4).forward(randn([5, 2, 3], { dtype: 'float64' }))).message).toBe(e.dtype);
    expect(thrown(() => new nn.LSTM(3, 4).forward(x(), randn(1, 2, 4) as unknown as [Tensor, Tensor])).message).toMatch(/^LSTM\.forward\(\): hx must be a pair \[h_0, c_0\] of Tensors/);
  });

  it('constructor: PyTorch\'s checks', () => {
    expect(thrown(() => new nn.RNN(3, 4, { nonlinearity: 'sigmoid' as 'tanh' })).message).toBe(e.nonlinearity);
    expect(thrown(() => new nn.GRU(3, 4, { projSize: 2 } as nn.RNNBaseOptions)).message).toBe(e.gru_proj_size);
    expect(thrown(() => new nn.LSTM(3, 4, { projSize: 4 })).message).toBe(e.proj_size_too_large);
    expect(thrown(() => new nn.LSTM(3, 4, { projSize: -1 })).message).toBe(e.proj_size_negative);
    expect(thrown(() => new nn.LSTM(3, 0)).message).toBe(e.hidden_size_zero);
    expect(thrown(() => new nn.GRU(0, 3)).message).toBe(e.input_size_zero);
    expect(thrown(() => new nn.RNN(3, 4, { numLayers: 0 })).message).toBe(e.num_layers_zero);
    expect(thrown(() => new nn.LSTM(3, 4, { numLayers: 2, dropout: 1.5 })).message).toBe(e.dropout_range);
    expect(thrown(() => new nn.LSTM(3, 4, { bias: 1 as unknown as boolean })).message).toBe(e.bias_type);
    expect(thrown(() => new nn.GRU(3.5, 4)).message).toBe(e.input_size_type);
  });
});

class SequenceModel extends nn.Module {
  lstm = new nn.LSTM(2, 6, { numLayers: 2, batchFirst: true });
  gru = new nn.GRU(6, 3, { batchFirst: true, bidirectional: true });
  head = new nn.Linear(6, 1);

  override forward(x: Tensor): Tensor {
    const [features] = this.lstm.forward(x);
    const [out] = this.gru.forward(features);
    return this.head.forward(out.select(1, -1));
  }
}

describe('a small sequence model', () => {
  it('trains like PyTorch: LSTM → GRU → Linear, SGD with momentum, losses and parameters bit for bit', () => {
    const c = fx.sequence;
    manualSeed(50);
    const model = new SequenceModel();
    expect(String(model)).toBe(c.repr);
    expectState(model, c.initial);
    const x = fromJson(c.x);
    const y = fromJson(c.y);
    const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const criterion = new nn.MSELoss();
    model.train();
    const losses = trainSteps(model, criterion, optimizer, x, y, 5);
    expect(float32Bits(losses)).toEqual(float32Bits(c.losses));
    expectState(model, c.final);
    model.eval();
    expectTensor(noGrad(() => model.forward(x)), c.prediction, 'prediction');
  });
});
