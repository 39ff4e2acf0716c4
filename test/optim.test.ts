// torch.optim against PyTorch 2.11: parameters after every step of SGD, Adam
// and AdamW with their options, hyper-parameter checks with PyTorch's
// messages, parameter groups, lr changes and state dict round trips.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, zeros } from '../ts/creation';
import { manualSeed } from '../ts/random';
import { TorchError } from '../ts/errors';
import type { Tensor } from '../ts/tensor';
import * as nn from '../ts/nn';
import * as optim from '../ts/optim';
import { FIXTURE_DIR, float32Bits, fromJson, loadNnFixture, maxAbsDiff, values, type NnFixture, type OptimizerStepJson } from './fixtures/nn_fixture';

const fx = loadNnFixture();
const problem = fx.optimizers.problem;

/** The fixture's model (Linear(4,3), Tanh, Linear(3,2)) with PyTorch's initial weights. */
function problemModel(): nn.Sequential {
  const model = new nn.Sequential(new nn.Linear(4, 3), new nn.Tanh(), new nn.Linear(3, 2));
  model.loadStateDict(new Map(Object.entries(problem.initial).map(([k, t]) => [k, fromJson(t)])));
  return model;
}

type PyOptions = NnFixture['optimizers']['cases'][number]['options'];

/** Python keyword arguments → the TS options object. */
function tsOptions(py: PyOptions): Record<string, unknown> {
  const names: Record<string, string> = { weight_decay: 'weightDecay' };
  return Object.fromEntries(Object.entries(py).map(([k, v]) => [names[k] ?? k, v]));
}

function makeOptimizer(name: 'SGD' | 'Adam' | 'AdamW', params: Iterable<nn.Parameter>, opts: Record<string, unknown>): optim.Optimizer<{ lr: number }> {
  if (name === 'SGD') return new optim.SGD(params, opts);
  if (name === 'Adam') return new optim.Adam(params, opts);
  return new optim.AdamW(params, opts);
}

function trainStep(model: nn.Module, optimizer: optim.Optimizer<{ lr: number }>, x: Tensor, y: Tensor): number {
  optimizer.zeroGrad();
  const loss = nn.functional.mseLoss(model.forward(x) as Tensor, y);
  loss.backward();
  optimizer.step();
  return loss.item() as number;
}

/** Largest |param - PyTorch's| after this step; also asserts bit equality. */
function compareStep(model: nn.Module, want: OptimizerStepJson, label: string): number {
  let worst = 0;
  for (const [name, p] of model.stateDict()) {
    const got = values(p);
    const expected = want.params[name] as number[];
    worst = Math.max(worst, maxAbsDiff(got, expected));
    expect(float32Bits(got), `${label} ${name}`).toEqual(float32Bits(expected));
  }
  return worst;
}

const measured: Record<string, number> = {};

describe('optimizers match PyTorch step for step (bit-identical parameters)', () => {
  const x = fromJson(problem.x);
  const y = fromJson(problem.y);

  it.each(fx.optimizers.cases.map((c) => [`${c.optimizer} ${JSON.stringify(c.options)}`, c] as const))('%s', (label, c) => {
    const model = problemModel();
    const optimizer = makeOptimizer(c.optimizer, model.parameters(), tsOptions(c.options));
    expect(c.steps.length).toBe(fx.optimizers.steps);
    let worst = 0;
    c.steps.forEach((want, i) => {
      const loss = trainStep(model, optimizer, x, y);
      expect(loss, `loss before step ${i + 1}`).toBe(want.loss);
      worst = Math.max(worst, compareStep(model, want, `${label} step ${i + 1}`));
    });
    measured[label] = worst;
  });

  it('two parameter groups, and an lr change mid-training, as a scheduler does it', () => {
    const model = problemModel();
    const [first, , last] = [...model.children()];
    const optimizer = new optim.SGD(
      [{ params: first!.parameters() }, { params: last!.parameters(), lr: 0.01 }],
      { lr: 0.1, momentum: 0.9 },
    );
    expect(optimizer.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.01]);
    let worst = 0;
    fx.optimizers.param_groups_case.steps.forEach((want, i) => {
      if (i === 4) for (const g of optimizer.paramGroups) g.lr *= 0.5;
      expect(trainStep(model, optimizer, x, y)).toBe(want.loss);
      worst = Math.max(worst, compareStep(model, want, `groups step ${i + 1}`));
    });
    measured['SGD two groups + lr change'] = worst;
  });

  it.each(fx.optimizers.hyperparameter_changes.map((c) => [`${c.optimizer} ${JSON.stringify(c.options)} then ${JSON.stringify(c.change)}`, c] as const))(
    'hyper-parameters changed in paramGroups mid-training: %s',
    (label, c) => {
      const model = problemModel();
      const optimizer = makeOptimizer(c.optimizer, model.parameters(), tsOptions(c.options));
      let worst = 0;
      c.steps.forEach((want, i) => {
        if (i === c.change_at) Object.assign(optimizer.paramGroups[0]!, tsOptions(c.change));
        expect(trainStep(model, optimizer, x, y)).toBe(want.loss);
        worst = Math.max(worst, compareStep(model, want, `${label} step ${i + 1}`));
      });
      measured[label] = worst;
    },
  );

  it('reports the measured differences', () => {
    console.log('optimizer max |param - PyTorch|:', JSON.stringify(measured));
    expect(Object.keys(measured).length).toBe(fx.optimizers.cases.length + 1 + fx.optimizers.hyperparameter_changes.length);
  });
});

describe('hyper-parameters are checked with PyTorch\'s messages', () => {
  const params = () => [new nn.Parameter(zeros(2))];

  it.each(fx.invalid_hyperparameters.cases.map((c) => [`${c.optimizer} ${JSON.stringify(c.options)}`, c] as const))('%s', (_label, c) => {
    let caught: unknown;
    try {
      makeOptimizer(c.optimizer, params(), tsOptions(c.options));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TorchError);
    expect((caught as Error).message).toBe(c.message);
  });

  it('an empty parameter list', () => {
    expect(() => new optim.SGD([], { lr: 0.1 })).toThrow(fx.invalid_hyperparameters.empty_params_message);
  });

  it('a negative lr set later on a group is refused at the next step', () => {
    const optimizer = new optim.Adam(params());
    optimizer.paramGroups[0]!.lr = -1;
    expect(() => optimizer.step()).toThrow('Invalid learning rate: -1');
  });

  it('params must be an iterable of leaf tensors', () => {
    expect(() => new optim.SGD(new nn.Parameter(zeros(2)) as unknown as nn.Parameter[])).toThrow(
      'params argument given to the optimizer should be an iterable of Tensors or dicts, but got a Tensor',
    );
    const nonLeaf = new nn.Parameter(zeros(2)).mul(2) as nn.Parameter;
    expect(() => new optim.Adam([nonLeaf])).toThrow("can't optimize a non-leaf Tensor");
  });

  it('a parameter in two groups', () => {
    const p = params();
    expect(() => new optim.SGD([{ params: p }, { params: p }], { lr: 0.1 })).toThrow('some parameters appear in more than one parameter group');
  });

  it('AdamW defaults to weightDecay 0.01, Adam to 0, SGD lr to 0.001', () => {
    expect(new optim.AdamW(params()).defaults.weightDecay).toBe(0.01);
    expect(new optim.Adam(params()).defaults).toMatchObject({ lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    expect(new optim.SGD(params()).defaults).toMatchObject({ lr: 0.001, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false });
  });
});

describe('optimizer state dicts', () => {
  const x = fromJson(problem.x);
  const y = fromJson(problem.y);

  it.each([
    ['Adam', { lr: 0.01, amsgrad: true }],
    ['AdamW', { lr: 0.01 }],
    ['SGD', { lr: 0.1, momentum: 0.9, nesterov: true }],
  ] as const)('%s: saving after 3 steps and loading into a fresh optimizer continues identically', (name, opts) => {
    const model = problemModel();
    const optimizer = makeOptimizer(name, model.parameters(), { ...opts });
    for (let i = 0; i < 3; i++) trainStep(model, optimizer, x, y);
    const modelState = new Map([...model.stateDict()].map(([k, v]) => [k, v.clone()]));
    const optimizerState = optimizer.stateDict();

    expect([...optimizerState.state.keys()]).toEqual([0, 1, 2, 3]);
    expect(optimizerState.paramGroups[0]!.params).toEqual([0, 1, 2, 3]);
    const keys = Object.keys(optimizerState.state.get(0)!).sort();
    expect(keys).toEqual(name === 'SGD' ? ['momentum_buffer'] : name === 'Adam' ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step'] : ['exp_avg', 'exp_avg_sq', 'step']);
    if (name !== 'SGD') expect(optimizerState.state.get(0)!.step).toBe(3);

    // Deep copy, as torch.save/torch.load would: the live state must not be shared.
    const saved = {
      state: new Map([...optimizerState.state].map(([i, s]) => [i, Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? v : v.clone()]))])),
      paramGroups: optimizerState.paramGroups.map((g) => ({ ...g })),
    };
    for (let i = 0; i < 4; i++) trainStep(model, optimizer, x, y);
    const reference = model.parameters().map(values);

    const resumed = problemModel();
    resumed.loadStateDict(modelState);
    const fresh = makeOptimizer(name, resumed.parameters(), { lr: 0.5 }); // lr comes back from the state dict
    fresh.loadStateDict(saved);
    expect(fresh.paramGroups[0]!.lr).toBe(opts.lr);
    for (let i = 0; i < 4; i++) trainStep(resumed, fresh, x, y);
    resumed.parameters().forEach((p, i) => expect(float32Bits(values(p))).toEqual(float32Bits(reference[i]!)));

    // Without the optimizer state the continuation differs (the check can fail).
    const cold = problemModel();
    cold.loadStateDict(modelState);
    const coldOpt = makeOptimizer(name, cold.parameters(), { ...opts });
    for (let i = 0; i < 4; i++) trainStep(cold, coldOpt, x, y);
    expect(float32Bits(values(cold.parameters()[0]!))).not.toEqual(float32Bits(reference[0]!));
  });

  it('refuses state whose shape does not fit the parameter', () => {
    const model = problemModel();
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const state = new Map([[0, { momentum_buffer: zeros(2, 2) }]]);
    expect(() => optimizer.loadStateDict({ state, paramGroups: optimizer.stateDict().paramGroups })).toThrow(
      'state momentum_buffer of parameter 0 has shape [2, 2], but the parameter has shape [3, 4]',
    );
  });

  it('refuses a state dict with a different group layout', () => {
    const model = problemModel();
    const optimizer = new optim.Adam(model.parameters());
    const other = new optim.Adam(model.parameters().slice(0, 2));
    expect(() => optimizer.loadStateDict(other.stateDict())).toThrow(
      "loaded state dict contains a parameter group that doesn't match the size of optimizer's group",
    );
  });

  it('zeroGrad clears every optimized gradient (setToNone by default)', () => {
    manualSeed(0);
    const model = problemModel();
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
    trainStep(model, optimizer, x, y);
    expect(model.parameters().every((p) => p.grad !== null)).toBe(true);
    optimizer.zeroGrad({ setToNone: false });
    expect(model.parameters().every((p) => values(p.grad!).every((g) => g === 0))).toBe(true);
    optimizer.zeroGrad();
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it.each(['SGD', 'Adam'] as const)('%s keeps training the model after model.to(float64) (the optimizer follows the new tensors)', (name) => {
    const x64 = x.to('float64');
    const y64 = y.to('float64');
    const opts = name === 'SGD' ? { lr: 0.1, momentum: 0.9 } : { lr: 0.01 };
    // Reference: cast first, then build the optimizer.
    const reference = problemModel().to('float64');
    const refOpt = makeOptimizer(name, reference.parameters(), opts);
    // Built on float32 parameters, then the model is cast.
    const model = problemModel();
    const optimizer = makeOptimizer(name, model.parameters(), opts);
    model.to('float64');
    for (let i = 0; i < 3; i++) {
      trainStep(reference, refOpt, x64, y64);
      trainStep(model, optimizer, x64, y64);
    }
    model.parameters().forEach((p, i) => {
      expect(p.dtype.name).toBe('float64');
      expect(values(p)).toEqual(values(reference.parameters()[i]!));
    });
    // State created before a cast is cast with the parameters.
    model.to('float32');
    trainStep(model, optimizer, x, y);
    const state = optimizer.stateDict().state.get(0)!;
    const first = (name === 'SGD' ? state.momentum_buffer : state.exp_avg) as Tensor;
    expect(first.dtype.name).toBe('float32');
  });

  it('a parameter without a gradient is left alone (and gets no state)', () => {
    const model = problemModel();
    const optimizer = new optim.Adam(model.parameters(), { lr: 0.1 });
    const before = model.parameters().map(values);
    (model.at(2) as nn.Linear).weight.requiresGrad = false;
    trainStep(model, optimizer, fromJson(problem.x), fromJson(problem.y));
    expect(values(model.parameters()[2]!)).toEqual(before[2]);
    expect(values(model.parameters()[0]!)).not.toEqual(before[0]);
    expect([...optimizer.stateDict().state.keys()]).toEqual([0, 1, 3]);
  });
});

// Was a bug (issue 14): zeroGrad() zeroed gradients instead of setting them to
// None, so a parameter the next backward did not reach still had a (zero)
// gradient and momentum, weight decay and Adam's moments moved it. PyTorch
// skips parameters whose grad is None. Numbers from test/fixtures/grad_none_fixtures.py.
describe('parameters whose grad is None are skipped, as in PyTorch', () => {
  type GradNoneCase = { options: Record<string, unknown>; steps: { p: number[]; q: number[]; p_grad_is_none: boolean }[] };
  const cases = JSON.parse(readFileSync(join(FIXTURE_DIR, 'grad_none.json'), 'utf8')) as Record<string, GradNoneCase | string>;
  const make = (name: string, params: Tensor[], options: Record<string, unknown>) => {
    const cls = name.startsWith('SGD') ? optim.SGD : name.startsWith('AdamW') ? optim.AdamW : optim.Adam;
    return new cls(params as nn.Parameter[], tsOptions(options as PyOptions));
  };
  for (const [name, c] of Object.entries(cases)) {
    if (typeof c === 'string') continue; // the torch version
    it(`${name} ${JSON.stringify(c.options)}: p and q after each step, bit for bit`, () => {
      const p = new nn.Parameter(tensor([1.5, -0.5]));
      const q = new nn.Parameter(tensor([2.0, 0.25]));
      const optimizer = make(name, [p, q], c.options);
      c.steps.forEach((want, step) => {
        optimizer.zeroGrad();
        expect(p.grad, 'zeroGrad() sets grads to None').toBeNull();
        (step === 0 ? p.mul(q) : q.mul(q)).sum().backward();
        expect(p.grad === null).toBe(want.p_grad_is_none);
        optimizer.step();
        expect(float32Bits(values(p)), `p after step ${step}`).toEqual(float32Bits(want.p));
        expect(float32Bits(values(q)), `q after step ${step}`).toEqual(float32Bits(want.q));
      });
    });
  }

  it('tensor.grad = null clears the gradient; the next backward starts a new one', () => {
    const p = new nn.Parameter(tensor([1.0], { dtype: 'float32' }));
    p.mul(2).sum().backward();
    p.grad = null;
    expect(p.grad).toBeNull();
    p.mul(3).sum().backward();
    expect(values(p.grad!)).toEqual([3]);
  });
});
