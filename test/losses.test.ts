// Losses against PyTorch 2.11 (test/fixtures/losses.json, written by
// losses_fixtures.py): values and input gradients bit for bit for every loss,
// reduction and option; PyTorch's messages for bad input; and fused training
// with the new engine losses giving the eager loop's numbers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import type { EpochRecord, Tensor } from '../ts/index';
import type { KLDivReduction, Reduction } from '../ts/nn/functional';
import { FIXTURE_DIR, float32Bits, fromJson, jsonNumber, values, type JsonNumber, type TensorJson } from './fixtures/nn_fixture';

const { nn, optim } = torch;
const F = nn.functional;

interface LossCase {
  loss: string;
  inputs: string[];
  options: Record<string, number | boolean | string>;
  reduction: string;
  var_number?: number;
  output: TensorJson;
  grads: Record<string, TensorJson>;
}

interface LossFixture {
  torch_version: string;
  inputs: Record<string, TensorJson>;
  cases: LossCase[];
  errors: Record<string, string>;
}

const fx = JSON.parse(readFileSync(join(FIXTURE_DIR, 'losses.json'), 'utf8')) as LossFixture;
const input = (name: string): Tensor => fromJson(fx.inputs[name]!);
const DIFFERENTIABLE_TARGETS = new Set(['var', 'var_rows', 'var_tiny']);

/** The module PyTorch's case names, built from the fixture's options (snake_case there). */
function lossModule(c: LossCase): { forward: (...args: Tensor[]) => Tensor } {
  const o = c.options;
  const reduction = c.reduction as Reduction;
  const num = (k: string) => o[k] as number | undefined;
  const bool = (k: string) => o[k] as boolean | undefined;
  const weight = typeof o.weight === 'string' ? input(o.weight) : undefined;
  switch (c.loss) {
    case 'L1Loss': return weight ? { forward: (a, b) => F.l1Loss(a!, b!, { weight, reduction }) } : new nn.L1Loss({ reduction });
    case 'MSELoss': return weight ? { forward: (a, b) => F.mseLoss(a!, b!, { weight, reduction }) } : new nn.MSELoss({ reduction });
    case 'BCELoss': return new nn.BCELoss({ weight, reduction });
    case 'SmoothL1Loss': return new nn.SmoothL1Loss({ reduction, beta: num('beta') });
    case 'HuberLoss': return weight ? { forward: (a, b) => F.huberLoss(a!, b!, { weight, reduction, delta: num('delta') }) } : new nn.HuberLoss({ reduction, delta: num('delta') });
    case 'KLDivLoss': return new nn.KLDivLoss({ reduction: c.reduction as KLDivReduction, logTarget: bool('log_target') });
    case 'SoftMarginLoss': return new nn.SoftMarginLoss({ reduction });
    case 'PoissonNLLLoss': return new nn.PoissonNLLLoss({ reduction, logInput: bool('log_input'), full: bool('full'), eps: num('eps') });
    case 'CosineEmbeddingLoss': return new nn.CosineEmbeddingLoss({ reduction, margin: num('margin') });
    case 'MarginRankingLoss': return new nn.MarginRankingLoss({ reduction, margin: num('margin') });
    case 'GaussianNLLLoss': {
      const loss = new nn.GaussianNLLLoss({ reduction, full: bool('full'), eps: num('eps') });
      return { forward: (a, b, v) => loss.forward(a!, b!, v ?? c.var_number!) };
    }
    default: throw new Error(`unknown loss ${c.loss}`);
  }
}

const bits = (xs: JsonNumber[]) => float32Bits(xs.map(jsonNumber));
const label = (c: LossCase) => `${c.loss}(${c.inputs.join(', ')}) ${JSON.stringify(c.options)}${c.var_number === undefined ? '' : ` var=${c.var_number}`} reduction=${c.reduction}`;

describe('losses: values and input gradients match PyTorch 2.11 bit for bit', () => {
  it('has a fixture from torch 2.11', () => {
    expect(fx.torch_version.startsWith('2.11')).toBe(true);
    expect(fx.cases.length).toBeGreaterThan(100);
  });

  it.each(fx.cases.map((c) => [label(c), c] as const))('%s', (_label, c) => {
    const args = c.inputs.map((name) => {
      const t = input(name);
      return name in c.grads || DIFFERENTIABLE_TARGETS.has(name) ? t.requiresGrad_() : t;
    });
    const out = lossModule(c).forward(...args);
    expect(out.shape).toEqual(c.output.shape);
    expect(float32Bits(values(out))).toEqual(bits(c.output.values));
    out.sum().backward();
    for (const [i, name] of c.inputs.entries()) {
      const expected = c.grads[name];
      if (!expected) continue;
      const grad = args[i]!.grad;
      expect(grad, `grad of ${name}`).not.toBeNull();
      expect(float32Bits(values(grad!)), `grad of ${name}`).toEqual(bits(expected.values));
    }
  });
});

describe('losses: bad input throws PyTorch\'s one-line message', () => {
  const x = input('x');
  const y = input('y');
  const probs = input('probs');
  const soft = input('soft_targets');
  const cases: [string, () => unknown][] = [
    ['bce_target_size', () => new nn.BCELoss().forward(probs, torch.rand(4))],
    ['bce_outside_unit', () => F.binaryCrossEntropy(x, soft)],
    ['bce_long_target', () => F.binaryCrossEntropy(probs, input('counts').long())],
    ['bce_weight_size', () => F.binaryCrossEntropy(probs, soft, { weight: torch.ones(5) })],
    ['l1_shape', () => new nn.L1Loss().forward(x, torch.rand(5))],
    ['l1_weight_size', () => F.l1Loss(x, y, { weight: torch.ones(3) })],
    ['l1_weighted_reduction', () => F.l1Loss(x, y, { weight: torch.ones(4, 3), reduction: 'avg' as Reduction })],
    ['smooth_l1_negative_beta', () => new nn.SmoothL1Loss({ beta: -1 }).forward(x, y)],
    ['huber_zero_delta', () => new nn.HuberLoss({ delta: 0 }).forward(x, y)],
    ['kl_bad_reduction', () => new nn.KLDivLoss({ reduction: 'avg' as KLDivReduction }).forward(x, y)],
    ['soft_margin_shape', () => new nn.SoftMarginLoss().forward(x, torch.rand(5))],
    ['poisson_bad_reduction', () => new nn.PoissonNLLLoss({ reduction: 'avg' as Reduction }).forward(x, y)],
    ['cosine_shape', () => new nn.CosineEmbeddingLoss().forward(input('a'), torch.rand(4, 3), input('pair_target'))],
    ['cosine_target_dims', () => F.cosineEmbeddingLoss(input('a'), input('b'), torch.ones(4, 1))],
    ['margin_ranking_dims', () => new nn.MarginRankingLoss().forward(x, input('a1'), input('rank_target'))],
    ['gaussian_negative_var', () => new nn.GaussianNLLLoss().forward(x, y, torch.ones(4, 3).neg())],
    ['gaussian_negative_number', () => F.gaussianNllLoss(x, y, -1)],
    ['gaussian_var_size', () => F.gaussianNllLoss(x, y, torch.ones(2))],
    ['gaussian_bad_reduction', () => F.gaussianNllLoss(x, y, torch.ones(4, 3), { reduction: 'avg' as Reduction })],
  ];
  it.each(cases)('%s', (key, fn) => {
    const expected = fx.errors[key]!;
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(torch.TorchError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    if (key === 'bce_long_target') {
      // PyTorch's text, then which tensor is wrong and the fix (our addition).
      expect(message).toBe(`${expected}: the target has dtype int64 but this loss needs a floating-point target like its input (float32); torch.tensor makes int64 from whole numbers: pass { dtype: torch.float32 } or call target.float()`);
    } else {
      expect(message).toBe(expected);
    }
  });

  it('a target of the wrong dtype gets PyTorch\'s message plus which tensor and the fix', () => {
    const logits = torch.zeros(3, 2);
    const floatLabels = torch.tensor([0.5, 1, 1]).round();
    let error: unknown;
    try {
      new nn.CrossEntropyLoss()(logits, floatLabels);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(torch.TorchError);
    expect((error as Error).message).toBe(
      "expected scalar type Long but found Float: the target holds class indices (shape torch.Size([3])) but has dtype float32; class indices must be int64 (call target.long()), class probabilities must have the input's shape torch.Size([3, 2])",
    );
  });

  it('type-checks options before the engine sees them', () => {
    expect(() => F.smoothL1Loss(x, y, { beta: '1' as unknown as number })).toThrow('smooth_l1_loss(): beta must be a number, got');
    expect(() => F.klDiv(x, y, { logTarget: 1 as unknown as boolean })).toThrow("kl_div(): 'log_target' must be a boolean, got 1");
    expect(() => F.marginRankingLoss(x, y, y, { margin: null as unknown as number })).toThrow('margin_ranking_loss(): margin must be a number, got');
  });
});

describe('loss modules', () => {
  it('print as PyTorch does and keep BCELoss\'s weight as a buffer', () => {
    expect(String(new nn.HuberLoss({ delta: 2 }))).toBe('HuberLoss()');
    expect(String(new nn.CosineEmbeddingLoss())).toBe('CosineEmbeddingLoss()');
    const bce = new nn.BCELoss({ weight: torch.ones(3) });
    expect([...bce.stateDict().keys()]).toEqual(['weight']);
    expect(new nn.KLDivLoss({ reduction: 'batchmean' }).reduction).toBe('batchmean');
  });

  it('describe the two-input losses to the engine; the three-input ones run eagerly only', () => {
    for (const loss of [new nn.BCELoss(), new nn.L1Loss(), new nn.SmoothL1Loss(), new nn.HuberLoss(), new nn.KLDivLoss(), new nn.SoftMarginLoss(), new nn.PoissonNLLLoss()]) {
      expect(loss._lossSpec(), loss.constructor.name).not.toBeNull();
    }
    expect(new nn.BCELoss({ weight: torch.ones(3) })._lossSpec()).toBeNull();
    for (const loss of [new nn.CosineEmbeddingLoss(), new nn.MarginRankingLoss(), new nn.GaussianNLLLoss()]) {
      expect('_lossSpec' in loss, loss.constructor.name).toBe(false);
    }
  });
});

describe('fused training with the engine\'s regression losses equals the eager loop', () => {
  const cases: [string, () => InstanceType<typeof nn.Loss>, number | undefined][] = [
    ['L1Loss', () => new nn.L1Loss(), undefined],
    ['SmoothL1Loss (beta 0.5), minibatches', () => new nn.SmoothL1Loss({ beta: 0.5 }), 6],
    ['HuberLoss (delta 0.3, sum)', () => new nn.HuberLoss({ delta: 0.3, reduction: 'sum' }), undefined],
    ['KLDivLoss (batchmean) after LogSoftmax', () => new nn.KLDivLoss({ reduction: 'batchmean' }), 5],
    ['PoissonNLLLoss', () => new nn.PoissonNLLLoss(), undefined],
  ];
  function train(criterion: InstanceType<typeof nn.Loss>, batchSize: number | undefined, mode: 'eager' | 'fused') {
    torch.manualSeed(11);
    const x = torch.randn(20, 3);
    const kl = criterion instanceof nn.KLDivLoss;
    const y = kl ? x.softmax(1) : criterion instanceof nn.PoissonNLLLoss ? x.abs().round() : x.narrow(1, 0, 2).mul(2).sin();
    const model = kl
      ? new nn.Sequential(new nn.Linear(3, 8), new nn.Tanh(), new nn.Linear(8, 3), new nn.LogSoftmax(1))
      : new nn.Sequential(new nn.Linear(3, 8), new nn.ReLU(), new nn.Linear(8, y.shape[1]!));
    const optimizer = new optim.Adam(model.parameters(), { lr: 0.03 });
    const history: EpochRecord[] = torch.fit(model, { optimizer, criterion, xTrain: x, yTrain: y, xTest: x.narrow(0, 0, 7), yTest: y.narrow(0, 0, 7), epochs: 5, batchSize, mode });
    return { history, params: model.parameters().map((p: Tensor) => values(p)) };
  }
  it.each(cases)('%s', (_name, make, batchSize) => {
    const eager = train(make(), batchSize, 'eager');
    const fused = train(make(), batchSize, 'fused');
    expect(fused.history).toEqual(eager.history);
    expect(fused.params).toEqual(eager.params);
    expect(eager.history[4]!.trainLoss).toBeLessThan(eager.history[0]!.trainLoss);
  });
});
