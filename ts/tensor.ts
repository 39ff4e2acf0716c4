// The Tensor: a thin TypeScript face over one native libtorch tensor, with
// PyTorch's method names, shapes, dtypes, printing and errors.
import { inspect } from 'node:util';
import { native, type NativeTensor } from './native';
import { DType, dtypeName, toDType, type DTypeLike } from './dtype';
import { Device, deviceString, type DeviceLike } from './device';
import { track } from './memory';
import { argumentError, TorchError } from './errors';
import { formatTensor, type ReprDType } from './tensor_str';
import { checkBool, checkInt, checkNumber, checkOptionalBool, checkOptionalInt, checkOptions, describe } from './validate';

export type Scalar = number;
export type TensorOrScalar = Tensor | Scalar | boolean;
export type NestedArray<T> = T | NestedArray<T>[];
export type TypedArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | BigInt64Array;

export interface ToOptions {
  dtype?: DTypeLike;
  device?: DeviceLike;
  copy?: boolean;
}

export interface ReduceOptions {
  keepdim?: boolean;
  dtype?: DTypeLike;
}

/** Counts backward passes, so grads cleared with setToNone read as null until the next one. */
let backwardPasses = 0;

/** Sizes as PyTorch accepts them: `f([2, 3])` or `f(2, 3)`. */
export function sizeArgs(args: (number | readonly number[])[]): number[] {
  const sizes = args.length === 1 && Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[]);
  if (!Array.isArray(sizes)) throw argumentError(`size must be a sequence of integers, got ${describe(sizes)}`);
  sizes.forEach((s, i) => {
    if (!Number.isInteger(s)) throw argumentError(`size must be a sequence of integers, got ${describe(s)} at position ${i}`);
  });
  return [...sizes];
}

function dimArgs(args: (number | readonly number[])[]): number[] {
  return sizeArgs(args);
}

function viewBytes(bytes: Buffer, dtype: DType): TypedArray {
  // Copy into a fresh, aligned buffer: Buffer pools are not aligned for 8-byte views.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const b = copy.buffer;
  switch (dtype.name) {
    case 'float32': return new Float32Array(b);
    case 'float64': return new Float64Array(b);
    case 'int8': return new Int8Array(b);
    case 'int16': return new Int16Array(b);
    case 'int32': return new Int32Array(b);
    case 'int64': return new BigInt64Array(b);
    case 'uint8':
    case 'bool': return copy;
    default: throw argumentError(`no typed array for ${dtype}`);
  }
}

function nest(flat: ArrayLike<unknown>, shape: number[], offset = 0, dim = 0): unknown {
  if (shape.length === 0) return flat[0];
  const n = shape[dim]!;
  const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = dim === shape.length - 1 ? flat[offset + i] : nest(flat, shape, offset + i * stride, dim + 1);
  }
  return out;
}

export class Tensor {
  /** @internal the native handle; replaced in place by Module.to(). */
  _n: NativeTensor;
  /** @internal backward pass count at the last zeroGrad({ setToNone: true }). */
  _gradClearedAt = -1;

  /** @internal Wraps a native tensor; use torch.tensor()/zeros()/… to make one. */
  constructor(handle: NativeTensor) {
    this._n = handle;
    track(this);
  }

  // ---- metadata -----------------------------------------------------------

  /** The sizes, like Python's `t.shape` (a plain array). */
  get shape(): number[] {
    return this._n.shape;
  }

  /** `t.size()` is the shape; `t.size(d)` one dimension (negative d counts from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    const shape = this.shape;
    if (dim === undefined) return shape;
    const d = dim < 0 ? dim + shape.length : dim;
    if (d < 0 || d >= shape.length) {
      throw argumentError(`Dimension out of range (expected to be in range of [${-shape.length}, ${shape.length - 1}], but got ${dim})`);
    }
    return shape[d]!;
  }

  get dtype(): DType {
    return toDType(this._n.dtype);
  }

  get device(): Device {
    return new Device(this._n.device);
  }

  get ndim(): number {
    return this._n.dim;
  }

  dim(): number {
    return this._n.dim;
  }

  numel(): number {
    return this._n.numel;
  }

  get isDisposed(): boolean {
    return this._n.isDisposed;
  }

  get isLeaf(): boolean {
    return this._n.isLeaf();
  }

  get requiresGrad(): boolean {
    return this._n.requiresGrad;
  }

  set requiresGrad(value: boolean) {
    this._n.requiresGrad = checkBool('requires_grad', 'requires_grad', value);
  }

  /** In-place `requires_grad_()`; returns this tensor. */
  requiresGrad_(value = true): this {
    this._n.requiresGrad = checkBool('requires_grad_', 'requires_grad', value);
    return this;
  }

  /** The gradient accumulated by backward(), or null. */
  get grad(): Tensor | null {
    if (this._gradClearedAt === backwardPasses) return null;
    const g = this._n.grad;
    return g ? new Tensor(g) : null;
  }

  set grad(value: null) {
    if (value !== null) throw argumentError('only `tensor.grad = null` is supported; use copy_() on the grad to change it');
    this._n.zeroGrad();
    this._gradClearedAt = backwardPasses;
  }

  /** @internal zero_grad for optimizers and modules. */
  _zeroGrad(setToNone: boolean): void {
    this._checkNotBusy('zero the gradient of');
    this._n.zeroGrad();
    if (setToNone) this._gradClearedAt = backwardPasses;
  }

  // ---- read-back ----------------------------------------------------------

  /** The value of a one-element tensor as a JS number (or boolean). */
  item(): number | boolean {
    const v = this._n.item();
    return this._n.dtype === 'bool' ? v !== 0 : v;
  }

  /** A typed-array copy of the elements (row-major). float16/bfloat16 come back as Float32Array. */
  data(): TypedArray {
    const dtype = this.dtype;
    if (dtype.name === 'float16' || dtype.name === 'bfloat16') {
      const widened = this.float();
      try {
        return widened.data();
      } finally {
        widened.dispose();
      }
    }
    return viewBytes(this._n.data(), dtype);
  }

  /** Nested JS arrays, like Python's `t.tolist()`: numbers, or booleans for bool tensors. */
  toArray(): NestedArray<number | boolean> {
    const flat = this.data();
    let values: ArrayLike<number | boolean>;
    if (flat instanceof BigInt64Array) values = Array.from(flat, Number);
    else if (this._n.dtype === 'bool') values = Array.from(flat as Uint8Array, (v) => v !== 0);
    else values = flat;
    return nest(values, this.shape) as NestedArray<number | boolean>;
  }

  tolist(): NestedArray<number | boolean> {
    return this.toArray();
  }

  /** PyTorch's repr, character for character. */
  toString(): string {
    const dtype = this._n.dtype;
    const flat = this.data();
    const values = flat instanceof BigInt64Array ? flat : dtype === 'bool' ? Array.from(flat as Uint8Array, (v) => v !== 0) : (flat as ArrayLike<number>);
    return formatTensor({
      shape: this.shape,
      dtype: dtype as ReprDType,
      device: this._n.device,
      values,
      requiresGrad: this.requiresGrad,
      gradFn: this._n.gradFnName(),
    });
  }

  [inspect.custom](): string {
    return this.isDisposed ? 'Tensor(disposed)' : this.toString();
  }

  // ---- memory -------------------------------------------------------------

  /** Frees the native memory now; any later use throws. */
  dispose(): void {
    this._checkNotBusy('dispose');
    this._n.dispose();
  }

  /** @internal the busy error for `&mut` native methods, which napi-rs refuses while a background task holds them. */
  _checkNotBusy(what: string): void {
    if (this._n.isBusy) throw new TorchError(`cannot ${what} a tensor that a background task (fitAsync) is using; await it or abort it first`, 'INVALID_ARGUMENT');
    if (this._n.isReadLocked) throw new TorchError(`cannot ${what} a tensor that a background task (forwardAsync) is reading; await it first`, 'INVALID_ARGUMENT');
  }

  [Symbol.dispose](): void {
    if (!this.isDisposed) this.dispose();
  }

  // ---- conversion ---------------------------------------------------------

  /** `t.to(dtype)`, `t.to(device)`, or `t.to({ dtype, device, copy })`. */
  to(target: DTypeLike | DeviceLike | ToOptions): Tensor {
    let opts: ToOptions;
    if (target instanceof DType) opts = { dtype: target };
    else if (target instanceof Device) opts = { device: target };
    else if (typeof target === 'string') opts = target in DType.all ? { dtype: target as DTypeLike } : { device: target };
    else opts = checkOptions('to', target as ToOptions);
    return new Tensor(this._n.to(dtypeName(opts.dtype), deviceString(opts.device), checkOptionalBool('to', 'copy', opts.copy)));
  }

  float(): Tensor { return this.to({ dtype: 'float32' }); }
  double(): Tensor { return this.to({ dtype: 'float64' }); }
  half(): Tensor { return this.to({ dtype: 'float16' }); }
  long(): Tensor { return this.to({ dtype: 'int64' }); }
  int(): Tensor { return this.to({ dtype: 'int32' }); }
  bool(): Tensor { return this.to({ dtype: 'bool' }); }
  cpu(): Tensor { return this.to({ device: 'cpu' }); }
  cuda(index = 0): Tensor { return this.to({ device: `cuda:${index}` }); }

  clone(): Tensor { return new Tensor(this._n.clone()); }
  detach(): Tensor { return new Tensor(this._n.detach()); }
  contiguous(): Tensor { return new Tensor(this._n.contiguous()); }

  // ---- arithmetic (broadcasting; numbers act like Python scalars) ---------

  add(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? this._n.add(other._n) : this._n.addScalar(scalarArg('add', other)));
  }
  sub(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? this._n.sub(other._n) : this._n.subScalar(scalarArg('sub', other)));
  }
  mul(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? this._n.mul(other._n) : this._n.mulScalar(scalarArg('mul', other)));
  }
  div(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? this._n.div(other._n) : this._n.divScalar(scalarArg('div', other)));
  }
  pow(exponent: TensorOrScalar): Tensor {
    return new Tensor(exponent instanceof Tensor ? this._n.pow(exponent._n) : this._n.powScalar(scalarArg('pow', exponent, 'exponent')));
  }
  remainder(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? this._n.remainder(other._n) : this._n.remainderScalar(scalarArg('remainder', other)));
  }
  eq(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? this._n.eq(other._n) : this._n.eqScalar(scalarArg('eq', other)));
  }
  ne(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? this._n.ne(other._n) : this._n.neScalar(scalarArg('ne', other)));
  }
  gt(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? this._n.gt(other._n) : this._n.gtScalar(scalarArg('gt', other)));
  }
  lt(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? this._n.lt(other._n) : this._n.ltScalar(scalarArg('lt', other)));
  }
  ge(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? this._n.ge(other._n) : this._n.geScalar(scalarArg('ge', other)));
  }
  le(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? this._n.le(other._n) : this._n.leScalar(scalarArg('le', other)));
  }
  maximum(other: Tensor): Tensor { return new Tensor(this._n.maximum(tensorArg('maximum', 'other', other))); }
  minimum(other: Tensor): Tensor { return new Tensor(this._n.minimum(tensorArg('minimum', 'other', other))); }
  logicalAnd(other: Tensor): Tensor { return new Tensor(this._n.logicalAnd(tensorArg('logical_and', 'other', other))); }
  logicalOr(other: Tensor): Tensor { return new Tensor(this._n.logicalOr(tensorArg('logical_or', 'other', other))); }
  logicalNot(): Tensor { return new Tensor(this._n.logicalNot()); }
  matmul(other: Tensor): Tensor { return new Tensor(this._n.matmul(tensorArg('matmul', 'other', other))); }
  mm(other: Tensor): Tensor { return new Tensor(this._n.mm(tensorArg('mm', 'mat2', other))); }

  neg(): Tensor { return new Tensor(this._n.neg()); }
  abs(): Tensor { return new Tensor(this._n.abs()); }
  exp(): Tensor { return new Tensor(this._n.exp()); }
  log(): Tensor { return new Tensor(this._n.log()); }
  sqrt(): Tensor { return new Tensor(this._n.sqrt()); }
  square(): Tensor { return new Tensor(this._n.square()); }
  reciprocal(): Tensor { return new Tensor(this._n.reciprocal()); }
  sign(): Tensor { return new Tensor(this._n.sign()); }
  floor(): Tensor { return new Tensor(this._n.floor()); }
  ceil(): Tensor { return new Tensor(this._n.ceil()); }
  round(): Tensor { return new Tensor(this._n.round()); }
  sin(): Tensor { return new Tensor(this._n.sin()); }
  cos(): Tensor { return new Tensor(this._n.cos()); }
  relu(): Tensor { return new Tensor(this._n.relu()); }
  sigmoid(): Tensor { return new Tensor(this._n.sigmoid()); }
  tanh(): Tensor { return new Tensor(this._n.tanh()); }
  isnan(): Tensor { return new Tensor(this._n.isnan()); }
  isfinite(): Tensor { return new Tensor(this._n.isfinite()); }
  nonzero(): Tensor { return new Tensor(this._n.nonzero()); }

  clamp(min?: number | null, max?: number | null): Tensor {
    return new Tensor(this._n.clamp(min ?? undefined, max ?? undefined));
  }

  softmax(dim: number, opts: { dtype?: DTypeLike } = {}): Tensor {
    return new Tensor(this._n.softmax(checkInt('softmax', 'dim', dim), dtypeName(opts.dtype)));
  }
  logSoftmax(dim: number, opts: { dtype?: DTypeLike } = {}): Tensor {
    return new Tensor(this._n.logSoftmax(checkInt('log_softmax', 'dim', dim), dtypeName(opts.dtype)));
  }

  // ---- reductions ---------------------------------------------------------

  /** `sum()`, `sum(dim)`, `sum([d0, d1], { keepdim })`. */
  sum(dim?: number | number[] | null, opts: ReduceOptions = {}): Tensor {
    opts = checkOptions('sum', opts);
    return new Tensor(this._n.sum(dimList('sum', dim), checkOptionalBool('sum', 'keepdim', opts.keepdim), dtypeName(opts.dtype)));
  }

  mean(dim?: number | number[] | null, opts: ReduceOptions = {}): Tensor {
    opts = checkOptions('mean', opts);
    return new Tensor(this._n.mean(dimList('mean', dim), checkOptionalBool('mean', 'keepdim', opts.keepdim), dtypeName(opts.dtype)));
  }

  /** `max()` → the largest element; `max(dim)` → `[values, indices]`; `max(other)` → elementwise maximum. */
  max(): Tensor;
  max(dim: number, opts?: { keepdim?: boolean }): [Tensor, Tensor];
  max(other: Tensor): Tensor;
  max(dimOrOther?: number | Tensor, opts: { keepdim?: boolean } = {}): Tensor | [Tensor, Tensor] {
    opts = checkOptions('max', opts);
    if (dimOrOther === undefined) return new Tensor(this._n.maxAll());
    if (dimOrOther instanceof Tensor) return this.maximum(dimOrOther);
    const [v, i] = this._n.maxDim(checkInt('max', 'dim', dimOrOther), checkOptionalBool('max', 'keepdim', opts.keepdim));
    return [new Tensor(v!), new Tensor(i!)];
  }

  min(): Tensor;
  min(dim: number, opts?: { keepdim?: boolean }): [Tensor, Tensor];
  min(other: Tensor): Tensor;
  min(dimOrOther?: number | Tensor, opts: { keepdim?: boolean } = {}): Tensor | [Tensor, Tensor] {
    opts = checkOptions('min', opts);
    if (dimOrOther === undefined) return new Tensor(this._n.minAll());
    if (dimOrOther instanceof Tensor) return this.minimum(dimOrOther);
    const [v, i] = this._n.minDim(checkInt('min', 'dim', dimOrOther), checkOptionalBool('min', 'keepdim', opts.keepdim));
    return [new Tensor(v!), new Tensor(i!)];
  }

  argmax(dim?: number | null, opts: { keepdim?: boolean } = {}): Tensor {
    opts = checkOptions('argmax', opts);
    return new Tensor(this._n.argmax(checkOptionalInt('argmax', 'dim', dim), checkOptionalBool('argmax', 'keepdim', opts.keepdim)));
  }
  argmin(dim?: number | null, opts: { keepdim?: boolean } = {}): Tensor {
    opts = checkOptions('argmin', opts);
    return new Tensor(this._n.argmin(checkOptionalInt('argmin', 'dim', dim), checkOptionalBool('argmin', 'keepdim', opts.keepdim)));
  }
  all(): Tensor { return new Tensor(this._n.all()); }
  any(): Tensor { return new Tensor(this._n.any()); }

  // ---- shape --------------------------------------------------------------

  reshape(...shape: (number | readonly number[])[]): Tensor { return new Tensor(this._n.reshape(sizeArgs(shape))); }
  view(...shape: (number | readonly number[])[]): Tensor { return new Tensor(this._n.view(sizeArgs(shape))); }
  expand(...shape: (number | readonly number[])[]): Tensor { return new Tensor(this._n.expand(sizeArgs(shape))); }
  permute(...dims: (number | readonly number[])[]): Tensor { return new Tensor(this._n.permute(dimArgs(dims))); }
  flatten(startDim = 0, endDim = -1): Tensor { return new Tensor(this._n.flatten(checkInt('flatten', 'start_dim', startDim), checkInt('flatten', 'end_dim', endDim))); }
  squeeze(dim?: number): Tensor { return new Tensor(this._n.squeeze(checkOptionalInt('squeeze', 'dim', dim))); }
  unsqueeze(dim: number): Tensor { return new Tensor(this._n.unsqueeze(checkInt('unsqueeze', 'dim', dim))); }
  transpose(dim0: number, dim1: number): Tensor { return new Tensor(this._n.transpose(checkInt('transpose', 'dim0', dim0), checkInt('transpose', 'dim1', dim1))); }
  t(): Tensor { return new Tensor(this._n.t()); }

  // ---- indexing -----------------------------------------------------------

  /** `t[i]` along `dim` (the dimension is removed). */
  select(dim: number, index: number): Tensor { return new Tensor(this._n.select(checkInt('select', 'dim', dim), checkInt('select', 'index', index))); }
  /** Python's `t[start:end:step]` along `dim`; null/undefined ends mean the edges. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return new Tensor(this._n.slice(checkInt('slice', 'dim', dim), checkOptionalInt('slice', 'start', start), checkOptionalInt('slice', 'end', end), checkInt('slice', 'step', step)));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(this._n.narrow(checkInt('narrow', 'dim', dim), checkInt('narrow', 'start', start), checkInt('narrow', 'length', length)));
  }
  indexSelect(dim: number, index: Tensor): Tensor { return new Tensor(this._n.indexSelect(checkInt('index_select', 'dim', dim), tensorArg('index_select', 'index', index))); }
  /** `t[mask]` (bool mask) or `t[indices]` (int64 indices into dim 0). */
  index(indices: Tensor): Tensor { return new Tensor(this._n.index(tensorArg('index', 'indices', indices))); }
  maskedSelect(mask: Tensor): Tensor { return new Tensor(this._n.maskedSelect(tensorArg('masked_select', 'mask', mask))); }
  maskedFill(mask: Tensor, value: number): Tensor { return new Tensor(this._n.maskedFill(tensorArg('masked_fill', 'mask', mask), checkNumber('masked_fill', 'value', value))); }
  gather(dim: number, index: Tensor): Tensor { return new Tensor(this._n.gather(checkInt('gather', 'dim', dim), tensorArg('gather', 'index', index))); }
  /** `torch.where(condition, this, other)`. */
  where(condition: Tensor, other: Tensor): Tensor { return new Tensor(this._n.where(tensorArg('where', 'condition', condition), tensorArg('where', 'other', other))); }

  // ---- in place (trailing underscore, as in PyTorch) ------------------------

  zero_(): this { this._checkNotBusy('modify'); this._n.zero_(); return this; }
  fill_(value: number | boolean): this { this._checkNotBusy('modify'); this._n.fill_(checkNumber('fill_', 'value', value)); return this; }
  copy_(src: Tensor): this { this._checkNotBusy('modify'); this._n.copy_(tensorArg('copy_', 'src', src)); return this; }
  add_(other: Tensor): this { this._checkNotBusy('modify'); this._n.add_(tensorArg('add_', 'other', other)); return this; }
  mul_(value: number): this { this._checkNotBusy('modify'); this._n.mulScalar_(checkNumber('mul_', 'other', value)); return this; }
  uniform_(from = 0, to = 1): this { this._checkNotBusy('modify'); this._n.uniform_(checkNumber('uniform_', 'from', from), checkNumber('uniform_', 'to', to)); return this; }
  normal_(mean = 0, std = 1): this { this._checkNotBusy('modify'); this._n.normal_(checkNumber('normal_', 'mean', mean), checkNumber('normal_', 'std', std)); return this; }

  // ---- autograd -------------------------------------------------------------

  /** Accumulates gradients into the leaves; `gradient` is required for non-scalar tensors. */
  backward(gradient?: Tensor | null, opts: { retainGraph?: boolean } = {}): void {
    if (gradient !== undefined && gradient !== null) expectTensor('backward', 'gradient', gradient);
    checkOptionalBool('backward', 'retainGraph', opts?.retainGraph);
    if (gradient) {
      const [given, own] = [gradient.shape, this.shape];
      if (given.join() !== own.join()) {
        throw argumentError(`Mismatch in shape: grad_output[0] has a shape of torch.Size([${given.join(', ')}]) and output[0] has a shape of torch.Size([${own.join(', ')}]).`);
      }
    }
    this._n.backward(gradient?._n, opts.retainGraph);
    backwardPasses++;
  }

  equal(other: Tensor): boolean { return this._n.equal(tensorArg('equal', 'other', other)); }
  allclose(other: Tensor, opts: { rtol?: number; atol?: number; equalNan?: boolean } = {}): boolean {
    return this._n.allclose(tensorArg('allclose', 'other', other), opts.rtol, opts.atol, opts.equalNan);
  }
}

/** A tensor argument, or PyTorch's "must be Tensor" error naming the function and argument. */
export function expectTensor(op: string, name: string, value: unknown): Tensor {
  if (value instanceof Tensor) return value;
  throw argumentError(`${op}(): argument '${name}' must be Tensor, not ${describe(value)}`);
}

/** The native handle of a tensor argument (see `expectTensor`). */
export function tensorArg(op: string, name: string, value: unknown): NativeTensor {
  return expectTensor(op, name, value)._n;
}

/** The number in `t.add(2)`; strings and the like are refused instead of becoming NaN. */
function scalarArg(op: string, value: unknown, name = 'other'): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return +value;
  throw argumentError(`${op}(): argument '${name}' must be Tensor or Number, not ${describe(value)}`);
}

/** `dim` of a reduction: one integer, a list of them, or nothing (all dims). */
function dimList(op: string, dim: unknown): number[] | undefined {
  if (dim === undefined || dim === null) return undefined;
  return (Array.isArray(dim) ? dim : [dim]).map((d) => checkInt(op, 'dim', d));
}
