// RMSprop, Adagrad, Adadelta, Adamax, NAdam and RAdam against PyTorch 2.11:
// parameters after every step bit for bit, state dicts with PyTorch's keys
// and values, round trips through stateDict/loadStateDict, PyTorch's
// defaults and messages, and parameters whose grad is None left alone.
// Numbers from test/fixtures/optimizers_fixtures.py.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, zeros } from '../ts/creation';
import { TorchError } from '../ts/errors';
import { fit } from '../ts/train';
import { Tensor } from '../ts/tensor';
import * as nn from '../ts/nn';
import * as optim from '../ts/optim';
import { FIXTURE_DIR, float32Bits, fromJson, values, type TensorJson } from './fixtures/nn_fixture';

type OptimizerName = 'RMSprop' | 'Adagrad' | 'Adadelta' | 'Adamax' | 'NAdam' | 'RAdam';
type PyOptions = Record<string, number | boolean | number[]>;
type StateJson = Record<string, Record<string, number | TensorJson>>;

interface OptimizersFixture {
  torch_version: string;
  steps: number;
  problem: { initial: Record<string, TensorJson>; x: TensorJson; y: TensorJson };
  cases: {
    optimizer: OptimizerName;
    options: PyOptions;
    steps: { loss: number; params: Record<string, number[]> }[];
    state_dict: { state: StateJson; param_groups: Record<string, unknown>[] };
  }[];
  grad_none: {
    optimizer: OptimizerName;
    options: PyOptions;
    steps: { p: number[]; q: number[]; p_grad_is_none: boolean }[];
    state_keys: number[];
  }[];
  invalid: { optimizer: OptimizerName; options: PyOptions; message: string }[];
  defaults: Record<OptimizerName, Record<string, unknown>>;
}

const fx = JSON.parse(readFileSync(join(FIXTURE_DIR, 'optimizers.json'), 'utf8')) as OptimizersFixture;
const x = fromJson(fx.problem.x);
const y = fromJson(fx.problem.y);

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Python keyword arguments (or a param group) → the TS options object. */
function tsOptions(py: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(py).map(([k, v]) => [camel(k), v]));
}

type AnyOptimizer = optim.Optimizer<{ lr: number }>;

function makeOptimizer(name: OptimizerName, params: Iterable<nn.Parameter>, opts: Record<string, unknown>): AnyOptimizer {
  const classes = { RMSprop: optim.RMSprop, Adagrad: optim.Adagrad, Adadelta: optim.Adadelta, Adamax: optim.Adamax, NAdam: optim.NAdam, RAdam: optim.RAdam };
  return new classes[name](params, opts);
}

/** The fixture's model (Linear(4,3), Tanh, Linear(3,2)) with PyTorch's initial weights. */
function problemModel(): nn.Sequential {
  const model = new nn.Sequential(new nn.Linear(4, 3), new nn.Tanh(), new nn.Linear(3, 2));
  model.loadStateDict(new Map(Object.entries(fx.problem.initial).map(([k, t]) => [k, fromJson(t)])));
  return model;
}

function trainStep(model: nn.Module, optimizer: AnyOptimizer): number {
  optimizer.zeroGrad();
  const loss = nn.functional.mseLoss(model.forward(x) as Tensor, y);
  loss.backward();
  optimizer.step();
  return loss.item() as number;
}

function expectParams(model: nn.Module, want: Record<string, number[]>, label: string): void {
  for (const [name, p] of model.stateDict()) {
    expect(float32Bits(values(p)), `${label} ${name}`).toEqual(float32Bits(want[name]!));
  }
}

/** A state dict copied deeply, as torch.save/torch.load would give it back. */
function deepCopy(sd: optim.OptimizerStateDict): optim.OptimizerStateDict {
  return {
    state: new Map([...sd.state].map(([i, s]) => [i, Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? v : v.clone()]))])),
    paramGroups: sd.paramGroups.map((g) => ({ ...g })),
  };
}

const label = (c: { optimizer: string; options: PyOptions }) => `${c.optimizer} ${JSON.stringify(c.options)}`;

describe('optimizers match PyTorch step for step (bit-identical parameters)', () => {
  it('the fixture comes from torch 2.11', () => {
    expect(fx.torch_version.split('+')[0]).toBe('2.11.0');
    expect(new Set(fx.cases.map((c) => c.optimizer)).size).toBe(6);
  });

  it.each(fx.cases.map((c) => [label(c), c] as const))('%s', (name, c) => {
    const model = problemModel();
    const optimizer = makeOptimizer(c.optimizer, model.parameters(), tsOptions(c.options));
    expect(c.steps.length).toBe(fx.steps);
    c.steps.forEach((want, i) => {
      expect(trainStep(model, optimizer), `loss before step ${i + 1}`).toBe(want.loss);
      expectParams(model, want.params, `${name} step ${i + 1}`);
    });

    // The state dict after the last step: PyTorch's keys and values.
    const sd = optimizer.stateDict();
    const wantState = c.state_dict.state;
    expect([...sd.state.keys()].map(String)).toEqual(Object.keys(wantState));
    for (const [index, want] of Object.entries(wantState)) {
      const got = sd.state.get(Number(index))!;
      expect(Object.keys(got).sort(), `state ${index} keys`).toEqual(Object.keys(want).sort());
      for (const [key, w] of Object.entries(want)) {
        const g = got[key]!;
        if (typeof w === 'number') {
          expect(g, `state ${index} ${key}`).toBe(w);
        } else {
          expect((g as Tensor).shape, `state ${index} ${key} shape`).toEqual(w.shape);
          expect(float32Bits(values(g as Tensor)), `state ${index} ${key}`).toEqual(float32Bits(w.values as number[]));
        }
      }
    }
    const { params, ...hyper } = sd.paramGroups[0]!;
    expect(params).toEqual([0, 1, 2, 3]);
    expect(hyper).toEqual(tsOptions(c.state_dict.param_groups[0]!));
  });
});

describe('the engine\'s training loop (fit, fused) steps these optimizers too', () => {
  it.each(['RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'NAdam', 'RAdam'] as const)('%s: full-batch fit gives PyTorch\'s parameters', (name) => {
    const c = fx.cases.filter((k) => k.optimizer === name).at(-1)!;
    const model = problemModel();
    const optimizer = makeOptimizer(name, model.parameters(), tsOptions(c.options));
    const history = fit(model, { optimizer, criterion: new nn.MSELoss(), xTrain: x, yTrain: y, epochs: fx.steps, batchSize: 6, shuffle: false, evaluate: false, mode: 'fused' });
    expect(history.map((r) => r.trainLoss)).toEqual(c.steps.map((s) => s.loss));
    expectParams(model, c.steps.at(-1)!.params, `${label(c)} fused`);
  });
});

describe('state dicts round-trip', () => {
  it.each(fx.cases.map((c) => [label(c), c] as const))('%s: saved after 2 steps, loaded into a fresh optimizer, continues as PyTorch did', (name, c) => {
    const model = problemModel();
    const optimizer = makeOptimizer(c.optimizer, model.parameters(), tsOptions(c.options));
    for (let i = 0; i < 2; i++) trainStep(model, optimizer);
    const modelState = new Map([...model.stateDict()].map(([k, v]) => [k, v.clone()]));
    const saved = deepCopy(optimizer.stateDict());

    const resumed = problemModel();
    resumed.loadStateDict(modelState);
    const fresh = makeOptimizer(c.optimizer, resumed.parameters(), { lr: 0.5 }); // lr comes back from the state dict
    fresh.loadStateDict(saved);
    expect(fresh.paramGroups[0]!.lr).toBe(optimizer.paramGroups[0]!.lr);
    for (let i = 2; i < fx.steps; i++) {
      trainStep(resumed, fresh);
      expectParams(resumed, c.steps[i]!.params, `${name} resumed step ${i + 1}`);
    }
  });

  it.each(['RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'NAdam', 'RAdam'] as const)(
    '%s: without the loaded state the continuation differs (the round trip test can fail)',
    (name) => {
      const c = fx.cases.find((k) => k.optimizer === name)!;
      const model = problemModel();
      const optimizer = makeOptimizer(name, model.parameters(), tsOptions(c.options));
      for (let i = 0; i < 2; i++) trainStep(model, optimizer);
      const cold = makeOptimizer(name, model.parameters(), tsOptions(c.options));
      trainStep(model, cold);
      expect(float32Bits(values(model.parameters()[0]!))).not.toEqual(float32Bits(c.steps[2]!.params['0.weight']!));
    },
  );

  it('scalars saved by PyTorch as 0-dim tensors (step, mu_product) load too', () => {
    const c = fx.cases.find((k) => k.optimizer === 'NAdam')!;
    const model = problemModel();
    const optimizer = makeOptimizer('NAdam', model.parameters(), tsOptions(c.options));
    for (let i = 0; i < 2; i++) trainStep(model, optimizer);
    const saved = deepCopy(optimizer.stateDict());
    for (const s of saved.state.values()) {
      s.step = tensor(s.step as number);
      s.mu_product = tensor(s.mu_product as number);
    }
    optimizer.loadStateDict(saved);
    for (let i = 2; i < fx.steps; i++) {
      trainStep(model, optimizer);
      expectParams(model, c.steps[i]!.params, `NAdam tensor-step resumed step ${i + 1}`);
    }
  });

  it('refuses state without a required entry, or of the wrong shape', () => {
    const model = problemModel();
    const optimizer = new optim.RMSprop(model.parameters());
    const paramGroups = optimizer.stateDict().paramGroups;
    expect(() => optimizer.loadStateDict({ state: new Map([[0, { step: 1 }]]), paramGroups })).toThrow('RMSprop state needs square_avg (a tensor)');
    expect(() => optimizer.loadStateDict({ state: new Map([[0, { step: 1, square_avg: zeros(2) }]]), paramGroups })).toThrow(
      'state square_avg of parameter 0 has shape [2], but the parameter has shape [3, 4]',
    );
  });

  it('Adagrad has state for every parameter before any step, as PyTorch', () => {
    const model = problemModel();
    const optimizer = new optim.Adagrad(model.parameters(), { initialAccumulatorValue: 0.25 });
    const sd = optimizer.stateDict();
    expect([...sd.state.keys()]).toEqual([0, 1, 2, 3]);
    expect(sd.state.get(1)!.step).toBe(0);
    expect(values(sd.state.get(1)!.sum as Tensor)).toEqual([0.25, 0.25, 0.25]);
  });
});

describe('hyper-parameters', () => {
  const params = () => [new nn.Parameter(zeros(2))];

  it.each(fx.invalid.map((c) => [label(c), c] as const))('%s is refused with PyTorch\'s message', (_label, c) => {
    let caught: unknown;
    try {
      makeOptimizer(c.optimizer, params(), tsOptions(c.options));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TorchError);
    expect((caught as Error).message).toBe(c.message);
  });

  it.each(Object.entries(fx.defaults))('%s has PyTorch\'s defaults', (name, defaults) => {
    expect(makeOptimizer(name as OptimizerName, params(), {}).defaults).toEqual(tsOptions(defaults));
  });

  it('options of the wrong type are refused by name', () => {
    expect(() => new optim.RMSprop(params(), { centered: 1 as unknown as boolean })).toThrow("RMSprop(): 'centered' must be a boolean, got 1");
    expect(() => new optim.NAdam(params(), { betas: [0.9] as unknown as [number, number] })).toThrow('betas must be a pair of numbers');
    expect(() => new optim.Adagrad(params(), { lrDecay: '0.1' as unknown as number })).toThrow("Adagrad(): 'lrDecay' must be a number");
  });

  it.each(['RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'NAdam', 'RAdam'] as const)(
    '%s: a changed paramGroups lr reaches the engine at the next step (lr 0 freezes the weights)',
    (name) => {
      const c = fx.cases.find((k) => k.optimizer === name)!;
      const model = problemModel();
      const optimizer = makeOptimizer(name, model.parameters(), tsOptions(c.options));
      trainStep(model, optimizer);
      optimizer.paramGroups[0]!.lr = 0;
      const before = model.parameters().map((p) => float32Bits(values(p)));
      trainStep(model, optimizer);
      expect(model.parameters().map((p) => float32Bits(values(p)))).toEqual(before);
      optimizer.paramGroups[0]!.lr = -1;
      expect(() => optimizer.step()).toThrow('Invalid learning rate: -1');
    },
  );
});

describe('parameters whose grad is None are skipped, as in PyTorch', () => {
  it.each(fx.grad_none.map((c) => [label(c), c] as const))('%s: p and q after each step, bit for bit', (_label, c) => {
    const p = new nn.Parameter(tensor([1.5, -0.5]));
    const q = new nn.Parameter(tensor([2.0, 0.25]));
    const optimizer = makeOptimizer(c.optimizer, [p, q], tsOptions(c.options));
    c.steps.forEach((want, step) => {
      optimizer.zeroGrad();
      (step === 0 ? p.mul(q) : q.mul(q)).sum().backward();
      expect(p.grad === null).toBe(want.p_grad_is_none);
      optimizer.step();
      expect(float32Bits(values(p)), `p after step ${step}`).toEqual(float32Bits(want.p));
      expect(float32Bits(values(q)), `q after step ${step}`).toEqual(float32Bits(want.q));
    });
    expect([...optimizer.stateDict().state.keys()]).toEqual(c.state_keys);
  });

  it.each(['RMSprop', 'Adadelta', 'Adamax', 'NAdam', 'RAdam'] as const)('%s: a parameter that never had a gradient gets no state', (name) => {
    const model = problemModel();
    const optimizer = makeOptimizer(name, model.parameters(), {});
    const frozen = (model.at(2) as nn.Linear).weight;
    const before = values(frozen);
    frozen.requiresGrad = false;
    trainStep(model, optimizer);
    expect(values(frozen)).toEqual(before);
    expect([...optimizer.stateDict().state.keys()]).toEqual([0, 1, 3]);
  });
});
