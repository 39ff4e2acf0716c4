// Python's index expressions, `t[...]` and `t[...] = v`, in TypeScript:
// `t.index(':', 0)` is `t[:, 0]`, `t.index('...', null, '1:3')` is
// `t[..., None, 1:3]`, `t.indexAssign_([':', 1], 0)` is `t[:, 1] = 0`.
// Items are parsed here into kinds and numbers; libtorch's at::indexing
// (Python's own __getitem__/__setitem__) applies PyTorch's rules.
import { argumentError } from './errors';
import { describe } from './validate';

/** A slice with computed bounds, `new Slice(start, stop, step)` (Python's `slice`); a string such as '1:3' says the same. */
export class Slice {
  constructor(
    readonly start: number | null = null,
    readonly stop: number | null = null,
    readonly step: number | null = null,
  ) {}

  toString(): string {
    const part = (v: number | null) => (v === null ? '' : String(v));
    return `${part(this.start)}:${part(this.stop)}${this.step === null ? '' : `:${this.step}`}`;
  }
}

/**
 * One item of an index expression:
 * - a number: selects (`t[2]`), negative from the end;
 * - a string: a slice `'start:stop:step'` (`':'`, `'1:'`, `'::2'`, `'-3:'`) or `'...'` (Ellipsis);
 * - `null`: a new dim of size 1 (Python's `None`);
 * - a boolean (`t[True]`), a `Slice`;
 * - an index tensor (int64) or mask (bool), or an array of integers or booleans (as Python's lists).
 */
export type IndexItem<T> = number | string | null | boolean | Slice | T | readonly number[] | readonly boolean[];

/** The parsed form the native side takes: a kind and three numbers per item. */
export interface ParsedIndex<T> {
  kinds: number[];
  values: number[];
  tensors: (T | undefined)[];
}

const enum Kind {
  Int = 0,
  Slice = 1,
  NewAxis = 2,
  Ellipsis = 3,
  Tensor = 4,
  Bool = 5,
}

function sliceBound(op: string, text: string, part: string): number {
  if (!/^[+-]?\d+$/.test(part.trim())) throw argumentError(`${op}(): '${text}' is not a slice (write 'start:stop:step', ':' or '...')`);
  return Number(part);
}

function integer(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw argumentError(`${op}(): ${name} must be an integer, got ${describe(v)}`);
  return v;
}

/**
 * Parses `items`; `isTensor` tells index tensors apart and `fromArray` makes
 * one from a JS array (int64 for integers, bool for booleans), as Python
 * turns a list inside `t[...]` into a tensor.
 */
export function parseIndex<T>(op: string, items: readonly IndexItem<T>[], isTensor: (v: unknown) => v is T, fromArray: (values: readonly number[] | readonly boolean[]) => T): ParsedIndex<T> {
  const parsed: ParsedIndex<T> = { kinds: [], values: [], tensors: [] };
  const push = (kind: Kind, a = 0, b = 0, c = 0, tensor?: T) => {
    parsed.kinds.push(kind);
    parsed.values.push(a, b, c);
    parsed.tensors.push(tensor);
  };
  items.forEach((item, i) => {
    if (item === null) push(Kind.NewAxis);
    else if (typeof item === 'number') push(Kind.Int, integer(op, `index ${i}`, item));
    else if (typeof item === 'boolean') push(Kind.Bool, item ? 1 : 0);
    else if (typeof item === 'string') {
      const text = item.trim();
      if (text === '...') return push(Kind.Ellipsis);
      const parts = text.split(':');
      if (parts.length < 2 || parts.length > 3) throw argumentError(`${op}(): '${item}' is not a slice (write 'start:stop:step', ':' or '...')`);
      const [start, stop, step] = parts.map((p) => (p.trim() === '' ? NaN : sliceBound(op, item, p)));
      push(Kind.Slice, start!, stop!, Number.isNaN(step ?? NaN) ? 1 : step!);
    } else if (item instanceof Slice) {
      const bound = (v: number | null, name: string) => (v === null ? NaN : integer(op, `slice ${name}`, v));
      push(Kind.Slice, bound(item.start, 'start'), bound(item.stop, 'stop'), item.step === null ? 1 : integer(op, 'slice step', item.step));
    } else if (isTensor(item)) push(Kind.Tensor, 0, 0, 0, item);
    else if (Array.isArray(item)) {
      const all = (test: (v: unknown) => boolean) => item.every(test);
      if (!all((v) => typeof v === 'boolean') && !all((v) => typeof v === 'number' && Number.isInteger(v))) {
        throw argumentError(`${op}(): a list index must hold only integers or only booleans, got ${describe(item.find((v) => typeof v !== 'number' && typeof v !== 'boolean') ?? item)} at position ${i}`);
      }
      push(Kind.Tensor, 0, 0, 0, fromArray(item as readonly number[] | readonly boolean[]));
    } else {
      throw argumentError(`${op}(): only integers, slices (':', '1:3', Slice), '...', null (None), booleans, index tensors and arrays are valid indices, got ${describe(item)} at position ${i}`);
    }
  });
  return parsed;
}
