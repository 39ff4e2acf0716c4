// Generated random ops take a torch.Generator, as every random op in PyTorch
// does (test/fixtures/generated_random_fixtures.py): the same draws, in the
// same order, and the global generator untouched.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import type { Tensor } from '../ts/index';
import { thrownTorchError } from './helpers/errors';

interface Draw {
  dtype: string;
  values: number[];
}
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'generated_random.json'), 'utf8')) as {
  torch_version: string;
  draws: Record<string, Draw>;
};

const asDraw = (t: Tensor): Draw => ({ dtype: t.dtype.name, values: [...t.flatten().data()].map(Number) });

describe(`generated random ops with a torch.Generator, against PyTorch ${fixture.torch_version}`, () => {
  it('draw what Python draws from a Generator seeded 42, and leave the global generator alone', () => {
    torch.manualSeed(0);
    const generator = new torch.Generator().manualSeed(42);
    const draws: Record<string, Draw> = {
      bernoulli: asDraw(torch.bernoulli(torch.full([8], 0.5), { generator })),
      normal: asDraw(torch.normal(torch.zeros([4]), torch.ones([4]), { generator })),
      poisson: asDraw(torch.poisson(torch.full([5], 3.5), { generator })),
      random_: asDraw(torch.zeros([6], { dtype: torch.int64 }).random_(0, 10, { generator })),
      exponential_: asDraw(torch.zeros([4]).exponential_({ generator })),
      global_rand_after: asDraw(torch.rand(3)),
    };
    expect(draws).toEqual(fixture.draws);
  });

  it('refuses what is not a Generator, naming the argument', () => {
    // @ts-expect-error a seed is not a Generator
    const { message } = thrownTorchError(() => torch.bernoulli(torch.full([2], 0.5), { generator: 42 }));
    expect(message).toContain('got (Tensor, generator=42)');
    expect(message).toContain('torch.Generator generator');
  });
});
