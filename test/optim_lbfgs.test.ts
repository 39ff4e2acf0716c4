// torch.optim.LBFGS against PyTorch 2.11 (test/fixtures/lbfgs_fixtures.py):
// Rosenbrock (float32, float64) and a small MLP, with and without the
// strong-Wolfe line search, replayed step by step: the loss step() returns,
// how often it called the closure, every parameter bit for bit, the state
// dict (which values are numbers and which are tensors, and their bits),
// resuming from PyTorch's state dict, PyTorch's defaults and messages.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, zeros } from '../ts/creation';
import { Tensor } from '../ts/tensor';
import { noGrad } from '../ts/autograd';
import * as nn from '../ts/nn';
import * as optim from '../ts/optim';
import type { LBFGSOptions, LBFGSState, LBFGSStateDict } from '../ts/optim';
import { FIXTURE_DIR, float32Bits, fromJson, values, type TensorJson } from './fixtures/nn_fixture';
import { thrownTorchError } from './helpers/errors';

type PyValue = number | null | TensorJson | PyValue[];
type PyState = Record<string, PyValue>;
interface PyStateDict { state: Record<string, PyState>; param_groups: Record<string, unknown>[] }

interface LbfgsFixture {
  torch_version: string;
  defaults: Record<string, unknown>;
  cases: {
    problem: 'rosenbrock2' | 'rosenbrock6' | 'mlp';
    dtype: 'float32' | 'float64';
    options: Record<string, unknown>;
    data: { start?: number[]; init?: Record<string, TensorJson>; x?: TensorJson; y?: TensorJson };
    steps: { loss: number; calls: number; params: TensorJson[] }[];
    resume: { params: TensorJson[]; state_dict: PyStateDict };
    state_dict: PyStateDict;
  }[];
  invalid: { options: Record<string, unknown> | string; message: string }[];
}

const fx = JSON.parse(readFileSync(join(FIXTURE_DIR, 'lbfgs.json'), 'utf8')) as LbfgsFixture;
type Case = LbfgsFixture['cases'][number];

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const tsOptions = (py: Record<string, unknown>): Partial<LBFGSOptions> => Object.fromEntries(Object.entries(py).map(([k, v]) => [camel(k), v]));

const isTensorJson = (v: PyValue): v is TensorJson => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Bit-exact equality: float32 by bit pattern, float64 by value (JSON keeps doubles exactly). */
function expectSameTensor(t: Tensor, want: TensorJson, label: string): void {
  expect(t.dtype.name, label).toBe(want.dtype);
  expect(t.shape, label).toEqual(want.shape);
  if (want.dtype === 'float32') expect(float32Bits(values(t)), label).toEqual(float32Bits(want.values as number[]));
  else expect(values(t), label).toEqual(want.values);
}

/** A state value against PyTorch's: a number where Python keeps a number, a tensor where it keeps a tensor. */
function expectSameValue(v: unknown, want: PyValue, label: string): void {
  if (Array.isArray(want)) {
    expect(Array.isArray(v), label).toBe(true);
    const list = v as unknown[];
    expect(list.length, label).toBe(want.length);
    want.forEach((w, i) => expectSameValue(list[i], w, `${label}[${i}]`));
  } else if (isTensorJson(want)) {
    expect(v, label).toBeInstanceOf(Tensor);
    expectSameTensor(v as Tensor, want, label);
  } else {
    expect(v, label).toBe(want);
  }
}

/** PyTorch's state dict as LBFGS.loadStateDict takes it. */
function fromPyValue(v: PyValue): Tensor | number | null | (Tensor | number | null)[] {
  if (Array.isArray(v)) return v.map((x) => fromPyValue(x) as Tensor | number | null);
  return isTensorJson(v) ? fromJson(v) : v;
}
function fromPyStateDict(sd: PyStateDict): LBFGSStateDict {
  const state = new Map<number, LBFGSState>();
  for (const [k, s] of Object.entries(sd.state)) {
    state.set(Number(k), Object.fromEntries(Object.entries(s).map(([name, v]) => [name, fromPyValue(v)])) as unknown as LBFGSState);
  }
  return { state, paramGroups: sd.param_groups.map((g) => Object.fromEntries(Object.entries(g).map(([k, v]) => [camel(k), v]))) };
}

function rosenbrock(x: Tensor): Tensor {
  const n = x.shape[0]!;
  const a = x.narrow(0, 0, n - 1);
  const b = x.narrow(0, 1, n - 1);
  return b.sub(a.pow(2)).pow(2).mul(100).add(a.neg().add(1).pow(2)).sum();
}

/** The case's parameters (at `start` when given) and the loss the closure computes. */
function problem(c: Case, start?: TensorJson[]): { params: Tensor[]; loss: () => Tensor } {
  if (c.problem === 'mlp') {
    const model = new nn.Sequential(new nn.Linear(3, 6), new nn.Tanh(), new nn.Linear(6, 1));
    model.loadStateDict(new Map(Object.entries(c.data.init!).map(([k, t]) => [k, fromJson(t)])));
    const params = model.parameters();
    if (start) noGrad(() => params.forEach((p, i) => p.copy_(fromJson(start[i]!))));
    const x = fromJson(c.data.x!);
    const y = fromJson(c.data.y!);
    return { params, loss: () => nn.functional.mseLoss(model.forward(x) as Tensor, y) };
  }
  const x = (start ? fromJson(start[0]!) : tensor(c.data.start!, { dtype: c.dtype })).requiresGrad_();
  return { params: [x], loss: () => rosenbrock(x) };
}

function counted(optimizer: optim.LBFGS, loss: () => Tensor): { closure: () => Tensor; calls: () => number } {
  let calls = 0;
  return {
    closure: () => {
      calls += 1;
      optimizer.zeroGrad();
      const l = loss();
      l.backward();
      return l;
    },
    calls: () => {
      const n = calls;
      calls = 0;
      return n;
    },
  };
}

const title = (c: Case) => `${c.problem} ${c.dtype} ${JSON.stringify(c.options)}`;

describe('LBFGS replays PyTorch step for step', () => {
  it.each(fx.cases.map((c) => [title(c), c] as const))('%s', (_, c) => {
    const { params, loss } = problem(c);
    const optimizer = new optim.LBFGS(params, tsOptions(c.options));
    const { closure, calls } = counted(optimizer, loss);
    c.steps.forEach((want, step) => {
      const got = optimizer.step(closure);
      expect(got.item(), `step ${step} loss`).toBe(want.loss);
      expect(calls(), `step ${step} closure calls`).toBe(want.calls);
      params.forEach((p, i) => expectSameTensor(p, want.params[i]!, `step ${step} param ${i}`));
    });
    const sd = optimizer.stateDict();
    const wantState = c.state_dict.state['0']!;
    const state = sd.state.get(0)! as unknown as Record<string, unknown>;
    expect(Object.keys(state).sort()).toEqual(Object.keys(wantState).sort());
    for (const [k, v] of Object.entries(wantState)) expectSameValue(state[k], v, `state.${k}`);
    expect(sd.paramGroups).toEqual(fromPyStateDict(c.state_dict).paramGroups);
  });

  it.each(fx.cases.map((c) => [title(c), c] as const))('%s: resumes from PyTorch\'s state dict', (_, c) => {
    const { params, loss } = problem(c, c.resume.params);
    const optimizer = new optim.LBFGS(params, { maxIter: 3 }); // the loaded paramGroups replace these options
    optimizer.loadStateDict(fromPyStateDict(c.resume.state_dict));
    const { closure, calls } = counted(optimizer, loss);
    const want = c.steps[c.steps.length - 1]!;
    expect(optimizer.step(closure).item()).toBe(want.loss);
    expect(calls()).toBe(want.calls);
    params.forEach((p, i) => expectSameTensor(p, want.params[i]!, `param ${i}`));
  });
});

describe('LBFGS options, state and errors', () => {
  it("PyTorch's defaults", () => {
    const optimizer = new optim.LBFGS([zeros(2).requiresGrad_()]);
    expect({ ...optimizer.defaults }).toEqual(tsOptions(fx.defaults));
    expect(new optim.LBFGS([zeros(2).requiresGrad_()], { maxIter: 8 }).defaults.maxEval).toBe(10);
  });

  it("PyTorch's messages", () => {
    const p = zeros(2).requiresGrad_();
    for (const c of fx.invalid) {
      if (c.options === 'two groups') {
        expect(thrownTorchError(() => new optim.LBFGS([{ params: [zeros(1).requiresGrad_()] }, { params: [zeros(1).requiresGrad_()] }])).message).toContain(c.message);
      } else if (typeof c.options === 'object' && 'line_search_fn' in c.options) {
        const optimizer = new optim.LBFGS([p], { lineSearchFn: c.options.line_search_fn as 'strong_wolfe' });
        const closure = () => {
          const loss = p.mul(2).sum();
          loss.backward(); // a nonzero gradient, so step reaches the line search
          return loss;
        };
        expect(thrownTorchError(() => optimizer.step(closure)).message).toContain(c.message);
      } else {
        expect(thrownTorchError(() => new optim.LBFGS([p], tsOptions(c.options as Record<string, unknown>))).message).toContain(c.message);
      }
    }
  });

  it('bad arguments are one-line TorchErrors', () => {
    const p = zeros(2).requiresGrad_();
    const optimizer = new optim.LBFGS([p]);
    expect(thrownTorchError(() => optimizer.step(undefined as unknown as () => Tensor)).message).toContain('closure must be a function');
    expect(thrownTorchError(() => optimizer.step((() => 1) as unknown as () => Tensor)).message).toContain('must return the loss tensor');
    expect(thrownTorchError(() => new optim.LBFGS([])).message).toContain('empty parameter list');
    expect(thrownTorchError(() => new optim.LBFGS([p.mul(2)])).message).toContain("can't optimize a non-leaf Tensor");
    expect(thrownTorchError(() => new optim.LBFGS([p], { maxIter: 1.5 })).message).toContain('maxIter must be an integer');
    expect(thrownTorchError(() => optimizer.loadStateDict({ state: new Map(), paramGroups: [] })).message).toContain('different number of parameter groups');
    const disposed = zeros(2).requiresGrad_();
    const other = new optim.LBFGS([disposed]);
    disposed.dispose();
    expect(thrownTorchError(() => other.step(() => tensor(1))).message).toContain('disposed');
  });

  it('a state dict round trip continues exactly where the original would', () => {
    const c = fx.cases.find((k) => k.problem === 'mlp' && k.options.line_search_fn === 'strong_wolfe')!;
    const a = problem(c);
    const first = new optim.LBFGS(a.params, tsOptions(c.options));
    const ca = counted(first, a.loss);
    first.step(ca.closure);
    const b = problem(c, a.params.map((p) => ({ shape: p.shape, dtype: 'float32', values: values(p) })));
    const second = new optim.LBFGS(b.params, tsOptions(c.options));
    second.loadStateDict(first.stateDict());
    const cb = counted(second, b.loss);
    expect(second.step(cb.closure).item()).toBe(first.step(ca.closure).item());
    a.params.forEach((p, i) => expect(float32Bits(values(b.params[i]!))).toEqual(float32Bits(values(p))));
  });
});
