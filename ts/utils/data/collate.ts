// torch.utils.data._utils.collate: how a list of samples becomes one batch.
// Tensors are stacked on a new first dimension, numbers become a tensor, and
// arrays and plain objects are collated field by field, as PyTorch's
// default_collate does for tuples, lists and dicts.
import { tensor } from '../../creation';
import { argumentError } from '../../errors';
import { stack } from '../../ops';
import { Tensor, type TypedArray } from '../../tensor';
import { pyTypeName } from './python_repr';

/** What default_collate makes of a batch of `T`s. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean | bigint | TypedArray
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : never;

// numpy arrays in PyTorch's rules: JS typed arrays become tensors of their type.
function isTypedArray(x: unknown): x is TypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

function collateNumbers(batch: readonly number[]): Tensor {
  // JS has one number type: a batch of integers is Python ints (int64), anything else Python floats (float64).
  return tensor(batch as number[], { dtype: batch.every(Number.isInteger) ? 'int64' : 'float64' });
}

function collateTensors(batch: readonly unknown[]): Tensor {
  batch.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw argumentError(`expected Tensor as element ${i} in argument 0, but got ${pyTypeName(t)}`);
  });
  return stack(batch as Tensor[], 0);
}

/**
 * PyTorch's `default_collate`: a list of samples → one batch.
 *
 * - Tensor → `torch.stack(batch, 0)`
 * - number → int64 tensor when every value is an integer, else float64
 *   (Python's `int` and `float`); boolean → bool tensor; bigint → int64
 * - typed array → a tensor of its dtype per sample, then stacked
 * - string → the array of strings, unchanged
 * - array (tuple or list) → an array of the collated columns (equal lengths required)
 * - plain object or Map → the same keys, each collated
 *
 * @example
 * defaultCollate([[0, 1.5], [2, 3.5]]);  // [tensor([0, 2]), tensor([1.5, 3.5], dtype=float64)]
 */
export function defaultCollate<T>(batch: readonly T[]): Collated<T>;
export function defaultCollate(batch: readonly unknown[]): unknown {
  const elem = batch[0];
  if (elem instanceof Tensor) return collateTensors(batch);
  if (isTypedArray(elem)) return collateTensors(batch.map((b) => tensor(b as TypedArray)));
  if (typeof elem === 'number') return collateNumbers(batch as number[]);
  if (typeof elem === 'boolean') return tensor(batch as boolean[]);
  if (typeof elem === 'bigint') return tensor(BigInt64Array.from(batch as bigint[]));
  if (typeof elem === 'string') return [...batch];
  if (elem instanceof Map) {
    return new Map([...elem.keys()].map((key) => [key, defaultCollate(batch.map((d) => (d as Map<unknown, unknown>).get(key)))]));
  }
  if (Array.isArray(elem)) {
    const size = elem.length;
    if (!batch.every((b) => Array.isArray(b) && b.length === size)) throw argumentError('each element in list of batch should be of equal size');
    return Array.from({ length: size }, (_, i) => defaultCollate(batch.map((b) => (b as unknown[])[i])));
  }
  if (isPlainObject(elem)) {
    return Object.fromEntries(Object.keys(elem).map((key) => [key, defaultCollate(batch.map((d) => (d as Record<string, unknown>)[key]))]));
  }
  throw argumentError(`default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found <class '${pyTypeName(elem)}'>`);
}

/**
 * PyTorch's `default_convert`, the collate function when automatic batching
 * is off (`batchSize: null`): typed arrays become tensors, arrays and plain
 * objects are converted element by element, everything else is unchanged.
 */
export function defaultConvert(data: unknown): unknown {
  if (data instanceof Tensor) return data;
  if (isTypedArray(data)) return tensor(data);
  if (Array.isArray(data)) return data.map(defaultConvert);
  if (data instanceof Map) return new Map([...data].map(([k, v]) => [k, defaultConvert(v)]));
  if (isPlainObject(data)) return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, defaultConvert(v)]));
  return data;
}
