// Forward hooks, as torch/nn/modules/module.py and torch/utils/hooks.py:
// callbacks `Module.call` runs around `forward`, in registration order, each
// removable through the handle its registration returned.
import type { Module } from './module';

/**
 * Runs before `forward` with the call's arguments. Returning nothing keeps
 * them; returning an array replaces them (Python's tuple), any other value
 * replaces them with that one argument.
 */
export type ForwardPreHook = (module: Module, args: unknown[]) => unknown;

/** Runs after `forward` with the (possibly replaced) arguments and the output; returning a value replaces the output. */
export type ForwardHook = (module: Module, args: unknown[], output: unknown) => unknown;

export interface HookOptions {
  /** Run before the hooks already registered instead of after them. @default false */
  prepend?: boolean;
}

/** PyTorch's `RemovableHandle.next_id`: ids count up across all modules. */
let nextId = 0;

/** An ordered set of hooks keyed by the id their handle holds. */
export class HookList<H> {
  private hooks = new Map<number, H>();

  get size(): number {
    return this.hooks.size;
  }

  add(hook: H, opts: HookOptions = {}): RemovableHandle {
    if (typeof hook !== 'function') throw new TypeError(`hook must be a function, got ${hook === null ? 'null' : typeof hook}`);
    const id = nextId++;
    if (opts.prepend) this.hooks = new Map([[id, hook], ...this.hooks]);
    else this.hooks.set(id, hook);
    return new RemovableHandle(id, this);
  }

  /** @internal */
  _remove(id: number): void {
    this.hooks.delete(id);
  }

  /** A snapshot: a hook that removes hooks while running does not disturb this call. */
  snapshot(): H[] {
    return [...this.hooks.values()];
  }
}

/** What a hook registration returns; `remove()` unregisters the hook (again: no-op). */
export class RemovableHandle {
  constructor(
    readonly id: number,
    private list: { _remove(id: number): void } | null,
  ) {}

  remove(): void {
    this.list?._remove(this.id);
    this.list = null;
  }

  [Symbol.dispose](): void {
    this.remove();
  }
}
