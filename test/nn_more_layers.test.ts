// ConvTranspose1d/2d, GroupNorm, ParameterList/ParameterDict, forward hooks
// and the module walks against PyTorch 2.11 (test/fixtures/nn_more_layers.json,
// from nn_more_layers_fixtures.py): init after manualSeed, outputs, input and
// parameter gradients bit for bit, reprs, state-dict keys, hook call orders
// and PyTorch's messages; fused fit equals the eager loop; a hooked module is
// not fused, so its hooks run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { thrownTorchError } from './helpers/errors';
import { ones, randn, tensor, zeros } from '../ts/creation';
import { manualSeed } from '../ts/random';
import { noGrad } from '../ts/autograd';
import { TorchError } from '../ts/errors';
import type { Tensor } from '../ts/tensor';
import * as nn from '../ts/nn';
import * as F from '../ts/nn/functional';
import { SGD } from '../ts/optim';
import { fit } from '../ts/train';
import { FIXTURE_DIR, fromJson, values, type TensorJson } from './fixtures/nn_fixture';
import { expectState, bits, jsonBits, type StateJson } from './helpers/tensor_bits';


interface LayerCase {
  name: string;
  seed: number;
  output_size: number[] | null;
  repr: string;
  state_dict_keys: string[];
  initial: StateJson;
  input: TensorJson;
  output: TensorJson;
  grad_output: TensorJson;
  input_grad: TensorJson;
  param_grads: StateJson;
}

interface Fixture {
  torch_version: string;
  layers: LayerCase[];
  errors: Record<string, string>;
  parameter_containers: { repr: string; state_dict_keys: string[]; named_parameters: string[]; initial: StateJson; pdict_keys: string[]; plist_len: number };
  hooks: { x: TensorJson; output: TensorJson; log: string[]; direct_output: TensorJson; direct_log: string[]; by_hand: TensorJson };
  walks: {
    repr: string; apply_order: string[]; named_modules: string[]; module_types: string[];
    named_children: string[]; children_types: string[]; state_dict_keys: string[];
  };
}

const fx = JSON.parse(readFileSync(join(FIXTURE_DIR, 'nn_more_layers.json'), 'utf8')) as Fixture;

/** Each fixture case's layer, built as the Python script builds it. */
const LAYERS: Record<string, () => nn.ConvTranspose1d | nn.ConvTranspose2d | nn.GroupNorm> = {
  conv_transpose2d: () => new nn.ConvTranspose2d(3, 4, 3),
  conv_transpose2d_strided: () => new nn.ConvTranspose2d(4, 6, [3, 2], { stride: 2, padding: [1, 0], outputPadding: 1, groups: 2, bias: false }),
  conv_transpose2d_dilated: () => new nn.ConvTranspose2d(2, 3, 3, { stride: [2, 3], padding: 1, outputPadding: [1, 2], dilation: 2 }),
  conv_transpose2d_output_size: () => new nn.ConvTranspose2d(2, 2, 3, { stride: 2, padding: 1 }),
  conv_transpose2d_output_size_full: () => new nn.ConvTranspose2d(2, 3, 3, { stride: 3 }),
  conv_transpose2d_unbatched: () => new nn.ConvTranspose2d(1, 2, 2, { stride: 2 }),
  conv_transpose1d: () => new nn.ConvTranspose1d(4, 2, 3, { padding: 1 }),
  conv_transpose1d_strided: () => new nn.ConvTranspose1d(2, 4, 4, { stride: 3, outputPadding: 2, groups: 2, dilation: 1 }),
  conv_transpose1d_output_size: () => new nn.ConvTranspose1d(3, 3, 3, { stride: 2, bias: false }),
  group_norm: () => new nn.GroupNorm(2, 4),
  group_norm_one_group: () => new nn.GroupNorm(1, 6, { eps: 1e-3 }),
  group_norm_per_channel: () => new nn.GroupNorm(3, 3, { affine: false }),
  group_norm_2d_input: () => new nn.GroupNorm(2, 6),
};

function run(layer: nn.Module, x: Tensor, outputSize: number[] | null): Tensor {
  if (layer instanceof nn.ConvTranspose1d || layer instanceof nn.ConvTranspose2d) return layer.forward(x, { outputSize });
  return layer.forward(x) as Tensor;
}

describe('ConvTranspose and GroupNorm against PyTorch 2.11', () => {
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
      const x = fromJson(c.input);
      x.requiresGrad = true;
      const out = run(layer, x, c.output_size);
      expect(out.shape).toEqual(c.output.shape);
      expect(bits(out)).toEqual(jsonBits(c.output));
      out.backward(fromJson(c.grad_output));
      expect(bits(x.grad!)).toEqual(jsonBits(c.input_grad));
      const grads = Object.fromEntries([...layer.namedParameters()].map(([n, p]) => [n, bits(p.grad!)]));
      expect(grads).toEqual(Object.fromEntries(Object.entries(c.param_grads).map(([n, g]) => [n, jsonBits(g)])));
    });
  }

  it('forwardAsync runs them on the thread pool and equals forward', async () => {
    for (const c of fx.layers.filter((l) => l.output_size === null)) {
      manualSeed(c.seed);
      const layer = LAYERS[c.name]!();
      expect(layer._layerSpecs([]), c.name).not.toBeNull();
      const x = fromJson(c.input);
      const background = await noGrad(() => layer.forwardAsync(x));
      expect(bits(background), c.name).toEqual(jsonBits(c.output));
    }
  });

  it('the functional forms give the modules\' numbers', () => {
    const c = fx.layers.find((l) => l.name === 'conv_transpose2d_strided')!;
    manualSeed(c.seed);
    const up = LAYERS[c.name]!() as nn.ConvTranspose2d;
    const out = F.convTranspose2d(fromJson(c.input), up.weight, null, { stride: 2, padding: [1, 0], outputPadding: 1, groups: 2 });
    expect(bits(out)).toEqual(jsonBits(c.output));
    const g = fx.layers.find((l) => l.name === 'group_norm_per_channel')!;
    expect(bits(F.groupNorm(fromJson(g.input), 3))).toEqual(jsonBits(g.output));
  });
});

const thrown = thrownTorchError;

describe('bad input: one-line TorchErrors with PyTorch\'s messages', () => {
  const e = fx.errors;
  it('GroupNorm', () => {
    expect(thrown(() => new nn.GroupNorm(3, 4)).message).toBe(e.group_norm_divisible);
    expect(thrown(() => new nn.GroupNorm(0, 4)).message).toBe(e.group_norm_zero_groups);
    expect(thrown(() => new nn.GroupNorm(2, 4).forward(randn(2, 6, 3))).message).toBe(e.group_norm_channels);
    expect(thrown(() => F.groupNorm(randn(4), 2)).message).toBe(e.group_norm_dims);
    expect(thrown(() => new nn.GroupNorm(2, 2).forward(randn(1, 2))).message).toBe(e.group_norm_one_value);
  });

  it('ConvTranspose', () => {
    expect(thrown(() => new nn.ConvTranspose2d(1, 1, 3, { paddingMode: 'reflect' as 'zeros' })).message).toBe(e.conv_transpose_padding_mode);
    expect(thrown(() => new nn.ConvTranspose2d(3, 4, 3, { groups: 2 })).message).toBe(e.conv_transpose_groups_in);
    expect(thrown(() => new nn.ConvTranspose2d(4, 3, 3, { groups: 2 })).message).toBe(e.conv_transpose_groups_out);
    expect(thrown(() => new nn.ConvTranspose2d(3, 4, 3).forward(randn(1, 2, 5, 5))).message).toBe(e.conv_transpose_channels);
    expect(thrown(() => new nn.ConvTranspose2d(1, 1, 3, { outputPadding: 1 }).forward(randn(1, 1, 4, 4))).message).toBe(e.conv_transpose_output_padding);
    const up = new nn.ConvTranspose2d(1, 1, 3, { stride: 2 });
    expect(thrown(() => up.forward(randn(1, 1, 4, 4), { outputSize: [12, 9] })).message).toBe(e.conv_transpose_output_size_range);
    expect(thrown(() => up.forward(randn(1, 1, 4, 4), { outputSize: [9, 9, 9] })).message).toBe(e.conv_transpose_output_size_length);
    expect(thrown(() => new nn.ConvTranspose1d(1, 1, 3).forward(randn(1, 4), { outputSize: [1, 2, 6] })).message).toBe(e.conv_transpose1d_output_size_length);
  });
});

class WithParams extends nn.Module {
  scale = new nn.Parameter(ones(3));
  plist = new nn.ParameterList([new nn.Parameter(randn(2, 3)), zeros(3)]);
  pdict: nn.ParameterDict;
  head: nn.Linear;

  constructor() {
    super();
    this.plist.append(new nn.Parameter(randn(4)));
    this.pdict = new nn.ParameterDict({ right: new nn.Parameter(randn(2)), left: ones(1, 2) });
    this.pdict.set('middle', new nn.Parameter(zeros([2, 2], { dtype: 'float64' })));
    this.head = new nn.Linear(3, 1);
  }
}

describe('ParameterList and ParameterDict', () => {
  it('register parameters with PyTorch\'s names, order, reprs and state-dict keys', () => {
    const c = fx.parameter_containers;
    manualSeed(60);
    const model = new WithParams();
    expect(String(model)).toBe(c.repr);
    expect([...model.stateDict().keys()]).toEqual(c.state_dict_keys);
    expect([...model.namedParameters()].map(([n]) => n)).toEqual(c.named_parameters);
    expectState(model, c.initial);
    expect(model.pdict.keys()).toEqual(c.pdict_keys);
    expect(model.plist.length).toBe(c.plist_len);
    expect(model.plist.at(-1).shape).toEqual([4]);
    expect(model.plist.at(1).requiresGrad).toBe(true);
    expect(model.parameters()).toContain(model.pdict.get('left'));
  });

  it('indexes, replaces and pops like Python, and refuses to be called', () => {
    const plist = new nn.ParameterList([randn(2)]);
    plist.set(0, zeros(5));
    expect(plist.at(0)).toBeInstanceOf(nn.Parameter);
    expect(plist.at(0).shape).toEqual([5]);
    expect(() => plist.at(1)).toThrow('index 1 is out of range');
    expect(() => plist.call()).toThrow('ParameterList should not be called.');
    const pdict = new nn.ParameterDict(new Map([['b', randn(1)], ['a', randn(1)]]));
    expect(pdict.keys()).toEqual(['b', 'a']); // a Map keeps its order
    expect(pdict.pop('b').shape).toEqual([1]);
    expect([...pdict]).toEqual(['a']);
    expect(() => pdict.get('b')).toThrow(TorchError);
    expect(() => pdict.set('x.y', randn(1))).toThrow('parameter name can\'t contain "."');
    const loaded = new nn.ParameterDict(new Map([['a', zeros(1)]]));
    loaded.loadStateDict(pdict.stateDict());
    expect(values(loaded.get('a'))).toEqual(values(pdict.get('a')));
  });
});

describe('forward hooks', () => {
  function hookedModel(log: string[]) {
    manualSeed(70);
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const pre = (name: string): nn.ForwardPreHook => (m, args) => void log.push(`pre:${name}:${m.constructor.name}:${args.length}`);
    const post = (name: string): nn.ForwardHook => (m, _args, out) => void log.push(`fwd:${name}:${m.constructor.name}:[${(out as Tensor).shape.join(', ')}]`);
    const [first, relu, last] = [model.at(0), model.at(1), model.at(2)];
    model.registerForwardPreHook(pre('model'));
    first.registerForwardPreHook(pre('0'));
    first.registerForwardPreHook((_m, args) => (args[0] as Tensor).mul(2)); // one value: the new single argument
    first.registerForwardHook(post('0'));
    const removed = relu.registerForwardHook(post('1-removed'));
    relu.registerForwardHook(post('1'));
    last.registerForwardPreHook((_m, args) => [(args[0] as Tensor).sub(1)]);
    last.registerForwardPreHook(pre('2-first'), { prepend: true });
    last.registerForwardHook((_m, _args, out) => (out as Tensor).add(1));
    last.registerForwardHook(post('2'));
    model.registerForwardHook(post('model'));
    model.registerForwardHook((_m, _args, out) => (out as Tensor).mul(10));
    removed.remove();
    removed.remove(); // twice is harmless
    return model;
  }

  it('run in PyTorch\'s order through call(), replacing inputs and outputs; forward() runs only the children\'s', () => {
    const h = fx.hooks;
    const log: string[] = [];
    const model = hookedModel(log);
    const x = fromJson(h.x);
    const out = model.call(x);
    expect(log).toEqual(h.log);
    expect(bits(out)).toEqual(jsonBits(h.output));
    expect(bits(out)).toEqual(jsonBits(h.by_hand));
    log.length = 0;
    const direct = model.forward(x);
    expect(log).toEqual(h.direct_log);
    expect(bits(direct)).toEqual(jsonBits(h.direct_output));
  });

  it('a hooked module is not fused: fit and forwardAsync run the hooks', async () => {
    const log: string[] = [];
    const model = hookedModel(log);
    expect(model._layerSpecs([])).toBeNull();
    const xTrain = randn(6, 3);
    const yTrain = tensor([0, 1, 0, 1, 1, 0], { dtype: 'int64' });
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    const criterion = new nn.CrossEntropyLoss();
    expect(() => fit(model, { optimizer, criterion, xTrain, yTrain, epochs: 1, mode: 'fused' })).toThrow('fit: cannot fuse this model: Sequential has forward hooks');
    log.length = 0;
    fit(model, { optimizer, criterion, xTrain, yTrain, epochs: 2, evaluate: false });
    expect(log.filter((l) => l === 'pre:model:Sequential:1')).toHaveLength(2);
    const lossCalls: number[] = [];
    criterion.registerForwardHook(() => void lossCalls.push(1));
    const plain = new nn.Sequential(new nn.Linear(3, 2));
    fit(plain, { optimizer: new SGD(plain.parameters(), { lr: 0.1 }), criterion, xTrain, yTrain, epochs: 3, evaluate: false });
    expect(lossCalls).toHaveLength(3);
    log.length = 0;
    await noGrad(() => model.forwardAsync(xTrain));
    expect(log).toContain('fwd:model:Sequential:[6, 2]');
    // A hook on a layer deep inside also keeps the whole model off the engine.
    const inner = new nn.Sequential(new nn.Linear(3, 2), new nn.ReLU());
    const handle = inner.at(1).registerForwardHook(() => undefined);
    expect(inner._layerSpecs([])).toBeNull();
    handle.remove();
    expect(inner._layerSpecs([])).not.toBeNull();
  });

  it('a forward hook may keep the activations Sequential passes between built-in layers', () => {
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const kept: Tensor[] = [];
    model.at(0).registerForwardHook((_m, _args, out) => void kept.push(out as Tensor));
    model.call(randn(2, 3));
    expect(kept[0]!.shape).toEqual([2, 4]); // still alive: not freed as an intermediate
  });
});

class Nested extends nn.Module {
  stem = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.GroupNorm(1, 2), new nn.ReLU());
  up = new nn.ConvTranspose2d(2, 1, 2, { stride: 2 });
  heads = new nn.ModuleList([new nn.Flatten(), new nn.Identity()]);
}

describe('module walks', () => {
  it('apply, modules, namedModules, children and namedChildren in PyTorch\'s order', () => {
    const w = fx.walks;
    const model = new Nested();
    expect(String(model)).toBe(w.repr);
    const applied: string[] = [];
    expect(model.apply((m) => void applied.push(m.constructor.name))).toBe(model);
    expect(applied).toEqual(w.apply_order);
    expect([...model.namedModules()].map(([n]) => n)).toEqual(w.named_modules);
    expect([...model.modules()].map((m) => m.constructor.name)).toEqual(w.module_types);
    expect([...model.namedChildren()].map(([n]) => n)).toEqual(w.named_children);
    expect([...model.children()].map((m) => m.constructor.name)).toEqual(w.children_types);
    expect([...model.stateDict().keys()]).toEqual(w.state_dict_keys);
  });

  it('zeroGrad sets grads to null by default, or zeroes them', () => {
    const model = new nn.Sequential(new nn.Linear(2, 2));
    (model.call(randn(3, 2)) as Tensor).sum().backward();
    model.zeroGrad({ setToNone: false });
    expect(values(model.at(0).parameters()[0]!.grad!)).toEqual([0, 0, 0, 0]);
    model.zeroGrad();
    expect(model.parameters()[0]!.grad).toBeNull();
  });
});

describe('fused fit with ConvTranspose2d and GroupNorm', () => {
  function train(mode: 'fused' | 'eager') {
    manualSeed(80);
    const net = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { stride: 2, padding: 1 }), new nn.GroupNorm(2, 4), new nn.ReLU(),
      new nn.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }), new nn.GroupNorm(1, 2, { affine: false }),
      new nn.Flatten(), new nn.Linear(2 * 8 * 8, 3),
    );
    manualSeed(81);
    const xTrain = randn(12, 1, 8, 8);
    const yTrain = tensor(Array.from({ length: 12 }, (_, i) => i % 3), { dtype: 'int64' });
    const optimizer = new SGD(net.parameters(), { lr: 0.05, momentum: 0.9 });
    const history = fit(net, { optimizer, criterion: new nn.CrossEntropyLoss(), xTrain, yTrain, epochs: 3, batchSize: 4, mode });
    return { history, state: [...net.stateDict()].map(([n, t]) => [n, bits(t)]) };
  }

  it('equals the eager loop exactly', () => {
    const fused = train('fused');
    const eager = train('eager');
    expect(fused.history).toEqual(eager.history);
    expect(fused.state).toEqual(eager.state);
  });
});
