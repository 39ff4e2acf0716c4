// torch.utils.data.dataset: map-style datasets (an item per index, and a
// length), iterable datasets (a stream), and the ways to combine and split
// them.
import { argumentError } from '../../errors';
import type { Tensor } from '../../tensor';
import type { Generator } from './generator';
import { pyTypeName } from './python_repr';
import { randperm } from './random';

/**
 * A map-style dataset: `getItem(i)` for i in [0, length). Subclass it, as in
 * PyTorch (`__getitem__` → `getItem`, `__len__` → `length`).
 *
 * @example
 * class Squares extends Dataset<[number, number]> {
 *   readonly length = 10;
 *   getItem(i: number): [number, number] { return [i, i * i]; }
 * }
 */
export abstract class Dataset<T> {
  abstract getItem(index: number): T;
  abstract readonly length: number;
  /** Optional batched fetch (PyTorch's `__getitems__`): the DataLoader uses it when present. */
  getItems?(indices: readonly number[]): T[];
}

/** A stream of samples (PyTorch's IterableDataset); DataLoader batches it in order. */
export abstract class IterableDataset<T> implements Iterable<T> {
  abstract [Symbol.iterator](): Iterator<T>;
  /** Optional: how many samples one pass yields, for `loader.length`. */
  readonly length?: number;
}

/** A Python list index: negative counts from the end; out of range is an IndexError. */
function listIndex(index: number, length: number): number {
  if (!Number.isInteger(index)) throw argumentError(`list indices must be integers or slices, not ${pyTypeName(index)}`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) throw argumentError('list index out of range');
  return i;
}

type TensorRows<T extends readonly Tensor[]> = { -readonly [K in keyof T]: Tensor };

/**
 * Rows of tensors that share their first dimension: item i is `[t0[i], t1[i], …]`.
 *
 * @example
 * const ds = new TensorDataset(x, y);
 * const [xi, yi] = ds.getItem(0);
 */
export class TensorDataset<T extends readonly Tensor[]> extends Dataset<TensorRows<T>> {
  readonly tensors: T;

  constructor(...tensors: T) {
    super();
    if (tensors.length === 0) throw argumentError('tuple index out of range');
    const rows = tensors[0]!.size(0);
    if (tensors.some((t) => t.size(0) !== rows)) throw argumentError('Size mismatch between tensors');
    this.tensors = tensors;
  }

  getItem(index: number): TensorRows<T> {
    const size = this.length;
    if (!Number.isInteger(index) || index < -size || index >= size) {
      throw argumentError(`index ${index} is out of bounds for dimension 0 with size ${size}`);
    }
    return this.tensors.map((t) => t.select(0, index)) as unknown as TensorRows<T>;
  }

  get length(): number {
    return this.tensors[0]!.size(0);
  }
}

/** Datasets one after another: index `i` falls in the first dataset whose cumulative size exceeds it. */
export class ConcatDataset<T> extends Dataset<T> {
  readonly datasets: Dataset<T>[];
  readonly cumulativeSizes: number[];

  constructor(datasets: Iterable<Dataset<T>>) {
    super();
    this.datasets = [...datasets];
    if (this.datasets.length === 0) throw argumentError('datasets should not be an empty iterable');
    if (this.datasets.some((d) => d instanceof IterableDataset)) throw argumentError('ConcatDataset does not support IterableDataset');
    let total = 0;
    this.cumulativeSizes = this.datasets.map((d) => (total += d.length));
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1]!;
  }

  getItem(index: number): T {
    let idx = index;
    if (idx < 0) {
      if (-idx > this.length) throw argumentError('absolute value of index should not exceed dataset length');
      idx += this.length;
    }
    // bisect_right: the first dataset whose cumulative size is above idx.
    const datasetIndex = this.cumulativeSizes.findIndex((size) => size > idx);
    if (datasetIndex === -1) throw argumentError('list index out of range');
    const sampleIndex = datasetIndex === 0 ? idx : idx - this.cumulativeSizes[datasetIndex - 1]!;
    return this.datasets[datasetIndex]!.getItem(sampleIndex);
  }
}

/** The items of `dataset` at `indices`, in that order. */
export class Subset<T> extends Dataset<T> {
  constructor(
    readonly dataset: Dataset<T>,
    readonly indices: readonly number[],
  ) {
    super();
  }

  getItem(index: number): T {
    return this.dataset.getItem(this.indices[listIndex(index, this.indices.length)]!);
  }

  override getItems(indices: readonly number[]): T[] {
    const mapped = indices.map((i) => this.indices[listIndex(i, this.indices.length)]!);
    if (this.dataset.getItems) return this.dataset.getItems(mapped);
    return mapped.map((i) => this.dataset.getItem(i));
  }

  get length(): number {
    return this.indices.length;
  }
}

// math.isclose(a, 1) with its defaults (rel_tol 1e-9, abs_tol 0).
function isCloseToOne(x: number): boolean {
  return Math.abs(x - 1) <= 1e-9 * Math.max(Math.abs(x), 1);
}

/**
 * Splits a dataset at random into non-overlapping subsets of the given
 * lengths, or of the given fractions (floor(frac · n) each, the remainder
 * handed out one by one, round robin). The permutation is
 * `randperm(n, generator)`, PyTorch's own draw: with the same seed, the same
 * subsets. Without a generator it draws from libtorch's global generator
 * (`torch.default_generator`).
 *
 * @example
 * const [train, test] = randomSplit(dataset, [0.8, 0.2], new Generator().manualSeed(42));
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], generator: Generator | null = null): Subset<T>[] {
  const n = dataset.length;
  let sizes = [...lengths];
  const total = sizes.reduce((a, b) => a + b, 0);
  if (isCloseToOne(total) && total <= 1) {
    sizes = lengths.map((frac, i) => {
      if (frac < 0 || frac > 1) throw argumentError(`Fraction at index ${i} is not between 0 and 1`);
      return Math.floor(n * frac);
    });
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length] += 1;
  }
  if (sizes.reduce((a, b) => a + b, 0) !== n) throw argumentError('Sum of input lengths does not equal the length of the input dataset!');
  const indices = randperm(n, generator);
  let offset = 0;
  return sizes.map((size) => {
    offset += size;
    return new Subset(dataset, pySlice(indices, offset - size, offset));
  });
}

// Python's `list[start:stop]`: negative bounds count from the end.
function pySlice<T>(list: readonly T[], start: number, stop: number): T[] {
  const clamp = (i: number) => (i < 0 ? Math.max(i + list.length, 0) : Math.min(i, list.length));
  return list.slice(clamp(start), Math.max(clamp(start), clamp(stop)));
}
