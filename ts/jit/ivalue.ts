// TorchScript values <-> JavaScript values, the one place where they meet.
// In: tensors, numbers, bigints (ints), booleans, strings, null/undefined
// (None), arrays (lists; tuples where the method's schema says Tuple), Maps
// and plain objects (dicts). A JS number becomes an int only where the
// schema says int (csrc/jit.cpp fits arguments to the schema).
// Out: Tensor, number (int and float; an int beyond 2^53 as a bigint, so no
// digit is lost), boolean, string, null, arrays (lists and tuples), Map
// (dicts, in their order), and devices as strings.
import { Tensor } from '../tensor';
import { argumentError } from '../errors';
import { describe } from '../validate';
import type { JitArg, JitValue } from '../../native/index';

/** What a TorchScript method takes. */
export type ScriptValue =
  | Tensor
  | number
  | bigint
  | boolean
  | string
  | null
  | undefined
  | readonly ScriptValue[]
  | ReadonlyMap<ScriptValue, ScriptValue>
  | { readonly [key: string]: ScriptValue };

/** What a TorchScript method returns. */
export type ScriptResult = Tensor | number | bigint | boolean | string | null | ScriptResult[] | Map<string | number | bigint | boolean, ScriptResult>;

function isPlainObject(value: object): value is Record<string, ScriptValue> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `value` as the native layer takes it; `where` names it in errors ("forward: argument 1"). */
export function toJitArg(value: ScriptValue, where: string, seen: Set<object> = new Set()): JitArg {
  if (value === null || value === undefined) return { kind: 'none' };
  if (value instanceof Tensor) return { kind: 'tensor', tensor: value._n };
  switch (typeof value) {
    case 'number':
      return { kind: 'number', number: value };
    case 'bigint':
      if (value < -(2n ** 63n) || value >= 2n ** 63n) throw argumentError(`${where} is ${value}n, which does not fit in a 64-bit int (TorchScript's int)`);
      return { kind: 'int', text: value.toString() };
    case 'boolean':
      return { kind: 'bool', flag: value };
    case 'string':
      return { kind: 'str', text: value };
    default:
      break;
  }
  if (typeof value !== 'object') throw argumentError(`${where} is a ${describe(value)}, which TorchScript cannot take`);
  if (seen.has(value)) throw argumentError(`${where} contains itself`);
  seen.add(value);
  try {
    if (Array.isArray(value)) return { kind: 'list', items: value.map((v: ScriptValue, i) => toJitArg(v, `${where}[${i}]`, seen)) };
    if (value instanceof Map) {
      const keys: JitArg[] = [];
      const items: JitArg[] = [];
      for (const [k, v] of value) {
        keys.push(toJitArg(k, `${where} (a key)`, seen));
        items.push(toJitArg(v, `${where}.get(${String(k)})`, seen));
      }
      return { kind: 'dict', keys, items };
    }
    if (isPlainObject(value)) {
      const entries = Object.entries(value);
      return {
        kind: 'dict',
        keys: entries.map(([k]) => ({ kind: 'str', text: k })),
        items: entries.map(([k, v]) => toJitArg(v, `${where}.${k}`, seen)),
      };
    }
    throw argumentError(`${where} is a ${describe(value)}, which TorchScript cannot take (tensors, numbers, booleans, strings, null, arrays, Maps, plain objects)`);
  } finally {
    seen.delete(value);
  }
}

/** A returned value as JavaScript holds it. */
export function fromJitValue(value: JitValue): ScriptResult {
  switch (value.kind) {
    case 'none':
      return null;
    case 'bool':
      return value.flag ?? false;
    case 'int':
      return Number.isSafeInteger(value.number) ? value.number! : BigInt(value.text!);
    case 'float':
      return value.number ?? 0;
    case 'str':
    case 'device':
      return value.text ?? '';
    case 'tensor':
      return new Tensor(value.tensor!);
    case 'list':
    case 'tuple':
      return (value.items ?? []).map(fromJitValue);
    case 'dict': {
      const out = new Map<string | number | bigint | boolean, ScriptResult>();
      const items = value.items ?? [];
      (value.keys ?? []).forEach((k, i) => {
        const key = fromJitValue(k);
        if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'bigint' && typeof key !== 'boolean') throw argumentError(`a returned dict has a key of kind '${k.kind}', which a Map key cannot be here`);
        out.set(key, fromJitValue(items[i]!));
      });
      return out;
    }
    default:
      throw argumentError(`a returned value has an unknown kind '${value.kind}'`);
  }
}
