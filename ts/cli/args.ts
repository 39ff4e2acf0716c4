// Option values with clear errors: node:util's parseArgs splits the command
// line (and rejects unknown options); these check the strings it returns.
export class UsageError extends Error {
  override name = 'UsageError';
}

export function intOption(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be an integer >= ${min} (got '${raw}')`);
  return v;
}

export function numberOption(name: string, raw: string | undefined, fallback: number, check: (v: number) => boolean, what: string): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || !check(v)) throw new UsageError(`--${name} must be ${what} (got '${raw}')`);
  return v;
}

export function choiceOption<T extends string>(name: string, raw: string | undefined, choices: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be one of ${choices.join(', ')} (got '${raw}')`);
  return raw as T;
}

export function sizesOption(name: string, raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined) return fallback;
  if (raw.trim() === '') return [];
  const sizes = raw.split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new UsageError(`--${name} must be comma-separated positive integers like 8,4 (got '${raw}')`);
  return sizes;
}
