// Python's pickle, protocol 2, as torch.save writes it and torch.load reads it
// with weights_only=True: the reader knows exactly the opcodes of PyTorch's
// torch/_weights_only_unpickler.py and runs no code; what a GLOBAL names is
// decided by the caller's hooks (ts/serialization/globals.ts), which build
// only the allow-listed objects and refuse everything else.

/** What went wrong in a pickle, in one line; the caller adds the file's name. */
export class PickleError extends Error {
  override name = 'PickleError';

  /** Names and strings read from a corrupt file may hold control characters: they are escaped, so the message stays one line. */
  constructor(message: string) {
    // eslint-disable-next-line no-control-regex
    super(message.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  }
}

// Opcodes (Lib/pickle.py names), the protocol-2 subset PyTorch accepts.
const OP = {
  MARK: 0x28, // (
  STOP: 0x2e, // .
  BINFLOAT: 0x47, // G
  BININT: 0x4a, // J
  BININT1: 0x4b, // K
  BININT2: 0x4d, // M
  NONE: 0x4e, // N
  BINPERSID: 0x51, // Q
  REDUCE: 0x52, // R
  SHORT_BINSTRING: 0x55, // U
  BINUNICODE: 0x58, // X
  EMPTY_LIST: 0x5d, // ]
  APPEND: 0x61, // a
  BUILD: 0x62, // b
  GLOBAL: 0x63, // c
  APPENDS: 0x65, // e
  BINGET: 0x68, // h
  LONG_BINGET: 0x6a, // j
  EMPTY_DICT: 0x7d, // }
  SETITEM: 0x73, // s
  TUPLE: 0x74, // t
  SETITEMS: 0x75, // u
  BINPUT: 0x71, // q
  LONG_BINPUT: 0x72, // r
  EMPTY_TUPLE: 0x29, // )
  EMPTY_SET: 0x8f,
  PROTO: 0x80,
  NEWOBJ: 0x81,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
} as const;

// ---------------------------------------------------------------- reading

export interface UnpickleHooks {
  /** The object a GLOBAL instruction pushes; throws PickleError to refuse it. */
  global(module: string, name: string): unknown;
  /** REDUCE: `fn(*args)` for a callable the hooks pushed; throws to refuse. */
  reduce(fn: unknown, args: readonly unknown[]): unknown;
  /** NEWOBJ: `cls.__new__(cls, *args)`; throws to refuse. */
  newObj(cls: unknown, args: readonly unknown[]): unknown;
  /** The object BINPERSID pushes for a persistent id (a storage). */
  persistentLoad(pid: unknown): unknown;
  /** BUILD on `inst` with `state`; throws to refuse. */
  build(inst: unknown, state: unknown): void;
  /** Whether SETITEM(S) may write into this object (dict, OrderedDict, Counter). */
  isDict(value: unknown): value is Map<unknown, unknown>;
}

/** Tuples load as frozen arrays: immutable, and told apart from lists. */
export function isTuple(value: unknown): value is readonly unknown[] {
  return Array.isArray(value) && Object.isFrozen(value);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');

/** Reads one pickle; never executes anything, only what `hooks` builds. */
export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const memo = new Map<number, unknown>();
  const metastack: unknown[][] = [];
  let stack: unknown[] = [];
  let pos = 0;
  let at = 0; // where the current opcode began, for messages

  const need = (n: number): number => {
    if (n > bytes.length - pos) throw new PickleError(`pickle data is truncated (byte ${at} wants ${n} more bytes, ${bytes.length - pos} left)`);
    const start = pos;
    pos += n;
    return start;
  };
  const pop = (): unknown => {
    if (stack.length === 0) throw new PickleError(`malformed pickle: stack underflow at byte ${at}`);
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw new PickleError(`malformed pickle: stack underflow at byte ${at}`);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const outer = metastack.pop();
    if (outer === undefined) throw new PickleError(`malformed pickle: no MARK before byte ${at}`);
    stack = outer;
    return items;
  };
  const readLine = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError(`pickle data is truncated (GLOBAL at byte ${at} has no newline)`);
    const line = utf8Lenient.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return line;
  };
  const setItems = (target: unknown, items: unknown[], op: string): void => {
    if (!hooks.isDict(target)) throw new PickleError(`Can only ${op} for dict, collections.OrderedDict, collections.Counter, but got ${typeName(target)}`);
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const list = (target: unknown, op: string): unknown[] => {
    if (!Array.isArray(target) || isTuple(target)) throw new PickleError(`Can only ${op} lists, but got ${typeName(target)}`);
    return target;
  };

  for (;;) {
    if (pos >= bytes.length) throw new PickleError('pickle data is truncated (no STOP opcode)');
    at = pos;
    const op = bytes[pos++]!;
    switch (op) {
      case OP.PROTO: {
        const proto = bytes[need(1)]!;
        if (proto > 5) throw new PickleError(`unsupported pickle protocol ${proto}`);
        break;
      }
      case OP.STOP:
        return pop();
      case OP.GLOBAL: {
        const module = readLine();
        const name = readLine();
        stack.push(hooks.global(module, name));
        break;
      }
      case OP.REDUCE: {
        const args = pop();
        const fn = top();
        if (!isTuple(args)) throw new PickleError(`REDUCE arguments must be a tuple, got ${typeName(args)}`);
        stack[stack.length - 1] = hooks.reduce(fn, args);
        break;
      }
      case OP.NEWOBJ: {
        const args = pop();
        const cls = pop();
        if (!isTuple(args)) throw new PickleError(`NEWOBJ arguments must be a tuple, got ${typeName(args)}`);
        stack.push(hooks.newObj(cls, args));
        break;
      }
      case OP.BUILD: {
        const state = pop();
        hooks.build(top(), state);
        break;
      }
      case OP.APPEND: {
        const item = pop();
        list(top(), 'append to').push(item);
        break;
      }
      case OP.APPENDS: {
        const items = popMark();
        const target = list(top(), 'extend');
        for (const item of items) target.push(item);
        break;
      }
      case OP.SETITEM: {
        const value = pop();
        const key = pop();
        setItems(top(), [key, value], 'SETITEM');
        break;
      }
      case OP.SETITEMS: {
        const items = popMark();
        if (items.length % 2 !== 0) throw new PickleError(`malformed pickle: SETITEMS at byte ${at} has an odd number of items`);
        setItems(top(), items, 'SETITEMS');
        break;
      }
      case OP.MARK:
        metastack.push(stack);
        stack = [];
        break;
      case OP.TUPLE: {
        const items = popMark(); // before reading `stack`: popMark replaces it
        stack.push(Object.freeze(items));
        break;
      }
      case OP.TUPLE1:
        stack.push(Object.freeze([pop()]));
        break;
      case OP.TUPLE2: {
        const b = pop();
        stack.push(Object.freeze([pop(), b]));
        break;
      }
      case OP.TUPLE3: {
        const c = pop();
        const b = pop();
        stack.push(Object.freeze([pop(), b, c]));
        break;
      }
      case OP.NONE: stack.push(null); break;
      case OP.NEWTRUE: stack.push(true); break;
      case OP.NEWFALSE: stack.push(false); break;
      case OP.EMPTY_TUPLE: stack.push(Object.freeze([])); break;
      case OP.EMPTY_LIST: stack.push([]); break;
      case OP.EMPTY_DICT: stack.push(new Map()); break;
      case OP.EMPTY_SET: stack.push(new Set()); break;
      case OP.BININT: stack.push(view.getInt32(need(4), true)); break;
      case OP.BININT1: stack.push(bytes[need(1)]!); break;
      case OP.BININT2: stack.push(view.getUint16(need(2), true)); break;
      case OP.BINFLOAT: stack.push(view.getFloat64(need(8), false)); break;
      case OP.LONG1: {
        const n = bytes[need(1)]!;
        stack.push(decodeLong(bytes.subarray(need(n), pos)));
        break;
      }
      case OP.BINUNICODE: {
        const n = view.getUint32(need(4), true);
        const start = need(n);
        stack.push(utf8Lenient.decode(bytes.subarray(start, pos)));
        break;
      }
      case OP.SHORT_BINSTRING: {
        const n = bytes[need(1)]!;
        const start = need(n);
        try {
          stack.push(utf8.decode(bytes.subarray(start, pos)));
        } catch {
          throw new PickleError(`a string at byte ${at} is not valid UTF-8`);
        }
        break;
      }
      case OP.BINPERSID:
        stack.push(hooks.persistentLoad(pop()));
        break;
      case OP.BINGET:
      case OP.LONG_BINGET: {
        const index = op === OP.BINGET ? bytes[need(1)]! : view.getUint32(need(4), true);
        if (!memo.has(index)) throw new PickleError(`malformed pickle: memo entry ${index} read at byte ${at} was never stored`);
        stack.push(memo.get(index));
        break;
      }
      case OP.BINPUT:
      case OP.LONG_BINPUT: {
        const index = op === OP.BINPUT ? bytes[need(1)]! : view.getUint32(need(4), true);
        memo.set(index, top());
        break;
      }
      default:
        throw new PickleError(`Unsupported operand ${op} (0x${op.toString(16).padStart(2, '0')}) at byte ${at}: weights_only unpickling allows protocol-2 opcodes only`);
    }
  }
}

/** Python's decode_long: little-endian two's complement; a number when exact. */
function decodeLong(data: Uint8Array): number | bigint {
  if (data.length === 0) return 0;
  let value = 0n;
  for (let i = data.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[i]!);
  if (data[data.length - 1]! & 0x80) value -= 1n << BigInt(8 * data.length);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

export function typeName(value: unknown): string {
  if (value === null) return 'None';
  if (typeof value === 'object' && typeof (value as { path?: unknown }).path === 'string') return (value as { path: string }).path;
  if (isTuple(value)) return 'tuple';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Map) return 'dict';
  if (value instanceof Set) return 'set';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

// ---------------------------------------------------------------- writing

/** A global written as GLOBAL module\nname\n (one object per name, so it is memoized). */
export class PyRef {
  private static readonly interned = new Map<string, PyRef>();
  private constructor(readonly module: string, readonly name: string) {}
  static of(module: string, name: string): PyRef {
    const key = `${module}\n${name}`;
    let ref = PyRef.interned.get(key);
    if (!ref) PyRef.interned.set(key, (ref = new PyRef(module, name)));
    return ref;
  }
}

/** A tuple to write (arrays are written as lists). */
export class PyTuple {
  constructor(readonly items: readonly Picklable[]) {}
}

/** A float even when its value is whole (plain whole numbers are written as ints). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** `callable(*args)` (REDUCE), then the dict items a reduce may carry (OrderedDict). */
export class PyReduce {
  constructor(
    readonly callable: PyRef,
    readonly args: PyTuple,
    readonly dictItems?: Map<Picklable, Picklable>,
  ) {}
}

/** A persistent id: how torch.save points at a storage record. */
export class PyPersistentId {
  constructor(readonly id: PyTuple) {}
}

export type Picklable =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyFloat
  | PyRef
  | PyTuple
  | PyReduce
  | PyPersistentId
  | Picklable[]
  | Map<Picklable, Picklable>;

const BATCH = 1000; // Python's pickler batches APPENDS/SETITEMS by 1000

/** Writes `value` as protocol-2 pickle, memoizing as Python's pickler does. */
export function pickle(value: Picklable): Uint8Array {
  const out = new ByteWriter();
  const memo = new Map<unknown, number>();
  const remember = (key: unknown): void => {
    const index = memo.size;
    memo.set(key, index);
    if (index < 256) out.bytes(OP.BINPUT, index);
    else out.byte(OP.LONG_BINPUT).uint32(index);
  };
  const recall = (key: unknown): boolean => {
    const index = memo.get(key);
    if (index === undefined) return false;
    if (index < 256) out.bytes(OP.BINGET, index);
    else out.byte(OP.LONG_BINGET).uint32(index);
    return true;
  };

  const items = (entries: Picklable[][], single: number, many: number): void => {
    for (let i = 0; i < entries.length; i += BATCH) {
      const batch = entries.slice(i, i + BATCH);
      if (batch.length > 1) out.byte(OP.MARK);
      for (const entry of batch) entry.forEach(write);
      out.byte(batch.length > 1 ? many : single);
    }
  };

  const write = (v: Picklable): void => {
    if (v === null) return void out.byte(OP.NONE);
    if (v === true) return void out.byte(OP.NEWTRUE);
    if (v === false) return void out.byte(OP.NEWFALSE);
    if (typeof v === 'number') {
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) return writeInt(out, BigInt(v));
      return void out.byte(OP.BINFLOAT).float64(v);
    }
    if (typeof v === 'bigint') return writeInt(out, v);
    if (v instanceof PyFloat) return void out.byte(OP.BINFLOAT).float64(v.value);
    if (typeof v === 'string') {
      if (recall(`s:${v}`)) return;
      const data = Buffer.from(v, 'utf8');
      out.byte(OP.BINUNICODE).uint32(data.length).raw(data);
      return remember(`s:${v}`);
    }
    if (recall(v)) return;
    if (v instanceof PyRef) {
      out.byte(OP.GLOBAL).raw(Buffer.from(`${v.module}\n${v.name}\n`, 'utf8'));
      return remember(v);
    }
    if (v instanceof PyTuple) {
      const n = v.items.length;
      if (n === 0) return void out.byte(OP.EMPTY_TUPLE);
      if (n > 3) out.byte(OP.MARK);
      v.items.forEach(write);
      out.byte(n === 1 ? OP.TUPLE1 : n === 2 ? OP.TUPLE2 : n === 3 ? OP.TUPLE3 : OP.TUPLE);
      return remember(v);
    }
    if (v instanceof PyPersistentId) {
      write(v.id);
      return void out.byte(OP.BINPERSID);
    }
    if (v instanceof PyReduce) {
      write(v.callable);
      write(v.args);
      out.byte(OP.REDUCE);
      remember(v);
      if (v.dictItems) items([...v.dictItems], OP.SETITEM, OP.SETITEMS);
      return;
    }
    if (Array.isArray(v)) {
      out.byte(OP.EMPTY_LIST);
      remember(v);
      return items(v.map((x) => [x]), OP.APPEND, OP.APPENDS);
    }
    out.byte(OP.EMPTY_DICT);
    remember(v);
    items([...v], OP.SETITEM, OP.SETITEMS);
  };

  out.bytes(OP.PROTO, 2);
  write(value);
  out.byte(OP.STOP);
  return out.finish();
}

function writeInt(out: ByteWriter, v: bigint): void {
  if (v >= 0n && v <= 0xffn) return void out.bytes(OP.BININT1, Number(v));
  if (v >= 0n && v <= 0xffffn) return void out.byte(OP.BININT2).uint16(Number(v));
  if (v >= -(2n ** 31n) && v < 2n ** 31n) return void out.byte(OP.BININT).int32(Number(v));
  // LONG1: the fewest little-endian two's-complement bytes that hold v.
  const data: number[] = [];
  let rest = v;
  for (;;) {
    const byte = Number(rest & 0xffn);
    data.push(byte);
    rest >>= 8n;
    if ((rest === 0n && !(byte & 0x80)) || (rest === -1n && byte & 0x80)) break;
  }
  if (data.length > 255) throw new PickleError(`an integer of ${data.length} bytes is too large for weights_only pickles (LONG1 holds 255)`);
  out.bytes(OP.LONG1, data.length, ...data);
}

/** A growable byte buffer with the little/big-endian writes pickle needs. */
class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  private length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      bigger.set(this.buf.subarray(0, this.length));
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  byte(b: number): this {
    this.buf[this.reserve(1)] = b;
    return this;
  }
  bytes(...bs: number[]): this {
    this.buf.set(bs, this.reserve(bs.length));
    return this;
  }
  raw(data: Uint8Array): this {
    this.buf.set(data, this.reserve(data.length));
    return this;
  }
  uint16(v: number): this {
    this.view.setUint16(this.reserve(2), v, true);
    return this;
  }
  int32(v: number): this {
    this.view.setInt32(this.reserve(4), v, true);
    return this;
  }
  uint32(v: number): this {
    this.view.setUint32(this.reserve(4), v, true);
    return this;
  }
  float64(v: number): this {
    this.view.setFloat64(this.reserve(8), v, false);
    return this;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
