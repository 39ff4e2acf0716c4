// torch.save / torch.load for tensor dicts (state dicts) in the safetensors
// format: files written here load in Python with safetensors.torch.load_file,
// and the reverse.
import { native } from './native';
import { argumentError } from './errors';
import { Tensor } from './tensor';
import { describe } from './validate';

export type TensorDict = Map<string, Tensor> | Record<string, Tensor>;

/** Writes a name → tensor dict (e.g. `model.stateDict()`) as safetensors. */
export function save(obj: TensorDict, path: string): void {
  if (obj === null || typeof obj !== 'object' || obj instanceof Tensor || Array.isArray(obj)) {
    throw argumentError(`torch.save: expected a dict of tensors (a Map or an object), got ${describe(obj)}`);
  }
  const entries = obj instanceof Map ? [...obj] : Object.entries(obj);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw argumentError(`torch.save: "${name}" is not a Tensor; only dicts of tensors can be saved as safetensors`);
  }
  if (typeof path !== 'string' || path === '') throw argumentError('torch.save: path must be a non-empty string');
  native.saveSafetensors(entries.map(([n]) => n), entries.map(([, t]) => t._n), path);
}

/** Reads a safetensors file into a Map (load it into a model with `loadStateDict`). */
export function load(path: string): Map<string, Tensor> {
  if (typeof path !== 'string' || path === '') throw argumentError('torch.load: path must be a non-empty string');
  const { names, tensors } = native.loadSafetensors(path);
  return new Map(names.map((n, i) => [n, new Tensor(tensors[i]!)]));
}
