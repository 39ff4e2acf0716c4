// torch.nn.utils against PyTorch 2.11 (test/fixtures/nn_utils.json, written
// by nn_utils_fixtures.py): clipped gradients, total norms and parameter
// vectors bit for bit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import type { Tensor } from '../ts/index';
import { FIXTURE_DIR, float32Bits, jsonNumber, values, type JsonNumber } from './fixtures/nn_fixture';

const { nn } = torch;

/** JSON numbers, where "inf"/"-inf"/"nan" stand for the non-finite ones. */
type Json = number | string;
const toNumber = (v: Json): number => (typeof v === 'number' ? v : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : jsonNumber(v as JsonNumber));
const bits = (xs: Json[]) => float32Bits(xs.map(toNumber));

interface UtilsFixture {
  torch_version: string;
  shapes: number[][];
  values: Json[][];
  grads: (Json[] | null)[];
  clip_grad_norm: { max_norm: number; norm_type: Json; total_norm: Json; grads: (Json[] | null)[] }[];
  nonfinite: { total_norm: Json; grads: (Json[] | null)[]; message: string };
  clip_grad_value: { clip_value: number; grads: (Json[] | null)[] }[];
  parameters_to_vector: Json[];
  vector_to_parameters: { vec: Json[]; params: Json[][] };
  short_vector_message: string;
}

const fx = JSON.parse(readFileSync(join(FIXTURE_DIR, 'nn_utils.json'), 'utf8')) as UtilsFixture;

function fresh(grads = fx.grads): torch.nn.Parameter[] {
  return fx.shapes.map((shape, i) => {
    const p = new nn.Parameter(torch.tensor(fx.values[i]!.map(toNumber)).reshape(shape));
    const g = grads[i];
    if (g) {
      // A gradient of exactly these values, through autograd (grads are set by backward).
      p.mul(torch.tensor(g.map(toNumber)).reshape(shape)).sum().backward();
    }
    return p;
  });
}

function expectGrads(params: Tensor[], expected: (Json[] | null)[]): void {
  params.forEach((p, i) => {
    const e = expected[i];
    if (e === null || e === undefined) expect(p.grad, `grad ${i}`).toBeNull();
    // JSON keeps no NaN sign (inf * 0 gives x86's negative default NaN): NaNs compare as NaNs.
    else expect(float32Bits(values(p.grad!).map((v) => (Number.isNaN(v) ? Number.NaN : v))), `grad ${i}`).toEqual(bits(e));
  });
}

describe('nn.utils.clipGradNorm_ matches PyTorch 2.11 bit for bit', () => {
  it('starts from the fixture\'s gradients', () => {
    expect(fx.torch_version.startsWith('2.11')).toBe(true);
    expectGrads(fresh(), fx.grads);
  });

  it.each(fx.clip_grad_norm.map((c) => [`max_norm ${c.max_norm}, norm_type ${c.norm_type}`, c] as const))('%s', (_label, c) => {
    const params = fresh();
    const total = nn.utils.clipGradNorm_(params, c.max_norm, { normType: toNumber(c.norm_type) });
    expect(total.shape).toEqual([]);
    expect(float32Bits([total.item() as number])).toEqual(bits([c.total_norm]));
    expectGrads(params, c.grads);
  });

  it('scales by a non-finite norm unless errorIfNonfinite, which throws PyTorch\'s message', () => {
    const grads = fx.grads.map((g) => (g ? [...g] : null));
    grads[1]![2] = 'inf';
    const params = fresh(grads);
    const total = nn.utils.clipGradNorm_(params, 1.0);
    expect(total.item()).toBe(toNumber(fx.nonfinite.total_norm));
    expectGrads(params, fx.nonfinite.grads);
    const refused = fresh(grads);
    expect(() => nn.utils.clipGradNorm_(refused, 1.0, { errorIfNonfinite: true })).toThrow(fx.nonfinite.message);
    expectGrads(refused, grads); // untouched
  });

  it('takes a single tensor, and returns a zero norm when nothing has a gradient', () => {
    const [p] = fresh();
    const alone = nn.utils.clipGradNorm_(p!, 1.0);
    expect(alone.item()).toBeGreaterThan(1);
    expect(nn.utils.clipGradNorm_([new nn.Parameter(torch.ones(2))], 1.0).item()).toBe(0);
  });
});

describe('nn.utils.clipGradValue_ matches PyTorch 2.11 bit for bit', () => {
  it.each(fx.clip_grad_value.map((c) => [`clip_value ${c.clip_value}`, c] as const))('%s', (_label, c) => {
    const params = fresh();
    expect(nn.utils.clipGradValue_(params, c.clip_value)).toBeUndefined();
    expectGrads(params, c.grads);
  });
});

describe('nn.utils.parametersToVector / vectorToParameters', () => {
  it('flatten and concatenate the parameters in order', () => {
    const vec = nn.utils.parametersToVector(fresh());
    expect(float32Bits(values(vec))).toEqual(bits(fx.parameters_to_vector));
    expect(vec.requiresGrad).toBe(true);
  });

  it('write consecutive slices back into the parameters', () => {
    const params = fresh();
    nn.utils.vectorToParameters(torch.tensor(fx.vector_to_parameters.vec.map(toNumber)), params);
    params.forEach((p, i) => {
      expect(float32Bits(values(p))).toEqual(bits(fx.vector_to_parameters.params[i]!));
      expect(p.shape).toEqual(fx.shapes[i]);
      expect(p.requiresGrad).toBe(true);
    });
  });

  it('refuse a vector too short, and a non-tensor, as PyTorch does', () => {
    expect(() => nn.utils.vectorToParameters(torch.ones(3), fresh())).toThrow(fx.short_vector_message);
    expect(() => nn.utils.vectorToParameters([1] as unknown as Tensor, fresh())).toThrow(/^expected torch.Tensor, but got: /);
  });

  it('clip a model\'s gradients between backward and step', () => {
    torch.manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 1));
    model.forward(torch.randn(8, 3)).pow(2).mean().mul(100).backward();
    const before = nn.utils.clipGradNorm_(model.parameters(), 0.25);
    expect(before.item()).toBeGreaterThan(0.25);
    const after = nn.utils.clipGradNorm_(model.parameters(), 0.25).item() as number;
    expect(after).toBeCloseTo(0.25, 5);
  });
});
