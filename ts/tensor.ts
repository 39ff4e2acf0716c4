// The Tensor: a thin TypeScript face over one native libtorch tensor, with
// PyTorch's method names, shapes, dtypes, printing and errors.
import { inspect } from 'node:util';
import { native, type NativeTensor } from './native';
import { DType, dtypeName, toDType, type DTypeLike } from './dtype';
import { Device, deviceString, type DeviceLike } from './device';
import { track } from './memory';
import { argumentError } from './errors';
import { formatTensor, type ReprDType } from './tensor_str';
import { parseIndex, type IndexItem } from './indexing';
import { callOp, type Overload } from './generated/call';
import { checkBool, checkInt, checkNumber, checkOptionalBool, checkOptionalInt, checkOptions, describe, dimArg, isOptionsObject } from './validate';
import { gradFnOf, type Node } from './autograd/graph';
import { registerTensorHook, type RemovableHandle } from './autograd/hooks';
import type { TensorHook } from './autograd/callbacks';
import { backward as autogradBackward, run as autogradRunBackward } from './autograd/functional';

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

// oxlint-disable-next-line typescript/no-unsafe-declaration-merging -- the generated methods (interface at the end) are installed on the prototype by ts/generated/methods.ts
export class Tensor {
  /** @internal the native handle; replaced in place by Module.to(). */
  _n: NativeTensor;

  /** @internal Wraps a native tensor; use torch.tensor()/zeros()/… to make one. */
  constructor(handle: NativeTensor) {
    this._n = handle;
    track(this);
  }

  // ---- metadata -----------------------------------------------------------

  /** The sizes, like Python's `t.shape` (a plain array). */
  get shape(): number[] {
    return native.shape(this._n);
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
    return toDType(native.dtype(this._n));
  }

  get device(): Device {
    return new Device(native.device(this._n));
  }

  get ndim(): number {
    return native.dim(this._n);
  }

  dim(): number {
    return native.dim(this._n);
  }

  numel(): number {
    return native.numel(this._n);
  }

  get isDisposed(): boolean {
    return native.isDisposed(this._n);
  }

  get isLeaf(): boolean {
    return native.isLeaf(this._n);
  }

  get requiresGrad(): boolean {
    return native.requiresGrad(this._n);
  }

  set requiresGrad(value: boolean) {
    native.setRequiresGrad(this._n, checkBool('requires_grad', 'requires_grad', value));
  }

  /** In-place `requires_grad_()`; returns this tensor. */
  requiresGrad_(value = true): this {
    native.setRequiresGrad(this._n, checkBool('requires_grad_', 'requires_grad', value));
    return this;
  }

  /** The gradient accumulated by backward(), or null. */
  get grad(): Tensor | null {
    const g = native.grad(this._n);
    return g ? new Tensor(g) : null;
  }

  set grad(value: null) {
    if (value !== null) throw argumentError('only `tensor.grad = null` is supported; use copy_() on the grad to change it');
    native.zeroGrad(this._n, true);
  }

  /** @internal zero_grad for optimizers and modules. */
  _zeroGrad(setToNone: boolean): void {
    native.zeroGrad(this._n, setToNone);
  }

  // ---- read-back ----------------------------------------------------------

  /**
   * The value of a one-element tensor as a JS number. A bool tensor gives 1
   * or 0 (Python gives True/False): one return type keeps `loss.item()`
   * usable in arithmetic without a cast, and 1/0 test true/false in `if`.
   */
  item(): number {
    return native.item(this._n);
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
    return viewBytes(native.data(this._n), dtype);
  }

  /** Nested JS arrays, like Python's `t.tolist()`: numbers, or booleans for bool tensors. */
  toArray(): NestedArray<number | boolean> {
    const flat = this.data();
    let values: ArrayLike<number | boolean>;
    if (flat instanceof BigInt64Array) values = Array.from(flat, Number);
    else if (native.dtype(this._n) === 'bool') values = Array.from(flat as Uint8Array, (v) => v !== 0);
    else values = flat;
    return nest(values, this.shape) as NestedArray<number | boolean>;
  }

  tolist(): NestedArray<number | boolean> {
    return this.toArray();
  }

  /** PyTorch's repr, character for character. */
  toString(): string {
    const dtype = native.dtype(this._n);
    const flat = this.data();
    const values = flat instanceof BigInt64Array ? flat : dtype === 'bool' ? Array.from(flat as Uint8Array, (v) => v !== 0) : (flat as ArrayLike<number>);
    return formatTensor({
      shape: this.shape,
      dtype: dtype as ReprDType,
      device: native.device(this._n),
      values,
      requiresGrad: this.requiresGrad,
      gradFn: native.gradFnName(this._n),
    });
  }

  [inspect.custom](): string {
    return this.isDisposed ? 'Tensor(disposed)' : this.toString();
  }

  // ---- memory -------------------------------------------------------------

  /** Frees the native memory now; any later use throws. */
  dispose(): void {
    native.dispose(this._n);
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
    return new Tensor(native.to(this._n, dtypeName(opts.dtype), deviceString(opts.device), checkOptionalBool('to', 'copy', opts.copy)));
  }

  float(): Tensor { return this.to({ dtype: 'float32' }); }
  double(): Tensor { return this.to({ dtype: 'float64' }); }
  half(): Tensor { return this.to({ dtype: 'float16' }); }
  long(): Tensor { return this.to({ dtype: 'int64' }); }
  int(): Tensor { return this.to({ dtype: 'int32' }); }
  bool(): Tensor { return this.to({ dtype: 'bool' }); }
  cpu(): Tensor { return this.to({ device: 'cpu' }); }
  cuda(index = 0): Tensor { return this.to({ device: `cuda:${index}` }); }

  clone(): Tensor { return new Tensor(native.clone(this._n)); }
  detach(): Tensor { return new Tensor(native.detach(this._n)); }
  contiguous(): Tensor { return new Tensor(native.contiguous(this._n)); }

  // ---- arithmetic (broadcasting; numbers act like Python scalars) ---------

  add(other: TensorOrScalar): Tensor {
    if (typeof other === 'boolean') return booleanOperand('add', this, other);
    return new Tensor(other instanceof Tensor ? native.add(this._n, other._n) : native.addScalar(this._n, scalarArg('add', other)));
  }
  sub(other: TensorOrScalar): Tensor {
    if (typeof other === 'boolean') return booleanOperand('sub', this, other);
    return new Tensor(other instanceof Tensor ? native.sub(this._n, other._n) : native.subScalar(this._n, scalarArg('sub', other)));
  }
  mul(other: TensorOrScalar): Tensor {
    if (typeof other === 'boolean') return booleanOperand('mul', this, other);
    return new Tensor(other instanceof Tensor ? native.mul(this._n, other._n) : native.mulScalar(this._n, scalarArg('mul', other)));
  }
  div(other: TensorOrScalar): Tensor {
    if (typeof other === 'boolean') return booleanOperand('div', this, other);
    return new Tensor(other instanceof Tensor ? native.div(this._n, other._n) : native.divScalar(this._n, scalarArg('div', other)));
  }
  pow(exponent: TensorOrScalar): Tensor {
    return new Tensor(exponent instanceof Tensor ? native.pow(this._n, exponent._n) : native.powScalar(this._n, scalarArg('pow', exponent, 'exponent')));
  }
  remainder(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? native.remainder(this._n, other._n) : native.remainderScalar(this._n, scalarArg('remainder', other)));
  }
  eq(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? native.eq(this._n, other._n) : native.eqScalar(this._n, scalarArg('eq', other)));
  }
  ne(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? native.ne(this._n, other._n) : native.neScalar(this._n, scalarArg('ne', other)));
  }
  gt(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? native.gt(this._n, other._n) : native.gtScalar(this._n, scalarArg('gt', other)));
  }
  lt(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? native.lt(this._n, other._n) : native.ltScalar(this._n, scalarArg('lt', other)));
  }
  ge(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? native.ge(this._n, other._n) : native.geScalar(this._n, scalarArg('ge', other)));
  }
  le(other: TensorOrScalar): Tensor {
    return new Tensor(other instanceof Tensor ? native.le(this._n, other._n) : native.leScalar(this._n, scalarArg('le', other)));
  }
  maximum(other: Tensor): Tensor { return new Tensor(native.maximum(this._n, tensorArg('maximum', 'other', other))); }
  minimum(other: Tensor): Tensor { return new Tensor(native.minimum(this._n, tensorArg('minimum', 'other', other))); }
  logicalAnd(other: Tensor): Tensor { return new Tensor(native.logicalAnd(this._n, tensorArg('logical_and', 'other', other))); }
  logicalOr(other: Tensor): Tensor { return new Tensor(native.logicalOr(this._n, tensorArg('logical_or', 'other', other))); }
  logicalNot(): Tensor { return new Tensor(native.logicalNot(this._n)); }
  matmul(other: Tensor): Tensor { return new Tensor(native.matmul(this._n, tensorArg('matmul', 'other', other))); }
  mm(other: Tensor): Tensor { return new Tensor(native.mm(this._n, tensorArg('mm', 'mat2', other))); }

  neg(): Tensor { return new Tensor(native.neg(this._n)); }
  abs(): Tensor { return new Tensor(native.abs(this._n)); }
  exp(): Tensor { return new Tensor(native.exp(this._n)); }
  log(): Tensor { return new Tensor(native.log(this._n)); }
  sqrt(): Tensor { return new Tensor(native.sqrt(this._n)); }
  square(): Tensor { return new Tensor(native.square(this._n)); }
  reciprocal(): Tensor { return new Tensor(native.reciprocal(this._n)); }
  sign(): Tensor { return new Tensor(native.sign(this._n)); }
  floor(): Tensor { return new Tensor(native.floor(this._n)); }
  ceil(): Tensor { return new Tensor(native.ceil(this._n)); }
  round(): Tensor { return new Tensor(native.round(this._n)); }
  sin(): Tensor { return new Tensor(native.sin(this._n)); }
  cos(): Tensor { return new Tensor(native.cos(this._n)); }
  relu(): Tensor { return new Tensor(native.relu(this._n)); }
  sigmoid(): Tensor { return new Tensor(native.sigmoid(this._n)); }
  tanh(): Tensor { return new Tensor(native.tanh(this._n)); }
  isnan(): Tensor { return new Tensor(native.isnan(this._n)); }
  isfinite(): Tensor { return new Tensor(native.isfinite(this._n)); }
  nonzero(): Tensor { return new Tensor(native.nonzero(this._n)); }

  clamp(min?: number | null, max?: number | null): Tensor {
    return new Tensor(native.clamp(this._n, min ?? undefined, max ?? undefined));
  }

  /** `t.softmax(dim)`, or with Python's keywords `t.softmax({ dim: 1, dtype })`. */
  softmax(dim: number | { dim: number; dtype?: DTypeLike }, opts: { dtype?: DTypeLike } = {}): Tensor {
    const dtype = isOptionsObject(dim) ? dim.dtype : opts.dtype;
    return new Tensor(native.softmax(this._n, dimArg('softmax', dim), dtypeName(dtype)));
  }
  logSoftmax(dim: number | { dim: number; dtype?: DTypeLike }, opts: { dtype?: DTypeLike } = {}): Tensor {
    const dtype = isOptionsObject(dim) ? dim.dtype : opts.dtype;
    return new Tensor(native.logSoftmax(this._n, dimArg('log_softmax', dim), dtypeName(dtype)));
  }

  // ---- reductions ---------------------------------------------------------

  /** `sum()`, `sum(dim)`, `sum([d0, d1], { keepdim })`. */
  sum(dim?: number | number[] | null, opts: ReduceOptions = {}): Tensor {
    opts = checkOptions('sum', opts);
    return new Tensor(native.sum(this._n, dimList('sum', dim), checkOptionalBool('sum', 'keepdim', opts.keepdim), dtypeName(opts.dtype)));
  }

  mean(dim?: number | number[] | null, opts: ReduceOptions = {}): Tensor {
    opts = checkOptions('mean', opts);
    return new Tensor(native.mean(this._n, dimList('mean', dim), checkOptionalBool('mean', 'keepdim', opts.keepdim), dtypeName(opts.dtype)));
  }

  /** `max()` → the largest element; `max(dim)` → `[values, indices]`; `max(other)` → elementwise maximum. */
  max(): Tensor;
  max(dim: number, opts?: { keepdim?: boolean }): [Tensor, Tensor];
  max(other: Tensor): Tensor;
  max(dimOrOther?: number | Tensor, opts: { keepdim?: boolean } = {}): Tensor | [Tensor, Tensor] {
    opts = checkOptions('max', opts);
    if (dimOrOther === undefined) return new Tensor(native.maxAll(this._n));
    if (dimOrOther instanceof Tensor) return this.maximum(dimOrOther);
    const [v, i] = native.maxDim(this._n, checkInt('max', 'dim', dimOrOther), checkOptionalBool('max', 'keepdim', opts.keepdim));
    return [new Tensor(v!), new Tensor(i!)];
  }

  min(): Tensor;
  min(dim: number, opts?: { keepdim?: boolean }): [Tensor, Tensor];
  min(other: Tensor): Tensor;
  min(dimOrOther?: number | Tensor, opts: { keepdim?: boolean } = {}): Tensor | [Tensor, Tensor] {
    opts = checkOptions('min', opts);
    if (dimOrOther === undefined) return new Tensor(native.minAll(this._n));
    if (dimOrOther instanceof Tensor) return this.minimum(dimOrOther);
    const [v, i] = native.minDim(this._n, checkInt('min', 'dim', dimOrOther), checkOptionalBool('min', 'keepdim', opts.keepdim));
    return [new Tensor(v!), new Tensor(i!)];
  }

  /** `t.argmax(dim, { keepdim })`, or with Python's keywords `t.argmax({ dim: 1, keepdim })`. */
  argmax(dim?: number | null | { dim?: number | null; keepdim?: boolean }, opts: { keepdim?: boolean } = {}): Tensor {
    if (isOptionsObject(dim)) [dim, opts] = [dim.dim, { keepdim: dim.keepdim }];
    opts = checkOptions('argmax', opts);
    return new Tensor(native.argmax(this._n, checkOptionalInt('argmax', 'dim', dim), checkOptionalBool('argmax', 'keepdim', opts.keepdim)));
  }
  argmin(dim?: number | null | { dim?: number | null; keepdim?: boolean }, opts: { keepdim?: boolean } = {}): Tensor {
    if (isOptionsObject(dim)) [dim, opts] = [dim.dim, { keepdim: dim.keepdim }];
    opts = checkOptions('argmin', opts);
    return new Tensor(native.argmin(this._n, checkOptionalInt('argmin', 'dim', dim), checkOptionalBool('argmin', 'keepdim', opts.keepdim)));
  }
  all(): Tensor { return new Tensor(native.all(this._n)); }
  any(): Tensor { return new Tensor(native.any(this._n)); }

  // ---- shape --------------------------------------------------------------

  reshape(...shape: (number | readonly number[])[]): Tensor { return new Tensor(native.reshape(this._n, sizeArgs(shape))); }
  view(...shape: (number | readonly number[])[]): Tensor { return new Tensor(native.view(this._n, sizeArgs(shape))); }
  expand(...shape: (number | readonly number[])[]): Tensor { return new Tensor(native.expand(this._n, sizeArgs(shape))); }
  permute(...dims: (number | readonly number[])[]): Tensor { return new Tensor(native.permute(this._n, dimArgs(dims))); }
  flatten(startDim = 0, endDim = -1): Tensor { return new Tensor(native.flatten(this._n, checkInt('flatten', 'start_dim', startDim), checkInt('flatten', 'end_dim', endDim))); }
  squeeze(dim?: number): Tensor { return new Tensor(native.squeeze(this._n, checkOptionalInt('squeeze', 'dim', dim))); }
  unsqueeze(dim: number): Tensor { return new Tensor(native.unsqueeze(this._n, checkInt('unsqueeze', 'dim', dim))); }
  transpose(dim0: number, dim1: number): Tensor { return new Tensor(native.transpose(this._n, checkInt('transpose', 'dim0', dim0), checkInt('transpose', 'dim1', dim1))); }
  t(): Tensor { return new Tensor(native.t(this._n)); }
  /** Python's `t.T`: the dims in reverse order (`t()` for a matrix). */
  get T(): Tensor {
    return this.permute(Array.from({ length: this.dim() }, (_, i) => this.dim() - 1 - i));
  }
  /** Python's `t.type()`: the type name, `torch.FloatTensor`; `t.type(dtype)` is `t.to(dtype)`. */
  type(): string;
  type(dtype: DTypeLike): Tensor;
  type(dtype?: DTypeLike): string | Tensor {
    if (dtype !== undefined) return this.to({ dtype });
    const name = TENSOR_TYPE_NAMES[this.dtype.name] ?? this.dtype.name;
    return `torch.${this.device.type === 'cuda' ? 'cuda.' : ''}${name}Tensor`;
  }

  // ---- indexing -----------------------------------------------------------

  /** `t[i]` along `dim` (the dimension is removed). */
  select(dim: number, index: number): Tensor { return new Tensor(native.select(this._n, checkInt('select', 'dim', dim), checkInt('select', 'index', index))); }
  /** Python's `t[start:end:step]` along `dim`; null/undefined ends mean the edges. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return new Tensor(native.slice(this._n, checkInt('slice', 'dim', dim), checkOptionalInt('slice', 'start', start), checkOptionalInt('slice', 'end', end), checkInt('slice', 'step', step)));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(native.narrow(this._n, checkInt('narrow', 'dim', dim), checkInt('narrow', 'start', start), checkInt('narrow', 'length', length)));
  }
  indexSelect(dim: number, index: Tensor): Tensor { return new Tensor(native.indexSelect(this._n, checkInt('index_select', 'dim', dim), tensorArg('index_select', 'index', index))); }
  /**
   * Python's `t[...]`, with PyTorch's rules for every mix of items: numbers,
   * slices as strings (`':'`, `'1:3'`, `'::2'`) or `Slice`s, `'...'`, `null`
   * (None, a new dim), booleans, index tensors (int64) and masks (bool), and
   * arrays of integers or booleans. Basic indexing returns a view.
   *
   * @example
   * t.index(':', 0)                 // t[:, 0]
   * t.index('...', null, '1:3')     // t[..., None, 1:3]
   * t.index(rows, cols)             // t[rows, cols]
   * t.index(t.gt(0))                // t[t > 0]
   */
  index(...indices: IndexItem<Tensor>[]): Tensor {
    // Python's t[()] is the whole tensor (libtorch refuses an empty list).
    const { kinds, values, tensors } = parseIndex('index', indices.length === 0 ? ['...'] : indices, isTensor, indexTensorFrom);
    return new Tensor(native.indexWith(this._n, kinds, values, tensors.map((t) => t?._n)));
  }

  /**
   * Python's `t[...] = value`: writes `value` (a number, or a tensor broadcast
   * to the indexed shape and cast to this dtype) through any index `index`
   * takes. Returns this tensor.
   *
   * @example
   * t.indexAssign_([':', 1], 0)     // t[:, 1] = 0
   * t.indexAssign_([t.lt(0)], 0)    // t[t < 0] = 0
   */
  indexAssign_(indices: readonly IndexItem<Tensor>[], value: Tensor | number | boolean): this {
    const { kinds, values, tensors } = parseIndex('indexAssign_', indices, isTensor, indexTensorFrom);
    const source = value instanceof Tensor ? value._n : native.full([], checkNumber('indexAssign_', 'value', value), this.dtype.name, deviceString(this.device));
    native.indexPutWith(this._n, kinds, values, tensors.map((t) => t?._n), source);
    return this;
  }

  maskedSelect(mask: Tensor): Tensor { return new Tensor(native.maskedSelect(this._n, tensorArg('masked_select', 'mask', mask))); }
  maskedFill(mask: Tensor, value: number): Tensor { return new Tensor(native.maskedFill(this._n, tensorArg('masked_fill', 'mask', mask), checkNumber('masked_fill', 'value', value))); }
  gather(dim: number, index: Tensor): Tensor { return new Tensor(native.gather(this._n, checkInt('gather', 'dim', dim), tensorArg('gather', 'index', index))); }
  /** `torch.where(condition, this, other)`. */
  where(condition: Tensor, other: Tensor): Tensor { return new Tensor(native.where(this._n, tensorArg('where', 'condition', condition), tensorArg('where', 'other', other))); }

  // ---- in place (trailing underscore, as in PyTorch) ------------------------

  zero_(): this { native.zero_(this._n); return this; }
  fill_(value: number | boolean): this { native.fill_(this._n, checkNumber('fill_', 'value', value)); return this; }
  copy_(src: Tensor): this { native.copy_(this._n, tensorArg('copy_', 'src', src)); return this; }
  /** `t.add_(other, { alpha })` is Python's `t.add_(other, alpha=…)`: `t += alpha * other`, other a tensor or a number. */
  add_(other: Tensor | number | boolean, opts?: { alpha?: number | boolean }): this {
    if (other instanceof Tensor && opts === undefined) native.add_(this._n, other._n);
    else callOp('Tensor.add_', ADD_INPLACE, this, opts === undefined ? [other] : [other, opts]);
    return this;
  }
  /** `t.mul_(other)`: other a number or a tensor (broadcast to t's shape). */
  mul_(other: Tensor | number | boolean): this {
    if (typeof other === 'number') native.mulScalar_(this._n, other);
    else callOp('Tensor.mul_', MUL_INPLACE, this, [other]);
    return this;
  }
  uniform_(from = 0, to = 1): this { native.uniform_(this._n, checkNumber('uniform_', 'from', from), checkNumber('uniform_', 'to', to)); return this; }
  normal_(mean = 0, std = 1): this { native.normal_(this._n, checkNumber('normal_', 'mean', mean), checkNumber('normal_', 'std', std)); return this; }

  // ---- autograd -------------------------------------------------------------

  /**
   * Accumulates gradients into the leaves (`torch.autograd.backward(this, …)`);
   * `gradient` is required for non-scalar tensors, `inputs` limits which tensors get `.grad`.
   */
  backward(gradient?: Tensor | null, opts: { retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor | Tensor[] } = {}): void {
    if (gradient !== undefined && gradient !== null) expectTensor('backward', 'gradient', gradient);
    checkOptions('backward', opts);
    if (opts.createGraph === undefined && opts.inputs === undefined) {
      // The common `loss.backward()`: straight to the engine.
      const retain = checkOptionalBool('backward', 'retainGraph', opts.retainGraph) ?? false;
      autogradRunBackward([this], [gradient ?? null], [], retain, false, true, true);
      return;
    }
    autogradBackward(this, { gradTensors: gradient ?? null, retainGraph: opts.retainGraph, createGraph: opts.createGraph, inputs: opts.inputs });
  }

  /** The autograd node that made this tensor (`grad_fn`), or null for leaves and tensors that need no gradient. */
  get gradFn(): Node | null {
    return gradFnOf(this);
  }

  /** Keeps `.grad` for this non-leaf tensor after backward (a no-op on leaves). */
  retainGrad(): void {
    native.retainGrad(this._n);
  }

  /** Whether backward will fill `.grad` of this non-leaf tensor (retainGrad was called). */
  get retainsGrad(): boolean {
    return native.retainsGrad(this._n);
  }

  /**
   * Calls `hook(grad)` whenever the gradient of this tensor is computed; a
   * returned tensor replaces the gradient. Runs on the JavaScript thread
   * during backward; `remove()` on the handle unregisters it.
   */
  registerHook(hook: TensorHook): RemovableHandle {
    return registerTensorHook(this, hook);
  }

  /** Whether this tensor was made in inference mode (`is_inference()`). */
  isInference(): boolean {
    return native.isInference(this._n);
  }

  equal(other: Tensor): boolean { return native.equal(this._n, tensorArg('equal', 'other', other)); }
  allclose(other: Tensor, opts: { rtol?: number; atol?: number; equalNan?: boolean } = {}): boolean {
    return native.allclose(this._n, tensorArg('allclose', 'other', other), opts.rtol, opts.atol, opts.equalNan);
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
import type { GeneratedTensorMethods } from './generated/methods';
export interface Tensor extends GeneratedTensorMethods {}

// The schemas of aten::add_.Tensor and aten::mul_.Tensor, for the forms
// the hand-written fast paths above do not take (a number, alpha).
const ADD_INPLACE: readonly Overload[] = [
  ['aten::add_', 'Tensor', 'ats', [['self', 'self', 'a', 0], ['other', 'other', 't', 0], ['alpha', 'alpha', 's', 3, 1]], 'a', 0],
];
const MUL_INPLACE: readonly Overload[] = [['aten::mul_', 'Tensor', 'at', [['self', 'self', 'a', 0], ['other', 'other', 't', 0]], 'a', 0]];

/**
 * `t.add(True)` and kin: Python wraps a bool as a bool tensor (bool + True
 * stays bool, `-` refuses it); the number fast paths would read it as 1.
 */
function booleanOperand(op: keyof typeof BINARY_SCHEMAS, t: Tensor, value: boolean): Tensor {
  return callOp(`Tensor.${op}`, BINARY_SCHEMAS[op], t, [value]) as Tensor;
}

/** aten::add/sub/mul/div.Tensor, for booleanOperand (built once, not per call). */
const withAlpha = (op: string): readonly Overload[] => [
  [`aten::${op}`, 'Tensor', 'tts', [['self', 'self', 't', 0], ['other', 'other', 't', 0], ['alpha', 'alpha', 's', 3, 1]], 't', 0],
];
const plain = (op: string): readonly Overload[] => [[`aten::${op}`, 'Tensor', 'tt', [['self', 'self', 't', 0], ['other', 'other', 't', 0]], 't', 0]];
const BINARY_SCHEMAS = { add: withAlpha('add'), sub: withAlpha('sub'), mul: plain('mul'), div: plain('div') };

/** Python's `torch.typename` of a tensor: `torch.FloatTensor`, `torch.cuda.LongTensor`. */
const TENSOR_TYPE_NAMES: Record<string, string> = {
  float32: 'Float', float64: 'Double', float16: 'Half', bfloat16: 'BFloat16', int8: 'Char',
  int16: 'Short', int32: 'Int', int64: 'Long', uint8: 'Byte', bool: 'Bool',
};

function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

/** A JS array inside an index, as Python's list: int64 indices or a bool mask. */
function indexTensorFrom(values: readonly number[] | readonly boolean[]): Tensor {
  const bools = values.length > 0 && typeof values[0] === 'boolean';
  const bytes = bools ? Uint8Array.from(values, Number) : BigInt64Array.from(values, (v: number | boolean) => BigInt(v));
  return new Tensor(native.fromBytes(new Uint8Array(bytes.buffer), [values.length], bools ? 'bool' : 'int64', undefined, undefined));
}
