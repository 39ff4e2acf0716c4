// A number where add/sub/mul/div take a Tensor (t.sub_(5), torch.div(x, 2)),
// promoted as Python's wrapped numbers (test/fixtures/numbers_as_tensors_fixtures.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import type { Tensor } from '../ts/index';
import { thrownTorchError } from './helpers/errors';

interface Case {
  receiver: 'float32' | 'int64' | 'float16' | 'bool';
  op: 'add' | 'sub' | 'mul' | 'div' | 'add_' | 'sub_' | 'mul_' | 'div_' | 'true_divide' | 'floor_divide';
  number: number | boolean;
  dtype?: string;
  values?: (number | string)[];
  error?: string;
}

const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'numbers_as_tensors.json'), 'utf8')) as { torch_version: string; cases: Case[] };

const receivers: Record<Case['receiver'], () => Tensor> = {
  float32: () => torch.tensor([1.5, -2.0, 3.0]),
  int64: () => torch.tensor([1, 2, 3]),
  float16: () => torch.tensor([1.0, 2.5], { dtype: torch.float16 }),
  bool: () => torch.tensor([true, false]),
};

function run(c: Case): Tensor {
  const t = receivers[c.receiver]();
  const n = c.number;
  switch (c.op) {
    case 'add': return t.add(n);
    case 'sub': return t.sub(n);
    case 'mul': return t.mul(n);
    case 'div': return t.div(n);
    case 'add_': return t.add_(n);
    case 'sub_': return t.sub_(n);
    case 'mul_': return t.mul_(n);
    case 'div_': return t.div_(n);
    case 'true_divide': return t.trueDivide(n);
    case 'floor_divide': return t.floorDivide(n);
  }
}

const encode = (v: number): number | string => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');

describe(`numbers for Tensor arguments against PyTorch ${fixture.torch_version}`, () => {
  it.each(fixture.cases.map((c) => [`${c.receiver}.${c.op}(${String(c.number)})`, c] as const))('%s', (_, c) => {
    if (c.error !== undefined) {
      expect(thrownTorchError(() => run(c)).message).toBe(c.error);
      return;
    }
    const r = run(c);
    expect(r.dtype.name).toBe(c.dtype);
    expect([...r.data()].map((v) => encode(Number(v)))).toEqual(c.values);
  });
});
