// Python's t[...] and t[...] = v: t.index(...) and t.indexAssign_(...)
// against PyTorch 2.11 (test/fixtures/indexing_fixtures.py), written the way
// a user writes them: slices as strings, '...', null for None, arrays.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import type { Tensor } from '../ts/index';
import type { IndexItem } from '../ts/indexing';
import { thrownTorchError } from './helpers/errors';

type ItemJson = number | string | boolean | null | { list: (number | boolean)[] } | { tensor: unknown[]; dtype: 'int64' | 'bool' };
interface Outcome {
  items: ItemJson[];
  shape?: number[];
  values?: number[];
  error?: string;
}
interface WriteCase extends Outcome {
  value: number | { tensor: number[] | number[][] };
}

const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'indexing.json'), 'utf8')) as {
  torch_version: string;
  reads: Outcome[];
  writes: WriteCase[];
};

const base = (): Tensor => torch.arange(60, { dtype: torch.float32 }).reshape([3, 4, 5]);

function item(json: ItemJson): IndexItem<Tensor> {
  if (json === null || typeof json !== 'object') return json;
  if ('list' in json) return json.list.every((v) => typeof v === 'boolean') ? (json.list as boolean[]) : (json.list as number[]);
  return torch.tensor(json.tensor as number[], { dtype: json.dtype });
}

function expectOutcome(run: () => Tensor, expected: Outcome): void {
  if (expected.error !== undefined) {
    expect(thrownTorchError(run).message).toBe(expected.error);
    return;
  }
  const t = run();
  expect(t.shape).toEqual(expected.shape);
  expect([...t.flatten().data()]).toEqual(expected.values);
}

describe(`indexing against PyTorch ${fixture.torch_version}`, () => {
  it.each(fixture.reads.map((c) => [JSON.stringify(c.items), c] as const))('t[%s]', (_, c) => {
    expectOutcome(() => base().index(...c.items.map(item)), c);
  });

  it.each(fixture.writes.map((c) => [JSON.stringify(c.items), c] as const))('t[%s] = value', (_, c) => {
    const value = typeof c.value === 'number' ? c.value : torch.tensor(c.value.tensor as number[][], { dtype: torch.float32 });
    expectOutcome(() => base().indexAssign_(c.items.map(item), value), c);
  });

  it('basic indexing is a view: writing through it changes the tensor', () => {
    const t = base();
    t.index(':', 1).fill_(-1);
    expect(t.index(2, 1, 3).item()).toBe(-1);
    expect(t.index(2, 2, 3).item()).toBe(53);
  });

  it('a Slice with computed bounds is the same as its string', () => {
    const t = base();
    const [a, b] = [1, 3];
    expect(t.index(new torch.Slice(a, b), '::2').tolist()).toEqual(t.index(`${a}:${b}`, '::2').tolist());
  });

  it('gradients flow through reads and writes', () => {
    const x = torch.ones([3, 4], { requiresGrad: true });
    x.index(':', '1:3').sum().backward();
    expect(x.grad?.tolist()).toEqual([[0, 1, 1, 0], [0, 1, 1, 0], [0, 1, 1, 0]]);
  });

  it('refuses what is not an index, naming it', () => {
    const t = base();
    expect(thrownTorchError(() => t.index('1:x')).message).toBe("index(): '1:x' is not a slice (write 'start:stop:step', ':' or '...')");
    expect(thrownTorchError(() => t.index(1.5)).message).toBe('index(): index 0 must be an integer, got 1.5');
    // @ts-expect-error an object is not an index
    expect(thrownTorchError(() => t.index({})).message).toContain('only integers, slices');
    expect(thrownTorchError(() => t.index([1, true] as unknown as number[])).message).toContain('a list index must hold only integers or only booleans');
    expect(thrownTorchError(() => t.index('::-1')).message).toBe('step must be greater than zero');
  });
});
