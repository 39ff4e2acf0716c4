// DataLoader's async iterator (`for await`): the same batches, in the same
// order and with the same draws from the generator, as the sync iterator and
// as PyTorch 2.11 (test/fixtures/data_loader.json); TensorDataset batches are
// gathered on napi's thread pool `prefetchFactor` ahead; errors arrive with
// the batch they belong to, as one-line TorchErrors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import { float32Bits, values } from './fixtures/nn_fixture';

const { DataLoader, Dataset, Generator, TensorDataset } = torch.utils.data;

interface LoaderCase {
  n: number;
  seed: number;
  generator: number | null;
  options: { batch_size?: number; shuffle?: boolean; drop_last?: boolean };
  length: number;
  passes: number[][][];
  after: number[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/data_loader.json', import.meta.url), 'utf8')) as { loaders: LoaderCase[] };

const generatorFor = (seed: number | null) => (seed === null ? null : new Generator().manualSeed(seed));
/** Three draws from the global generator: equal to Python's iff the stream advanced the same. */
const after = () => torch.randint(0, 2 ** 31, [3]).toArray();

async function collect<B>(loader: AsyncIterable<B>): Promise<B[]> {
  const out: B[] = [];
  for await (const batch of loader) out.push(batch);
  return out;
}

/** Every tensor of a batch, bit for bit (floats by bit pattern). */
const batchBits = (batch: torch.Tensor[]) => batch.map((t) => ({ dtype: t.dtype.name, shape: t.shape, bits: t.dtype.isFloatingPoint ? float32Bits(values(t)) : values(t) }));

async function thrownAsync(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(torch.TorchError);
    expect((e as Error).message).not.toContain('\n');
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('for await (const [x, y] of loader)', () => {
  for (const c of fixture.loaders) {
    it(`n=${c.n} ${JSON.stringify(c.options)} seed ${c.seed}${c.generator === null ? '' : ` generator ${c.generator}`}: PyTorch's batches`, async () => {
      torch.manualSeed(c.seed);
      const loader = new DataLoader(new TensorDataset(torch.arange(c.n)), {
        batchSize: c.options.batch_size,
        shuffle: c.options.shuffle,
        dropLast: c.options.drop_last,
        generator: generatorFor(c.generator),
      });
      const passes: number[][] [] = [];
      for (let p = 0; p < c.passes.length; p++) passes.push((await collect(loader)).map(([indices]) => indices.toArray() as number[]));
      expect(passes).toEqual(c.passes);
      expect(after()).toEqual(c.after);
    });
  }

  it.each([0, 1, 2, 7])('prefetchFactor %i: the sync iterator\'s batches, bit for bit, over several passes', async (prefetchFactor) => {
    torch.manualSeed(5);
    const x = torch.randn(103, 3, 2);
    const y = torch.randint(0, 10, [103]);
    const w = torch.rand(103).to({ dtype: 'float64' });
    const dataset = new TensorDataset(x, y, w);
    const make = () => new DataLoader(dataset, { batchSize: 16, shuffle: true, generator: new Generator().manualSeed(9), prefetchFactor });
    const sync = make();
    const asyncLoader = make();
    for (let pass = 0; pass < 3; pass++) {
      const want = [...sync].map(batchBits);
      const got = (await collect(asyncLoader)).map(batchBits);
      expect(got).toEqual(want);
    }
  });

  it('dropLast, a sampler with negative indices and a batchSampler', async () => {
    const x = torch.arange(20).reshape(10, 2).float();
    const dataset = new TensorDataset(x);
    const cases = [
      { batchSize: 3, dropLast: true },
      { sampler: [9, -1, 0, -10, 4], batchSize: 2 },
      { batchSampler: [[1, 2], [7], [0, 0, 0]] },
    ];
    for (const opts of cases) {
      const loader = new DataLoader(dataset, opts);
      expect((await collect(loader)).map(batchBits)).toEqual([...loader].map(batchBits));
    }
  });

  it('a Dataset subclass, a TensorDataset overriding getItem or a custom collateFn loads on the JS thread, with the same batches', async () => {
    class Squares extends Dataset<[number, number]> {
      getItem(i: number): [number, number] {
        return [i, i * i];
      }
      get length() {
        return 7;
      }
    }
    const a = new DataLoader(new Squares(), { batchSize: 3 });
    expect((await collect(a)).map((b) => b.map((t) => t.toArray()))).toEqual([...a].map((b) => b.map((t) => t.toArray())));
    class Doubled extends TensorDataset<[torch.Tensor]> {
      override getItem(i: number): [torch.Tensor] {
        return [this.tensors[0].select(0, i).mul(2)];
      }
    }
    const d = new DataLoader(new Doubled(torch.arange(5)), { batchSize: 2 });
    expect((await collect(d)).map(([t]) => t.toArray())).toEqual([[0, 2], [4, 6], [8]]);
    const b = new DataLoader(new TensorDataset(torch.arange(5)), { batchSize: 2, collateFn: (rows) => rows.length });
    expect(await collect(b)).toEqual([2, 2, 1]);
  });

  it('breaking out early leaves the loader usable', async () => {
    const loader = new DataLoader(new TensorDataset(torch.arange(50)), { batchSize: 4, prefetchFactor: 3 });
    for await (const [xb] of loader) {
      expect(xb.toArray()).toEqual([0, 1, 2, 3]);
      break;
    }
    expect((await collect(loader)).length).toBe(13);
  });

  it('while batches gather, the dataset is read-only; afterwards it is writable again', async () => {
    const x = torch.zeros(64, 8);
    const loader = new DataLoader(new TensorDataset(x), { batchSize: 8, prefetchFactor: 4 });
    const it = loader[Symbol.asyncIterator]();
    // next() starts the gathers before it returns; they cannot settle until this code yields.
    const first = it.next();
    const refused = (() => {
      try {
        torch.noGrad(() => x.mul_(2));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(refused).toBeInstanceOf(torch.TorchError);
    expect((refused as Error).message).toContain('is being read by a background task');
    await first;
    for (let r = await it.next(); !r.done; r = await it.next());
    torch.noGrad(() => x.add_(torch.ones(64, 8)));
    expect(x.sum().item()).toBe(512);
  });

  it('an index out of range is a TorchError when its batch is reached', async () => {
    const loader = new DataLoader(new TensorDataset(torch.arange(4)), { sampler: [0, 1, 2, 3, 4], batchSize: 2, prefetchFactor: 5 });
    const seen: number[][] = [];
    const err = await thrownAsync(async () => {
      for await (const [xb] of loader) seen.push(xb.toArray() as number[]);
    });
    expect(err.message).toContain('index 4 is out of bounds for dimension 0 with size 4');
    expect(seen).toEqual([[0, 1], [2, 3]]);
  });

  it('a disposed dataset tensor and a bad prefetchFactor are TorchErrors', async () => {
    const x = torch.arange(6);
    const loader = new DataLoader(new TensorDataset(x), { batchSize: 2 });
    x.dispose();
    expect((await thrownAsync(() => collect(loader))).message).toContain('disposed');
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => new DataLoader(new TensorDataset(torch.arange(3)), { prefetchFactor: bad })).toThrow('prefetch_factor option should be a non-negative integer');
    }
  });
});
