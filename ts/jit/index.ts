// torch.jit: load, run and save TorchScript modules made in Python.
import { native } from '../native';
import { argumentError } from '../errors';
import { deviceString, type DeviceLike } from '../device';
import { describe } from '../validate';
import { ScriptModule } from './script_module';

export { ScriptModule } from './script_module';
export type { ScriptValue, ScriptResult } from './ivalue';

export interface JitLoadOptions {
  /** Where parameters and buffers go ('cpu', 'cuda:0'); by default, where they were saved. */
  device?: DeviceLike;
}

/**
 * Loads a module saved by Python's `torch.jit.save` (scripted or traced).
 *
 * @example
 * const m = torch.jit.load('model.pt');
 * m.eval();
 * const y = m.forward(x);
 */
export function load(path: string, opts: JitLoadOptions = {}): ScriptModule {
  if (typeof path !== 'string') throw argumentError(`torch.jit.load: path must be a string, got ${describe(path)}`);
  const device = opts.device === undefined ? undefined : deviceString(opts.device);
  return new ScriptModule(native.NativeScriptModule.load(path, device));
}

/** Saves a ScriptModule as Python's `torch.jit.save` does; Python's torch.jit.load reads it. */
export function save(module: ScriptModule, path: string): void {
  if (!(module instanceof ScriptModule)) throw argumentError(`torch.jit.save: expected a ScriptModule, got ${describe(module)}`);
  if (typeof path !== 'string') throw argumentError(`torch.jit.save: path must be a string, got ${describe(path)}`);
  module._native.save(path);
}
