// torch.jit.ScriptModule: a TorchScript module saved by Python
// (torch.jit.script or torch.jit.trace, then .save), run by libtorch's
// TorchScript interpreter. Its methods are the module's own (forward and the
// @torch.jit.export ones); its parameters and buffers live in the module.
import { Tensor } from '../tensor';
import { CallableInstance } from '../callable';
import { argumentError } from '../errors';
import { isGradEnabled } from '../autograd';
import { deviceString, type DeviceLike } from '../device';
import { describe } from '../validate';
import type { NativeScriptModule } from '../../native/index';
import type { NativeTensor } from '../native';
import { fromJitValue, toJitArg, type ScriptResult, type ScriptValue } from './ivalue';

// oxlint-disable-next-line typescript/no-unsafe-declaration-merging -- the call signature is real: CallableInstance makes it a function (ts/callable.ts)
export interface ScriptModule {
  /** Python's `module(x)`: runs `forward`. */
  (...inputs: ScriptValue[]): ScriptResult;
}

export class ScriptModule extends CallableInstance {
  /** @internal */
  readonly _native: NativeScriptModule;

  /** @internal use torch.jit.load. */
  constructor(handle: NativeScriptModule) {
    super();
    this._native = handle;
  }

  /** What `m(x)` runs: `forward` (TorchScript modules have no hooks). */
  call(...inputs: ScriptValue[]): ScriptResult {
    return this.forward(...inputs);
  }

  /** True in training mode (what `self.training` reads inside the module). */
  get training(): boolean {
    return this._native.isTraining();
  }

  /**
   * Runs the module's `forward`, as Python's `module(x)` does for a
   * ScriptModule (TorchScript modules have no hooks).
   *
   * @example
   * const m = torch.jit.load('model.pt');
   * const logits = m.forward(x) as torch.Tensor;
   */
  forward(...inputs: ScriptValue[]): ScriptResult {
    return this.callMethod('forward', ...inputs);
  }

  /**
   * `forward` on napi's thread pool: the event loop stays free. Any number
   * of calls may share a module; its parameters, buffers and the inputs are
   * read-only until the promise settles, and train()/eval()/to() wait for it.
   */
  forwardAsync(...inputs: ScriptValue[]): Promise<ScriptResult> {
    return this.callMethodAsync('forward', ...inputs);
  }

  /** Calls a method exported with `@torch.jit.export` (or `forward`) by name. */
  callMethod(name: string, ...args: ScriptValue[]): ScriptResult {
    if (typeof name !== 'string') throw argumentError(`ScriptModule.callMethod: name must be a string, got ${describe(name)}`);
    const wire = args.map((a, i) => toJitArg(a, `ScriptModule.${name}: argument ${i + 1}`));
    return fromJitValue(this._native.call(name, wire));
  }

  /** `callMethod` on napi's thread pool, under the caller's grad mode. */
  async callMethodAsync(name: string, ...args: ScriptValue[]): Promise<ScriptResult> {
    if (typeof name !== 'string') throw argumentError(`ScriptModule.callMethodAsync: name must be a string, got ${describe(name)}`);
    const wire = args.map((a, i) => toJitArg(a, `ScriptModule.${name}: argument ${i + 1}`));
    return fromJitValue(await this._native.callAsync(name, wire, isGradEnabled()));
  }

  /** The names of the methods callMethod can call. */
  methodNames(): string[] {
    return this._native.methodNames();
  }

  /** Sets training mode on this module and every submodule; returns this. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw argumentError(`training mode is expected to be boolean, got ${describe(mode)}`);
    this._native.setTraining(mode);
    return this;
  }

  /** `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Parameters with their dotted names ('fc1.weight'); they share the module's memory. */
  *namedParameters(): Generator<[string, Tensor]> {
    yield* named(this._native.namedTensors('parameters'));
  }

  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  /** Buffers with their dotted names ('bn.running_mean'). */
  *namedBuffers(): Generator<[string, Tensor]> {
    yield* named(this._native.namedTensors('buffers'));
  }

  buffers(): Tensor[] {
    return [...this.namedBuffers()].map(([, b]) => b);
  }

  /** Parameters and buffers under PyTorch's state-dict keys, in its order; they share the module's memory. */
  stateDict(): Map<string, Tensor> {
    return new Map(named(this._native.namedTensors('state')));
  }

  /** Moves every parameter and buffer to `device`, in place; returns this. */
  to(device: DeviceLike): this {
    const where = deviceString(device);
    if (where === undefined) throw argumentError(`ScriptModule.to: expected a device, got ${describe(device)}`);
    this._native.toDevice(where);
    return this;
  }

  /** Python's repr: `RecursiveScriptModule(original_name=...)` and the submodules. */
  override toString(): string {
    return this._native.repr();
  }
}

function* named(set: { names: string[]; tensors: NativeTensor[] }): Generator<[string, Tensor]> {
  for (let i = 0; i < set.names.length; i++) yield [set.names[i]!, new Tensor(set.tensors[i]!)];
}
