// Numbers and tuples as Python prints them in a module's repr, so
// `String(layer)` reads as `repr(layer)` does: 1.0 not 1, 1e-05 not 1e-5,
// (3, 3) and (5,) for tuples, None for null.

/** Python's `repr(float(x))`: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const text = String(x);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** A size or size tuple as given: an int prints as an int, an array as a tuple. */
export function pySize(value: number | readonly (number | null)[]): string {
  return typeof value === 'number' ? String(value) : pyTuple(value);
}

/** A Python tuple: `(3, 3)`, `(5,)`, `(3, None)`. */
export function pyTuple(items: readonly (number | null)[]): string {
  const parts = items.map((v) => (v === null ? 'None' : String(v)));
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
}

export function pyBool(value: boolean): string {
  return value ? 'True' : 'False';
}
