// PyTorch's own file format, as Python's torch.save (PyTorch >= 1.6) writes
// it: a zip archive of stored (uncompressed) records under one top folder,
//   <archive>/data.pkl            the object, pickled (protocol 2)
//   <archive>/.format_version     "1"
//   <archive>/.storage_alignment  "64" (records start at 64-byte offsets)
//   <archive>/byteorder           "little"
//   <archive>/data/<key>          each storage's raw bytes
//   <archive>/version             "3\n"
//   <archive>/.data/serialization_id
// Tensors point into storages through persistent ids, so tensors that share
// a storage in the file share memory once loaded.
import { randomInt } from 'node:crypto';
import { basename, extname } from 'node:path';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { native, type NativeTensor } from '../native';
import { DType, type DTypeName } from '../dtype';
import { Tensor } from '../tensor';
import { Parameter } from '../nn/parameter';
import { cuda, backends } from '../cuda';
import { PickleError, PyFloat, PyPersistentId, PyReduce, PyRef, PyTuple, pickle, typeName, unpickle, type Picklable } from './pickle';
import { StorageClass, weightsOnlyHooks, type TensorSource } from './globals';
import { stridedView } from './strided';
import { asStrided } from '../generated/functions';

const ALIGNMENT = 64;
const ZIP_LIMIT = 0xffff_ffff; // fflate writes no ZIP64 records

/** Whether bytes begin as a zip archive does (a local file header, or an empty archive). */
export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

// ------------------------------------------------------------------ load

export interface PtLoadOptions {
  /** Where every storage goes ('cpu', 'cuda:0', ...); by default, where it was saved. */
  mapLocation?: string;
}

/** A storage record: its bytes, and a native tensor per dtype it is read as. */
class StorageRecord {
  private readonly handles = new Map<DTypeName, NativeTensor>();
  constructor(
    readonly key: string,
    readonly bytes: Uint8Array,
    readonly dtype: DType | null, // null: UntypedStorage, the dtype comes from the tensor
    readonly device: string,
    readonly bigEndian: boolean,
  ) {}

  elements(dtype: DType): number {
    return Math.floor(this.bytes.length / dtype.itemSize);
  }

  /** The whole storage as one 1-D tensor of `dtype` (made once, shared by its views). */
  handle(dtype: DType): NativeTensor {
    let h = this.handles.get(dtype.name);
    if (!h) {
      const n = this.elements(dtype);
      let data = this.bytes.subarray(0, n * dtype.itemSize);
      if (this.bigEndian && dtype.itemSize > 1) data = swapBytes(data, dtype.itemSize);
      h = native.fromBytes(data, [n], dtype.name, undefined, this.device);
      this.handles.set(dtype.name, h);
    }
    return h;
  }
}

function swapBytes(data: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += size) for (let j = 0; j < size; j++) out[i + j] = data[i + size - 1 - j]!;
  return out;
}

function checkDevice(location: string, mapLocation: string | undefined): string {
  if (mapLocation !== undefined) return mapLocation;
  if (location.startsWith('cuda') && !cuda.isAvailable()) {
    throw new PickleError(`a storage was saved on ${location} but torch.cuda.isAvailable() is false; pass { mapLocation: 'cpu' } to load it on the CPU`);
  }
  if (location.startsWith('mps') && !backends.mps.isAvailable()) {
    throw new PickleError(`a storage was saved on ${location} but MPS is not available; pass { mapLocation: 'cpu' } to load it on the CPU`);
  }
  if (!/^(cpu|cuda(:\d+)?|mps(:\d+)?)$/.test(location)) throw new PickleError(`storage location '${location}' is not supported by torchts`);
  return location;
}

function nonNegativeInt(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new PickleError(`${what} must be a non-negative integer, got ${typeof value === 'number' || typeof value === 'bigint' ? String(value) : typeName(value)}`);
  }
  return value;
}

function intList(what: string, value: unknown): number[] {
  if (!Array.isArray(value)) throw new PickleError(`${what} must be a tuple of integers, got ${typeName(value)}`);
  return (value as unknown[]).map((v, i) => nonNegativeInt(`${what}[${i}]`, v));
}

/** Reads a .pt archive's object; `bytes` is the whole file. */
export function loadPt(bytes: Uint8Array, opts: PtLoadOptions = {}): unknown {
  const records = readArchive(bytes);
  const names = [...records.keys()];
  const pkl = names.find((n) => /^[^/]+\/data\.pkl$/.test(n)) ?? names.find((n) => n === 'data.pkl');
  if (pkl === undefined) {
    if (names.some((n) => /(^|\/)constants\.pkl$/.test(n) || /(^|\/)code\//.test(n))) {
      throw new PickleError('this is a TorchScript archive (torch.jit.save), not a torch.save file');
    }
    throw new PickleError('the zip archive has no <archive>/data.pkl: not a torch.save file');
  }
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const byteorder = records.get(`${prefix}byteorder`);
  const order = byteorder ? Buffer.from(byteorder).toString('latin1') : 'little';
  if (order !== 'little' && order !== 'big') throw new PickleError(`unknown byteorder '${order}'`);

  const storages = new Map<string, StorageRecord>();
  const source: TensorSource = {
    storage(pid) {
      if (pid.length !== 5) throw new PickleError(`a storage id has ${pid.length} fields, expected 5 ('storage', type, key, location, numel)`);
      const [, cls, key, location, numel] = pid;
      if (!(cls instanceof StorageClass)) throw new PickleError(`a storage id names ${typeName(cls)}, not a storage type`);
      if (typeof key !== 'string' || typeof location !== 'string') throw new PickleError('a storage id needs a string key and location');
      const seen = storages.get(key);
      if (seen) return seen;
      if (typeof cls.dtype === 'string') throw new PickleError(`${cls.path} holds ${cls.dtype} data, which torchts does not support`);
      const data = records.get(`${prefix}data/${key}`);
      if (data === undefined) throw new PickleError(`storage '${key}' is missing from the archive (no ${prefix}data/${key})`);
      const count = nonNegativeInt(`storage '${key}' size`, numel);
      const itemSize = cls.dtype?.itemSize ?? 1;
      if (count * itemSize > data.length) {
        throw new PickleError(`storage '${key}' declares ${count} elements (${count * itemSize} bytes) but its record holds ${data.length} bytes`);
      }
      const record = new StorageRecord(key, data.subarray(0, count * itemSize), cls.dtype, checkDevice(location, opts.mapLocation), order === 'big');
      storages.set(key, record);
      return record;
    },
    tensor(storage, offsetArg, sizeArg, strideArg, dtypeArg) {
      if (!(storage instanceof StorageRecord)) throw new PickleError(`a tensor's storage is ${typeName(storage)}, not a storage`);
      const dtype = dtypeArg ?? storage.dtype ?? DType.all.uint8;
      const offset = nonNegativeInt('storage offset', offsetArg);
      const size = intList('size', sizeArg);
      const stride = intList('stride', strideArg);
      if (size.length !== stride.length) throw new PickleError(`a tensor has ${size.length} sizes but ${stride.length} strides`);
      let numel = 1;
      for (const s of size) numel *= s;
      if (numel === 0) return new Tensor(native.zeros(size, dtype.name, storage.device));
      if (!Number.isSafeInteger(numel)) throw new PickleError(`a tensor of size [${size.join(', ')}] is too large`);
      let last = offset;
      for (let i = 0; i < size.length; i++) last += (size[i]! - 1) * stride[i]!;
      const available = storage.elements(dtype);
      if (!Number.isSafeInteger(last) || last >= available) {
        throw new PickleError(`a tensor of size [${size.join(', ')}] at offset ${offset} needs ${last + 1} elements of storage '${storage.key}', which holds ${available}`);
      }
      const handle = storage.handle(dtype);
      const view = stridedView(handle, available, offset, size, stride) ?? asStridedView(handle, offset, size, stride);
      return new Tensor(view);
    },
  };
  return unpickle(records.get(pkl)!, weightsOnlyHooks(source));
}

/**
 * `as_strided` over the storage, for layouts no chain of view ops reaches
 * (overlapping windows, ...): still a view, so it shares memory with the
 * storage's other tensors, as Python's `_rebuild_tensor_v2` makes it.
 */
function asStridedView(storage: NativeTensor, offset: number, size: number[], stride: number[]): NativeTensor {
  const view = asStrided(new Tensor(native.detach(storage)), size, stride, offset);
  return view._n;
}

/** The archive's records by name; refuses what could exhaust memory. */
/** A record name from a (possibly corrupt) archive, quoted on one printable line. */
function recordName(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}...` : name);
}

function readArchive(bytes: Uint8Array): Map<string, Uint8Array> {
  const records = new Map<string, Uint8Array>();
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter(file) {
        if (file.compression !== 0 && file.compression !== 8) throw new PickleError(`record ${recordName(file.name)} uses compression method ${file.compression}`);
        // Deflate cannot expand more than ~1032:1, so a larger claim is a lie (or a bomb).
        if (file.compression === 8 && file.originalSize > file.size * 1032 + 1024) throw new PickleError(`record ${recordName(file.name)} declares an impossible size`);
        if (file.compression === 0 && file.size !== file.originalSize) throw new PickleError(`record ${recordName(file.name)} has inconsistent sizes`);
        return true;
      },
    });
  } catch (err) {
    if (err instanceof PickleError) throw err;
    throw new PickleError(`not a readable zip archive (${err instanceof Error ? err.message : String(err)}; truncated?)`);
  }
  for (const [name, data] of Object.entries(files)) records.set(name, data);
  return records;
}

// ------------------------------------------------------------------ save

const STORAGE_CLASS: Record<DTypeName, string> = {
  float32: 'FloatStorage', float64: 'DoubleStorage', float16: 'HalfStorage', bfloat16: 'BFloat16Storage', int8: 'CharStorage',
  int16: 'ShortStorage', int32: 'IntStorage', int64: 'LongStorage', uint8: 'ByteStorage', bool: 'BoolStorage',
};

/** Why a value cannot be saved, with where it sits in the object. */
export class UnsaveableError extends Error {}

/** The bytes of a .pt archive holding `obj`, as Python's torch.save lays it out. */
export function ptBytes(obj: unknown, path: string): Uint8Array {
  const storages: Uint8Array[] = [];
  const memo = new Map<object, Picklable>();
  const ordered = PyRef.of('collections', 'OrderedDict');
  const noHooks = () => new PyReduce(ordered, new PyTuple([]));

  // One record per storage, as Python writes it: tensors sharing memory
  // (views, slices, transposes) point into it with their own offset and
  // strides. A record holds the storage up to the last element any saved
  // tensor reaches (Python writes the whole storage; the rest is unused).
  interface Shared { key: string; source: Tensor; numel: number; pid: (string | number | PyRef)[] }
  const shared = new Map<string, Shared>();
  const tensorReduce = (t: Tensor, requiresGrad: boolean): PyReduce => {
    const device = native.device(t._n);
    const storageClass = PyRef.of('torch', STORAGE_CLASS[t.dtype.name]);
    const rebuild = (pid: PyTuple, offset: number, stride: number[]) =>
      new PyReduce(PyRef.of('torch._utils', '_rebuild_tensor_v2'), new PyTuple([new PyPersistentId(pid), offset, new PyTuple(t.shape), new PyTuple(stride), requiresGrad, noHooks()]));
    if (t.numel() === 0) {
      const key = String(storages.length);
      storages.push(new Uint8Array(0));
      return rebuild(new PyTuple(['storage', storageClass, key, device, 0]), 0, t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1)));
    }
    const layout = native.storageLayout(t._n);
    const reach = layout.offset + 1 + t.shape.reduce((a, size, i) => a + (size - 1) * layout.stride[i]!, 0);
    const id = `${layout.storage}/${t.dtype.name}/${device}`;
    let record = shared.get(id);
    if (!record) {
      const key = String(storages.length);
      storages.push(new Uint8Array(0)); // filled once every tensor on it is known
      record = { key, source: t, numel: 0, pid: ['storage', storageClass, key, device, 0] };
      shared.set(id, record);
    }
    if (reach > record.numel) {
      record.numel = reach;
      record.source = t;
      record.pid[4] = reach; // the pid is pickled after the whole object is converted
    }
    return rebuild(new PyTuple(record.pid), layout.offset, layout.stride);
  };

  const convert = (value: unknown, where: string): Picklable => {
    if (value === null || value === undefined) return null;
    if (typeof value === 'boolean' || typeof value === 'string' || typeof value === 'bigint') return value;
    if (typeof value === 'number') return value;
    if (typeof value !== 'object') throw new UnsaveableError(`${where} is a ${typeof value}, which torch.save cannot hold`);
    const done = memo.get(value);
    if (done !== undefined) return done;
    if (value instanceof Tensor) {
      const out = value instanceof Parameter
        ? new PyReduce(PyRef.of('torch._utils', '_rebuild_parameter'), new PyTuple([tensorReduce(value, false), value.requiresGrad, noHooks()]))
        : tensorReduce(value, value.requiresGrad);
      memo.set(value, out);
      return out;
    }
    if (value instanceof DType) return PyRef.of('torch', value.name);
    if (value instanceof PyFloat) return value;
    if (value instanceof Uint8Array) {
      const out = new PyReduce(PyRef.of('_codecs', 'encode'), new PyTuple([Buffer.from(value).toString('latin1'), 'latin1']));
      memo.set(value, out);
      return out;
    }
    if (Array.isArray(value)) {
      if (Object.isFrozen(value)) {
        // A frozen array is a tuple (what tuples load as); tuples cannot contain themselves.
        const out = new PyTuple((value as unknown[]).map((v, i) => convert(v, `${where}[${i}]`)));
        memo.set(value, out);
        return out;
      }
      const out: Picklable[] = [];
      memo.set(value, out);
      (value as unknown[]).forEach((v, i) => out.push(convert(v, `${where}[${i}]`)));
      return out;
    }
    if (value instanceof Map) {
      const items = new Map<Picklable, Picklable>();
      const out = new PyReduce(ordered, new PyTuple([]), items);
      memo.set(value, out);
      for (const [k, v] of value) items.set(convert(k, `${where} key`), convert(v, `${where}[${String(k)}]`));
      return out;
    }
    if (value instanceof Set) {
      const out = new PyReduce(PyRef.of('__builtin__', 'set'), new PyTuple([[...value].map((v) => convert(v, `${where} item`))]));
      memo.set(value, out);
      return out;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new UnsaveableError(`${where} is a ${typeName(value)}, which torch.save cannot hold (tensors, numbers, strings, booleans, null, arrays, Maps, Sets, plain objects)`);
    }
    const out = new Map<Picklable, Picklable>();
    memo.set(value, out);
    for (const [k, v] of Object.entries(value)) out.set(k, convert(v, `${where}.${k}`));
    return out;
  };

  const converted = convert(obj, 'the object');
  for (const r of shared.values()) {
    const prefix = native.storagePrefix(r.source._n, r.numel);
    try {
      storages[Number(r.key)] = native.data(prefix);
    } finally {
      native.dispose(prefix);
    }
  }
  const data = pickle(converted);
  const archive = basename(path, extname(path)).replace(/[^\w.-]/g, '_') || 'archive';
  const entries: [string, Uint8Array][] = [
    ['data.pkl', data],
    ['.format_version', Buffer.from('1')],
    ['.storage_alignment', Buffer.from(String(ALIGNMENT))],
    ['byteorder', Buffer.from('little')],
    ...storages.map((s, i): [string, Uint8Array] => [`data/${i}`, s]),
    ['version', Buffer.from('3\n')],
    ['.data/serialization_id', Buffer.from(serializationId())],
  ];
  return zipAligned(entries.map(([name, bytes]) => [`${archive}/${name}`, bytes]));
}

/** 40 decimal digits, as PyTorch's writer makes. */
function serializationId(): string {
  let id = '';
  while (id.length < 40) id += String(randomInt(0, 1e9)).padStart(9, '0');
  return id.slice(0, 40);
}

/**
 * Stored entries whose data start at multiples of 64 bytes, padded with an
 * extra field 'FB' of 'Z's, as PyTorch's writer does (torch.load does not
 * require it, but mmap loading and readers that map records do benefit).
 */
function zipAligned(entries: [string, Uint8Array][]): Uint8Array {
  const files: Zippable = {};
  let offset = 0;
  for (const [name, bytes] of entries) {
    const header = 30 + Buffer.byteLength(name) + 4; // local header, name, the extra field's id and length
    const pad = (ALIGNMENT - ((offset + header) % ALIGNMENT)) % ALIGNMENT;
    files[name] = [bytes, { level: 0, mtime: new Date(1980, 0, 1), extra: { 0x4246: new Uint8Array(pad).fill(0x5a) } }];
    offset += header + pad + bytes.length;
    if (offset > ZIP_LIMIT) throw new UnsaveableError('the archive would pass 4 GiB, which needs ZIP64 records that torchts does not write yet');
  }
  return zipSync(files);
}
