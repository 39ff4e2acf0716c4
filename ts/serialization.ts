// torch.save / torch.load: PyTorch's own .pt format (a zip archive and a
// pickle, read under torch.load's weights_only=True rules; ts/serialization/)
// and safetensors (through the native layer). Files written here load in
// Python with torch.load / safetensors.torch.load_file, and the reverse.
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { native } from './native';
import { TorchError, argumentError } from './errors';
import { Tensor } from './tensor';
import { deviceString, type DeviceLike } from './device';
import { describe } from './validate';
import { PickleError } from './serialization/pickle';
import { UnsaveableError, isZip, loadPt, ptBytes } from './serialization/pt';

export type TensorDict = Map<string, Tensor> | Record<string, Tensor>;

export interface SaveOptions {
  /** 'pt' (PyTorch's zip + pickle) or 'safetensors'; by default `.safetensors` paths get safetensors, all others pt. */
  format?: 'pt' | 'safetensors';
}

export interface LoadOptions {
  /** Loads every tensor onto this device instead of the one it was saved from (PyTorch's map_location). */
  mapLocation?: DeviceLike;
}

/**
 * Writes `obj` to `path`. In the pt format (the default, as PyTorch's) `obj`
 * may be a tensor, a state dict, or nested arrays, Maps (OrderedDict), plain
 * objects (dict), Sets, numbers, strings, booleans, null and Uint8Arrays
 * (bytes); frozen arrays are written as tuples. Safetensors holds a dict of
 * tensors only.
 */
export function save(obj: unknown, path: string, options: SaveOptions = {}): void {
  if (typeof path !== 'string' || path === '') throw argumentError('torch.save: path must be a non-empty string');
  const format = options.format ?? (extname(path).toLowerCase() === '.safetensors' ? 'safetensors' : 'pt');
  if (format === 'safetensors') return saveSafetensors(obj, path);
  if (format !== 'pt') throw argumentError(`torch.save: format must be 'pt' or 'safetensors', got ${describe(format)}`);
  let bytes: Uint8Array;
  try {
    bytes = ptBytes(obj, path);
  } catch (err) {
    if (err instanceof UnsaveableError || err instanceof PickleError) throw argumentError(`torch.save: ${err.message}`);
    throw err;
  }
  try {
    writeFileSync(path, bytes);
  } catch (err) {
    throw new TorchError(`torch.save: cannot write '${path}' (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'TORCH_ERROR');
  }
}

function saveSafetensors(obj: unknown, path: string): void {
  if (obj === null || typeof obj !== 'object' || obj instanceof Tensor || Array.isArray(obj)) {
    throw argumentError(`torch.save: expected a dict of tensors (a Map or an object), got ${describe(obj)}`);
  }
  const entries = obj instanceof Map ? [...(obj as Map<unknown, unknown>)] : Object.entries(obj);
  for (const [name, t] of entries) {
    if (typeof name !== 'string') throw argumentError(`torch.save: safetensors keys must be strings, got ${describe(name)}`);
    if (!(t instanceof Tensor)) throw argumentError(`torch.save: "${name}" is not a Tensor; only dicts of tensors can be saved as safetensors`);
  }
  native.saveSafetensors(entries.map(([n]) => n as string), entries.map(([, t]) => (t as Tensor)._n), path);
}

/**
 * Reads a file torch.save wrote (PyTorch's .pt zip format, or safetensors;
 * told apart by the file's bytes). A .pt file's pickle is read under
 * PyTorch's weights_only=True rules: only tensors, containers and plain
 * values are rebuilt, any other global is refused, and nothing from the file
 * ever runs. Dicts load as Maps, tuples as frozen arrays, bytes as
 * Uint8Arrays, ints beyond 2^53 as bigints. The type parameter is the
 * caller's claim about the contents (a state dict by default), as Python's
 * torch.load returns Any.
 */
export function load<T = Map<string, Tensor>>(path: string, options: LoadOptions = {}): T {
  if (typeof path !== 'string' || path === '') throw argumentError('torch.load: path must be a non-empty string');
  const head = readHead(path);
  if (isZip(head)) {
    const mapLocation = deviceString(options.mapLocation);
    try {
      return loadPt(readFileSync(path), { mapLocation }) as T;
    } catch (err) {
      if (err instanceof PickleError) throw argumentError(`${path}: ${err.message}`);
      throw err;
    }
  }
  if (head[0] === 0x80 && extname(path).toLowerCase() !== '.safetensors') {
    throw argumentError(`${path}: a legacy torch.save file (PyTorch before 1.6, or _use_new_zipfile_serialization=False); torchts reads the zip format`);
  }
  if (extname(path).toLowerCase() !== '.safetensors' && !(head.length > 8 && head[8] === 0x7b)) {
    throw argumentError(`${path}: not a PyTorch file (neither the zip archive torch.save writes nor safetensors)`);
  }
  const { names, tensors } = native.loadSafetensors(path);
  return new Map(names.map((n, i) => [n, new Tensor(tensors[i]!)])) as T;
}

/** The first bytes of the file, enough to tell the formats apart. */
function readHead(path: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw argumentError(`No such file or directory: '${path}'`);
    throw new TorchError(`torch.load: cannot read '${path}' (${code ?? String(err)})`, 'TORCH_ERROR');
  }
  try {
    const head = new Uint8Array(16);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
