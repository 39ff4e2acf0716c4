/**
 * Tensor printing, ported from PyTorch 2.11's `torch/_tensor_str.py`.
 *
 * The goal is byte-for-byte agreement with Python's `repr(t)` / `str(t)` for
 * dense (strided) real and boolean tensors: the same element formatter
 * (`_Formatter`), the same summarization with `...` (`get_summarized_data`),
 * the same line wrapping (`_vector_str`), nesting (`_tensor_str_with_formatter`)
 * and the same suffix rules (`_str_intern`, `_add_suffixes`).
 *
 * Numbers are formatted with exact decimal expansion (BigInt) and
 * round-half-to-even, which is what Python's `'{:.4f}'` / `'{:.4e}'` do; the
 * built-in `toFixed` / `toExponential` round exact ties away from zero and
 * write exponents as `e+5` instead of `e+05`.
 *
 * A port rather than a library: PyTorch's format lives only in that Python
 * file, and no JS formatting package reproduces it.
 */
import { argumentError } from './errors';
import { describe } from './validate';

/** Element types that can be printed. float16/bfloat16 values arrive widened to JS numbers. */
export type ReprDType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int32'
  | 'int64'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** Everything `formatTensor` needs to know about a tensor. */
export interface TensorReprInput {
  /** Sizes, outermost first; `[]` for a 0-d tensor. */
  shape: number[];
  dtype: ReprDType;
  /** Device string as PyTorch writes it: `'cpu'`, `'cuda:0'`, `'mps:0'`. */
  device: string;
  /** Flat row-major (contiguous) elements; float16/bfloat16 already widened to numbers. */
  values: ArrayLike<number> | ArrayLike<bigint> | ArrayLike<boolean>;
  requiresGrad: boolean;
  /** Name of the autograd node that produced the tensor, e.g. `'AddBackward0'`. */
  gradFn?: string | null;
}

/** Mirrors `torch._tensor_str.PRINT_OPTS`. */
export interface PrintOptions {
  /** Digits after the decimal point (fixed) or of the mantissa (scientific). */
  precision: number;
  /** Tensors with more elements than this are summarized with `...`. */
  threshold: number;
  /** Items kept at each end of every summarized dimension. */
  edgeitems: number;
  /** Characters per line before rows wrap. */
  linewidth: number;
  /** Force (`true`) or forbid (`false`) scientific notation; `null` lets the formatter choose. */
  sciMode: boolean | null;
}

const DEFAULT_PRINT_OPTIONS: Readonly<PrintOptions> = {
  precision: 4,
  threshold: 1000,
  edgeitems: 3,
  linewidth: 80,
  sciMode: null,
};

const PRINT_OPTS: PrintOptions = { ...DEFAULT_PRINT_OPTIONS };

/** torchts, like PyTorch out of the box, uses float32 as its default floating dtype. */
const DEFAULT_DTYPE: ReprDType = 'float32';

/**
 * `torch.set_printoptions`. Like PyTorch, a `profile` is applied first and the
 * explicit options override it, and `sciMode` is always reset (to `null` when
 * not given).
 */
export function setPrintOptions(
  opts: Partial<PrintOptions> & { profile?: 'default' | 'short' | 'full' },
): void {
  const checks: [keyof PrintOptions, number | undefined, boolean][] = [
    ['precision', opts.precision, false], ['threshold', opts.threshold, true], ['edgeitems', opts.edgeitems, false], ['linewidth', opts.linewidth, false],
  ];
  for (const [name, value, infinite] of checks) {
    if (value == null) continue;
    if (typeof value !== 'number' || value < 0 || !(Number.isInteger(value) || (infinite && value === Infinity))) {
      throw argumentError(`setPrintOptions(): ${name} must be a non-negative integer${infinite ? ' or Infinity' : ''}, got ${describe(value)}`);
    }
  }
  if (opts.sciMode != null && typeof opts.sciMode !== 'boolean') throw argumentError(`setPrintOptions(): sciMode must be a boolean or null, got ${describe(opts.sciMode)}`);
  if (opts.profile === 'default') {
    Object.assign(PRINT_OPTS, { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 });
  } else if (opts.profile === 'short') {
    Object.assign(PRINT_OPTS, { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 });
  } else if (opts.profile === 'full') {
    Object.assign(PRINT_OPTS, { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 });
  }
  if (opts.precision != null) PRINT_OPTS.precision = opts.precision;
  if (opts.threshold != null) PRINT_OPTS.threshold = opts.threshold;
  if (opts.edgeitems != null) PRINT_OPTS.edgeitems = opts.edgeitems;
  if (opts.linewidth != null) PRINT_OPTS.linewidth = opts.linewidth;
  // PyTorch assigns sci_mode unconditionally, so omitting it resets it to automatic.
  PRINT_OPTS.sciMode = opts.sciMode ?? null;
}

/** `torch._tensor_str.get_printoptions`: a copy of the current options. */
export function getPrintOptions(): PrintOptions {
  return { ...PRINT_OPTS };
}

// ---------------------------------------------------------------------------
// Python-exact number formatting
// ---------------------------------------------------------------------------

const float64Scratch = new DataView(new ArrayBuffer(8));

/** Splits a positive finite double into `mantissa * 2 ** exponent` exactly. */
function decomposeDouble(magnitude: number): { mantissa: bigint; exponent: number } {
  float64Scratch.setFloat64(0, magnitude);
  const bits = float64Scratch.getBigUint64(0);
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  if (biasedExponent === 0) return { mantissa: fraction, exponent: -1074 }; // subnormal
  return { mantissa: fraction | (1n << 52n), exponent: biasedExponent - 1075 };
}

/** `round(numerator / denominator)` with ties to even, for non-negative operands. */
function divideRoundHalfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const twiceRemainder = 2n * (numerator - quotient * denominator);
  if (twiceRemainder > denominator || (twiceRemainder === denominator && (quotient & 1n) === 1n)) {
    return quotient + 1n;
  }
  return quotient;
}

/** Python's spelling of non-finite floats, or `null` for finite ones. */
function nonFiniteText(value: number): string | null {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return null;
}

function isNegative(value: number): boolean {
  return value < 0 || Object.is(value, -0);
}

/**
 * Python's `format(value, f'.{precision}f')`: the exact binary value rounded
 * half-to-even, sign kept for negative zero, no exponent however large.
 */
export function formatFixedPython(value: number, precision: number): string {
  const special = nonFiniteText(value);
  if (special !== null) return special;
  const sign = isNegative(value) ? '-' : '';
  let digits: string;
  if (value === 0) {
    digits = '0'.repeat(precision + 1);
  } else {
    const { mantissa, exponent } = decomposeDouble(Math.abs(value));
    const scale = 10n ** BigInt(precision);
    const scaled =
      exponent >= 0
        ? (mantissa << BigInt(exponent)) * scale
        : divideRoundHalfEven(mantissa * scale, 1n << BigInt(-exponent));
    digits = scaled.toString().padStart(precision + 1, '0');
  }
  const integerPart = digits.slice(0, digits.length - precision);
  const fractionPart = digits.slice(digits.length - precision);
  return sign + integerPart + (precision > 0 ? '.' + fractionPart : '');
}

/**
 * Python's `format(value, f'.{precision}e')`: mantissa rounded half-to-even on
 * the exact binary value, exponent signed and at least two digits (`e+05`).
 */
export function formatExponentPython(value: number, precision: number): string {
  const special = nonFiniteText(value);
  if (special !== null) return special;
  const sign = isNegative(value) ? '-' : '';
  const lowestMantissa = 10n ** BigInt(precision); // 1.000… as an integer
  let mantissaDigits: bigint;
  let decimalExponent: number;
  if (value === 0) {
    mantissaDigits = 0n;
    decimalExponent = 0;
  } else {
    const magnitude = Math.abs(value);
    const { mantissa, exponent } = decomposeDouble(magnitude);
    // log10 is only an estimate; the exact comparison below settles it.
    decimalExponent = Math.floor(Math.log10(magnitude));
    for (;;) {
      const shift = precision - decimalExponent;
      const numerator =
        (exponent >= 0 ? mantissa << BigInt(exponent) : mantissa) * (shift >= 0 ? 10n ** BigInt(shift) : 1n);
      const denominator =
        (exponent < 0 ? 1n << BigInt(-exponent) : 1n) * (shift < 0 ? 10n ** BigInt(-shift) : 1n);
      if (numerator < lowestMantissa * denominator) {
        decimalExponent -= 1;
      } else if (numerator >= lowestMantissa * 10n * denominator) {
        decimalExponent += 1;
      } else {
        mantissaDigits = divideRoundHalfEven(numerator, denominator);
        break;
      }
    }
    if (mantissaDigits === lowestMantissa * 10n) {
      // Rounded up to the next power of ten, e.g. 9.99996 -> 1.0000e+01.
      mantissaDigits = lowestMantissa;
      decimalExponent += 1;
    }
  }
  const digits = mantissaDigits.toString().padStart(precision + 1, '0');
  const mantissaText = digits[0] + (precision > 0 ? '.' + digits.slice(1) : '');
  const exponentText =
    (decimalExponent < 0 ? '-' : '+') + String(Math.abs(decimalExponent)).padStart(2, '0');
  return sign + mantissaText + 'e' + exponentText;
}

// ---------------------------------------------------------------------------
// _Formatter
// ---------------------------------------------------------------------------

type RawElement = number | bigint | boolean;

function isFloatingDType(dtype: ReprDType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** Python's `f"{value}"` for an element of an integer or bool tensor. */
function integerOrBoolText(dtype: ReprDType, raw: RawElement): string {
  if (dtype === 'bool') return raw ? 'True' : 'False';
  if (typeof raw === 'bigint') return raw.toString();
  if (typeof raw === 'boolean') return raw ? '1' : '0';
  // Integer tensors handed over as doubles: print without exponent or fraction.
  return Number.isSafeInteger(raw) ? String(raw) : BigInt(Math.trunc(raw)).toString();
}

/** Port of `torch._tensor_str._Formatter`: one width and one notation for every element. */
class ElementFormatter {
  private readonly floating: boolean;
  private intMode = true;
  private sciMode = false;
  private maxWidth = 1;

  /**
   * @param sampled the elements the width is decided on (the summarized data when summarizing)
   * @param computeInFloat32 PyTorch does the magnitude checks in float32 on MPS (no float64 there)
   */
  constructor(
    private readonly dtype: ReprDType,
    sampled: readonly RawElement[],
    private readonly precision: number,
    forcedSciMode: boolean | null,
    computeInFloat32: boolean,
  ) {
    this.floating = isFloatingDType(dtype);
    if (!this.floating) {
      for (const raw of sampled) {
        this.maxWidth = Math.max(this.maxWidth, integerOrBoolText(dtype, raw).length);
      }
      return;
    }

    const nonzeroFinite: number[] = [];
    for (const raw of sampled) {
      const value = Number(raw);
      if (Number.isFinite(value) && value !== 0) nonzeroFinite.push(value);
    }
    // Like PyTorch, with nothing to measure the defaults stay (so sci mode stays off).
    if (nonzeroFinite.length === 0) return;

    let minAbs = Infinity;
    let maxAbs = 0;
    for (const value of nonzeroFinite) {
      const magnitude = Math.abs(value);
      if (magnitude < minAbs) minAbs = magnitude;
      if (magnitude > maxAbs) maxAbs = magnitude;
    }
    this.intMode = nonzeroFinite.every((value) => value === Math.ceil(value));

    if (forcedSciMode !== null) {
      this.sciMode = forcedSciMode;
    } else {
      const narrow = computeInFloat32 ? Math.fround : (x: number) => x;
      this.sciMode =
        narrow(maxAbs / minAbs) > 1000.0 || maxAbs > narrow(1.0e8) || minAbs < narrow(1.0e-4);
    }

    for (const value of nonzeroFinite) {
      let width: number;
      if (this.sciMode) width = formatExponentPython(value, precision).length;
      else if (this.intMode) width = formatFixedPython(value, 0).length + 1; // room for the trailing '.'
      else width = formatFixedPython(value, precision).length;
      this.maxWidth = Math.max(this.maxWidth, width);
    }
  }

  width(): number {
    return this.maxWidth;
  }

  format(raw: RawElement): string {
    let text: string;
    if (this.floating) {
      const value = Number(raw);
      if (this.sciMode) {
        text = formatExponentPython(value, this.precision);
      } else if (this.intMode) {
        text = formatFixedPython(value, 0);
        // The '.' marks a float tensor whose values all happen to be integers.
        if (Number.isFinite(value)) text += '.';
      } else {
        text = formatFixedPython(value, this.precision);
      }
    } else {
      text = integerOrBoolText(this.dtype, raw);
    }
    return ' '.repeat(Math.max(0, this.maxWidth - text.length)) + text;
  }
}

// ---------------------------------------------------------------------------
// Layout walking: _tensor_str_with_formatter, _vector_str, get_summarized_data
// ---------------------------------------------------------------------------

/** Read-only view of the flat data plus its row-major strides. */
interface FlatTensor {
  shape: readonly number[];
  strides: readonly number[];
  values: TensorReprInput['values'];
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let dim = shape.length - 1; dim >= 0; dim--) {
    strides[dim] = stride;
    stride *= shape[dim];
  }
  return strides;
}

/** Indices along a dimension that survive summarization (or all of them). */
function shownIndices(
  size: number,
  summarize: boolean,
  edgeitems: number,
): { head: number[]; tail: number[]; elided: boolean } {
  const range = (start: number, end: number) =>
    Array.from({ length: end - start }, (_, i) => start + i);
  if (summarize && size > 2 * edgeitems) {
    return { head: range(0, edgeitems), tail: range(size - edgeitems, size), elided: true };
  }
  return { head: range(0, size), tail: [], elided: false };
}

/** `get_summarized_data`: the elements the formatter measures, in any order. */
function collectSummarized(
  tensor: FlatTensor,
  dim: number,
  offset: number,
  edgeitems: number,
  out: RawElement[],
): void {
  const remainingDims = tensor.shape.length - dim;
  if (remainingDims === 0) {
    out.push(tensor.values[offset]);
    return;
  }
  const size = tensor.shape[dim];
  const stride = tensor.strides[dim];
  if (remainingDims === 1) {
    // PyTorch's self[-0:] is the whole row, so edgeitems=0 keeps everything here.
    const { head, tail } = shownIndices(size, edgeitems > 0, edgeitems);
    for (const i of [...head, ...tail]) out.push(tensor.values[offset + i * stride]);
    return;
  }
  if (!edgeitems) return; // new_empty: nothing to measure
  const { head, tail } = shownIndices(size, true, edgeitems);
  for (const i of [...head, ...tail]) collectSummarized(tensor, dim + 1, offset + i * stride, edgeitems, out);
}

function collectAll(tensor: FlatTensor, numel: number): RawElement[] {
  const out = new Array<RawElement>(numel);
  for (let i = 0; i < numel; i++) out[i] = tensor.values[i];
  return out;
}

/** `_vector_str`: one row, wrapped to the line width. */
function vectorStr(
  tensor: FlatTensor,
  dim: number,
  offset: number,
  indent: number,
  summarize: boolean,
  formatter: ElementFormatter,
): string {
  const elementLength = formatter.width() + 2; // element plus ", "
  const elementsPerLine = Math.max(1, Math.floor((PRINT_OPTS.linewidth - indent) / elementLength));
  const size = tensor.shape[dim];
  const stride = tensor.strides[dim];
  const formatAt = (i: number) => formatter.format(tensor.values[offset + i * stride]);

  let data: string[];
  if (summarize && !PRINT_OPTS.edgeitems) {
    data = ['...'];
  } else {
    const { head, tail, elided } = shownIndices(size, summarize, PRINT_OPTS.edgeitems);
    data = elided ? [...head.map(formatAt), ' ...', ...tail.map(formatAt)] : head.map(formatAt);
  }

  const lines: string[] = [];
  for (let start = 0; start < data.length; start += elementsPerLine) {
    lines.push(data.slice(start, start + elementsPerLine).join(', '));
  }
  return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
}

/** `_tensor_str_with_formatter`: nested brackets, blank lines between higher-dim blocks. */
function tensorStrWithFormatter(
  tensor: FlatTensor,
  dim: number,
  offset: number,
  indent: number,
  summarize: boolean,
  formatter: ElementFormatter,
): string {
  const remainingDims = tensor.shape.length - dim;
  if (remainingDims === 0) return formatter.format(tensor.values[offset]);
  if (remainingDims === 1) return vectorStr(tensor, dim, offset, indent, summarize, formatter);

  const stride = tensor.strides[dim];
  const sub = (i: number) =>
    tensorStrWithFormatter(tensor, dim + 1, offset + i * stride, indent + 1, summarize, formatter);
  const { head, tail, elided } = shownIndices(tensor.shape[dim], summarize, PRINT_OPTS.edgeitems);
  const slices = elided ? [...head.map(sub), '...', ...tail.map(sub)] : head.map(sub);
  return '[' + slices.join(',' + '\n'.repeat(remainingDims - 1) + ' '.repeat(indent + 1)) + ']';
}

/** `_tensor_str` for a non-empty dense tensor. */
function tensorStr(
  tensor: FlatTensor,
  numel: number,
  dtype: ReprDType,
  indent: number,
  computeInFloat32: boolean,
): string {
  const summarize = numel > PRINT_OPTS.threshold;
  const sampled: RawElement[] = [];
  if (summarize) collectSummarized(tensor, 0, 0, PRINT_OPTS.edgeitems, sampled);
  const formatter = new ElementFormatter(
    dtype,
    summarize ? sampled : collectAll(tensor, numel),
    PRINT_OPTS.precision,
    PRINT_OPTS.sciMode,
    computeInFloat32,
  );
  return tensorStrWithFormatter(tensor, 0, 0, indent, summarize, formatter);
}

// ---------------------------------------------------------------------------
// _str_intern
// ---------------------------------------------------------------------------

/** Python's `str(tuple(shape))`: `(0,)`, `(0, 3)`. */
function pythonTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** `str(torch.device(...))`: a bare accelerator name gets its (current) index 0. */
function deviceText(device: string): string {
  return device === 'cuda' || device === 'mps' ? `${device}:0` : device;
}

/** `_add_suffixes`: append `, suffix` items, wrapping when the last line would pass the width. */
function addSuffixes(tensorText: string, suffixes: readonly string[], indent: number): string {
  const parts = [tensorText];
  // Same arithmetic as PyTorch (it counts two more than the visible length).
  let lastLineLength = tensorText.length - tensorText.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLength + suffix.length + 2 > PRINT_OPTS.linewidth) {
      parts.push(',\n' + ' '.repeat(indent) + suffix);
      lastLineLength = indent + suffix.length;
    } else {
      parts.push(', ' + suffix);
      lastLineLength += suffix.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

/**
 * The text PyTorch's `repr(t)` / `str(t)` gives for a dense tensor, honouring
 * the options set with {@link setPrintOptions}.
 */
export function formatTensor(t: TensorReprInput): string {
  const numel = t.shape.reduce((product, size) => product * size, 1);
  if (t.values.length !== numel) {
    throw new RangeError(
      `formatTensor: shape [${t.shape.join(', ')}] needs ${numel} values, got ${t.values.length}`,
    );
  }
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];

  const deviceType = t.device.split(':')[0];
  if (deviceType !== 'cpu') suffixes.push(`device='${deviceText(t.device)}'`);

  let body: string;
  if (numel === 0) {
    // Nothing to infer the shape or dtype from, so both are spelled out (as NumPy does).
    if (t.shape.length !== 1) suffixes.push('size=' + pythonTuple(t.shape));
    if (t.dtype !== DEFAULT_DTYPE) suffixes.push('dtype=torch.' + t.dtype);
    body = '[]';
  } else {
    if (!PRINT_OPTS.edgeitems) suffixes.push('size=' + pythonTuple(t.shape));
    // int64 and bool are recognisable from the digits alone; float32 is the default.
    const hasDefaultDType = t.dtype === DEFAULT_DTYPE || t.dtype === 'int64' || t.dtype === 'bool';
    if (!hasDefaultDType) suffixes.push('dtype=torch.' + t.dtype);
    const flat: FlatTensor = { shape: t.shape, strides: rowMajorStrides(t.shape), values: t.values };
    body = tensorStr(flat, numel, t.dtype, indent, deviceType === 'mps');
  }

  if (t.gradFn) suffixes.push(`grad_fn=<${t.gradFn}>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');

  return addSuffixes(prefix + body, suffixes, indent);
}
