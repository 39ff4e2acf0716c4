// torch.utils.data against PyTorch 2.11's own outputs
// (test/fixtures/data_loader.json, written by test/fixtures/data_loader_fixtures.py):
// shuffle orders, sampler draws and random splits with the same seeds, collated
// batches and their dtypes, and the error messages for bad arguments.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';

const {
  BatchSampler,
  ConcatDataset,
  DataLoader,
  Dataset,
  Generator,
  IterableDataset,
  RandomSampler,
  SequentialSampler,
  Subset,
  SubsetRandomSampler,
  TensorDataset,
  WeightedRandomSampler,
  defaultCollate,
  randomSplit,
} = torch.utils.data;

// ---- fixture shapes -------------------------------------------------------

interface LoaderCase {
  n: number;
  seed: number;
  generator: number | null;
  options: { batch_size?: number; shuffle?: boolean; drop_last?: boolean };
  length: number;
  passes: number[][][];
  after: number[];
}
interface SamplerCase {
  kind: 'SequentialSampler' | 'RandomSampler' | 'SubsetRandomSampler' | 'WeightedRandomSampler';
  seed: number;
  generator: number | null;
  args: { n?: number; replacement?: boolean; numSamples?: number; indices?: number[]; weights?: number[] };
  length: number;
  passes: number[][];
  after: number[];
}
interface SplitCase {
  n: number;
  lengths: number[];
  seed: number;
  generator: number | null;
  subsets: number[][];
  after: number[];
}
interface EncodedTensor {
  dtype: string;
  shape: number[];
  values: unknown;
}
type Encoded = EncodedTensor | { dict: Record<string, Encoded> } | Encoded[] | string;
interface TensorSample {
  tensor: torch.NestedArray<number>;
  dtype: torch.DTypeName;
}
interface CollateCase {
  name: string;
  batch: unknown[];
  collated: Encoded;
}
interface Fixture {
  loaders: LoaderCase[];
  samplers: SamplerCase[];
  batchSamplers: { n: number; batchSize: number; dropLast: boolean; batches: number[][]; length: number }[];
  splits: SplitCase[];
  collates: CollateCase[];
  datasets: { concat: { length: number; items: number[]; negative: number }; subset: { items: number[]; negative: number } };
  errors: Record<string, string>;
  generators: { seed: string | null; initialSeed: string; perm: number[] }[];
  pipeline: { train: number[][]; test: number[][]; after: number[] };
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/data_loader.json', import.meta.url), 'utf8')) as Fixture;

// ---- helpers --------------------------------------------------------------

const generatorFor = (seed: number | null) => (seed === null ? null : new Generator().manualSeed(seed));

/** Three draws from the global generator: equal to Python's iff the stream advanced the same. */
const after = () => torch.randint(0, 2 ** 31, [3]).toArray();

const indexDataset = (n: number) => new TensorDataset(torch.arange(n));

function sized(n: number) {
  return { length: n };
}

/** Samples as the fixture writes them for TypeScript: `{tensor, dtype}` becomes a tensor. */
function decodeSample(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeSample);
  if (value !== null && typeof value === 'object') {
    if ('tensor' in value) {
      const t = value as TensorSample;
      return torch.tensor(t.tensor, { dtype: t.dtype });
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeSample(v)]));
  }
  return value;
}

function encode(value: unknown): Encoded {
  if (value instanceof torch.Tensor) return { dtype: value.dtype.name, shape: value.shape, values: value.toArray() };
  if (Array.isArray(value)) return value.map(encode);
  if (value !== null && typeof value === 'object') return { dict: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)])) };
  return value as string;
}

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(torch.TorchError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

// ---- DataLoader -----------------------------------------------------------

describe('DataLoader', () => {
  for (const c of fixture.loaders) {
    it(`n=${c.n} ${JSON.stringify(c.options)} seed ${c.seed}${c.generator === null ? '' : ` generator ${c.generator}`}: PyTorch's batches`, () => {
      torch.manualSeed(c.seed);
      const loader = new DataLoader(indexDataset(c.n), {
        batchSize: c.options.batch_size,
        shuffle: c.options.shuffle,
        dropLast: c.options.drop_last,
        generator: generatorFor(c.generator),
      });
      expect(loader.length).toBe(c.length);
      const passes = c.passes.map(() => [...loader].map(([indices]) => indices.toArray()));
      expect(passes).toEqual(c.passes);
      expect(after()).toEqual(c.after);
    });
  }

  it('types a TensorDataset batch as a tuple: for (const [x, y] of loader)', () => {
    const x = torch.arange(12).reshape(6, 2).float();
    const y = torch.arange(6);
    const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 4 });
    const shapes: number[][][] = [];
    for (const [xb, yb] of loader) shapes.push([xb.shape, yb.shape]);
    expect(shapes).toEqual([
      [[4, 2], [4]],
      [[2, 2], [2]],
    ]);
    expect(loader.length).toBe(2);
  });

  it('takes a sampler, a batchSampler and a collateFn', () => {
    const ds = indexDataset(6);
    const bySampler = new DataLoader(ds, { sampler: [5, 4, 3, 2, 1, 0], batchSize: 4 });
    expect([...bySampler].map(([b]) => b.toArray())).toEqual([[5, 4, 3, 2], [1, 0]]);
    const byBatch = new DataLoader(ds, { batchSampler: [[0, 5], [1]] });
    expect([...byBatch].map(([b]) => b.toArray())).toEqual([[0, 5], [1]]);
    expect(byBatch.length).toBe(2);
    const summed = new DataLoader(ds, { batchSize: 3, collateFn: (batch) => batch.reduce((s, [t]) => s + (t.item() as number), 0) });
    expect([...summed]).toEqual([3, 12]);
  });

  it('batchSize null: items one by one, unbatched', () => {
    const loader = new DataLoader(indexDataset(3), { batchSize: null });
    expect([...loader].map(([t]) => t.shape)).toEqual([[], [], []]);
    expect(loader.length).toBe(3);
  });

  it('batches an IterableDataset in stream order, with dropLast', () => {
    class Count extends IterableDataset<number> {
      override readonly length = 7;
      *[Symbol.iterator]() {
        for (let i = 0; i < 7; i++) yield i;
      }
    }
    expect([...new DataLoader(new Count(), { batchSize: 3 })].map((b) => b.toArray())).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    const dropped = new DataLoader(new Count(), { batchSize: 3, dropLast: true });
    expect([...dropped].map((b) => b.toArray())).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(dropped.length).toBe(2);
    expect(thrown(() => new DataLoader(new Count(), { shuffle: true }))).toBe('DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=True');
  });

  it('a subclassed Dataset of objects collates field by field', () => {
    class Squares extends Dataset<{ x: number; y: number }> {
      readonly length = 5;
      getItem(i: number) {
        return { x: i, y: i * i + 0.5 };
      }
    }
    const [first] = new DataLoader(new Squares(), { batchSize: 5 });
    expect(first!.x.dtype.name).toBe('int64');
    expect(first!.y.toArray()).toEqual([0.5, 1.5, 4.5, 9.5, 16.5]);
    expect(first!.y.dtype.name).toBe('float64');
  });
});

// ---- Generator ------------------------------------------------------------

describe('Generator', () => {
  for (const c of fixture.generators) {
    it(`seed ${c.seed ?? '(default)'}: initialSeed and randperm as torch.Generator`, () => {
      const g = c.seed === null ? new Generator() : new Generator().manualSeed(BigInt(c.seed));
      expect(g.initialSeed()).toBe(BigInt(c.initialSeed));
      expect([...new SubsetRandomSampler([0, 1, 2, 3, 4, 5], g)]).toEqual(c.perm);
    });
  }

  it('refuses a seed that is not an integer', () => {
    expect(thrown(() => new Generator().manualSeed(1.5))).toBe('manualSeed expects an integer seed, got 1.5');
  });
});

// ---- samplers -------------------------------------------------------------

describe('samplers', () => {
  for (const c of fixture.samplers) {
    it(`${c.kind} ${JSON.stringify(c.args)} seed ${c.seed}${c.generator === null ? '' : ` generator ${c.generator}`}: PyTorch's draws`, () => {
      torch.manualSeed(c.seed);
      const generator = generatorFor(c.generator);
      const { args } = c;
      const sampler =
        c.kind === 'SequentialSampler'
          ? new SequentialSampler(sized(args.n!))
          : c.kind === 'RandomSampler'
            ? new RandomSampler(sized(args.n!), { replacement: args.replacement, numSamples: args.numSamples ?? undefined, generator })
            : c.kind === 'SubsetRandomSampler'
              ? new SubsetRandomSampler(args.indices!, generator)
              : new WeightedRandomSampler(args.weights!, args.numSamples!, { replacement: args.replacement, generator });
      expect(sampler.length).toBe(c.length);
      expect(c.passes.map(() => [...sampler])).toEqual(c.passes);
      expect(after()).toEqual(c.after);
    });
  }

  for (const c of fixture.batchSamplers) {
    it(`BatchSampler n=${c.n} batchSize ${c.batchSize} dropLast ${c.dropLast}`, () => {
      const sampler = new BatchSampler(new SequentialSampler(sized(c.n)), c.batchSize, c.dropLast);
      expect([...sampler]).toEqual(c.batches);
      expect(sampler.length).toBe(c.length);
    });
  }

  it('WeightedRandomSampler takes a tensor of weights', () => {
    torch.manualSeed(0);
    const fromArray = [...new WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5)];
    torch.manualSeed(0);
    const fromTensor = [...new WeightedRandomSampler(torch.tensor([0.1, 0.9, 0.4, 0.7, 3.0, 0.6]), 5)];
    expect(fromTensor).toEqual(fromArray);
  });
});

// ---- datasets and randomSplit ---------------------------------------------

describe('datasets', () => {
  for (const c of fixture.splits) {
    it(`randomSplit n=${c.n} ${JSON.stringify(c.lengths)} seed ${c.seed}${c.generator === null ? '' : ` generator ${c.generator}`}`, () => {
      torch.manualSeed(c.seed);
      const subsets = randomSplit(indexDataset(c.n), c.lengths, generatorFor(c.generator));
      expect(subsets.map((s) => [...s.indices])).toEqual(c.subsets);
      expect(after()).toEqual(c.after);
    });
  }

  it('randomSplit into shuffled loaders: the whole pipeline on one seed', () => {
    torch.manualSeed(17);
    const [train, test] = randomSplit(indexDataset(20), [0.75, 0.25]);
    const batches = (loader: Iterable<[torch.Tensor]>) => [...loader].map(([b]) => b.toArray());
    expect(batches(new DataLoader(train!, { batchSize: 4, shuffle: true }))).toEqual(fixture.pipeline.train);
    expect(batches(new DataLoader(test!, { batchSize: 4 }))).toEqual(fixture.pipeline.test);
    expect(after()).toEqual(fixture.pipeline.after);
  });

  it('ConcatDataset and Subset index like PyTorch', () => {
    const concat = new ConcatDataset([indexDataset(3), new TensorDataset(torch.arange(10, 14)), indexDataset(2)]);
    const { concat: want, subset } = fixture.datasets;
    expect(concat.length).toBe(want.length);
    expect(Array.from({ length: concat.length }, (_, i) => concat.getItem(i)[0].item())).toEqual(want.items);
    expect(concat.getItem(-1)[0].item()).toBe(want.negative);
    const sub = new Subset(indexDataset(10), [9, 0, 4]);
    expect([0, 1, 2].map((i) => sub.getItem(i)[0].item())).toEqual(subset.items);
    expect(sub.getItem(-1)[0].item()).toBe(subset.negative);
  });
});

// ---- collate --------------------------------------------------------------

describe('defaultCollate', () => {
  for (const c of fixture.collates) {
    it(`${c.name}: PyTorch's values and dtypes`, () => {
      expect(encode(defaultCollate(decodeSample(c.batch) as unknown[]))).toEqual(c.collated);
    });
  }

  it('typed arrays stack as tensors of their dtype', () => {
    const out = defaultCollate([new Float32Array([1, 2]), new Float32Array([3, 4])]);
    expect(out.dtype.name).toBe('float32');
    expect(out.toArray()).toEqual([[1, 2], [3, 4]]);
  });
});

// ---- errors ---------------------------------------------------------------

describe('bad input: one-line TorchErrors with PyTorch\'s messages', () => {
  const e = fixture.errors;
  const ds = indexDataset(10);
  const cases: [string, () => unknown][] = [
    ['batchSizeZero', () => new DataLoader(ds, { batchSize: 0 })],
    ['batchSizeNegative', () => new BatchSampler(new SequentialSampler(ds), -1, false)],
    ['dropLastNotBool', () => new BatchSampler(new SequentialSampler(ds), 2, null as unknown as boolean)],
    ['samplerWithShuffle', () => new DataLoader(ds, { sampler: new SequentialSampler(ds), shuffle: true })],
    ['batchSamplerWithBatchSize', () => new DataLoader(ds, { batchSampler: new BatchSampler(new SequentialSampler(ds), 2, false), batchSize: 2 })],
    ['batchSizeNoneDropLast', () => new DataLoader(ds, { batchSize: null, dropLast: true })],
    ['lengthsNotSumming', () => randomSplit(ds, [3, 3])],
    ['fractionsNotSumming', () => randomSplit(ds, [0.5, 0.4])],
    ['fractionOutOfRange', () => randomSplit(ds, [1.5, -0.5])],
    ['indexOutOfRange', () => ds.getItem(10)],
    ['subsetIndexOutOfRange', () => new Subset(ds, [1, 2]).getItem(2)],
    ['concatNegative', () => new ConcatDataset([indexDataset(3), indexDataset(4), indexDataset(2)]).getItem(-10)],
    ['concatEmpty', () => new ConcatDataset([])],
    ['tensorSizeMismatch', () => new TensorDataset(torch.zeros(3), torch.zeros(4))],
    ['numSamplesZero', () => new RandomSampler(sized(5), { numSamples: 0 })],
    ['emptyRandomSampler', () => new RandomSampler(sized(0))],
    ['weightedNumSamples', () => new WeightedRandomSampler([1, 2], 0)],
    ['weighted2d', () => new WeightedRandomSampler(torch.tensor([[1, 2], [3, 4]]), 2)],
    ['weightedTooMany', () => [...new WeightedRandomSampler([1, 2], 3, { replacement: false })]],
    ['weightedNegative', () => [...new WeightedRandomSampler([1, -2], 3)]],
    ['weightedZeroSum', () => [...new WeightedRandomSampler([0, 0], 3)]],
    ['collateUnequal', () => defaultCollate([[1, 2], [3]])],
    ['collateNone', () => defaultCollate([null, null])],
  ];
  for (const [name, fn] of cases) {
    it(name, () => {
      const message = thrown(fn);
      expect(message).toBe(e[name]);
      expect(message).not.toContain('\n');
    });
  }
});
