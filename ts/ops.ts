// Function forms of tensor methods (torch.add(a, b), torch.max(t, 1), …),
// plus the ops that only exist as functions (cat, stack, where).
import { native } from './native';
import { argumentError } from './errors';
import { expectTensor, Tensor, type TensorOrScalar, type ReduceOptions } from './tensor';
import { describe, dimArg, strictArity } from './validate';
import type { DTypeLike } from './dtype';

function handles(op: string, tensors: readonly Tensor[]) {
  if (!Array.isArray(tensors)) throw argumentError(`${op}(): argument 'tensors' must be a list of Tensors, not ${describe(tensors)}`);
  const bad = tensors.findIndex((t) => !(t instanceof Tensor));
  if (bad >= 0) throw argumentError(`${op}(): expected Tensor as element ${bad} in argument 'tensors', but got ${describe(tensors[bad])}`);
  return tensors.map((t) => t._n);
}

export const add = strictArity('add', 2, (a: Tensor, b: TensorOrScalar): Tensor => expectTensor('add', 'input', a).add(b));
export const sub = strictArity('sub', 2, (a: Tensor, b: TensorOrScalar): Tensor => expectTensor('sub', 'input', a).sub(b));
export const mul = strictArity('mul', 2, (a: Tensor, b: TensorOrScalar): Tensor => expectTensor('mul', 'input', a).mul(b));
export const div = strictArity('div', 2, (a: Tensor, b: TensorOrScalar): Tensor => expectTensor('div', 'input', a).div(b));
export const pow = strictArity('pow', 2, (a: Tensor, b: TensorOrScalar): Tensor => expectTensor('pow', 'input', a).pow(b));
export const remainder = strictArity('remainder', 2, (a: Tensor, b: TensorOrScalar): Tensor => expectTensor('remainder', 'input', a).remainder(b));
export const eq = strictArity('eq', 2, (a: Tensor, b: TensorOrScalar): Tensor => expectTensor('eq', 'input', a).eq(b));
export const ne = strictArity('ne', 2, (a: Tensor, b: TensorOrScalar): Tensor => expectTensor('ne', 'input', a).ne(b));
export const gt = strictArity('gt', 2, (a: Tensor, b: TensorOrScalar): Tensor => expectTensor('gt', 'input', a).gt(b));
export const lt = strictArity('lt', 2, (a: Tensor, b: TensorOrScalar): Tensor => expectTensor('lt', 'input', a).lt(b));
export const ge = strictArity('ge', 2, (a: Tensor, b: TensorOrScalar): Tensor => expectTensor('ge', 'input', a).ge(b));
export const le = strictArity('le', 2, (a: Tensor, b: TensorOrScalar): Tensor => expectTensor('le', 'input', a).le(b));
export const maximum = strictArity('maximum', 2, (a: Tensor, b: Tensor): Tensor => expectTensor('maximum', 'input', a).maximum(b));
export const minimum = strictArity('minimum', 2, (a: Tensor, b: Tensor): Tensor => expectTensor('minimum', 'input', a).minimum(b));
export const matmul = strictArity('matmul', 2, (a: Tensor, b: Tensor): Tensor => expectTensor('matmul', 'input', a).matmul(b));
export const mm = strictArity('mm', 2, (a: Tensor, b: Tensor): Tensor => expectTensor('mm', 'input', a).mm(b));
export const neg = strictArity('neg', 1, (t: Tensor): Tensor => expectTensor('neg', 'input', t).neg());
export const abs = strictArity('abs', 1, (t: Tensor): Tensor => expectTensor('abs', 'input', t).abs());
export const exp = strictArity('exp', 1, (t: Tensor): Tensor => expectTensor('exp', 'input', t).exp());
export const log = strictArity('log', 1, (t: Tensor): Tensor => expectTensor('log', 'input', t).log());
export const sqrt = strictArity('sqrt', 1, (t: Tensor): Tensor => expectTensor('sqrt', 'input', t).sqrt());
export const square = strictArity('square', 1, (t: Tensor): Tensor => expectTensor('square', 'input', t).square());
export const sin = strictArity('sin', 1, (t: Tensor): Tensor => expectTensor('sin', 'input', t).sin());
export const cos = strictArity('cos', 1, (t: Tensor): Tensor => expectTensor('cos', 'input', t).cos());
export const sign = strictArity('sign', 1, (t: Tensor): Tensor => expectTensor('sign', 'input', t).sign());
export const floor = strictArity('floor', 1, (t: Tensor): Tensor => expectTensor('floor', 'input', t).floor());
export const ceil = strictArity('ceil', 1, (t: Tensor): Tensor => expectTensor('ceil', 'input', t).ceil());
export const round = strictArity('round', 1, (t: Tensor): Tensor => expectTensor('round', 'input', t).round());
export const reciprocal = strictArity('reciprocal', 1, (t: Tensor): Tensor => expectTensor('reciprocal', 'input', t).reciprocal());
export const logicalNot = strictArity('logicalNot', 1, (t: Tensor): Tensor => expectTensor('logical_not', 'input', t).logicalNot());
export const logicalAnd = strictArity('logicalAnd', 2, (a: Tensor, b: Tensor): Tensor => expectTensor('logical_and', 'input', a).logicalAnd(b));
export const logicalOr = strictArity('logicalOr', 2, (a: Tensor, b: Tensor): Tensor => expectTensor('logical_or', 'input', a).logicalOr(b));
export const relu = strictArity('relu', 1, (t: Tensor): Tensor => expectTensor('relu', 'input', t).relu());
export const sigmoid = strictArity('sigmoid', 1, (t: Tensor): Tensor => expectTensor('sigmoid', 'input', t).sigmoid());
export const tanh = strictArity('tanh', 1, (t: Tensor): Tensor => expectTensor('tanh', 'input', t).tanh());
export const clamp = strictArity('clamp', 3, (t: Tensor, min?: number | null, max?: number | null): Tensor => expectTensor('clamp', 'input', t).clamp(min, max));
export const softmax = strictArity('softmax', 3, (t: Tensor, dim: number | { dim: number; dtype?: DTypeLike }, opts?: { dtype?: DTypeLike }): Tensor => expectTensor('softmax', 'input', t).softmax(dim, opts));
export const logSoftmax = strictArity('logSoftmax', 3, (t: Tensor, dim: number | { dim: number; dtype?: DTypeLike }, opts?: { dtype?: DTypeLike }): Tensor => expectTensor('log_softmax', 'input', t).logSoftmax(dim, opts));
export const sum = strictArity('sum', 3, (t: Tensor, dim?: number | number[] | null, opts?: ReduceOptions): Tensor => expectTensor('sum', 'input', t).sum(dim, opts));
export const mean = strictArity('mean', 3, (t: Tensor, dim?: number | number[] | null, opts?: ReduceOptions): Tensor => expectTensor('mean', 'input', t).mean(dim, opts));
export const argmax = strictArity('argmax', 3, (t: Tensor, dim?: number | null | { dim?: number | null; keepdim?: boolean }, opts?: { keepdim?: boolean }): Tensor => expectTensor('argmax', 'input', t).argmax(dim, opts));
export const argmin = strictArity('argmin', 3, (t: Tensor, dim?: number | null | { dim?: number | null; keepdim?: boolean }, opts?: { keepdim?: boolean }): Tensor => expectTensor('argmin', 'input', t).argmin(dim, opts));
export const reshape = strictArity('reshape', 2, (t: Tensor, shape: readonly number[]): Tensor => expectTensor('reshape', 'input', t).reshape(shape));
export const flatten = strictArity('flatten', 3, (t: Tensor, startDim = 0, endDim = -1): Tensor => expectTensor('flatten', 'input', t).flatten(startDim, endDim));
export const squeeze = strictArity('squeeze', 2, (t: Tensor, dim?: number): Tensor => expectTensor('squeeze', 'input', t).squeeze(dim));
export const unsqueeze = strictArity('unsqueeze', 2, (t: Tensor, dim: number): Tensor => expectTensor('unsqueeze', 'input', t).unsqueeze(dim));
export const transpose = strictArity('transpose', 3, (t: Tensor, dim0: number, dim1: number): Tensor => expectTensor('transpose', 'input', t).transpose(dim0, dim1));
export const permute = strictArity('permute', 2, (t: Tensor, dims: readonly number[]): Tensor => expectTensor('permute', 'input', t).permute(dims));
export const indexSelect = strictArity('indexSelect', 3, (t: Tensor, dim: number, index: Tensor): Tensor => expectTensor('index_select', 'input', t).indexSelect(dim, index));
export const maskedSelect = strictArity('maskedSelect', 2, (t: Tensor, mask: Tensor): Tensor => expectTensor('masked_select', 'input', t).maskedSelect(mask));
export const isnan = strictArity('isnan', 1, (t: Tensor): Tensor => expectTensor('isnan', 'input', t).isnan());
export const isfinite = strictArity('isfinite', 1, (t: Tensor): Tensor => expectTensor('isfinite', 'input', t).isfinite());
export const nonzero = strictArity('nonzero', 1, (t: Tensor): Tensor => expectTensor('nonzero', 'input', t).nonzero());
export const all = strictArity('all', 1, (t: Tensor): Tensor => expectTensor('all', 'input', t).all());
export const any = strictArity('any', 1, (t: Tensor): Tensor => expectTensor('any', 'input', t).any());
export const clone = strictArity('clone', 1, (t: Tensor): Tensor => expectTensor('clone', 'input', t).clone());
export const detach = strictArity('detach', 1, (t: Tensor): Tensor => expectTensor('detach', 'input', t).detach());
export const numel = strictArity('numel', 1, (t: Tensor): number => expectTensor('numel', 'input', t).numel());
export const t = strictArity('t', 1, (input: Tensor): Tensor => expectTensor('t', 'input', input).t());
export const select = strictArity('select', 3, (t: Tensor, dim: number, index: number): Tensor => expectTensor('select', 'input', t).select(dim, index));
export const narrow = strictArity('narrow', 4, (t: Tensor, dim: number, start: number, length: number): Tensor => expectTensor('narrow', 'input', t).narrow(dim, start, length));
export const gather = strictArity('gather', 3, (t: Tensor, dim: number, index: Tensor): Tensor => expectTensor('gather', 'input', t).gather(dim, index));
export const maskedFill = strictArity('maskedFill', 3, (t: Tensor, mask: Tensor, value: number): Tensor => expectTensor('masked_fill', 'input', t).maskedFill(mask, value));
export const equal = strictArity('equal', 2, (a: Tensor, b: Tensor): boolean => expectTensor('equal', 'input', a).equal(b));
export const allclose = strictArity('allclose', 3, (a: Tensor, b: Tensor, opts?: { rtol?: number; atol?: number; equalNan?: boolean }): boolean => expectTensor('allclose', 'input', a).allclose(b, opts));

/** `torch.max(t)`, `torch.max(t, dim)` → `[values, indices]`, `torch.max(a, b)` → elementwise. */
export function max(t: Tensor): Tensor;
export function max(t: Tensor, dim: number, opts?: { keepdim?: boolean }): [Tensor, Tensor];
export function max(t: Tensor, other: Tensor): Tensor;
export function max(t: Tensor, dimOrOther?: number | Tensor, opts?: { keepdim?: boolean }): Tensor | [Tensor, Tensor] {
  expectTensor('max', 'input', t);
  if (dimOrOther === undefined) return t.max();
  if (dimOrOther instanceof Tensor) return t.max(dimOrOther);
  return t.max(dimOrOther, opts);
}

export function min(t: Tensor): Tensor;
export function min(t: Tensor, dim: number, opts?: { keepdim?: boolean }): [Tensor, Tensor];
export function min(t: Tensor, other: Tensor): Tensor;
export function min(t: Tensor, dimOrOther?: number | Tensor, opts?: { keepdim?: boolean }): Tensor | [Tensor, Tensor] {
  expectTensor('min', 'input', t);
  if (dimOrOther === undefined) return t.min();
  if (dimOrOther instanceof Tensor) return t.min(dimOrOther);
  return t.min(dimOrOther, opts);
}

/** Concatenates along an existing dimension. */
/** `torch.cat(tensors, dim)`; the dim also as Python's keyword, `{ dim: 1 }`. */
export function cat(tensors: readonly Tensor[], dim: number | { dim?: number } = 0): Tensor {
  return new Tensor(native.cat(handles('cat', tensors), dimArg('cat', dim, 0)));
}

export const concat = cat;

/** Stacks along a new dimension. */
export function stack(tensors: readonly Tensor[], dim: number | { dim?: number } = 0): Tensor {
  return new Tensor(native.stack(handles('stack', tensors), dimArg('stack', dim, 0)));
}

/** `torch.where(condition, x, y)`. */
export function where(condition: Tensor, x: Tensor, y: Tensor): Tensor {
  return expectTensor('where', 'input', x).where(condition, y);
}
