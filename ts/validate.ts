// Argument checks at the public entry points: a bad argument throws a
// one-line TorchError naming the function and the argument, before it can
// reach napi (whose conversion messages name neither) or turn into NaN or 0.
import { argumentError } from './errors';

/** A bad value as a message shows it: short, on one line. */
export function describe(value: unknown): string {
  if (value === null || value === undefined || typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}…` : value)}`;
  if (typeof value === 'bigint') return `bigint ${value}n`;
  // A module is a function too (it is callable), but not a Function: name its class.
  if (typeof value === 'object' || (typeof value === 'function' && !(value instanceof Function))) return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/** An integer argument (dims, indices, sizes): NaN, 1.5 and '1' are refused, not truncated. */
export function checkInt(op: string, name: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw argumentError(`${op}(): argument '${name}' must be an integer, got ${describe(value)}`);
}

/**
 * A function form that refuses arguments past its last, which JavaScript
 * would drop silently (`torch.matmul(a, b, { out: y })` left y unchanged).
 */
export function strictArity<F extends (...args: never[]) => unknown>(op: string, max: number, fn: F): F {
  const checked = (...args: unknown[]): unknown => {
    if (args.length > max) {
      const last = args[args.length - 1];
      const out = isOptionsObject(last) && 'out' in last ? '; out= is not supported: use the returned tensor (or copy_ it into yours)' : '';
      throw argumentError(`${op}() takes at most ${max} arguments (${args.length} given)${out}`);
    }
    return (fn as unknown as (...a: unknown[]) => unknown)(...args);
  };
  return checked as unknown as F;
}

/** A plain `{ … }` object (or one made with `Object.create(null)`): Python's keyword arguments; an array or a class instance is not. */
export function isOptionsObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A `dim` given positionally or as Python's keyword (`torch.cat(ts, { dim: 1 })`):
 * the integer, `fallback` when neither says one.
 */
export function dimArg(op: string, value: unknown, fallback?: number): number {
  if (isOptionsObject(value)) {
    const dim = (value as { dim?: unknown }).dim;
    return dim === undefined && fallback !== undefined ? fallback : checkInt(op, 'dim', dim);
  }
  return checkInt(op, 'dim', value);
}

/** `checkInt` for an optional argument (undefined or null pass through as undefined). */
export function checkOptionalInt(op: string, name: string, value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : checkInt(op, name, value);
}

/** A number argument; booleans count as 0/1, as Python's do. */
export function checkNumber(op: string, name: string, value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return +value;
  throw argumentError(`${op}(): argument '${name}' must be a number, got ${describe(value)}`);
}

/** An optional boolean option such as `keepdim` or `requiresGrad`. */
export function checkOptionalBool(op: string, name: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw argumentError(`${op}(): '${name}' must be a boolean, got ${describe(value)}`);
}

/** A required boolean such as `requires_grad`: truthy strings are refused, not taken as true. */
export function checkBool(op: string, name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw argumentError(`${op}(): argument '${name}' must be a boolean, got ${describe(value)}`);
}

/** A hyper-parameter or option that must be a JS number (booleans refused too). */
export function checkNumberOption(op: string, name: string, value: unknown): number {
  if (typeof value === 'number') return value;
  throw argumentError(`${op}(): '${name}' must be a number, got ${describe(value)}`);
}

/** An options object (`{ keepdim }`, `{ shuffle, noise }`): undefined means none; anything but a plain object is refused. */
export function checkOptions<T extends object>(op: string, opts: T | undefined): T {
  if (opts === undefined) return {} as T;
  if (!isOptionsObject(opts)) throw argumentError(`${op}(): options must be an object, got ${describe(opts)}`);
  return opts;
}
