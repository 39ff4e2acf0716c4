import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  formatExponentPython,
  formatFixedPython,
  formatTensor,
  getPrintOptions,
  setPrintOptions,
  type PrintOptions,
  type ReprDType,
  type TensorReprInput,
} from '../ts/tensor_str';

/** One tensor as written by test/fixtures/repr_fixtures.py, with Python's repr(). */
interface ReprCase {
  name: string;
  shape: number[];
  dtype: ReprDType;
  device: string;
  requires_grad: boolean;
  grad_fn: string | null;
  values: Array<number | string | boolean>;
  repr: string;
  options?: Partial<PrintOptions> & { profile?: 'default' | 'short' | 'full' };
  expected_source?: string;
}

interface ReprFixtures {
  torch_version: string;
  cases: ReprCase[];
  numbers: Array<[number, string, string]>;
}

const fixtures: ReprFixtures = JSON.parse(
  readFileSync(new URL('./fixtures/repr.json', import.meta.url), 'utf8'),
);

/** Undoes the fixture's JSON encoding of non-finite floats. */
function decodeFloat(encoded: number | string | boolean): number {
  if (encoded === 'nan') return NaN;
  if (encoded === 'inf') return Infinity;
  if (encoded === '-inf') return -Infinity;
  return Number(encoded);
}

/** Values in the typed array the native layer would hand over for this dtype. */
function typedValues(c: ReprCase): TensorReprInput['values'] {
  switch (c.dtype) {
    case 'float32':
    case 'float64':
    case 'float16':
    case 'bfloat16':
      return Float64Array.from(c.values, decodeFloat);
    case 'int64':
      return BigInt64Array.from(c.values, (v) => BigInt(v as number | string));
    case 'int32':
      return Int32Array.from(c.values, Number);
    case 'int16':
      return Int16Array.from(c.values, Number);
    case 'int8':
      return Int8Array.from(c.values, Number);
    case 'uint8':
      return Uint8Array.from(c.values, Number);
    case 'bool':
      return c.values.map(Boolean);
  }
}

function toInput(c: ReprCase, values: TensorReprInput['values'] = typedValues(c)): TensorReprInput {
  return {
    shape: c.shape,
    dtype: c.dtype,
    device: c.device,
    values,
    requiresGrad: c.requires_grad,
    gradFn: c.grad_fn,
  };
}

/** Prints a case under its print options, restoring the defaults afterwards. */
function formatCase(c: ReprCase, values?: TensorReprInput['values']): string {
  if (c.options) setPrintOptions(c.options);
  try {
    return formatTensor(toInput(c, values));
  } finally {
    if (c.options) setPrintOptions({ profile: 'default' });
  }
}

const defaultCases = fixtures.cases.filter((c) => !c.options);
const optionCases = fixtures.cases.filter((c) => c.options);

afterEach(() => setPrintOptions({ profile: 'default' }));

describe(`formatTensor matches repr() of torch ${fixtures.torch_version}`, () => {
  it('has a substantial fixture set', () => {
    expect(defaultCases.length).toBeGreaterThan(150);
    expect(optionCases.length).toBeGreaterThan(25);
  });

  it.each(defaultCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(formatCase(c)).toBe(c.repr);
  });
});

describe('formatTensor under setPrintOptions matches torch.set_printoptions', () => {
  it.each(optionCases.map((c) => [`${c.name} ${JSON.stringify(c.options)}`, c] as const))('%s', (_name, c) => {
    expect(formatCase(c)).toBe(c.repr);
  });
});

describe('formatTensor accepts other value containers', () => {
  it('int64 as plain numbers where they are exact', () => {
    for (const c of fixtures.cases.filter((k) => k.dtype === 'int64')) {
      const numbers = c.values.map(Number);
      if (!numbers.every(Number.isSafeInteger)) continue;
      expect(formatCase(c, numbers)).toBe(c.repr);
    }
  });

  it('bool as 0/1 bytes', () => {
    for (const c of fixtures.cases.filter((k) => k.dtype === 'bool')) {
      expect(formatCase(c, Uint8Array.from(c.values, (v) => (v ? 1 : 0)))).toBe(c.repr);
    }
  });

  it('float32 as a Float32Array', () => {
    for (const c of fixtures.cases.filter((k) => k.dtype === 'float32')) {
      expect(formatCase(c, Float32Array.from(c.values, decodeFloat))).toBe(c.repr);
    }
  });

  it('rejects a value count that does not match the shape', () => {
    expect(() =>
      formatTensor({ shape: [2, 2], dtype: 'float32', device: 'cpu', values: [1, 2, 3], requiresGrad: false }),
    ).toThrow(RangeError);
  });
});

describe('Python number formatting helpers', () => {
  it.each(['.4f', '.4e', '.0f', '.0e', '.2f', '.2e', '.8e', '.10f'])("format(x, '%s')", (spec) => {
    const precision = Number(spec.slice(1, -1));
    const format = spec.endsWith('f') ? formatFixedPython : formatExponentPython;
    const mismatches = fixtures.numbers
      .filter(([, s]) => s === spec)
      .map(([value, , expected]) => ({ value, expected, actual: format(value, precision) }))
      .filter((m) => m.actual !== m.expected);
    expect(mismatches).toEqual([]);
  });

  it('rounds exact ties to even, unlike toFixed', () => {
    expect(formatFixedPython(0.03125, 4)).toBe('0.0312');
    expect((0.03125).toFixed(4)).toBe('0.0313');
    expect(formatFixedPython(2.5, 0)).toBe('2');
    expect(formatExponentPython(1.03125, 4)).toBe('1.0312e+00');
  });

  it('spells non-finite values and signed zero like Python', () => {
    expect(formatFixedPython(NaN, 4)).toBe('nan');
    expect(formatExponentPython(-Infinity, 4)).toBe('-inf');
    expect(formatFixedPython(-0, 4)).toBe('-0.0000');
    expect(formatExponentPython(-0, 2)).toBe('-0.00e+00');
    expect(formatExponentPython(1e-300, 1)).toBe('1.0e-300');
  });
});

describe('setPrintOptions semantics', () => {
  it('starts from PyTorch defaults', () => {
    expect(getPrintOptions()).toEqual({ precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null });
  });

  it('resets sciMode whenever it is not given, like torch.set_printoptions', () => {
    setPrintOptions({ sciMode: true });
    setPrintOptions({ precision: 2 });
    expect(getPrintOptions()).toMatchObject({ precision: 2, sciMode: null });
  });

  it('applies a profile, then explicit options over it', () => {
    setPrintOptions({ profile: 'short', precision: 6 });
    expect(getPrintOptions()).toMatchObject({ precision: 6, edgeitems: 2, threshold: 1000 });
    setPrintOptions({ profile: 'full' });
    expect(getPrintOptions()).toMatchObject({ precision: 4, threshold: Infinity, edgeitems: 3 });
    setPrintOptions({ profile: 'default' });
    expect(getPrintOptions().threshold).toBe(1000);
  });

  it('precision=2 and sciMode change the printed text', () => {
    const input: TensorReprInput = { shape: [2], dtype: 'float32', device: 'cpu', values: [1.125, 2], requiresGrad: false };
    expect(formatTensor(input)).toBe('tensor([1.1250, 2.0000])');
    setPrintOptions({ precision: 2 });
    expect(formatTensor(input)).toBe('tensor([1.12, 2.00])');
    setPrintOptions({ sciMode: true });
    expect(formatTensor(input)).toBe('tensor([1.12e+00, 2.00e+00])');
  });
});
