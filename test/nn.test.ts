// torch.nn against PyTorch 2.11: initialisation bit for bit, losses and their
// gradients, module names, reprs, state dict layouts and load errors.
import { describe, expect, it } from 'vitest';
import { tensor, zeros, ones, randn } from '../ts/creation';
import { manualSeed } from '../ts/random';
import { noGrad } from '../ts/autograd';
import { TorchError } from '../ts/errors';
import { Tensor } from '../ts/tensor';
import * as nn from '../ts/nn';
import * as F from '../ts/nn/functional';
import {
  float32Bits,
  fromJson,
  jsonNumber,
  loadNnFixture,
  maxAbsDiff,
  values,
  type NnFixture,
} from './fixtures/nn_fixture';

const fx = loadNnFixture();

class CircleModelV0 extends nn.Module {
  layer1 = new nn.Linear(2, 8);
  layer2 = new nn.Linear(8, 4);
  layer3 = new nn.Linear(4, 2);

  override forward(x: Tensor): Tensor {
    return this.layer3.forward(this.layer2.forward(this.layer1.forward(x).relu()).relu());
  }
}

class Classifier extends nn.Module {
  features = new nn.Sequential(new nn.Flatten(), new nn.Linear(12, 6), new nn.Tanh());
  dropout = new nn.Dropout();
  head = new nn.Linear(6, 3, { bias: false });

  override forward(x: Tensor): Tensor {
    return this.head.forward(this.dropout.forward(this.features.forward(x) as Tensor));
  }
}

class Normalizer extends nn.Module {
  constructor() {
    super();
    this.registerBuffer('mean', zeros(3));
    this.registerBuffer('std', ones(3));
  }
}

class WithBuffers extends nn.Module {
  norm = new Normalizer();
  lin = new nn.Linear(3, 2);
  scale = new nn.Parameter(ones(2));

  constructor() {
    super();
    this.registerBuffer('steps', zeros([], { dtype: 'int64' }));
  }
}

const tutorialModel = () =>
  new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 4), new nn.ReLU(), new nn.Linear(4, 2));

const builders: Record<string, () => nn.Module> = {
  linear_2_8: () => new nn.Linear(2, 8),
  sequential_2_8_4_2: tutorialModel,
  linear_no_bias_5_3: () => new nn.Linear(5, 3, { bias: false }),
  circle_model_v0: () => new CircleModelV0(),
  linear_64_33: () => new nn.Linear(64, 33),
};

describe('initialisation matches PyTorch bit for bit after manualSeed', () => {
  it.each(fx.init.map((c) => [c.name, c] as const))('%s', (name, c) => {
    manualSeed(c.seed);
    const model = builders[name]!();
    const state = model.stateDict();
    expect([...state.keys()]).toEqual(Object.keys(c.params));
    for (const [key, t] of state) {
      const want = c.params[key]!;
      expect(t.shape, key).toEqual(want.shape);
      expect(float32Bits(values(t)), key).toEqual(float32Bits(want.values as number[]));
    }
  });

  it('a different seed gives different weights (the check can fail)', () => {
    const c = fx.init.find((x) => x.name === 'linear_2_8')!;
    manualSeed(c.seed + 1);
    const w = new nn.Linear(2, 8).weight;
    expect(float32Bits(values(w))).not.toEqual(float32Bits(c.params.weight!.values as number[]));
  });
});

type LossCase = NnFixture['losses']['cases'][number];

function buildLoss(c: LossCase): nn.Loss {
  const inputs = fx.losses.inputs;
  const tensorOpt = (key: string) => (typeof c.options[key] === 'string' ? fromJson(inputs[c.options[key] as string]!) : undefined);
  const reduction = c.options.reduction as 'mean' | 'sum' | 'none' | undefined;
  const ignoreIndex = c.options.ignore_index as number | undefined;
  switch (c.loss) {
    case 'cross_entropy':
      return new nn.CrossEntropyLoss({ weight: tensorOpt('weight'), ignoreIndex, reduction, labelSmoothing: c.options.label_smoothing as number | undefined });
    case 'nll':
      return new nn.NLLLoss({ weight: tensorOpt('weight'), ignoreIndex, reduction });
    case 'mse':
      return new nn.MSELoss({ reduction });
    case 'bce_with_logits':
      return new nn.BCEWithLogitsLoss({ weight: tensorOpt('weight'), posWeight: tensorOpt('pos_weight'), reduction });
  }
}

describe('losses with options: values and gradients match PyTorch', () => {
  const diffs: number[] = [];
  it.each(fx.losses.cases.map((c) => [`${c.loss} ${c.target} ${JSON.stringify(c.options)}`, c] as const))('%s', (_label, c) => {
    const input = fromJson(fx.losses.inputs[c.input]!).requiresGrad_();
    const target = fromJson(fx.losses.inputs[c.target]!);
    const out = buildLoss(c).forward(input, target);
    expect(out.shape).toEqual(c.value.shape);
    out.sum().backward();
    const valueDiff = maxAbsDiff(values(out), c.value.values.map(jsonNumber));
    const gradDiff = maxAbsDiff(values(input.grad!), c.grad.map(jsonNumber));
    diffs.push(valueDiff, gradDiff);
    expect(valueDiff).toBeLessThanOrEqual(1e-6);
    expect(gradDiff).toBeLessThanOrEqual(1e-6);
  });

  it('all targets ignored gives NaN, as in PyTorch', () => {
    const c = fx.losses.cases.find((x) => x.target === 'all_ignored')!;
    expect(c.value.values).toEqual(['nan']);
    const out = buildLoss(c).forward(fromJson(fx.losses.inputs.logits!), fromJson(fx.losses.inputs.all_ignored!));
    expect(Number.isNaN(out.item())).toBe(true);
  });

  it('reports the largest difference', () => {
    console.log('loss values/grads max |diff| vs PyTorch:', Math.max(...diffs));
    expect(diffs.length).toBe(2 * fx.losses.cases.length);
  });

  it('rejects bad options with PyTorch-like messages', () => {
    // As in PyTorch, a loss is made with any reduction and refuses a bad one when called.
    const mse = new nn.MSELoss({ reduction: 'avg' as 'mean' });
    expect(() => mse.forward(zeros(2), zeros(2))).toThrow('avg is not a valid value for reduction');
    expect(() => F.mseLoss(zeros(2), zeros(2), { reduction: 7 as unknown as 'mean' })).toThrow('mse_loss(): reduction must be a string, got 7');
    const ce = new nn.CrossEntropyLoss({ labelSmoothing: 1.5 });
    expect(() => ce.forward(zeros(2, 3), tensor([0, 1], { dtype: 'int64' }))).toThrow('label_smoothing must be between 0.0 and 1.0. Got: 1.5');
    expect(() => new nn.CrossEntropyLoss().forward(zeros(2, 3), tensor([0, 3], { dtype: 'int64' }))).toThrow(/Target 3 is out of bounds/);
  });

  it('keeps class weights as buffers, as _WeightedLoss registers them', () => {
    const w = tensor([1, 2, 3]);
    const ce = new nn.CrossEntropyLoss({ weight: w });
    expect([...ce.stateDict().keys()]).toEqual(['weight']);
    expect(ce.weight).toBe(w);
    const bce = new nn.BCEWithLogitsLoss({ posWeight: w });
    expect([...bce.stateDict().keys()]).toEqual(['pos_weight']);
    expect(bce.weight).toBeNull();
    expect(String(ce)).toBe(fx.module_api.single_reprs['CrossEntropyLoss()']);
  });
});

type LayoutKey = keyof NnFixture['module_api']['layouts'];

const layoutModels: Record<LayoutKey, () => nn.Module> = {
  sequential: tutorialModel,
  circle_model_v0: () => new CircleModelV0(),
  named_sequential: () =>
    new nn.Sequential({ hidden: new nn.Linear(2, 8), act: new nn.ReLU(), drop: new nn.Dropout(0.2), out: new nn.Linear(8, 2) }),
  nested: () => new Classifier(),
  with_buffers: () => new WithBuffers(),
  tied: () => {
    const shared = new nn.Linear(2, 2);
    return new nn.Sequential(shared, new nn.ReLU(), shared);
  },
};

describe('module API mirrors PyTorch', () => {
  describe.each(Object.keys(layoutModels) as LayoutKey[])('%s', (key) => {
    const want = fx.module_api.layouts[key];
    const model = layoutModels[key]();

    it('repr is identical', () => {
      expect(String(model)).toBe(want.repr);
    });

    it('namedParameters, stateDict and namedModules are identical', () => {
      expect([...model.namedParameters()].map(([n, p]) => [n, p.shape])).toEqual(want.named_parameters);
      expect([...model.stateDict()].map(([n, t]) => [n, t.shape])).toEqual(want.state_dict);
      expect([...model.namedModules()].map(([n, m]) => [n, m.constructor.name])).toEqual(want.named_modules);
      expect(model.parameters().length).toBe(want.named_parameters.length);
    });

    it('children() and apply() (children first, then the module) are identical', () => {
      expect([...model.children()].map((m) => m.constructor.name)).toEqual(want.children);
      const order: string[] = [];
      expect(model.apply((m) => order.push(m.constructor.name))).toBe(model);
      expect(order).toEqual(want.apply_order);
    });
  });

  it('single-layer reprs are identical', () => {
    const r = fx.module_api.single_reprs;
    const made: Record<string, nn.Module> = {
      'Dropout()': new nn.Dropout(),
      'Dropout(0.25)': new nn.Dropout(0.25),
      'Flatten()': new nn.Flatten(),
      'Flatten(0, 2)': new nn.Flatten(0, 2),
      'ReLU()': new nn.ReLU(),
      'Sigmoid()': new nn.Sigmoid(),
      'Tanh()': new nn.Tanh(),
      'Softmax(1)': new nn.Softmax(1),
      'LogSoftmax(1)': new nn.LogSoftmax(1),
      'Identity()': new nn.Identity(),
      'Linear(3, 4, bias=False)': new nn.Linear(3, 4, { bias: false }),
      'Sequential()': new nn.Sequential(),
      'CrossEntropyLoss()': new nn.CrossEntropyLoss(),
      'MSELoss()': new nn.MSELoss(),
    };
    expect(Object.keys(made).sort()).toEqual(Object.keys(r).sort());
    for (const [k, m] of Object.entries(made)) expect(String(m), k).toBe(r[k]);
  });

  it('Sequential indexing, length and append behave like Python', () => {
    const ops = fx.module_api.sequential_ops;
    const seq = tutorialModel();
    expect(seq.length).toBe(ops.len);
    expect(String(seq.at(0))).toBe(ops.index_0);
    expect(String(seq.at(-1))).toBe(ops['index_-1']);
    expect([...seq].length).toBe(ops.len);
    expect(() => seq.at(5)).toThrow(/out of range/);
    expect(seq.append(new nn.Softmax(1))).toBe(seq);
    expect(seq.length).toBe(ops.appended_len);
    expect(String(seq)).toBe(ops.appended_repr);
  });

  it('train() and eval() set the flag on every submodule', () => {
    const model = new Classifier();
    expect([...model.modules()].every((m) => m.training)).toBe(true);
    expect(model.eval()).toBe(model);
    expect([...model.modules()].map((m) => m.training)).toEqual([false, false, false, false, false, false, false]);
    model.train();
    expect([...model.modules()].every((m) => m.training)).toBe(true);
    model.train(false);
    expect(model.features.training).toBe(false);
    expect(() => model.train('yes' as unknown as boolean)).toThrow('training mode is expected to be boolean');
  });

  it('Dropout draws the same mask as PyTorch under the same seed, and is the identity in eval()', () => {
    const d = fx.module_api.dropout;
    const input = fromJson(d.input);
    const drop = new nn.Dropout(0.5);
    manualSeed(d.seed_p05);
    expect(float32Bits(values(drop.forward(input)))).toEqual(float32Bits(d.train_p05));
    manualSeed(d.seed_p03);
    expect(float32Bits(values(new nn.Dropout(0.3).forward(input)))).toEqual(float32Bits(d.train_p03));
    drop.eval();
    expect(float32Bits(values(drop.forward(input)))).toEqual(float32Bits(values(input)));
    expect(() => new nn.Dropout(1.5)).toThrow('dropout probability has to be between 0 and 1, but got 1.5');
  });

  it('zeroGrad clears grads to null by default and zeroes them with setToNone: false', () => {
    manualSeed(0);
    const model = tutorialModel();
    const x = randn(4, 2);
    const run = () => (model.forward(x) as Tensor).sum().backward();
    run();
    const w = (model.at(0) as nn.Linear).weight;
    expect(w.grad).not.toBeNull();
    const firstGrad = values(w.grad!);
    model.zeroGrad({ setToNone: false });
    expect(values(w.grad!)).toEqual(new Array(16).fill(0));
    run();
    expect(values(w.grad!)).toEqual(firstGrad); // zeroed, so not accumulated on top
    model.zeroGrad();
    expect(w.grad).toBeNull();
    run();
    expect(values(w.grad!)).toEqual(firstGrad);
    run();
    expect(maxAbsDiff(values(w.grad!), firstGrad.map((g) => 2 * g))).toBeLessThanOrEqual(1e-6); // accumulates
  });

  it('to(dtype) casts floating-point parameters in place and keeps them trainable', () => {
    manualSeed(1);
    const model = tutorialModel();
    const before = [...model.parameters()].map(values);
    const params = model.parameters();
    expect(model.to('float64')).toBe(model);
    expect(model.parameters()).toEqual(params); // same Parameter objects, as optimizers hold them
    for (const [i, p] of model.parameters().entries()) {
      expect(p.dtype.name).toBe('float64');
      expect(p.requiresGrad).toBe(true);
      expect(values(p)).toEqual(before[i]); // float32 → float64 is exact
    }
    const out = model.forward(ones(3, 2, { dtype: 'float64' })) as Tensor;
    expect(out.dtype.name).toBe('float64');
    model.float();
    expect(model.parameters()[0]!.dtype.name).toBe('float32');
  });

  it('named Sequential (an object) keeps the names and order', () => {
    const seq = new nn.Sequential({ encoder: new nn.Linear(3, 2), act: new nn.Sigmoid() });
    expect([...seq.namedChildren()].map(([n]) => n)).toEqual(['encoder', 'act']);
    expect(seq.at(1)).toBeInstanceOf(nn.Sigmoid);
    expect(() => new nn.Sequential(42 as unknown as nn.Module)).toThrow(TypeError);
  });

  it('a subclass forward runs and its parameters are the fields, in declaration order', () => {
    manualSeed(3);
    const model = new CircleModelV0();
    const out = noGrad(() => model.forward(randn(5, 2)));
    expect(out.shape).toEqual([5, 2]);
    expect(model.parameters()[0]).toBe(model.layer1.weight);
    expect(model.parameters()[5]).toBe(model.layer3.bias);
  });

  it('a Module without forward says so', () => {
    class Empty extends nn.Module {}
    expect(() => new Empty().forward()).toThrow('Module [Empty] is missing the required "forward" function');
  });

  it('Parameter repr starts like PyTorch\'s', () => {
    const p = new nn.Parameter(tensor([1, 2], { dtype: 'float32' }));
    expect(String(p)).toBe('Parameter containing:\ntensor([1., 2.], requires_grad=True)');
    expect(p).toBeInstanceOf(Tensor);
  });
});

describe('loadStateDict', () => {
  const errors = fx.module_api.load_errors;
  const state = () => tutorialModel().stateDict();
  const message = (key: string) => (errors[key] as { error: string }).error;
  /** The message is one line; PyTorch's exact multi-line text is the error's `detail`. */
  const expectLoadError = (load: () => unknown, key: string) => {
    let caught: unknown;
    try {
      load();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TorchError);
    const err = caught as TorchError;
    expect(err.detail).toBe(message(key));
    expect(err.message).not.toContain('\n');
    expect(err.message).toBe(message(key).replace(':\n\t', ': ').split('\n\t').map((l) => l.trim()).join(' '));
  };

  const cases: Record<string, () => Map<string, Tensor>> = {
    missing: () => new Map([...state()].filter(([k]) => !k.startsWith('4.'))),
    unexpected: () => new Map([...state(), ['5.weight', zeros(2, 2)], ['extra', zeros(1)]]),
    size_mismatch: () => new Map([...state()].map(([k, v]) => [k, k === '0.weight' ? zeros(8, 3) : k === '2.bias' ? zeros(5) : v])),
    combined: () => {
      const m = cases.size_mismatch!();
      m.delete('4.bias');
      m.set('6.weight', zeros(1));
      return m;
    },
  };

  it.each(Object.keys(cases))('strict error "%s" has PyTorch\'s exact text (as detail; one-line message)', (key) => {
    expectLoadError(() => tutorialModel().loadStateDict(cases[key]!()), key);
  });

  it('a subclass names itself in the error', () => {
    const sd = new CircleModelV0().stateDict();
    sd.delete('layer2.weight');
    expectLoadError(() => new CircleModelV0().loadStateDict(sd), 'circle_missing');
  });

  it('strict: false returns the missing and unexpected keys, as PyTorch', () => {
    const want = errors.non_strict as { missing: string[]; unexpected: string[] };
    const sd = cases.missing!();
    sd.set('5.weight', zeros(1));
    const result = tutorialModel().loadStateDict(sd, { strict: false });
    expect(result).toEqual({ missingKeys: want.missing, unexpectedKeys: want.unexpected });
  });

  it('loads buffers too, and a tied module needs its entries under every name, as in PyTorch', () => {
    const source = new WithBuffers();
    noGrad(() => source.buffers()[0]!.fill_(7)); // 'steps'
    const target = new WithBuffers();
    target.loadStateDict(source.stateDict());
    expect(values(target.stateDict().get('steps')!)).toEqual([7]);

    const shared = new nn.Linear(2, 2);
    const tied = new nn.Sequential(shared, new nn.ReLU(), shared);
    const sd = tied.stateDict();
    expect(tied.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    sd.delete('2.bias');
    expect(() => tied.loadStateDict(sd)).toThrow('Missing key(s) in state_dict: "2.bias".');
  });

  it('copies values into the existing parameters (no new objects) and leaves them trainable', () => {
    manualSeed(0);
    const source = tutorialModel();
    manualSeed(1);
    const target = tutorialModel();
    const params = target.parameters();
    target.loadStateDict(source.stateDict());
    expect(target.parameters()).toEqual(params);
    for (const [i, p] of target.parameters().entries()) {
      expect(values(p)).toEqual(values(source.parameters()[i]!));
      expect(p.requiresGrad).toBe(true);
    }
    // A plain object works like an OrderedDict.
    target.loadStateDict(Object.fromEntries(tutorialModel().stateDict()));
  });
});
