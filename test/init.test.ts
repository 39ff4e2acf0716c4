// torch.nn.init against PyTorch 2.11 (test/fixtures/init.json, written by
// init_fixtures.py): every function after the same manualSeed draws Python's
// numbers bit for bit, and leaves the generator where Python leaves it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import type { Tensor } from '../ts/index';
import type { FanMode, Nonlinearity } from '../ts/nn/init';
import { FIXTURE_DIR, float32Bits, values } from './fixtures/nn_fixture';

const { init } = torch.nn;

type Kwargs = Record<string, number | string>;

interface InitFixture {
  torch_version: string;
  cases: { fn: string; shape: number[]; kwargs: Kwargs; seed: number; values: number[]; next_draws: number[] }[];
  gains: { nonlinearity: Nonlinearity; param: number | null; gain: number }[];
  errors: Record<string, string>;
}

const fx = JSON.parse(readFileSync(join(FIXTURE_DIR, 'init.json'), 'utf8')) as InitFixture;

/** Python's call `init.<fn>(t, **kwargs)` in torchts's spelling. */
function apply(fn: string, t: Tensor, kw: Kwargs): Tensor {
  const n = (k: string) => kw[k] as number | undefined;
  switch (fn) {
    case 'uniform_': return init.uniform_(t, n('a'), n('b'));
    case 'normal_': return init.normal_(t, n('mean'), n('std'));
    case 'trunc_normal_': return init.truncNormal_(t, n('mean'), n('std'), n('a'), n('b'));
    case 'constant_': return init.constant_(t, n('val')!);
    case 'ones_': return init.ones_(t);
    case 'zeros_': return init.zeros_(t);
    case 'eye_': return init.eye_(t);
    case 'dirac_': return init.dirac_(t, n('groups'));
    case 'xavier_uniform_': return init.xavierUniform_(t, n('gain'));
    case 'xavier_normal_': return init.xavierNormal_(t, n('gain'));
    case 'kaiming_uniform_': return init.kaimingUniform_(t, { a: n('a'), mode: kw.mode as FanMode | undefined, nonlinearity: kw.nonlinearity as Nonlinearity | undefined });
    case 'kaiming_normal_': return init.kaimingNormal_(t, { a: n('a'), mode: kw.mode as FanMode | undefined, nonlinearity: kw.nonlinearity as Nonlinearity | undefined });
    case 'orthogonal_': return init.orthogonal_(t, n('gain'));
    case 'sparse_': return init.sparse_(t, n('sparsity')!, n('std'));
    default: throw new Error(`unknown init ${fn}`);
  }
}

const FILLS = new Set(['constant_', 'ones_', 'zeros_', 'eye_', 'dirac_']);

describe('nn.init draws PyTorch 2.11\'s numbers after the same manualSeed', () => {
  it('has a fixture from torch 2.11', () => {
    expect(fx.torch_version.startsWith('2.11')).toBe(true);
  });

  it.each(fx.cases.map((c) => [`${c.fn}(empty(${c.shape.join(', ')}), ${JSON.stringify(c.kwargs)}) seed ${c.seed}`, c] as const))('%s', (_label, c) => {
    torch.manualSeed(c.seed);
    const t = torch.empty(c.shape);
    if (FILLS.has(c.fn)) t.fill_(7);
    const out = apply(c.fn, t, c.kwargs);
    expect(out).toBe(t);
    expect(t.shape).toEqual(c.shape);
    expect(float32Bits(values(t))).toEqual(float32Bits(c.values));
    expect(float32Bits(values(torch.rand(2)))).toEqual(float32Bits(c.next_draws));
  });

  it('initialises a parameter that requires grad, in place, outside autograd', () => {
    const linear = new torch.nn.Linear(4, 3);
    const w = linear.weight;
    init.kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'relu' });
    init.zeros_(linear.bias!);
    expect(w.requiresGrad).toBe(true);
    expect(w.isLeaf).toBe(true);
    expect(values(linear.bias!)).toEqual([0, 0, 0]);
  });
});

describe('nn.init.calculateGain', () => {
  it.each(fx.gains.map((g) => [`${g.nonlinearity} ${g.param}`, g] as const))('%s', (_label, g) => {
    expect(init.calculateGain(g.nonlinearity, g.param)).toBe(g.gain);
  });
});

describe('nn.init: bad input throws PyTorch\'s one-line message', () => {
  const cases: [string, () => unknown][] = [
    ['kaiming_1d', () => init.kaimingUniform_(torch.empty(3))],
    ['kaiming_normal_1d', () => init.kaimingNormal_(torch.empty(3))],
    ['kaiming_mode', () => init.kaimingUniform_(torch.empty(3, 3), { mode: 'Fan' as FanMode })],
    ['xavier_1d', () => init.xavierUniform_(torch.empty(3))],
    ['gain_unknown', () => init.calculateGain('softmax' as Nonlinearity)],
    ['gain_bool_param', () => init.calculateGain('leaky_relu', true as unknown as number)],
    ['eye_3d', () => init.eye_(torch.empty(2, 2, 2))],
    ['dirac_2d', () => init.dirac_(torch.empty(3, 3))],
    ['dirac_groups', () => init.dirac_(torch.empty(3, 2, 3), 2)],
    ['orthogonal_1d', () => init.orthogonal_(torch.empty(3))],
    ['sparse_3d', () => init.sparse_(torch.empty(2, 2, 2), 0.1)],
  ];
  it.each(cases)('%s', (key, fn) => {
    expect(fn).toThrow(torch.TorchError);
    expect(fn).toThrow(fx.errors[key]!);
  });
});
