// Type checks for optimizer hyper-parameters. Values (ranges, PyTorch's
// messages) are the native config's `validate()` to check, once.
import { argumentError } from '../errors';
import { checkNumberOption, checkOptionalBool, describe } from '../validate';

/** Each named option must be a number. */
export function checkNumbers<H>(op: string, hyper: H, names: readonly (keyof H & string)[]): void {
  for (const name of names) checkNumberOption(op, name, hyper[name]);
}

/** Each named option must be a boolean. */
export function checkBools<H>(op: string, hyper: H, names: readonly (keyof H & string)[]): void {
  for (const name of names) checkOptionalBool(op, name, hyper[name]);
}

/** `betas` must be a pair of numbers, as PyTorch's tuple. */
export function checkBetas(op: string, betas: unknown): [number, number] {
  if (!Array.isArray(betas) || betas.length !== 2) throw argumentError(`betas must be a pair of numbers, got ${describe(betas)}`);
  betas.forEach((b: unknown, i) => checkNumberOption(op, `betas[${i}]`, b));
  return betas as [number, number];
}
