// An AOTInductor package: a model that Python's torch.export captured and
// AOTInductor compiled ahead of time into a .pt2 (a zip holding a shared
// library and its weights), run by libtorch's AOTIModelPackageLoader.
import { Tensor } from '../tensor';
import { CallableInstance } from '../callable';
import { argumentError } from '../errors';
import { describe } from '../validate';
import type { NativeAotiPackage } from '../../native/index';

function handles(op: string, inputs: Tensor[]) {
  return inputs.map((t, i) => {
    if (!(t instanceof Tensor)) throw argumentError(`AOTIPackage.${op}: input ${i} must be a Tensor, got ${describe(t)}`);
    return t._n;
  });
}

// oxlint-disable-next-line typescript/no-unsafe-declaration-merging -- the call signature is real: CallableInstance makes it a function (ts/callable.ts)
export interface AOTIPackage {
  /** Python's `package(x)`: runs the model (`run`). */
  (...inputs: Tensor[]): Tensor[];
}

export class AOTIPackage extends CallableInstance {
  /** @internal */
  readonly _native: NativeAotiPackage;

  /** @internal use torch.export.loadPackage. */
  constructor(handle: NativeAotiPackage) {
    super();
    this._native = handle;
  }

  /** What `pkg(x)` runs: `run`. */
  call(...inputs: Tensor[]): Tensor[] {
    return this.run(...inputs);
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
