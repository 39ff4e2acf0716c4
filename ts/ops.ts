// Function forms of tensor methods (torch.add(a, b), torch.max(t, 1), …),
// plus the ops that only exist as functions (cat, stack, where).
import { native } from './native';
import { argumentError } from './errors';
import { Tensor, type TensorOrScalar, type ReduceOptions } from './tensor';
import type { DTypeLike } from './dtype';

function handles(tensors: readonly Tensor[]) {
  if (!Array.isArray(tensors) || tensors.some((t) => !(t instanceof Tensor))) {
    throw argumentError('expected a list of Tensors');
  }
  return tensors.map((t) => t._n);
}

export const add = (a: Tensor, b: TensorOrScalar): Tensor => a.add(b);
export const sub = (a: Tensor, b: TensorOrScalar): Tensor => a.sub(b);
export const mul = (a: Tensor, b: TensorOrScalar): Tensor => a.mul(b);
export const div = (a: Tensor, b: TensorOrScalar): Tensor => a.div(b);
export const pow = (a: Tensor, b: TensorOrScalar): Tensor => a.pow(b);
export const remainder = (a: Tensor, b: TensorOrScalar): Tensor => a.remainder(b);
export const eq = (a: Tensor, b: TensorOrScalar): Tensor => a.eq(b);
export const ne = (a: Tensor, b: TensorOrScalar): Tensor => a.ne(b);
export const gt = (a: Tensor, b: TensorOrScalar): Tensor => a.gt(b);
export const lt = (a: Tensor, b: TensorOrScalar): Tensor => a.lt(b);
export const ge = (a: Tensor, b: TensorOrScalar): Tensor => a.ge(b);
export const le = (a: Tensor, b: TensorOrScalar): Tensor => a.le(b);
export const maximum = (a: Tensor, b: Tensor): Tensor => a.maximum(b);
export const minimum = (a: Tensor, b: Tensor): Tensor => a.minimum(b);
export const matmul = (a: Tensor, b: Tensor): Tensor => a.matmul(b);
export const mm = (a: Tensor, b: Tensor): Tensor => a.mm(b);
export const neg = (t: Tensor): Tensor => t.neg();
export const abs = (t: Tensor): Tensor => t.abs();
export const exp = (t: Tensor): Tensor => t.exp();
export const log = (t: Tensor): Tensor => t.log();
export const sqrt = (t: Tensor): Tensor => t.sqrt();
export const square = (t: Tensor): Tensor => t.square();
export const sin = (t: Tensor): Tensor => t.sin();
export const cos = (t: Tensor): Tensor => t.cos();
export const sign = (t: Tensor): Tensor => t.sign();
export const floor = (t: Tensor): Tensor => t.floor();
export const ceil = (t: Tensor): Tensor => t.ceil();
export const round = (t: Tensor): Tensor => t.round();
export const reciprocal = (t: Tensor): Tensor => t.reciprocal();
export const logicalNot = (t: Tensor): Tensor => t.logicalNot();
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => a.logicalAnd(b);
export const logicalOr = (a: Tensor, b: Tensor): Tensor => a.logicalOr(b);
export const relu = (t: Tensor): Tensor => t.relu();
export const sigmoid = (t: Tensor): Tensor => t.sigmoid();
export const tanh = (t: Tensor): Tensor => t.tanh();
export const clamp = (t: Tensor, min?: number | null, max?: number | null): Tensor => t.clamp(min, max);
export const softmax = (t: Tensor, dim: number, opts?: { dtype?: DTypeLike }): Tensor => t.softmax(dim, opts);
export const logSoftmax = (t: Tensor, dim: number, opts?: { dtype?: DTypeLike }): Tensor => t.logSoftmax(dim, opts);
export const sum = (t: Tensor, dim?: number | number[] | null, opts?: ReduceOptions): Tensor => t.sum(dim, opts);
export const mean = (t: Tensor, dim?: number | number[] | null, opts?: ReduceOptions): Tensor => t.mean(dim, opts);
export const argmax = (t: Tensor, dim?: number | null, opts?: { keepdim?: boolean }): Tensor => t.argmax(dim, opts);
export const argmin = (t: Tensor, dim?: number | null, opts?: { keepdim?: boolean }): Tensor => t.argmin(dim, opts);
export const reshape = (t: Tensor, shape: readonly number[]): Tensor => t.reshape(shape);
export const flatten = (t: Tensor, startDim = 0, endDim = -1): Tensor => t.flatten(startDim, endDim);
export const squeeze = (t: Tensor, dim?: number): Tensor => t.squeeze(dim);
export const unsqueeze = (t: Tensor, dim: number): Tensor => t.unsqueeze(dim);
export const transpose = (t: Tensor, dim0: number, dim1: number): Tensor => t.transpose(dim0, dim1);
export const permute = (t: Tensor, dims: readonly number[]): Tensor => t.permute(dims);
export const indexSelect = (t: Tensor, dim: number, index: Tensor): Tensor => t.indexSelect(dim, index);
export const maskedSelect = (t: Tensor, mask: Tensor): Tensor => t.maskedSelect(mask);
export const isnan = (t: Tensor): Tensor => t.isnan();
export const isfinite = (t: Tensor): Tensor => t.isfinite();
export const nonzero = (t: Tensor): Tensor => t.nonzero();
export const all = (t: Tensor): Tensor => t.all();
export const any = (t: Tensor): Tensor => t.any();
export const clone = (t: Tensor): Tensor => t.clone();
export const detach = (t: Tensor): Tensor => t.detach();
export const numel = (t: Tensor): number => t.numel();
export const t = (input: Tensor): Tensor => input.t();
export const select = (t: Tensor, dim: number, index: number): Tensor => t.select(dim, index);
export const narrow = (t: Tensor, dim: number, start: number, length: number): Tensor => t.narrow(dim, start, length);
export const gather = (t: Tensor, dim: number, index: Tensor): Tensor => t.gather(dim, index);
export const maskedFill = (t: Tensor, mask: Tensor, value: number): Tensor => t.maskedFill(mask, value);
export const equal = (a: Tensor, b: Tensor): boolean => a.equal(b);
export const allclose = (a: Tensor, b: Tensor, opts?: { rtol?: number; atol?: number; equalNan?: boolean }): boolean => a.allclose(b, opts);

/** `torch.max(t)`, `torch.max(t, dim)` → `[values, indices]`, `torch.max(a, b)` → elementwise. */
export function max(t: Tensor): Tensor;
export function max(t: Tensor, dim: number, opts?: { keepdim?: boolean }): [Tensor, Tensor];
export function max(t: Tensor, other: Tensor): Tensor;
export function max(t: Tensor, dimOrOther?: number | Tensor, opts?: { keepdim?: boolean }): Tensor | [Tensor, Tensor] {
  if (dimOrOther === undefined) return t.max();
  if (dimOrOther instanceof Tensor) return t.max(dimOrOther);
  return t.max(dimOrOther, opts);
}

export function min(t: Tensor): Tensor;
export function min(t: Tensor, dim: number, opts?: { keepdim?: boolean }): [Tensor, Tensor];
export function min(t: Tensor, other: Tensor): Tensor;
export function min(t: Tensor, dimOrOther?: number | Tensor, opts?: { keepdim?: boolean }): Tensor | [Tensor, Tensor] {
  if (dimOrOther === undefined) return t.min();
  if (dimOrOther instanceof Tensor) return t.min(dimOrOther);
  return t.min(dimOrOther, opts);
}

/** Concatenates along an existing dimension. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return new Tensor(native.cat(handles(tensors), dim));
}

export const concat = cat;

/** Stacks along a new dimension. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return new Tensor(native.stack(handles(tensors), dim));
}

/** `torch.where(condition, x, y)`. */
export function where(condition: Tensor, x: Tensor, y: Tensor): Tensor {
  return x.where(condition, y);
}
