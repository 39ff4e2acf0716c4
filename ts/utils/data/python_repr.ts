// Values as PyTorch's error messages print them (Python's repr), so a
// message reads the same in both languages: `batch_size=0`, `drop_last=None`.
export function pyRepr(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  return (value as object).constructor?.name ?? typeof value;
}

/** Python's `type(x)` as `<class 'int'>`, for "found <class ...>" messages. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'function') return 'function';
  return (value as object).constructor?.name ?? 'object';
}
