// An AOTInductor package: a model that Python's torch.export captured and
// AOTInductor compiled ahead of time into a .pt2 (a zip holding a shared
// library and its weights), run by libtorch's AOTIModelPackageLoader.
import { Tensor } from '../tensor';
import { argumentError } from '../errors';
import { describe } from '../validate';
import type { NativeAotiPackage } from '../../native/index';

function handles(op: string, inputs: Tensor[]) {
  return inputs.map((t, i) => {
    if (!(t instanceof Tensor)) throw argumentError(`AOTIPackage.${op}: input ${i} must be a Tensor, got ${describe(t)}`);
    return t._n;
  });
}

export class AOTIPackage {
  /** @internal */
  readonly _native: NativeAotiPackage;

  /** @internal use torch.export.loadPackage. */
  constructor(handle: NativeAotiPackage) {
    this._native = handle;
  }

  /**
   * Runs the compiled model on its flattened tensor inputs and returns its
   * flattened outputs, as Python's loaded package does (grad mode is off
   * inside, as AOTInductor requires). Inputs must match the dtypes, devices
   * and (static) sizes they had at export.
   *
   * @example
   * const pkg = torch.export.loadPackage('mlp.pt2');
   * const [logits] = pkg.run(x);
   */
  run(...inputs: Tensor[]): Tensor[] {
    return this._native.run(handles('run', inputs)).map((h) => new Tensor(h));
  }

  /** `run`, for code written against modules. */
  forward(...inputs: Tensor[]): Tensor[] {
    return this.run(...inputs);
  }

  /** `run` on napi's thread pool; any number may be in flight (they take turns on the package's runners). */
  async runAsync(...inputs: Tensor[]): Promise<Tensor[]> {
    const out = await this._native.runAsync(handles('runAsync', inputs));
    return out.map((h) => new Tensor(h));
  }

  /** What the package records about its build (AOTI_DEVICE_KEY, AOTI_PLATFORM, AOTI_MACHINE, ...). */
  metadata(): Record<string, string> {
    return Object.fromEntries(this._native.metadata().map(([k, v]) => [k!, v!]));
  }
}
