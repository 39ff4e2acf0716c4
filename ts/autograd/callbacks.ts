// The JavaScript end of native autograd callbacks: custom Function nodes
// and tensor hook lists call one dispatcher, registered per thread, during
// backward. Entries are keyed by the native id and dropped once the native
// node or hook list has died (its destructor queues the id natively; it
// may run inside garbage collection, where JS cannot be touched).
import { native, type NativeTensor } from '../native';
import { Tensor } from '../tensor';
import { TorchError } from '../errors';

/** A custom Function node's backward: gradients of its outputs in, one gradient per forward argument out. */
export type BackwardCall = (grads: (Tensor | null)[]) => (NativeTensor | null)[];

/** A tensor hook (`t.registerHook(fn)`): may return a replacement gradient. */
export type TensorHook = (grad: Tensor) => Tensor | null | undefined | void;

export const functionNodes = new Map<number, BackwardCall>();
export const hookLists = new Map<number, Map<number, TensorHook>>();

/** Drops the entries of native nodes and hook lists that have died. */
export function sweepReleased(): void {
  // Ids are only queued for entries made here, so with none left there is
  // nothing to drain (and backward stays one native call).
  if (functionNodes.size === 0 && hookLists.size === 0) return;
  for (const id of native.autogradReleased()) {
    functionNodes.delete(id);
    hookLists.delete(id);
  }
}

function runHooks(key: number, grad: Tensor | null): (NativeTensor | null)[] {
  const hooks = hookLists.get(key);
  if (!hooks || grad === null) return [null];
  let value = grad;
  for (const hook of hooks.values()) {
    const result = hook(value);
    if (result === undefined || result === null) continue;
    if (!(result instanceof Tensor)) throw new TorchError(`expected Variable or None (got ${typeName(result)})`, 'TORCH_ERROR');
    native.checkHookResult(value._n, result._n, hook.name || '<anonymous>');
    value = result;
  }
  return [value === grad ? null : value._n];
}

/** Python's type name of a value, as its messages print it. */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

native.registerAutogradDispatcher((kind, id, values) => {
  const grads = values.map((v) => (v ? new Tensor(v) : null));
  if (kind === 1) return runHooks(id, grads[0] ?? null);
  const run = functionNodes.get(id);
  if (!run) throw new TorchError('this custom autograd Function was made on another thread (a worker) and cannot run its backward here', 'TORCH_ERROR');
  return run(grads);
});
