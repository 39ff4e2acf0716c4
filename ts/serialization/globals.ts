// torch.load's weights_only=True rules (PyTorch 2.11,
// torch/_weights_only_unpickler.py): the globals a pickle may name, what
// each builds here, and the refusal for everything else. Nothing a file
// names is ever looked up in a module or run; it is only matched against
// this table.
import { DType, type DTypeName } from '../dtype';
import { Tensor } from '../tensor';
import { Parameter } from '../nn/parameter';
import { PickleError, isTuple, typeName, type UnpickleHooks } from './pickle';

/** A global the table allowed; REDUCE calls `call`, NEWOBJ calls `construct`. */
export class Global {
  constructor(
    readonly path: string,
    readonly call?: (args: readonly unknown[]) => unknown,
    readonly construct?: (args: readonly unknown[]) => unknown,
  ) {}
  toString(): string {
    return this.path;
  }
}

/** A storage class (torch.FloatStorage, torch.storage.UntypedStorage, ...): names a storage's dtype. */
export class StorageClass extends Global {
  /** torchts's dtype; null for UntypedStorage (bytes); a string names a dtype torchts lacks. */
  constructor(path: string, readonly dtype: DType | null | string) {
    super(path);
  }
}

/** A PyTorch dtype torchts does not have (torch.complex64, torch.uint16, ...). */
export class ForeignDType extends Global {}

/** What the caller supplies: storages from the archive, tensors as views of them. */
export interface TensorSource {
  /** BINPERSID: ('storage', storage class, key, location, numel) → a storage. */
  storage(pid: readonly unknown[]): unknown;
  /** A tensor viewing `storage`; `dtype` overrides the storage's (rebuild_tensor_v3). */
  tensor(storage: unknown, offset: unknown, size: unknown, stride: unknown, dtype?: DType): Tensor;
}

// The Python 2 names torch.load maps first (torch._utils.IMPORT_MAPPING / NAME_MAPPING).
const IMPORT_MAPPING: Record<string, string> = {
  __builtin__: 'builtins', copy_reg: 'copyreg', Queue: 'queue', repr: 'reprlib', _abcoll: 'collections.abc',
  UserDict: 'collections', UserList: 'collections', UserString: 'collections', whichdb: 'dbm', StringIO: 'io', cStringIO: 'io',
};
const NAME_MAPPING: Record<string, string> = {
  '__builtin__.xrange': 'builtins.range', '__builtin__.reduce': 'functools.reduce', '__builtin__.intern': 'sys.intern',
  '__builtin__.unichr': 'builtins.chr', '__builtin__.unicode': 'builtins.str', '__builtin__.long': 'builtins.int',
  'itertools.izip': 'builtins.zip', 'itertools.imap': 'builtins.map', 'itertools.ifilter': 'builtins.filter',
  'itertools.ifilterfalse': 'itertools.filterfalse', 'itertools.izip_longest': 'itertools.zip_longest',
  'UserDict.IterableUserDict': 'collections.UserDict', 'UserList.UserList': 'collections.UserList',
  'UserString.UserString': 'collections.UserString', '__builtin__.basestring': 'builtins.str',
  'exceptions.StandardError': 'builtins.Exception', 'UserDict.UserDict': 'collections.UserDict',
};
const BLOCKED_MODULES = new Set(['sys', 'os', 'posix', 'nt']);

const STORAGE_DTYPES: Record<string, DTypeName | string> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  CharStorage: 'int8', ShortStorage: 'int16', IntStorage: 'int32', LongStorage: 'int64', ByteStorage: 'uint8', BoolStorage: 'bool',
  ComplexFloatStorage: 'torch.complex64', ComplexDoubleStorage: 'torch.complex128', QInt8Storage: 'torch.qint8',
  QInt32Storage: 'torch.qint32', QUInt8Storage: 'torch.quint8', QUInt4x2Storage: 'torch.quint4x2', QUInt2x4Storage: 'torch.quint2x4',
};
const FOREIGN_DTYPES = [
  'complex32', 'complex64', 'complex128', 'qint8', 'qint32', 'quint8', 'quint4x2', 'quint2x4', 'uint16', 'uint32', 'uint64',
  'bits8', 'bits16', 'bits1x8', 'bits2x4', 'bits4x2', 'float8_e4m3fn', 'float8_e4m3fnuz', 'float8_e5m2', 'float8_e5m2fnuz',
  'float8_e8m0fnu', 'float4_e2m1fn_x2', ...[1, 2, 3, 4, 5, 6, 7].flatMap((n) => [`uint${n}`, `int${n}`]),
];
const LEGACY_TENSOR_TYPES = ['BFloat16', 'Bool', 'Byte', 'Char', 'Double', 'Float', 'Half', 'Int', 'Long', 'Short'];

function unsupported(path: string, what: string): Global {
  return new Global(path, () => {
    throw new PickleError(`${path}: ${what} are not supported by torchts`);
  });
}

function argsOf(path: string, args: readonly unknown[], min: number, max: number): readonly unknown[] {
  if (args.length < min || args.length > max) {
    throw new PickleError(`${path} takes ${min === max ? min : `${min} to ${max}`} arguments, got ${args.length}`);
  }
  return args;
}

function expectTensor(path: string, value: unknown): Tensor {
  if (!(value instanceof Tensor)) throw new PickleError(`${path} expects a tensor, got ${typeName(value)}`);
  return value;
}

function latin1(path: string, text: unknown): Uint8Array {
  if (typeof text !== 'string') throw new PickleError(`${path} expects a str, got ${typeName(text)}`);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new PickleError(`${path}: character U+${code.toString(16)} is not latin-1`);
    out[i] = code;
  }
  return out;
}

/** The allow-list as PyTorch 2.11 has it, each entry building its torchts value. */
function allowedGlobals(source: TensorSource, ordered: WeakSet<object>): Map<string, unknown> {
  const table = new Map<string, unknown>();
  const add = (g: Global): void => void table.set(g.path, g);

  add(new Global('collections.OrderedDict', (args) => {
    const map = new Map<unknown, unknown>(argsOf('collections.OrderedDict', args, 0, 1).length ? pairs('collections.OrderedDict', args[0]) : []);
    ordered.add(map);
    return map;
  }));
  add(new Global('collections.Counter', (args) => new Map(argsOf('collections.Counter', args, 0, 1).length ? pairs('collections.Counter', args[0]) : [])));
  add(new Global('builtins.set', (args) => new Set(argsOf('builtins.set', args, 0, 1).length ? iterable('builtins.set', args[0]) : [])));
  add(new Global('_codecs.encode', (args) => {
    const [text, encoding] = argsOf('_codecs.encode', args, 2, 2);
    if (encoding !== 'latin1' && encoding !== 'latin-1') throw new PickleError(`_codecs.encode: only latin1 is used for bytes, got ${String(encoding)}`);
    return latin1('_codecs.encode', text);
  }));
  add(new Global('builtins.bytearray', (args) => {
    argsOf('builtins.bytearray', args, 0, 2);
    if (args.length === 0) return new Uint8Array(0);
    if (args[0] instanceof Uint8Array) return Uint8Array.from(args[0]);
    return latin1('builtins.bytearray', args[0]);
  }));
  add(unsupported('builtins.complex', 'complex numbers'));
  add(new Global('torch.Size', (args) => {
    const [dims] = argsOf('torch.Size', args, 0, 1);
    const sizes = dims === undefined ? [] : iterable('torch.Size', dims);
    if (!sizes.every((d) => Number.isSafeInteger(d))) throw new PickleError('torch.Size expects integers');
    return Object.freeze(sizes);
  }));
  add(new Global('torch.device', (args) => {
    const [type, index] = argsOf('torch.device', args, 1, 2);
    if (typeof type !== 'string') throw new PickleError(`torch.device expects a str, got ${typeName(type)}`);
    return index === undefined || index === null ? type : `${type}:${String(index)}`;
  }));
  add(new Global('torch.serialization._get_layout', (args) => {
    const [name] = argsOf('torch.serialization._get_layout', args, 1, 1);
    if (name !== 'torch.strided') throw new PickleError(`layout ${String(name)} is not supported by torchts (strided only)`);
    return name;
  }));
  add(new Global('torch.Tensor'));
  add(new Global('torch.nn.parameter.Parameter', undefined, (args) => {
    const [data, requiresGrad] = argsOf('torch.nn.parameter.Parameter', args, 0, 2);
    return new Parameter(expectTensor('torch.nn.parameter.Parameter', data), requiresGrad !== false);
  }));

  for (const name of Object.keys(DType.all) as DTypeName[]) table.set(`torch.${name}`, DType.all[name]);
  for (const name of FOREIGN_DTYPES) add(new ForeignDType(`torch.${name}`));
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) {
    const resolved = dtype in DType.all ? DType.all[dtype as DTypeName] : dtype;
    add(new StorageClass(`torch.${name}`, resolved));
    if (!name.startsWith('Q')) add(new StorageClass(`torch.cuda.${name}`, resolved));
  }
  add(new StorageClass('torch.storage.UntypedStorage', null));
  add(new StorageClass('torch.storage.TypedStorage', 'torch.storage.TypedStorage'));
  for (const type of LEGACY_TENSOR_TYPES) {
    for (const prefix of ['torch.', 'torch.cuda.']) add(unsupported(`${prefix}${type}Tensor`, 'legacy tensor constructors'));
    if (type !== 'Bool') for (const prefix of ['torch.sparse.', 'torch.cuda.sparse.']) add(unsupported(`${prefix}${type}Tensor`, 'sparse tensors'));
  }
  for (const scheme of ['per_tensor_affine', 'per_tensor_symmetric', 'per_channel_affine', 'per_channel_symmetric', 'per_channel_affine_float_qparams']) {
    add(new Global(`torch.${scheme}`));
  }

  const rebuild = (name: string, min: number, max: number, build: (args: readonly unknown[]) => unknown): void =>
    add(new Global(`torch._utils.${name}`, (args) => build(argsOf(`torch._utils.${name}`, args, min, max))));
  const withGrad = (t: Tensor, requiresGrad: unknown): Tensor => {
    if (requiresGrad === true) t.requiresGrad = true;
    return t;
  };
  rebuild('_rebuild_tensor', 4, 4, ([s, o, size, stride]) => source.tensor(s, o, size, stride));
  rebuild('_rebuild_tensor_v2', 6, 7, ([s, o, size, stride, grad]) => withGrad(source.tensor(s, o, size, stride), grad));
  rebuild('_rebuild_tensor_v3', 7, 8, ([s, o, size, stride, grad, , dtype]) => {
    if (!(dtype instanceof DType)) throw new PickleError(`torch._utils._rebuild_tensor_v3: dtype ${String(dtype)} is not supported by torchts`);
    return withGrad(source.tensor(s, o, size, stride, dtype), grad);
  });
  rebuild('_rebuild_parameter', 3, 3, ([data, grad]) => new Parameter(expectTensor('torch._utils._rebuild_parameter', data), grad !== false));
  // The state holds Python attributes set on the parameter; torchts keeps none.
  rebuild('_rebuild_parameter_with_state', 4, 4, ([data, grad]) => new Parameter(expectTensor('torch._utils._rebuild_parameter_with_state', data), grad !== false));
  rebuild('_rebuild_device_tensor_from_cpu_tensor', 4, 4, ([data, dtype, device, grad]) => {
    const t = expectTensor('torch._utils._rebuild_device_tensor_from_cpu_tensor', data);
    if (!(dtype instanceof DType)) throw new PickleError(`dtype ${String(dtype)} is not supported by torchts`);
    return withGrad(t.to({ dtype, device: typeof device === 'string' ? device : 'cpu' }), grad);
  });
  for (const [name, what] of [
    ['_rebuild_qtensor', 'quantized tensors'], ['_rebuild_sparse_tensor', 'sparse tensors'],
    ['_rebuild_meta_tensor_no_storage', 'meta tensors'], ['_rebuild_nested_tensor', 'nested tensors'],
    ['_rebuild_wrapper_subclass', 'tensor subclasses'], ['_rebuild_device_tensor_from_numpy', 'numpy-backed tensors'],
  ] as const) add(unsupported(`torch._utils.${name}`, what));
  add(new Global('torch._tensor._rebuild_from_type_v2', (args) => {
    const [fn, type, inner] = argsOf('torch._tensor._rebuild_from_type_v2', args, 4, 4);
    if (!(fn instanceof Global) || !fn.call) throw new PickleError(`torch._tensor._rebuild_from_type_v2: cannot call ${typeName(fn)}`);
    if (!(type instanceof Global) || (type.path !== 'torch.Tensor' && type.path !== 'torch.nn.parameter.Parameter')) {
      throw new PickleError(`torch._tensor._rebuild_from_type_v2: tensor subclass ${String(type)} is not supported by torchts`);
    }
    if (!isTuple(inner)) throw new PickleError('torch._tensor._rebuild_from_type_v2: arguments must be a tuple');
    const t = expectTensor('torch._tensor._rebuild_from_type_v2', fn.call(inner));
    return type.path === 'torch.nn.parameter.Parameter' && !(t instanceof Parameter) ? new Parameter(t, t.requiresGrad) : t;
  }));
  return table;
}

function iterable(path: string, value: unknown): unknown[] {
  if (Array.isArray(value)) return [...(value as unknown[])];
  if (value instanceof Set) return [...value];
  if (value instanceof Map) return [...value.keys()];
  throw new PickleError(`${path} expects a list or tuple, got ${typeName(value)}`);
}

function pairs(path: string, value: unknown): [unknown, unknown][] {
  if (value instanceof Map) return [...value];
  return iterable(path, value).map((pair) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw new PickleError(`${path} expects (key, value) pairs`);
    return [pair[0], pair[1]] as [unknown, unknown];
  });
}

/** The unpickler hooks that apply weights_only=True, building tensors through `source`. */
export function weightsOnlyHooks(source: TensorSource): UnpickleHooks {
  const ordered = new WeakSet<object>();
  const table = allowedGlobals(source, ordered);
  return {
    global(module, name) {
      let path = `${module}.${name}`;
      if (NAME_MAPPING[path]) path = NAME_MAPPING[path];
      else if (IMPORT_MAPPING[module]) path = `${IMPORT_MAPPING[module]}.${name}`;
      const found = table.get(path);
      if (found !== undefined) return found;
      const mod = path.slice(0, path.lastIndexOf('.'));
      if (BLOCKED_MODULES.has(mod)) throw new PickleError(`Unsupported global: GLOBAL ${path} (module ${mod} is blocked; nothing from the file was run)`);
      throw new PickleError(`Unsupported global: GLOBAL ${path} is not an allowed global under weights_only=True (nothing from the file was run)`);
    },
    reduce(fn, args) {
      if (!(fn instanceof Global) || !fn.call) throw new PickleError(`Trying to call reduce for unrecognized function ${fn instanceof DType ? String(fn) : typeName(fn)}`);
      return fn.call(args);
    },
    newObj(cls, args) {
      if (!(cls instanceof Global) || !cls.construct) {
        throw new PickleError(`Can only create new object for nn.Parameter, but got ${cls instanceof Global || cls instanceof DType ? String(cls) : typeName(cls)}`);
      }
      return cls.construct(args);
    },
    build(inst, state) {
      if (inst instanceof Map && ordered.has(inst)) {
        // An OrderedDict's attributes (a state dict's _metadata): torchts keeps none.
        if (state !== null && !(state instanceof Map) && !isTuple(state)) throw new PickleError(`BUILD state for an OrderedDict must be a dict, got ${typeName(state)}`);
        return;
      }
      if (inst instanceof Tensor) throw new PickleError('BUILD on a tensor (legacy tensor state or Python attributes) is not supported by torchts');
      throw new PickleError(`Can only build Tensor, Parameter or OrderedDict, but got ${typeName(inst)}`);
    },
    persistentLoad(pid) {
      if (typeof pid === 'number') throw new PickleError('integer persistent ids (legacy torch.save format) are not supported by torchts');
      if (!isTuple(pid)) throw new PickleError(`persistent_load id must be tuple or int, but got ${typeName(pid)}`);
      const kind = pid[0] instanceof Uint8Array ? Buffer.from(pid[0]).toString('latin1') : pid[0];
      if (kind !== 'storage') throw new PickleError(`Only persistent_load of storage is allowed, but got ${typeName(pid[0])}`);
      return source.storage(pid);
    },
    isDict(value): value is Map<unknown, unknown> {
      return value instanceof Map;
    },
  };
}
