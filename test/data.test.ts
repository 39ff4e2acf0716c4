// makeCircles / makeMoons / makeBlobs / trainTestSplit / RandomState against
// scikit-learn's and numpy's own outputs (test/fixtures/sklearn.json, written
// by test/fixtures/sklearn_fixtures.py).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  RandomState,
  makeBlobs,
  makeCircles,
  makeMoons,
  numSamples,
  registerSplittable,
  trainTestSplit,
  trainTestSplitIndices,
  type Dataset,
} from '../ts/data';

// ---- fixture shapes -------------------------------------------------------

interface DatasetEntry {
  args: Record<string, unknown>;
  n: number;
  X?: number[][];
  y?: number[];
  sample_rows?: Record<string, number[]>;
  y_sum?: number;
  y_index_sum?: number;
  y_head?: string;
  y_tail?: string;
  column_sums?: number[];
  centers?: number[][];
}

interface PlainSplitEntry {
  n: number;
  args: { test_size?: number; train_size?: number; random_state?: number; shuffle?: boolean };
  train?: number[];
  test?: number[];
  train_len?: number;
  test_len?: number;
  train_head?: number[];
  test_head?: number[];
  test_tail?: number[];
  train_index_sum?: number;
  test_index_sum?: number;
}

interface Fixture {
  random_state: Record<string, number[] | number>;
  circles: DatasetEntry[];
  moons: DatasetEntry[];
  blobs: DatasetEntry[];
  split: {
    plain: PlainSplitEntry[];
    stratify_labels: Record<string, (number | string)[]>;
    stratified: { label: string; args: { test_size?: number; train_size?: number; random_state: number }; train: number[]; test: number[] }[];
    tutorial: { X_train_head: number[][]; X_test_head: number[][]; y_train: number[]; y_test: number[] };
    tutorial_stratified: { train: number[]; test: number[] };
  };
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/sklearn.json', import.meta.url), 'utf8')) as Fixture;
const rs = fixture.random_state;

const TOLERANCE = 1e-12;

function maxAbsDiff(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    expect(a[i]!.length).toBe(b[i]!.length);
    for (let j = 0; j < a[i]!.length; j++) worst = Math.max(worst, Math.abs(a[i]![j]! - b[i]![j]!));
  }
  return worst;
}

function expectCloseArray(actual: number[], expected: number[], tolerance = TOLERANCE): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, i) => expect(Math.abs(value - expected[i]!)).toBeLessThanOrEqual(tolerance));
}

// Compares a generated dataset with a fixture entry: full rows, or the summary kept for big n.
function expectMatchesEntry(actual: Dataset, entry: DatasetEntry): void {
  expect(actual.y.length).toBe(entry.n);
  expect(actual.X.length).toBe(entry.n);
  if (entry.X && entry.y) {
    expect(actual.y).toEqual(entry.y);
    expect(maxAbsDiff(actual.X, entry.X)).toBeLessThanOrEqual(TOLERANCE);
    return;
  }
  const { y, X } = actual;
  expect(y.reduce((a, b) => a + b, 0)).toBe(entry.y_sum);
  expect(y.reduce((sum, label, i) => sum + i * label, 0)).toBe(entry.y_index_sum);
  expect(y.slice(0, 500).join('')).toBe(entry.y_head);
  expect(y.slice(-500).join('')).toBe(entry.y_tail);
  for (const [index, row] of Object.entries(entry.sample_rows!)) expectCloseArray(X[Number(index)]!, row);
  entry.column_sums!.forEach((expected, j) => {
    const sum = X.reduce((acc, row) => acc + row[j]!, 0);
    expect(Math.abs(sum - expected)).toBeLessThan(1e-6);
  });
}

function nSamplesArg(args: Record<string, unknown>): number | [number, number] {
  return args.n_samples as number | [number, number];
}

function label(args: Record<string, unknown>): string {
  return JSON.stringify(args);
}

// ---- RandomState ----------------------------------------------------------

describe('RandomState (numpy legacy)', () => {
  it('random_sample is bit-identical for seed 0, 2**32-1 and an array seed', () => {
    const a = new RandomState(0);
    expect(Array.from({ length: 10 }, () => a.randomSample())).toEqual(rs.seed0_random_sample);
    const b = new RandomState(2 ** 32 - 1);
    expect(Array.from({ length: 5 }, () => b.randomSample())).toEqual(rs.seedmax_random_sample);
    const c = new RandomState([1, 2, 3]);
    expect(Array.from({ length: 5 }, () => c.randomSample())).toEqual(rs.seed_array_123_random_sample);
  });

  it('standard_normal matches, including the cached second value of each pair', () => {
    const r = new RandomState(42);
    expectCloseArray(Array.from({ length: 11 }, () => r.standardNormal()), rs.seed42_standard_normal as number[], 1e-15);
    // 11 normals leave one cached: the next uniform must come from the same point in the stream.
    expect(r.randomSample()).toBe(rs.seed42_after_normal_random_sample);
  });

  it('standardNormalFill gives the same stream as repeated standardNormal calls', () => {
    const one = new RandomState(42);
    const bulk = new RandomState(42);
    const expected = Array.from({ length: 2001 }, () => one.standardNormal());
    const first = bulk.standardNormalFill(new Float64Array(1)); // leaves a cached value
    const rest = bulk.standardNormalFill(new Float64Array(2000)); // starts from it
    expect([...first, ...rest]).toEqual(expected);
    expectCloseArray(Array.from(new RandomState(42).standardNormalFill(new Float64Array(11))), rs.seed42_standard_normal as number[], 1e-15);
    expect(bulk.randomSample()).toBe(one.randomSample());
  });

  it('normal(loc, scale) and uniform(low, high) match', () => {
    const r = new RandomState(123);
    expectCloseArray(Array.from({ length: 7 }, () => r.normal(2, 3)), rs.seed123_normal_2_3 as number[], 1e-14);
    const u = new RandomState(7);
    expect(Array.from({ length: 9 }, () => u.uniform(-5, 5))).toEqual(rs.seed7_uniform_m5_5);
  });

  it('randint matches for small, offset and above-2**32 ranges', () => {
    const a = new RandomState(0);
    expect(Array.from({ length: 20 }, () => a.randint(10))).toEqual(rs.seed0_randint_10);
    const b = new RandomState(1);
    expect(Array.from({ length: 20 }, () => b.randint(-3, 1000))).toEqual(rs.seed1_randint_m3_1000);
    const c = new RandomState(2);
    expect(Array.from({ length: 10 }, () => c.randint(0, 2 ** 40))).toEqual(rs.seed2_randint_0_2pow40);
  });

  it('permutation and shuffle match', () => {
    const r = new RandomState(42);
    expect(r.permutation(10)).toEqual(rs.seed42_permutation_10);
    expect(r.permutation(10)).toEqual(rs.seed42_permutation_10_second);
    const s = new RandomState(5);
    const arr = Int32Array.from({ length: 20 }, (_, i) => i);
    s.shuffle(arr);
    expect(Array.from(arr)).toEqual(rs.seed5_shuffle_arange20);
    expect(new RandomState(3).permutation(100000).slice(0, 50)).toEqual(rs.seed3_permutation_100000_head);
    expect(Array.from(new RandomState(3).permutationTyped(100000).subarray(0, 50))).toEqual(rs.seed3_permutation_100000_head);
  });

  it('rejects seeds numpy rejects', () => {
    expect(() => new RandomState(-1)).toThrow(/Seed must be between 0 and 2\*\*32 - 1/);
    expect(() => new RandomState(2 ** 32)).toThrow(/Seed must be between 0 and 2\*\*32 - 1/);
    expect(() => new RandomState(1.5)).toThrow(/Seed must be between/);
    expect(() => new RandomState([])).toThrow(/non-empty/);
    expect(() => new RandomState(0).randint(5, 5)).toThrow(/low >= high/);
  });

  it('seeds from entropy when no seed is given', () => {
    const a = Array.from({ length: 4 }, () => new RandomState().nextUint32());
    expect(new Set(a).size).toBeGreaterThan(1);
  });
});

// ---- makeCircles ------------------------------------------------------------

describe('makeCircles', () => {
  for (const entry of fixture.circles) {
    const { args } = entry;
    it(`matches sklearn make_circles(${label(args)})`, () => {
      const result = makeCircles(nSamplesArg(args), {
        noise: args.noise as number | undefined,
        randomState: args.random_state as number | undefined,
        factor: args.factor as number | undefined,
        shuffle: args.shuffle as boolean | undefined,
      });
      expectMatchesEntry(result, entry);
    });
  }

  it('defaults to 100 samples, factor 0.8, shuffled', () => {
    const entry = fixture.circles.find((e) => label(e.args) === label({ n_samples: 100, random_state: 0 }))!;
    expectMatchesEntry(makeCircles(undefined, { randomState: 0 }), entry);
  });

  it('is deterministic for a seed and continues a RandomState it is given', () => {
    const a = makeCircles(300, { noise: 0.1, randomState: 5 });
    const b = makeCircles(300, { noise: 0.1, randomState: 5 });
    expect(a).toEqual(b);
    const rng = new RandomState(5);
    const first = makeCircles(300, { noise: 0.1, randomState: rng });
    expect(first).toEqual(a);
    const second = makeCircles(300, { noise: 0.1, randomState: rng });
    expect(second.y).not.toEqual(first.y);
    const unseeded1 = makeCircles(300, { noise: 0.1 });
    const unseeded2 = makeCircles(300, { noise: 0.1 });
    expect(unseeded1.y).not.toEqual(unseeded2.y);
  });

  it('puts the outer circle on radius 1 and the inner on radius factor', () => {
    const { X, y } = makeCircles(101, { factor: 0.3, randomState: 1 });
    expect(y.filter((v) => v === 0).length).toBe(50);
    X.forEach((row, i) => expect(Math.hypot(row[0]!, row[1]!)).toBeCloseTo(y[i] === 0 ? 1 : 0.3, 12));
  });

  it('validates its arguments like sklearn', () => {
    expect(() => makeCircles(100, { factor: 1 })).toThrow(/factor must be a float in the range \[0, 1\), got 1/);
    expect(() => makeCircles(100, { factor: -0.1 })).toThrow(/factor/);
    expect(() => makeCircles(100, { factor: NaN })).toThrow(/factor/);
    expect(() => makeCircles(-1)).toThrow(/nSamples must be an int in the range \[0, inf\).*got -1/);
    expect(() => makeCircles(10.5)).toThrow(/nSamples.*got 10.5/);
    expect(() => makeCircles([1, 2, 3] as unknown as [number, number])).toThrow(/exactly two elements/);
    expect(() => makeCircles([3, -1])).toThrow(/non-negative/);
    expect(() => makeCircles(10, { noise: -0.5 })).toThrow(/noise must be a float in the range \[0, inf\)/);
    expect(() => makeCircles(10, { randomState: -3 })).toThrow(/Seed must be between/);
  });
});

// ---- makeMoons ------------------------------------------------------------

describe('makeMoons', () => {
  for (const entry of fixture.moons) {
    const { args } = entry;
    it(`matches sklearn make_moons(${label(args)})`, () => {
      const result = makeMoons(nSamplesArg(args), {
        noise: args.noise as number | undefined,
        randomState: args.random_state as number | undefined,
        shuffle: args.shuffle as boolean | undefined,
      });
      expectMatchesEntry(result, entry);
    });
  }

  it('validates its arguments like sklearn', () => {
    expect(() => makeMoons(0)).toThrow(/nSamples must be an int in the range \[1, inf\)/);
    expect(() => makeMoons([5] as unknown as [number, number])).toThrow(/exactly two elements/);
    expect(() => makeMoons(10, { noise: -1 })).toThrow(/noise/);
  });
});

// ---- makeBlobs ------------------------------------------------------------

describe('makeBlobs', () => {
  for (const entry of fixture.blobs) {
    const { args } = entry;
    it(`matches sklearn make_blobs(${label(args)})`, () => {
      const result = makeBlobs(args.n_samples as number | number[], {
        nFeatures: args.n_features as number | undefined,
        centers: args.centers as number | number[][] | undefined,
        clusterStd: args.cluster_std as number | number[] | undefined,
        centerBox: args.center_box as [number, number] | undefined,
        shuffle: args.shuffle as boolean | undefined,
        randomState: args.random_state as number | undefined,
      });
      expectMatchesEntry(result, entry);
      expect(maxAbsDiff(result.centers, entry.centers!)).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it("reproduces sklearn's docstring example", () => {
    expect(makeBlobs(10, { centers: 3, nFeatures: 2, randomState: 0 }).y).toEqual([0, 0, 1, 0, 2, 2, 2, 1, 1, 0]);
    expect(makeBlobs([3, 3, 4], { randomState: 0 }).y).toEqual([0, 1, 2, 0, 2, 2, 2, 1, 1, 0]);
  });

  it('validates its arguments like sklearn', () => {
    expect(() => makeBlobs(0)).toThrow(/nSamples must be an int in the range \[1, inf\)/);
    expect(() => makeBlobs(10, { centers: 0 })).toThrow(/centers must be an int in the range \[1, inf\)/);
    expect(() => makeBlobs(10, { clusterStd: -1 })).toThrow(/clusterStd/);
    expect(() => makeBlobs(10, { centers: 3, clusterStd: [1, 2] })).toThrow(/Length of `clusterStd` not consistent/);
    expect(() => makeBlobs([5, 5], { centers: [[0, 0]] })).toThrow(/Length of `nSamples` not consistent/);
    expect(() => makeBlobs([5, 5], { centers: 2 })).toThrow(/`centers` must be array-like/);
    expect(() => makeBlobs(10, { centers: [[0, 0], [1]] })).toThrow(/center rows must all have 2 features/);
    expect(() => makeBlobs(10, { nFeatures: 0 })).toThrow(/nFeatures/);
  });
});

// ---- trainTestSplit -------------------------------------------------------

function splitOptions(args: PlainSplitEntry['args']) {
  return { testSize: args.test_size, trainSize: args.train_size, randomState: args.random_state, shuffle: args.shuffle };
}

describe('trainTestSplit', () => {
  for (const entry of fixture.split.plain) {
    it(`matches sklearn train_test_split(arange(${entry.n}), ${JSON.stringify(entry.args)})`, () => {
      const options = splitOptions(entry.args);
      const { train, test } = trainTestSplitIndices(entry.n, options);
      if (entry.train && entry.test) {
        expect(train).toEqual(entry.train);
        expect(test).toEqual(entry.test);
        const rows = Array.from({ length: entry.n }, (_, i) => i);
        const [aTrain, aTest] = trainTestSplit(rows, options);
        expect(aTrain).toEqual(entry.train);
        expect(aTest).toEqual(entry.test);
      } else {
        expect(train.length).toBe(entry.train_len);
        expect(test.length).toBe(entry.test_len);
        expect(train.slice(0, 100)).toEqual(entry.train_head);
        expect(test.slice(0, 100)).toEqual(entry.test_head);
        expect(test.slice(-100)).toEqual(entry.test_tail);
        expect(train.reduce((s, v, i) => s + i * v, 0)).toBe(entry.train_index_sum);
        expect(test.reduce((s, v, i) => s + i * v, 0)).toBe(entry.test_index_sum);
      }
    });
  }

  for (const entry of fixture.split.stratified) {
    it(`matches sklearn's stratified split (${entry.label}, ${JSON.stringify(entry.args)})`, () => {
      const y = fixture.split.stratify_labels[entry.label]!;
      const rows = y.map((_, i) => i);
      const [train, test, yTrain, yTest] = trainTestSplit(rows, y, {
        testSize: entry.args.test_size,
        trainSize: entry.args.train_size,
        randomState: entry.args.random_state,
        stratify: y,
      });
      expect(train).toEqual(entry.train);
      expect(test).toEqual(entry.test);
      expect(yTrain).toEqual(entry.train.map((i) => y[i]));
      expect(yTest).toEqual(entry.test.map((i) => y[i]));
    });
  }

  it("reproduces the tutorial's makeCircles + 80/20 split end to end", () => {
    const { X, y } = makeCircles(1000, { noise: 0.03, randomState: 42 });
    const [XTrain, XTest, yTrain, yTest] = trainTestSplit(X, y, { testSize: 0.2, randomState: 42 });
    const t = fixture.split.tutorial;
    expect(yTrain).toEqual(t.y_train);
    expect(yTest).toEqual(t.y_test);
    expect(XTrain).toHaveLength(800);
    expect(XTest).toHaveLength(200);
    expect(maxAbsDiff(XTrain.slice(0, 5), t.X_train_head)).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(XTest.slice(0, 5), t.X_test_head)).toBeLessThanOrEqual(TOLERANCE);
    const { train, test } = trainTestSplitIndices(1000, { testSize: 0.2, randomState: 42, stratify: y });
    expect(train).toEqual(fixture.split.tutorial_stratified.train);
    expect(test).toEqual(fixture.split.tutorial_stratified.test);
  });

  it('splits typed arrays into typed arrays of the same kind, rows kept together', () => {
    const n = 100;
    const entry = fixture.split.plain.find((e) => e.n === 100 && e.args.test_size === 0.2)!;
    const f = Float64Array.from({ length: n }, (_, i) => i + 0.5);
    const k = Int32Array.from({ length: n }, (_, i) => -i);
    const rows = Array.from({ length: n }, (_, i) => ({ id: i }));
    const [fTrain, fTest, kTrain, kTest, rTrain, rTest] = trainTestSplit(f, k, rows, { testSize: 0.2, randomState: 42 });
    expect(fTrain).toBeInstanceOf(Float64Array);
    expect(kTest).toBeInstanceOf(Int32Array);
    expect(Array.from(fTrain)).toEqual(entry.train!.map((i) => i + 0.5));
    expect(Array.from(fTest)).toEqual(entry.test!.map((i) => i + 0.5));
    expect(Array.from(kTrain)).toEqual(entry.train!.map((i) => -i));
    expect(rTest.map((r) => r.id)).toEqual(entry.test);
    expect(rTrain[0]).toBe(rows[entry.train![0]!]); // rows are the same objects, not copies
  });

  it('defaults to a 25% test set and is deterministic for a seed', () => {
    const data = Array.from({ length: 40 }, (_, i) => i);
    const [a, b] = trainTestSplit(data, { randomState: 9 });
    expect(a).toHaveLength(30);
    expect(b).toHaveLength(10);
    expect(trainTestSplit(data, { randomState: 9 })).toEqual([a, b]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(data);
    const [noOptionsTrain] = trainTestSplit(data);
    expect(noOptionsTrain).toHaveLength(30);
  });

  it('consults registered splittables and shape[0] for other kinds of arrays', () => {
    class FakeTensor {
      constructor(readonly rows: number[][]) {}
      get shape(): number[] {
        return [this.rows.length, this.rows[0]?.length ?? 0];
      }
    }
    const t = new FakeTensor(Array.from({ length: 10 }, (_, i) => [i, 2 * i]));
    expect(numSamples(t)).toBe(10);
    expect(() => trainTestSplit(t, { randomState: 0 })).toThrow(/registerSplittable/);
    registerSplittable(
      (x) => x instanceof FakeTensor,
      (x, indices) => new FakeTensor(indices.map((i) => (x as FakeTensor).rows[i]!)),
    );
    const labels = Array.from({ length: 10 }, (_, i) => i);
    const [tTrain, tTest, lTrain, lTest] = trainTestSplit(t, labels, { testSize: 0.3, randomState: 0 });
    expect(tTrain).toBeInstanceOf(FakeTensor);
    expect(tTest.rows.map((r) => r[0])).toEqual(lTest);
    expect(tTrain.rows.map((r) => r[0])).toEqual(lTrain);
    expect(lTest).toEqual(trainTestSplitIndices(10, { testSize: 0.3, randomState: 0 }).test);
    // An object with a shape is data, not options.
    expect(() => trainTestSplit(labels, new FakeTensor([[1]]) as unknown as number[])).toThrow(/inconsistent numbers of samples: \[10, 1\]/);
  });

  it('validates like sklearn', () => {
    expect(() => trainTestSplit([1, 2, 3], [1, 2, 3, 4])).toThrow('Found input variables with inconsistent numbers of samples: [3, 4]');
    expect(() => trainTestSplit({ testSize: 0.2 })).toThrow(/At least one array required/);
    expect(() => trainTestSplitIndices(10, { testSize: 1.5 })).toThrow(/'testSize' parameter .* range \(0\.0, 1\.0\).*Got 1\.5/);
    expect(() => trainTestSplitIndices(10, { testSize: 0 })).toThrow(/'testSize' parameter/);
    expect(() => trainTestSplitIndices(10, { testSize: -0.1 })).toThrow(/'testSize' parameter/);
    expect(() => trainTestSplitIndices(10, { trainSize: 1.2 })).toThrow(/'trainSize' parameter/);
    expect(() => trainTestSplitIndices(10, { testSize: 10 })).toThrow(/test_size=10 should be either positive and smaller than the number of samples 10/);
    expect(() => trainTestSplitIndices(10, { trainSize: 12 })).toThrow(/train_size=12 should be/);
    expect(() => trainTestSplitIndices(10, { testSize: 0.6, trainSize: 0.6 })).toThrow(/The sum of test_size and train_size = 1\.2/);
    expect(() => trainTestSplitIndices(10, { testSize: 6, trainSize: 6 })).toThrow(/The sum of train_size and test_size = 12, should be smaller than the number of samples 10/);
    expect(() => trainTestSplitIndices(1, {})).toThrow(/resulting train set will be empty/);
    expect(() => trainTestSplitIndices(10, { shuffle: false, stratify: [0, 1, 0, 1, 0, 1, 0, 1, 0, 1] })).toThrow(
      /not implemented for shuffle=False/,
    );
    expect(() => trainTestSplitIndices(6, { testSize: 0.5, stratify: [0, 0, 0, 1, 1, 2] })).toThrow(
      /least populated classes in y have only 1 member.*\[2\]/,
    );
    expect(() => trainTestSplitIndices(10, { testSize: 0.2, stratify: [0, 0, 0, 1, 1, 1, 2, 2, 2, 2] })).toThrow(
      /The test_size = 2 should be greater or equal to the number of classes = 3/,
    );
    expect(() => trainTestSplitIndices(10, { stratify: [0, 1] })).toThrow(/inconsistent numbers of samples: \[10, 2\]/);
  });
});
