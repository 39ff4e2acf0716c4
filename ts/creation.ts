// Tensor factories with PyTorch's names, defaults and argument forms.
import { inspect } from 'node:util';
import { native } from './native';
import { DType, dtypeName, type DTypeLike, type DTypeName } from './dtype';
import { deviceString, type DeviceLike } from './device';
import { argumentError } from './errors';
import { expectTensor, sizeArgs, Tensor, type NestedArray, type TypedArray } from './tensor';
import { checkInt, checkNumber, checkOptionalBool, checkOptionalInt, describe } from './validate';
import { Generator, generatorArg } from './generator';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export interface TensorOptions {
  dtype?: DTypeLike;
  device?: DeviceLike;
  requiresGrad?: boolean;
}

/** Options of the random creation ops: a `torch.Generator` to draw from instead of the global one. */
export interface RandomOptions extends TensorOptions {
  generator?: Generator | null;
}

type SizeAndOptions = (number | readonly number[] | RandomOptions)[];

/** Splits `(2, 3, { dtype })` / `([2, 3], { dtype })` into sizes and options. */
function splitOptions(args: SizeAndOptions): [number[], TensorOptions] {
  const last = args[args.length - 1];
  const hasOptions = last !== undefined && last !== null && typeof last === 'object' && !Array.isArray(last);
  const sizes = (hasOptions ? args.slice(0, -1) : args) as (number | readonly number[])[];
  return [sizeArgs(sizes), hasOptions ? (last as TensorOptions) : {}];
}

/** Applies `requiresGrad`, refusing (and freeing) a tensor that cannot have gradients. */
function finish(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad !== undefined && typeof opts.requiresGrad !== 'boolean') {
    t.dispose();
    throw argumentError(`requiresGrad must be a boolean, got ${describe(opts.requiresGrad)}`);
  }
  if (opts.requiresGrad) {
    if (!t.dtype.isFloatingPoint) {
      t.dispose();
      throw argumentError('Only Tensors of floating point and complex dtype can require gradients');
    }
    t.requiresGrad = true;
  }
  return t;
}

const TYPED_DTYPES: [new (...args: never[]) => TypedArray, DTypeName][] = [
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Int8Array, 'int8'],
  [Int16Array, 'int16'],
  [Int32Array, 'int32'],
  [Uint8Array, 'uint8'],
  [BigInt64Array, 'int64'],
];

function typedDType(data: unknown): DTypeName | undefined {
  for (const [ctor, name] of TYPED_DTYPES) if (data instanceof ctor) return name;
  return undefined;
}

type Leaf = number | boolean | bigint;

/** Flattens nested arrays (and typed arrays inside them), checking they are rectangular. */
function flatten(data: unknown): { shape: number[]; values: Leaf[] } {
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe) || ArrayBuffer.isView(probe)) {
    const len = (probe as ArrayLike<unknown>).length;
    shape.push(len);
    if (len === 0) break;
    probe = (probe as ArrayLike<unknown>)[0];
  }
  const values: Leaf[] = [];
  const walk = (node: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (typeof node !== 'number' && typeof node !== 'boolean' && typeof node !== 'bigint') {
        throw argumentError(`Could not infer dtype of ${node === null ? 'null' : typeof node}`);
      }
      values.push(node);
      return;
    }
    if (!Array.isArray(node) && !ArrayBuffer.isView(node)) {
      throw argumentError(`expected sequence of length ${shape[dim]} at dim ${dim} (got a scalar)`);
    }
    const arr = node as ArrayLike<unknown>;
    if (arr.length !== shape[dim]) {
      throw argumentError(`expected sequence of length ${shape[dim]} at dim ${dim} (got ${arr.length})`);
    }
    for (let i = 0; i < arr.length; i++) walk(arr[i], dim + 1);
  };
  walk(data, 0);
  return { shape, values };
}

/**
 * Whether a JS number counts as a Python int literal: a whole number in
 * int64's range, and not -0 (Python writes that `-0.0`). The engine's
 * `scalar::is_int_literal` applies the same rule to scalars, `full` and `arange`.
 */
export function isIntLiteral(value: number): boolean {
  return Number.isInteger(value) && Math.abs(value) < 9.2e18 && !Object.is(value, -0);
}

function fromTyped(data: TypedArray, source: DTypeName, shape: number[], opts: TensorOptions): Tensor {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Tensor(native.fromBytes(bytes, shape, source, dtypeName(opts.dtype), deviceString(opts.device)));
}

/**
 * `torch.tensor(data, { dtype, device, requiresGrad })`: copies nested arrays,
 * typed arrays or a scalar, inferring the dtype as Python does from its
 * literals. The rule (the same in `full`, `arange` and scalars in ops): a JS
 * number that is an integer counts as a Python int, any other number as a
 * Python float; a bigint is an int, a boolean a bool. So all-integer data is
 * int64, data with any fraction (or NaN/Infinity, or -0) is float32, booleans
 * alone are bool. JavaScript cannot tell 1 from 1.0: pass `{ dtype:
 * torch.float32 }` for float data that may hold only whole numbers (pixel
 * values, counts, JSON input). Typed arrays keep their type: Float32Array →
 * float32, Float64Array → float64, Int32Array → int32, BigInt64Array → int64.
 *
 * @example
 * torch.tensor([[1, 2], [3, 4]])                      // int64, as in Python
 * torch.tensor([0.5, 2])                              // float32
 * torch.tensor([[1, 2], [3, 4]], { dtype: torch.float32 })
 */
export function tensor(data: NestedArray<number | boolean | bigint> | TypedArray | Tensor, opts: TensorOptions = {}): Tensor {
  if (data instanceof Tensor) return finish(data.detach().to({ dtype: opts.dtype ?? data.dtype, device: opts.device, copy: true }), opts);
  const typed = typedDType(data);
  if (typed) return finish(fromTyped(data as TypedArray, typed, [(data as TypedArray).length], opts), opts);
  const { shape, values } = flatten(data);
  let t: Tensor;
  if (values.length > 0 && values.every((v) => typeof v === 'boolean')) {
    t = fromTyped(Uint8Array.from(values as boolean[], Number), 'bool', shape, opts);
  } else if (values.length > 0 && values.every((v) => typeof v !== 'number' || isIntLiteral(v))) {
    // Python ints (integer numbers, bigints, booleans among them): int64.
    const ints = values.map((v) => BigInt(v));
    const outside = ints.find((v) => v < INT64_MIN || v > INT64_MAX);
    if (outside !== undefined) throw argumentError(`value cannot be converted to type int64 without overflow: ${outside}`);
    t = fromTyped(BigInt64Array.from(ints), 'int64', shape, opts);
  } else {
    // Numbers travel as float64 and are rounded once to the target dtype,
    // as Python converts its floats.
    const f64 = Float64Array.from(values, Number);
    t = fromTyped(f64, 'float64', shape, { ...opts, dtype: opts.dtype ?? 'float32' });
  }
  return finish(t, opts);
}

/** `torch.from_numpy`-style: wraps a typed array's values with a shape. */
export function fromTypedArray(data: TypedArray, shape: readonly number[] = [data.length], opts: TensorOptions = {}): Tensor {
  const source = typedDType(data);
  if (!source) throw argumentError(`unsupported array type ${inspect(data)}`);
  return finish(fromTyped(data, source, [...shape], opts), opts);
}

export function zeros(...args: SizeAndOptions): Tensor {
  const [shape, o] = splitOptions(args);
  return finish(new Tensor(native.zeros(shape, dtypeName(o.dtype), deviceString(o.device))), o);
}

export function ones(...args: SizeAndOptions): Tensor {
  const [shape, o] = splitOptions(args);
  return finish(new Tensor(native.ones(shape, dtypeName(o.dtype), deviceString(o.device))), o);
}

export function empty(...args: SizeAndOptions): Tensor {
  const [shape, o] = splitOptions(args);
  return finish(new Tensor(native.empty(shape, dtypeName(o.dtype), deviceString(o.device))), o);
}

/** `torch.full(size, fillValue)`: dtype inferred from the value like Python (int → int64, float → float32, bool → bool). */
export function full(size: number | readonly number[], fillValue: number | boolean, opts: TensorOptions = {}): Tensor {
  const shape = sizeArgs([size]);
  const dtype = dtypeName(opts.dtype) ?? (typeof fillValue === 'boolean' ? 'bool' : undefined);
  return finish(new Tensor(native.full(shape, +fillValue, dtype, deviceString(opts.device))), opts);
}

/** Uniform on [0, 1); after `manualSeed(n)` the same numbers as Python's `torch.rand`. */
export function rand(...args: SizeAndOptions): Tensor {
  const [shape, o] = splitOptions(args);
  const generator = generatorArg('rand', (o as RandomOptions).generator);
  return finish(new Tensor(native.rand(shape, dtypeName(o.dtype), deviceString(o.device), generator)), o);
}

/** Standard normal; after `manualSeed(n)` the same numbers as Python's `torch.randn`. */
export function randn(...args: SizeAndOptions): Tensor {
  const [shape, o] = splitOptions(args);
  const generator = generatorArg('randn', (o as RandomOptions).generator);
  return finish(new Tensor(native.randn(shape, dtypeName(o.dtype), deviceString(o.device), generator)), o);
}

/** `torch.randint(low, high, size)` or `torch.randint(high, size)`; int64 by default. */
export function randint(lowOrHigh: number, highOrSize: number | readonly number[], sizeOrOpts?: readonly number[] | RandomOptions, maybeOpts: RandomOptions = {}): Tensor {
  let low = 0;
  let high: number;
  let size: readonly number[];
  let opts: RandomOptions;
  if (typeof highOrSize === 'number') {
    low = lowOrHigh;
    high = highOrSize;
    size = sizeOrOpts as readonly number[];
    opts = maybeOpts;
  } else {
    high = lowOrHigh;
    size = highOrSize;
    opts = (sizeOrOpts as RandomOptions | undefined) ?? {};
  }
  if (!Array.isArray(size)) throw argumentError('randint() missing required argument: size');
  const generator = generatorArg('randint', opts.generator);
  return finish(new Tensor(native.randint(checkInt('randint', 'low', low), checkInt('randint', 'high', high), sizeArgs([size]), dtypeName(opts.dtype), deviceString(opts.device), generator)), opts);
}

export function randperm(n: number, opts: RandomOptions = {}): Tensor {
  const generator = generatorArg('randperm', opts.generator);
  return finish(new Tensor(native.randperm(checkInt('randperm', 'n', n), dtypeName(opts.dtype), deviceString(opts.device), generator)), opts);
}

/**
 * `torch.multinomial(input, numSamples, replacement=False, generator=None)`:
 * indices drawn from the rows of `input` (non-negative weights), as int64.
 */
export function multinomial(input: Tensor, numSamples: number, opts: { replacement?: boolean; generator?: Generator | null } = {}): Tensor {
  const generator = generatorArg('multinomial', opts.generator);
  const replacement = checkOptionalBool('multinomial', 'replacement', opts.replacement) ?? false;
  return new Tensor(native.multinomial(expectTensor('multinomial', 'input', input)._n, checkInt('multinomial', 'num_samples', numSamples), replacement, generator));
}

/** `arange(end)`, `arange(start, end)`, `arange(start, end, step)`, each optionally followed by options. */
export function arange(...args: (number | TensorOptions)[]): Tensor {
  const last = args[args.length - 1];
  const opts = typeof last === 'object' && last !== null ? (args.pop() as TensorOptions) : {};
  const names = args.length === 1 ? ['end'] : ['start', 'end', 'step'];
  const nums = args.map((v, i) => checkNumber('arange', names[i] ?? `argument ${i}`, v));
  const [start, end, step] = nums.length === 1 ? [0, nums[0]!, 1] : nums.length === 2 ? [nums[0]!, nums[1]!, 1] : [nums[0]!, nums[1]!, nums[2]!];
  return finish(new Tensor(native.arange(start, end, step, dtypeName(opts.dtype), deviceString(opts.device))), opts);
}

export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  const [a, b] = [checkNumber('linspace', 'start', start), checkNumber('linspace', 'end', end)];
  return finish(new Tensor(native.linspace(a, b, checkInt('linspace', 'steps', steps), dtypeName(opts.dtype), deviceString(opts.device))), opts);
}

export function eye(n: number, m?: number | TensorOptions, opts: TensorOptions = {}): Tensor {
  if (typeof m === 'object' && m !== null) [m, opts] = [undefined, m];
  return finish(new Tensor(native.eye(checkInt('eye', 'n', n), checkOptionalInt('eye', 'm', m), dtypeName(opts.dtype), deviceString(opts.device))), opts);
}

function likeOptions(t: Tensor, opts: TensorOptions): TensorOptions {
  return { dtype: opts.dtype ?? t.dtype, device: opts.device ?? t.device, requiresGrad: opts.requiresGrad };
}

export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return zeros(t.shape, likeOptions(t, opts));
}

export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return ones(t.shape, likeOptions(t, opts));
}

export function fullLike(t: Tensor, value: number | boolean, opts: TensorOptions = {}): Tensor {
  return full(t.shape, value, likeOptions(t, opts));
}

export function randLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return rand(t.shape, likeOptions(t, opts));
}

export function randnLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return randn(t.shape, likeOptions(t, opts));
}

export { DType };
