// Scoped memory management, as tfjs does it: tensors made inside `tidy(fn)`
// are freed when it returns, except the ones it returns. Outside a scope,
// GC finalizers free native memory (V8 is told each tensor's size).
import { argumentError } from './errors';
import { describe } from './validate';

/** Anything whose native memory can be freed now. */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Disposable[][] = [];

/** Called for every new tensor: registers it with the innermost scope. */
export function track(t: Disposable): void {
  // Checked first: `scopes[-1]` is a string-keyed lookup that V8 sends to
  // its runtime, ~400 instructions on every tensor outside tidy().
  if (scopes.length !== 0) scopes[scopes.length - 1]!.push(t);
}

function collectKept(value: unknown, kept: Set<unknown>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8 || kept.has(value)) return;
  kept.add(value);
  if (Array.isArray(value)) value.forEach((v) => collectKept(v, kept, depth + 1));
  else if (value instanceof Map) value.forEach((v) => collectKept(v, kept, depth + 1));
  else if (Object.getPrototypeOf(value) === Object.prototype) Object.values(value).forEach((v) => collectKept(v, kept, depth + 1));
}

function closeScope(scope: Disposable[], result: unknown): void {
  const kept = new Set<unknown>();
  collectKept(result, kept);
  for (const t of scope) {
    if (kept.has(t)) {
      track(t); // survives into the enclosing scope
    } else if (!t.isDisposed) {
      t.dispose();
    }
  }
}

/**
 * Runs `fn` and frees every tensor created inside it, except those returned
 * (directly, or inside arrays, Maps and plain objects). Async functions are
 * not supported: the scope would close before they finish.
 *
 * @example
 * const y = torch.tidy(() => x.mul(2).add(1)); // the x.mul(2) temporary is freed
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw argumentError(`tidy(): expected a function, got ${describe(fn)}`);
  const scope: Disposable[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    closeScope(scope, undefined);
    throw err;
  }
  scopes.pop();
  if (result instanceof Promise) {
    closeScope(scope, undefined);
    throw new TypeError('tidy() cannot run an async function: the tensors it awaits would already be freed');
  }
  closeScope(scope, result);
  return result;
}

/** Frees the given tensors (and tensors inside arrays/objects) now. */
export function dispose(value: unknown): void {
  const all = new Set<unknown>();
  collectKept(value, all);
  for (const v of all) {
    if (v && typeof v === 'object' && 'dispose' in v && typeof (v as Disposable).dispose === 'function') {
      (v as Disposable).dispose();
    }
  }
}

/** Keeps a tensor alive past the enclosing tidy() scope. */
export function keep<T extends Disposable>(t: T): T {
  for (const scope of scopes) {
    const i = scope.indexOf(t);
    if (i >= 0) scope.splice(i, 1);
  }
  return t;
}
