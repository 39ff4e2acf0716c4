// Tensor hooks (`t.registerHook(fn)`): `fn(grad)` runs when the tensor's
// gradient is computed and may return a replacement. Hooks are kept per
// tensor in registration order, as Python's `_backward_hooks` dict is, and
// run on the JavaScript thread during backward.
import { native } from '../native';
import { argumentError } from '../errors';
import { describe } from '../validate';
import type { Tensor } from '../tensor';
import { hookLists, sweepReleased, type TensorHook } from './callbacks';

let nextHandleId = 0;

/** What `registerHook` returns: `remove()` unregisters the hook (`torch.utils.hooks.RemovableHandle`). */
export class RemovableHandle {
  readonly id: number;
  readonly #remove: () => void;

  /** @internal */
  constructor(id: number, remove: () => void) {
    this.id = id;
    this.#remove = remove;
  }

  remove(): void {
    this.#remove();
  }

  [Symbol.dispose](): void {
    this.remove();
  }
}

export function registerTensorHook(t: Tensor, hook: TensorHook): RemovableHandle {
  if (typeof hook !== 'function') throw argumentError(`register_hook(): argument 'hook' must be a function, not ${describe(hook)}`);
  sweepReleased();
  const key = native.tensorHookKey(t._n);
  let hooks = hookLists.get(key);
  if (!hooks) hookLists.set(key, (hooks = new Map()));
  const id = nextHandleId++;
  const list = hooks;
  list.set(id, hook);
  return new RemovableHandle(id, () => void list.delete(id));
}
