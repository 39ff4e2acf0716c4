// torch.export: run models that Python exported and AOTInductor compiled.
import { native } from '../native';
import { argumentError } from '../errors';
import { describe } from '../validate';
import { AOTIPackage } from './aoti_package';

export { AOTIPackage } from './aoti_package';

export interface LoadPackageOptions {
  /** The model inside the package ("model" unless it was packaged under another name). */
  modelName?: string;
  /** How many runs may proceed at once (each runner holds its own activations). @default 1 */
  numRunners?: number;
}

/**
 * Loads a `.pt2` that `torch._inductor.aoti_compile_and_package(
 * torch.export.export(model, args))` wrote, as Python's
 * `torch._inductor.aoti_load_package` does. The package must have been
 * compiled for this platform, against libtorch 2.11.0.
 *
 * @example
 * const pkg = torch.export.loadPackage('mlp.pt2');
 * const [y] = pkg.run(x);
 */
export function loadPackage(path: string, opts: LoadPackageOptions = {}): AOTIPackage {
  if (typeof path !== 'string') throw argumentError(`torch.export.loadPackage: path must be a string, got ${describe(path)}`);
  const { modelName = 'model', numRunners = 1 } = opts;
  if (typeof modelName !== 'string') throw argumentError(`torch.export.loadPackage: modelName must be a string, got ${describe(modelName)}`);
  if (!(Number.isSafeInteger(numRunners) && numRunners > 0)) throw argumentError(`torch.export.loadPackage: numRunners must be a positive integer, got ${describe(numRunners)}`);
  return new AOTIPackage(native.NativeAotiPackage.load(path, modelName, numRunners));
}
