// torch.utils.data.DataLoader: a dataset, an order (sampler), batching and
// collation, iterated with `for (const [x, y] of loader)`: samples are
// fetched on the calling thread when the loop asks for them. The async
// iterator (`for await`) gathers a TensorDataset's next batches on napi's
// thread pool instead, `prefetchFactor` of them ahead, while the current
// one trains; other datasets run JavaScript, so they load as the sync loop does.
import { argumentError } from '../../errors';
import { native } from '../../native';
import { Tensor } from '../../tensor';
import { defaultCollate, defaultConvert, type Collated } from './collate';
import { Dataset, IterableDataset, TensorDataset } from './dataset';
import type { Generator } from './generator';
import { pyRepr } from './python_repr';
import { randomSeed } from './random';
import { BatchSampler, lengthOf, RandomSampler, SequentialSampler } from './sampler';

export interface DataLoaderOptions<T, B> {
  /** Samples per batch; `null` turns automatic batching off (each item is converted, not collated). @default 1 */
  batchSize?: number | null;
  /** Reshuffle at every pass (a RandomSampler). @default false */
  shuffle?: boolean;
  /** The order of indices; excludes `shuffle`. Any iterable of indices with a `length`. */
  sampler?: Iterable<number>;
  /** Batches of indices; excludes `batchSize`, `shuffle`, `sampler` and `dropLast`. */
  batchSampler?: Iterable<number[]>;
  /** Merges a list of samples into a batch. @default defaultCollate */
  collateFn?: (batch: T[]) => B;
  /** Drop the last batch when it is short. @default false */
  dropLast?: boolean;
  /** Generator for the shuffle (and the per-pass base seed); without one, libtorch's global generator. */
  generator?: Generator | null;
  /**
   * Batches the async iterator prepares ahead on the thread pool while the
   * current one is used (PyTorch's per-worker `prefetch_factor`; 0 gathers
   * each batch only when it is asked for, still off the JS thread). @default 2
   */
  prefetchFactor?: number;
}

// An IterableDataset has no indices: PyTorch's _InfiniteConstantSampler yields None forever.
function* infiniteConstant(): Iterator<null> {
  for (;;) yield null;
}

/**
 * Combines a dataset and a sampler into an iterable over batches, with
 * PyTorch's defaults and checks. With the same `torch.manualSeed` (or
 * generator seed) a shuffled loader visits the samples in PyTorch's order.
 *
 * @example
 * const loader = new DataLoader(new TensorDataset(xTrain, yTrain), { batchSize: 32, shuffle: true });
 * for (const [x, y] of loader) { ... }   // x: [32, features], y: [32]
 * loader.length;                         // number of batches per pass
 */
export class DataLoader<T, B = Collated<T>, D extends Dataset<T> | IterableDataset<T> = Dataset<T> | IterableDataset<T>> implements Iterable<B> {
  /** The dataset as given: `loader.dataset.length` is a number for a map-style dataset. */
  readonly dataset: D;
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly sampler: Iterable<number | null>;
  readonly batchSampler: Iterable<(number | null)[]> | null;
  readonly generator: Generator | null;
  readonly collateFn: (batch: T[]) => B;
  readonly prefetchFactor: number;

  constructor(dataset: D & (Dataset<T> | IterableDataset<T>), options: DataLoaderOptions<T, B> = {}) {
    const { batchSize = 1, shuffle, sampler, batchSampler, collateFn, dropLast = false, generator = null, prefetchFactor = 2 } = options;
    if (!Number.isSafeInteger(prefetchFactor) || prefetchFactor < 0) {
      throw argumentError(`prefetch_factor option should be a non-negative integer, got ${pyRepr(prefetchFactor)}`);
    }
    this.prefetchFactor = prefetchFactor;
    this.dataset = dataset;
    const iterable = dataset instanceof IterableDataset;
    if (iterable) {
      if (shuffle !== undefined && shuffle !== false) {
        throw argumentError(`DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=${pyRepr(shuffle)}`);
      }
      if (sampler) throw argumentError(`DataLoader with IterableDataset: expected unspecified sampler option, but got sampler=${pyRepr(sampler)}`);
      if (batchSampler) throw argumentError(`DataLoader with IterableDataset: expected unspecified batch_sampler option, but got batch_sampler=${pyRepr(batchSampler)}`);
    }
    if (sampler && shuffle) throw argumentError('sampler option is mutually exclusive with shuffle');
    let size = batchSize;
    let drop = dropLast;
    if (batchSampler) {
      if (batchSize !== 1 || shuffle || sampler || dropLast) {
        throw argumentError('batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last');
      }
      size = null;
      drop = false;
    } else if (batchSize === null && dropLast) {
      throw argumentError('batch_size=None option disables auto-batching and is mutually exclusive with drop_last');
    }
    const order: Iterable<number | null> =
      sampler ?? (iterable ? { [Symbol.iterator]: infiniteConstant } : shuffle ? new RandomSampler(dataset, { generator }) : new SequentialSampler(dataset));
    this.batchSize = size;
    this.dropLast = drop;
    this.sampler = order;
    this.batchSampler = batchSampler ?? (size !== null ? new BatchSampler(order, size, drop) : null);
    this.generator = generator;
    this.collateFn = collateFn ?? ((this.batchSampler ? defaultCollate : defaultConvert) as (batch: T[]) => B);
  }

  /** Batches per pass: `len(loader)`. */
  get length(): number {
    if (this.dataset instanceof IterableDataset) {
      const n = lengthOf(this.dataset);
      if (this.batchSize === null) return n;
      return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
    }
    return lengthOf(this.batchSampler ?? this.sampler);
  }

  /** One pass over the data. Like PyTorch's iterator, starting a pass draws a base seed from the generator. */
  [Symbol.iterator](): Iterator<B> {
    const indices = (this.batchSampler ?? this.sampler)[Symbol.iterator]();
    // PyTorch draws `_base_seed` (for worker processes) when the pass starts;
    // drawing it too keeps the generator's stream in step with Python's.
    randomSeed(this.generator);
    const fetch = this.dataset instanceof IterableDataset ? this.streamFetcher(this.dataset) : this.mapFetcher(this.dataset);
    return (function* (): Iterator<B> {
      for (let next = indices.next(); !next.done; next = indices.next()) {
        const batch = fetch(next.value);
        if (batch.done) return;
        yield batch.value;
      }
    })();
  }

  /**
   * One pass, for `for await (const [x, y] of loader)`: the same batches in
   * the same order as the sync iterator (and the same draws from the
   * generator). For a TensorDataset with the default collate each batch is
   * gathered on napi's thread pool, up to `prefetchFactor` batches ahead of
   * the one in use; meanwhile the dataset's tensors are read-only (in-place
   * changes throw until the gathers in flight settle).
   */
  [Symbol.asyncIterator](): AsyncIterator<B> {
    const tensors = this.backgroundTensors();
    if (!tensors || !this.batchSampler) {
      const batches = this[Symbol.iterator]();
      return (async function* (): AsyncGenerator<B> {
        for (let next = batches.next(); !next.done; next = batches.next()) yield next.value;
      })();
    }
    const indices = this.batchSampler[Symbol.iterator]();
    randomSeed(this.generator); // as the sync pass draws it
    const handles = tensors.map((t) => t._n);
    const ahead = this.prefetchFactor;
    const queue: Promise<B>[] = [];
    const start = (batch: (number | null)[]): Promise<B> => {
      let task: Promise<B>;
      try {
        // The collated batch of a TensorDataset is the array of its tensors' rows.
        task = native.gatherRowsAsync(handles, batch as number[]).then((out) => out.map((h) => new Tensor(h)) as unknown as B);
      } catch (err) {
        task = Promise.reject(err);
      }
      task.catch(() => undefined); // rejections surface when that batch is awaited, not as unhandled
      return task;
    };
    let exhausted = false;
    const fill = (count: number) => {
      while (!exhausted && queue.length < count) {
        const next = indices.next();
        if (next.done) exhausted = true;
        else queue.push(start(next.value));
      }
    };
    return (async function* (): AsyncGenerator<B> {
      for (;;) {
        fill(1);
        const head = queue.shift();
        if (!head) return;
        fill(ahead); // the next batches gather while this one is used
        yield await head;
      }
    })();
  }

  /** The dataset's tensors when batches can be gathered natively (a TensorDataset, the default collate, no autograd). */
  private backgroundTensors(): Tensor[] | null {
    const ds = this.dataset;
    // A subclass that overrides getItem (or adds getItems) runs JavaScript per sample: not natively gatherable.
    if (!(ds instanceof TensorDataset) || ds.getItem !== TensorDataset.prototype.getItem || ds.getItems !== undefined) return null;
    if (this.collateFn !== (defaultCollate as unknown)) return null;
    const tensors: Tensor[] = [...ds.tensors];
    return tensors.some((t) => t.requiresGrad) ? null : tensors;
  }

  private mapFetcher(dataset: Dataset<T>): (index: number | null | (number | null)[]) => IteratorResult<B, undefined> {
    return (index) => {
      if (Array.isArray(index)) {
        const indices = index as number[];
        const samples = dataset.getItems ? dataset.getItems(indices) : indices.map((i) => dataset.getItem(i));
        return { done: false, value: this.collateFn(samples) };
      }
      return { done: false, value: (this.collateFn as unknown as (sample: T) => B)(dataset.getItem(index as number)) };
    };
  }

  private streamFetcher(dataset: IterableDataset<T>): (index: number | null | (number | null)[]) => IteratorResult<B, undefined> {
    const stream = dataset[Symbol.iterator]();
    let ended = false;
    return (index) => {
      if (ended) return { done: true, value: undefined };
      if (!Array.isArray(index)) {
        const next = stream.next();
        if (next.done) return { done: true, value: undefined };
        return { done: false, value: (this.collateFn as unknown as (sample: T) => B)(next.value) };
      }
      const samples: T[] = [];
      for (let i = 0; i < index.length; i++) {
        const next = stream.next();
        if (next.done) {
          ended = true;
          break;
        }
        samples.push(next.value);
      }
      if (samples.length === 0 || (this.dropLast && samples.length < index.length)) return { done: true, value: undefined };
      return { done: false, value: this.collateFn(samples) };
    };
  }
}
