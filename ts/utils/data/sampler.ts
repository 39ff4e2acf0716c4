// torch.utils.data.sampler: the orders in which a DataLoader visits a
// dataset's indices. Each sampler is lazy, like PyTorch's generator-function
// `__iter__`: random numbers are drawn when iteration starts, not before.
import { argumentError } from '../../errors';
import { Tensor } from '../../tensor';
import { Generator } from './generator';
import { pyRepr } from './python_repr';
import { multinomial, randint, randomSeed, randperm } from './random';

/** Anything with a size, like Python's `Sized` (a Dataset, an array, a sampler). */
export interface Sized {
  readonly length: number;
}

/** Base class of all samplers: iterable over indices (or batches of them). */
export abstract class Sampler<T = number> implements Iterable<T> {
  abstract [Symbol.iterator](): Iterator<T>;
}

/** `len(x)`: Python's TypeError text when x has no length. */
export function lengthOf(x: unknown): number {
  const length = (x as Partial<Sized> | null)?.length;
  if (typeof length !== 'number') throw argumentError(`object of type '${(x as object | null)?.constructor?.name ?? typeof x}' has no len()`);
  return length;
}

function checkPositiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw argumentError(`${name} should be a positive integer value, but got ${name}=${pyRepr(value)}`);
  }
  return value;
}

/** Samples elements sequentially, always in the same order: 0, 1, …, n - 1. */
export class SequentialSampler extends Sampler<number> implements Sized {
  constructor(readonly dataSource: Sized) {
    super();
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = lengthOf(this.dataSource);
    for (let i = 0; i < n; i++) yield i;
  }

  get length(): number {
    return lengthOf(this.dataSource);
  }
}

export interface RandomSamplerOptions {
  /** Draw with replacement. @default false */
  replacement?: boolean;
  /** How many indices to draw. @default the data source's length */
  numSamples?: number;
  /** Generator for the draws; without one, each pass seeds a fresh generator from libtorch's global one, as PyTorch does. */
  generator?: Generator | null;
}

/**
 * Samples elements randomly: a permutation (or several, for `numSamples` > n),
 * or draws with replacement. With the same `torch.manualSeed` (or generator
 * seed) the order is PyTorch's exactly.
 */
export class RandomSampler extends Sampler<number> implements Sized {
  readonly replacement: boolean;
  readonly generator: Generator | null;
  private readonly requestedSamples: number | undefined;

  constructor(
    readonly dataSource: Sized,
    options: RandomSamplerOptions = {},
  ) {
    super();
    const { replacement = false, numSamples, generator = null } = options;
    if (typeof replacement !== 'boolean') throw argumentError(`replacement should be a boolean value, but got replacement=${pyRepr(replacement)}`);
    this.replacement = replacement;
    this.requestedSamples = numSamples;
    this.generator = generator;
    checkPositiveInt('num_samples', this.numSamples);
  }

  get numSamples(): number {
    return this.requestedSamples ?? lengthOf(this.dataSource);
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = lengthOf(this.dataSource);
    // PyTorch seeds a private generator from the global one, so a pass
    // consumes exactly one 64-bit draw of the global stream.
    const generator = this.generator ?? new Generator().manualSeed(randomSeed(null));
    const numSamples = this.numSamples;
    if (this.replacement) {
      for (let i = 0; i < Math.floor(numSamples / 32); i++) yield* randint(n, 32, generator);
      yield* randint(n, numSamples % 32, generator);
    } else {
      for (let i = 0; i < Math.floor(numSamples / n); i++) yield* randperm(n, generator);
      yield* randperm(n, generator).slice(0, numSamples % n);
    }
  }

  get length(): number {
    return this.numSamples;
  }
}

/** Samples the given indices in a random order (a permutation of them). */
export class SubsetRandomSampler extends Sampler<number> implements Sized {
  constructor(
    readonly indices: readonly number[],
    readonly generator: Generator | null = null,
  ) {
    super();
  }

  *[Symbol.iterator](): Iterator<number> {
    for (const i of randperm(this.indices.length, this.generator)) yield this.indices[i]!;
  }

  get length(): number {
    return this.indices.length;
  }
}

export interface WeightedRandomSamplerOptions {
  /** Draw with replacement. @default true */
  replacement?: boolean;
  generator?: Generator | null;
}

/** Samples indices 0…len(weights)-1 with the given (unnormalised) probabilities, as `torch.multinomial` does. */
export class WeightedRandomSampler extends Sampler<number> implements Sized {
  readonly weights: Float64Array;
  readonly numSamples: number;
  readonly replacement: boolean;
  readonly generator: Generator | null;

  constructor(weights: readonly number[] | Float64Array | Tensor, numSamples: number, options: WeightedRandomSamplerOptions = {}) {
    super();
    const { replacement = true, generator = null } = options;
    if (typeof numSamples !== 'number' || !Number.isInteger(numSamples) || numSamples <= 0) {
      throw argumentError(`num_samples should be a positive integer value, but got num_samples=${pyRepr(numSamples)}`);
    }
    if (typeof replacement !== 'boolean') throw argumentError(`replacement should be a boolean value, but got replacement=${pyRepr(replacement)}`);
    this.weights = weightsArray(weights);
    this.numSamples = numSamples;
    this.replacement = replacement;
    this.generator = generator;
  }

  *[Symbol.iterator](): Iterator<number> {
    yield* multinomial(this.weights, this.numSamples, this.replacement, this.generator);
  }

  get length(): number {
    return this.numSamples;
  }
}

function weightsArray(weights: readonly number[] | Float64Array | Tensor): Float64Array {
  if (weights instanceof Tensor) {
    if (weights.shape.length !== 1) throw argumentError(`weights should be a 1d sequence but given weights have shape (${weights.shape.join(', ')}${weights.shape.length === 1 ? ',' : ''})`);
    const doubles = weights.double();
    try {
      return doubles.data() as Float64Array;
    } finally {
      doubles.dispose();
    }
  }
  if (Array.isArray(weights) && weights.some((w) => Array.isArray(w))) {
    const rows = weights as unknown as unknown[][];
    throw argumentError(`weights should be a 1d sequence but given weights have shape (${rows.length}, ${rows[0]!.length})`);
  }
  return Float64Array.from(weights as ArrayLike<number>);
}

/**
 * Wraps a sampler to yield batches of indices: `batchSize` at a time, the
 * last one shorter unless `dropLast`.
 */
export class BatchSampler<I = number> extends Sampler<I[]> implements Sized {
  readonly batchSize: number;
  readonly dropLast: boolean;

  constructor(
    readonly sampler: Iterable<I>,
    batchSize: number,
    dropLast: boolean,
  ) {
    super();
    if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize <= 0) {
      throw argumentError(`batch_size should be a positive integer value, but got batch_size=${pyRepr(batchSize)}`);
    }
    if (typeof dropLast !== 'boolean') throw argumentError(`drop_last should be a boolean value, but got drop_last=${pyRepr(dropLast)}`);
    this.batchSize = batchSize;
    this.dropLast = dropLast;
  }

  *[Symbol.iterator](): Iterator<I[]> {
    let batch: I[] = [];
    for (const index of this.sampler) {
      batch.push(index);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }

  get length(): number {
    const n = lengthOf(this.sampler);
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
}
