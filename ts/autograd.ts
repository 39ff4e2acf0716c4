// Grad mode: torch.noGrad, torch.enableGrad, torch.setGradEnabled.
import { native } from './native';
import { argumentError } from './errors';
import { describe } from './validate';

/** A guard usable with `using`: restores the previous grad mode on dispose. */
export interface GradModeGuard {
  [Symbol.dispose](): void;
}

function guard(enabled: boolean): GradModeGuard {
  const previous = native.setGradEnabled(enabled);
  return { [Symbol.dispose]: () => void native.setGradEnabled(previous) };
}

function run<T>(enabled: boolean, fn: () => T): T {
  const previous = native.setGradEnabled(enabled);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

/**
 * `with torch.no_grad():` — runs `fn` without recording gradients; called
 * without a function it returns a guard for `using`.
 *
 * @example
 * const out = torch.noGrad(() => model.forward(x));
 * { using _ = torch.noGrad(); model.forward(x); }
 */
export function noGrad<T>(fn: () => T): T;
export function noGrad(): GradModeGuard;
export function noGrad<T>(fn?: () => T): T | GradModeGuard {
  if (fn !== undefined && typeof fn !== 'function') throw argumentError(`noGrad(): expected a function (or nothing, for a \`using\` guard), got ${describe(fn)}`);
  return fn ? run(false, fn) : guard(false);
}

/** `with torch.enable_grad():` — the reverse of noGrad. */
export function enableGrad<T>(fn: () => T): T;
export function enableGrad(): GradModeGuard;
export function enableGrad<T>(fn?: () => T): T | GradModeGuard {
  if (fn !== undefined && typeof fn !== 'function') throw argumentError(`enableGrad(): expected a function (or nothing, for a \`using\` guard), got ${describe(fn)}`);
  return fn ? run(true, fn) : guard(true);
}

export function setGradEnabled(enabled: boolean): void {
  if (typeof enabled !== 'boolean') throw argumentError(`setGradEnabled(): expected a boolean, got ${describe(enabled)}`);
  native.setGradEnabled(enabled);
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}
