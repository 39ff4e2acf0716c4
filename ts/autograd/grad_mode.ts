// Grad mode: torch.noGrad, torch.enableGrad, torch.setGradEnabled, and
// torch.inferenceMode (c10::InferenceMode).
import { native } from '../native';
import { argumentError } from '../errors';
import { describe } from '../validate';

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

/** A guard usable with `using`: leaves inference mode (restores the previous mode) on dispose. */
export interface InferenceModeGuard {
  [Symbol.dispose](): void;
}

function inferenceGuard(mode: boolean): InferenceModeGuard {
  const handle = native.inferenceModeEnter(mode);
  return { [Symbol.dispose]: () => native.inferenceModeExit(handle) };
}

/**
 * `with torch.inference_mode(mode=True):` — like noGrad, and tensors made
 * inside are inference tensors: they never record autograd history and
 * cannot be saved for backward later ("Inference tensors cannot be saved
 * for backward…"). Runs `fn`, or without one returns a guard for `using`.
 *
 * @example
 * const out = torch.inferenceMode(() => model.forward(x));
 * { using _ = torch.inferenceMode(); model.forward(x); }
 */
export function inferenceMode<T>(fn: () => T): T;
export function inferenceMode<T>(mode: boolean, fn: () => T): T;
export function inferenceMode(mode?: boolean): InferenceModeGuard;
export function inferenceMode<T>(modeOrFn?: boolean | (() => T), maybeFn?: () => T): T | InferenceModeGuard {
  const mode = typeof modeOrFn === 'boolean' ? modeOrFn : true;
  const fn = typeof modeOrFn === 'boolean' ? maybeFn : modeOrFn;
  if (modeOrFn !== undefined && typeof modeOrFn !== 'boolean' && typeof modeOrFn !== 'function') {
    throw argumentError(`inferenceMode(): argument 'mode' must be bool, not ${describe(modeOrFn)}`);
  }
  if (fn !== undefined && typeof fn !== 'function') throw argumentError(`inferenceMode(): expected a function (or nothing, for a \`using\` guard), got ${describe(fn)}`);
  if (!fn) return inferenceGuard(mode);
  if (fn.constructor.name === 'AsyncFunction') throw argumentError('inferenceMode(): the function must be synchronous (the mode belongs to this thread and would leak into other work while it awaits)');
  const handle = native.inferenceModeEnter(mode);
  try {
    return fn();
  } finally {
    native.inferenceModeExit(handle);
  }
}

/** `torch.is_inference_mode_enabled()`. */
export function isInferenceModeEnabled(): boolean {
  return native.isInferenceModeEnabled();
}
