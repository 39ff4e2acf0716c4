// scikit-learn's train_test_split, with the same indices for the same int
// `randomState`: ShuffleSplit (test = permutation[:nTest], train = the next
// nTrain) and, with `stratify`, StratifiedShuffleSplit draw for draw
// (_approximate_mode's tie-breaking and the per-class permutations included).

import { checkRandomState, type RandomState, type RandomStateLike } from './random_state';

/** Options of {@link trainTestSplit}, sklearn's keyword arguments in camelCase. */
export interface TrainTestSplitOptions {
  /**
   * Test set size: a fraction in (0, 1) or a count >= 1. A whole number is a
   * count (JS has no 1.0 vs 1), so `1` means one sample. Defaults to 0.25 when
   * `trainSize` is not given either, otherwise to the complement of `trainSize`.
   */
  testSize?: number | null;
  /** Train set size, a fraction in (0, 1) or a count >= 1 (default: the complement of the test set). */
  trainSize?: number | null;
  /** An int seed for reproducible splits, a RandomState, or none for fresh randomness. */
  randomState?: RandomStateLike;
  /** Shuffle before splitting (default true); without shuffling the test set is the tail. */
  shuffle?: boolean;
  /** Class labels to keep in the same proportions in both sets (sklearn's StratifiedShuffleSplit). */
  stratify?: LabelsLike | null;
}

/** Train and test row indices. */
export interface SplitIndices {
  train: number[];
  test: number[];
}

/** Labels for `stratify`: an array (or typed array) of numbers/strings, rows of them, or an object with `toArray()`. */
export type LabelsLike = ArrayLike<unknown> | { toArray(): unknown };

type Check = (x: unknown) => boolean;
type Take = (x: unknown, indices: number[]) => unknown;
const splittables: { check: Check; take: Take }[] = [];

/**
 * Teaches {@link trainTestSplit} to index a new kind of array (tensors, data
 * frames, …). Checks run newest first, before the built-in JS array and typed
 * array handling. The sample count comes from `x.shape[0]` when `x` has a
 * `shape` array, else from `x.length`.
 *
 * @param check true for values this entry handles
 * @param take returns the rows of `x` at `indices`, in that order, as a new value of the same kind
 * @example
 * registerSplittable((x) => x instanceof Tensor, (x, idx) => (x as Tensor).indexSelect(0, tensor(idx)));
 */
export function registerSplittable(check: Check, take: Take): void {
  splittables.unshift({ check, take });
}

type AnyTypedArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

function isTypedArray(x: unknown): x is AnyTypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/**
 * The number of samples (rows) in `x`, as sklearn's `_num_samples`: `shape[0]`
 * for anything with a `shape` array (tensors), `length` for arrays.
 * @throws TypeError when `x` has neither.
 */
export function numSamples(x: unknown): number {
  if (typeof x === 'object' && x !== null) {
    const shape = (x as { shape?: unknown }).shape;
    if (Array.isArray(shape)) {
      if (shape.length === 0) throw new TypeError(`Singleton array ${String(x)} cannot be considered a valid collection.`);
      return Number(shape[0]);
    }
    const length = (x as { length?: unknown }).length;
    if (typeof length === 'number') return length;
  }
  throw new TypeError(`Expected a sequence or array-like, got ${describe(x)}`);
}

// sklearn's _safe_indexing along the first axis.
function takeRows(x: unknown, indices: number[]): unknown {
  for (const { check, take } of splittables) if (check(x)) return take(x, indices);
  if (Array.isArray(x)) return indices.map((i) => x[i] as unknown);
  if (isTypedArray(x)) {
    const Ctor = x.constructor as new (length: number) => AnyTypedArray;
    const out = new Ctor(indices.length);
    for (let k = 0; k < indices.length; k++) (out as unknown as unknown[])[k] = (x as unknown as unknown[])[indices[k]!];
    return out;
  }
  throw new TypeError(
    `trainTestSplit cannot index ${describe(x)}; pass an array or a typed array, or register the type with registerSplittable`,
  );
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'an object';
  return typeof x;
}

// An options object is a plain object that is not data.
function isOptions(x: unknown): x is TrainTestSplitOptions {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
  if (splittables.some(({ check }) => check(x))) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Each input type twice, in order: `[A, A, B, B, …]` for inputs `[A, B, …]`. */
export type SplitResult<A extends readonly unknown[]> = A extends readonly [infer Head, ...infer Rest]
  ? [Head, Head, ...SplitResult<Rest>]
  : A extends readonly []
    ? []
    : A[number][];

/**
 * Splits arrays into random train and test subsets, like
 * `sklearn.model_selection.train_test_split`: with the same int `randomState`
 * the rows land in the same sets in the same order as in Python.
 *
 * @param args one or more arrays with the same number of rows (JS arrays,
 *   typed arrays, or kinds added with {@link registerSplittable}), optionally
 *   followed by an options object `{ testSize, trainSize, randomState, shuffle, stratify }`.
 * @returns `[aTrain, aTest, bTrain, bTest, …]`, each of its input's kind.
 * @throws RangeError for inconsistent lengths or sizes out of range.
 * @example
 * const { X, y } = makeCircles(1000, { noise: 0.03, randomState: 42 });
 * const [XTrain, XTest, yTrain, yTest] = trainTestSplit(X, y, { testSize: 0.2, randomState: 42 });
 */
export function trainTestSplit<A extends readonly unknown[]>(...args: [...A, TrainTestSplitOptions]): SplitResult<A>;
export function trainTestSplit<A extends readonly unknown[]>(...args: A): SplitResult<A>;
export function trainTestSplit(...args: unknown[]): unknown[] {
  const options: TrainTestSplitOptions = args.length > 0 && isOptions(args[args.length - 1]) ? (args.pop() as TrainTestSplitOptions) : {};
  if (args.length === 0) throw new TypeError('At least one array required as input');
  const lengths = args.map(numSamples);
  checkConsistentLength(lengths);
  const { train, test } = trainTestSplitIndices(lengths[0]!, options);
  return args.flatMap((array) => [takeRows(array, train), takeRows(array, test)]);
}

/**
 * The index half of {@link trainTestSplit}: which of `n` rows go to the train
 * and the test set.
 *
 * @param n number of samples
 * @param options as for {@link trainTestSplit}; `stratify` must have `n` labels
 * @returns `{ train, test }` row indices, in sklearn's order
 * @example
 * trainTestSplitIndices(10, { testSize: 0.2, randomState: 0 }); // { train: [...8 indices], test: [...2] }
 */
export function trainTestSplitIndices(n: number, options: TrainTestSplitOptions = {}): SplitIndices {
  const { testSize = null, trainSize = null, randomState, shuffle = true, stratify = null } = options;
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  checkSizeParam('testSize', testSize);
  checkSizeParam('trainSize', trainSize);
  if (typeof shuffle !== 'boolean') throw new TypeError(`The 'shuffle' parameter must be a boolean, got ${String(shuffle)}`);
  const [nTrain, nTest] = validateShuffleSplit(n, testSize, trainSize, 0.25);

  if (!shuffle) {
    if (stratify !== null) throw new RangeError('Stratified train/test split is not implemented for shuffle=False');
    return { train: range(0, nTrain), test: range(nTrain, nTrain + nTest) };
  }
  const rng = checkRandomState(randomState);
  if (stratify !== null) return stratifiedShuffleSplit(n, nTrain, nTest, labelsToArray(stratify), rng);

  // ShuffleSplit: one permutation, test first.
  const permutation = rng.permutationTyped(n);
  return {
    test: Array.from(permutation.subarray(0, nTest)),
    train: Array.from(permutation.subarray(nTest, nTest + nTrain)),
  };
}

function range(start: number, end: number): number[] {
  const out = new Array<number>(end - start);
  for (let i = start; i < end; i++) out[i - start] = i;
  return out;
}

function checkConsistentLength(lengths: number[]): void {
  if (new Set(lengths).size > 1) {
    throw new RangeError(`Found input variables with inconsistent numbers of samples: [${lengths.join(', ')}]`);
  }
}

// The parameter-level check sklearn's @validate_params makes.
function checkSizeParam(name: string, value: number | null): void {
  if (value === null) return;
  const ok = typeof value === 'number' && (Number.isInteger(value) ? value >= 1 : value > 0 && value < 1);
  if (!ok) {
    throw new RangeError(
      `The '${name}' parameter of trainTestSplit must be a float in the range (0.0, 1.0), an int in the range [1, inf) or null. Got ${String(value)} instead.`,
    );
  }
}

// sklearn's _validate_shuffle_split: sizes to counts, checked against n.
function validateShuffleSplit(n: number, testSize: number | null, trainSize: number | null, defaultTestSize: number): [number, number] {
  if (testSize === null && trainSize === null) testSize = defaultTestSize;
  const testIsInt = testSize !== null && Number.isInteger(testSize);
  const trainIsInt = trainSize !== null && Number.isInteger(trainSize);

  if (testSize !== null && ((testIsInt && (testSize >= n || testSize <= 0)) || (!testIsInt && (testSize <= 0 || testSize >= 1)))) {
    throw new RangeError(
      `test_size=${testSize} should be either positive and smaller than the number of samples ${n} or a float in the (0, 1) range`,
    );
  }
  if (trainSize !== null && ((trainIsInt && (trainSize >= n || trainSize <= 0)) || (!trainIsInt && (trainSize <= 0 || trainSize >= 1)))) {
    throw new RangeError(
      `train_size=${trainSize} should be either positive and smaller than the number of samples ${n} or a float in the (0, 1) range`,
    );
  }
  if (testSize !== null && trainSize !== null && !testIsInt && !trainIsInt && trainSize + testSize > 1) {
    throw new RangeError(
      `The sum of test_size and train_size = ${trainSize + testSize}, should be in the (0, 1) range. Reduce test_size and/or train_size.`,
    );
  }

  let nTest = testSize === null ? NaN : testIsInt ? testSize : Math.ceil(testSize * n);
  let nTrain = trainSize === null ? NaN : trainIsInt ? trainSize : Math.floor(trainSize * n);
  if (trainSize === null) nTrain = n - nTest;
  else if (testSize === null) nTest = n - nTrain;

  if (nTrain + nTest > n) {
    throw new RangeError(
      `The sum of train_size and test_size = ${nTrain + nTest}, should be smaller than the number of samples ${n}. Reduce test_size and/or train_size.`,
    );
  }
  if (nTrain === 0) {
    throw new RangeError(
      `With n_samples=${n}, test_size=${testSize} and train_size=${trainSize}, the resulting train set will be empty. Adjust any of the aforementioned parameters.`,
    );
  }
  return [nTrain, nTest];
}

type Label = number | string;

// Flattens `stratify` to one comparable label per sample. Rows (multi-label y)
// become the space-joined string of their values, as sklearn does.
function labelsToArray(stratify: LabelsLike): Label[] {
  const raw: unknown =
    typeof (stratify as { toArray?: unknown }).toArray === 'function' ? (stratify as { toArray(): unknown }).toArray() : stratify;
  if (!Array.isArray(raw) && !isTypedArray(raw)) throw new TypeError(`stratify must be an array of labels, got ${describe(raw)}`);
  return Array.from(raw as ArrayLike<unknown>, (value) => {
    if (Array.isArray(value) || isTypedArray(value)) return Array.from(value as ArrayLike<unknown>, (v) => String(toLabel(v))).join(' ');
    return toLabel(value);
  });
}

function toLabel(value: unknown): Label {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw new TypeError(`stratify labels must be numbers or strings, got ${describe(value)}`);
}

// np.unique order: numbers ascending, strings by code point.
function compareLabels(a: Label, b: Label): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new TypeError('stratify labels must be all numbers or all strings, not a mix');
}

// StratifiedShuffleSplit._iter_indices, first split.
function stratifiedShuffleSplit(n: number, nTrain: number, nTest: number, y: Label[], rng: RandomState): SplitIndices {
  if (y.length !== n) throw new RangeError(`Found input variables with inconsistent numbers of samples: [${n}, ${y.length}]`);
  const classes = [...new Set(y)].sort(compareLabels);
  const classIndexOf = new Map<Label, number>(classes.map((label, i) => [label, i]));
  // Sample indices of each class in ascending order (argsort(y_indices, stable)).
  const classIndices: number[][] = classes.map(() => []);
  for (let i = 0; i < n; i++) classIndices[classIndexOf.get(y[i]!)!]!.push(i);
  const classCounts = classIndices.map((indices) => indices.length);
  const nClasses = classes.length;

  const tooFew = classes.filter((_, i) => classCounts[i]! < 2);
  if (tooFew.length > 0) {
    throw new RangeError(
      'The least populated classes in y have only 1 member, which is too few. The minimum number of groups for any class cannot be less than 2. ' +
        `Classes with too few members are: ${JSON.stringify(tooFew)}`,
    );
  }
  if (nTrain < nClasses) {
    throw new RangeError(`The train_size = ${nTrain} should be greater or equal to the number of classes = ${nClasses}`);
  }
  if (nTest < nClasses) {
    throw new RangeError(`The test_size = ${nTest} should be greater or equal to the number of classes = ${nClasses}`);
  }

  const nI = approximateMode(classCounts, nTrain, rng);
  const remaining = classCounts.map((count, i) => count - nI[i]!);
  const tI = approximateMode(remaining, nTest, rng);

  const train: number[] = [];
  const test: number[] = [];
  for (let c = 0; c < nClasses; c++) {
    const permutation = rng.permutationTyped(classCounts[c]!);
    const indices = classIndices[c]!;
    for (let k = 0; k < nI[c]!; k++) train.push(indices[permutation[k]!]!);
    for (let k = nI[c]!; k < nI[c]! + tI[c]!; k++) test.push(indices[permutation[k]!]!);
  }
  rng.shuffle(train);
  rng.shuffle(test);
  return { train, test };
}

// sklearn.utils.extmath._approximate_mode: per-class draw counts closest to
// proportional, leftover draws given to the largest remainders, ties broken by
// rng.choice(inds, size, replace=False) = inds[permutation(len(inds))[:size]].
function approximateMode(classCounts: number[], nDraws: number, rng: RandomState): number[] {
  const total = classCounts.reduce((a, b) => a + b, 0);
  const continuous = classCounts.map((count) => (count / total) * nDraws);
  const floored = continuous.map(Math.floor);
  let needToAdd = nDraws - floored.reduce((a, b) => a + b, 0);
  if (needToAdd > 0) {
    const remainder = continuous.map((value, i) => value - floored[i]!);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of values) {
      const inds: number[] = [];
      remainder.forEach((r, i) => {
        if (r === value) inds.push(i);
      });
      const addNow = Math.min(inds.length, needToAdd);
      const chosen = rng.permutationTyped(inds.length).subarray(0, addNow);
      for (const k of chosen) floored[inds[k]!]! += 1;
      needToAdd -= addNow;
      if (needToAdd === 0) break;
    }
  }
  return floored;
}
