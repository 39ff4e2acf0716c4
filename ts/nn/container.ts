// nn.Sequential: children run in order; built from modules or a named map.
import { Module } from './module';
import { argumentError } from '../errors';
import { Tensor } from '../tensor';
import type { Parameter } from './parameter';
import type { LayerSpec } from '../native';

/**
 * Per class: whether it is one of the engine's layers (asked once; forward
 * runs often). Containers are not: what they hold decides, per instance.
 */
const builtinClasses = new WeakMap<object, boolean>();

function isBuiltinLayer(m: Module): boolean {
  if (m instanceof Sequential) return false;
  let builtin = builtinClasses.get(m.constructor);
  if (builtin === undefined) {
    builtin = m._layerSpecs([]) !== null;
    builtinClasses.set(m.constructor, builtin);
  }
  return builtin;
}

export class Sequential extends Module {
  /**
   * `new nn.Sequential(a, b, c)` names children "0", "1", "2";
   * `new nn.Sequential({ hidden: a, act: b })` keeps the given names
   * (Python's OrderedDict form).
   */
  constructor(...modules: Module[] | [Record<string, Module> | Map<string, Module>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && (first instanceof Map || (first !== null && typeof first === 'object' && !(first instanceof Module)))) {
      const entries = first instanceof Map ? [...first] : Object.entries(first as Record<string, Module>);
      for (const [name, m] of entries) {
        if (!(m instanceof Module)) throw new TypeError(`${String(m)} is not a Module subclass`);
        this.registerModule(name, m);
      }
    } else {
      (modules as Module[]).forEach((m, i) => {
        if (!(m instanceof Module)) throw new TypeError(`${String(m)} is not a Module subclass`);
        this.registerModule(String(i), m);
      });
    }
  }

  get length(): number {
    return this._modules.size;
  }

  /** `seq.at(i)` is Python's `seq[i]` (negative indices count from the end). */
  at(index: number): Module {
    const items = [...this];
    const i = index < 0 ? index + items.length : index;
    if (i < 0 || i >= items.length) throw argumentError(`index ${index} is out of range`);
    return items[i]!;
  }

  append(module: Module): this {
    this.registerModule(String(this._modules.size), module);
    return this;
  }

  /** Every layer in order, a module added twice included (Python iterates `_modules.values()`). */
  *[Symbol.iterator](): Iterator<Module> {
    for (const [, m] of this._childSlots()) yield m;
  }

  override _layerSpecs(params: Parameter[]): LayerSpec[] | null {
    if (!this._forwardIsFrom(Sequential)) return null;
    const layers: LayerSpec[] = [];
    for (const m of this) {
      const inner = m._layerSpecs(params);
      if (!inner) return null;
      layers.push(...inner);
    }
    return layers;
  }

  override forward(input: Tensor): Tensor {
    this._checkNotBusy();
    let x: unknown = input;
    let producedByBuiltin = false;
    for (const m of this) {
      const next = m.forward(x);
      // An activation made by one built-in layer and consumed by another is
      // referenced by nobody else: free it now instead of at the next GC, so
      // (on CUDA) the caching allocator can reuse its block. Autograd keeps
      // its own references to whatever backward needs. Built-in layers (those
      // the engine runs) return fresh tensors and keep none of their inputs.
      const builtin = isBuiltinLayer(m);
      if (producedByBuiltin && builtin && next !== x && x instanceof Tensor) x.dispose();
      producedByBuiltin = builtin && next !== x && next !== input;
      x = next;
    }
    return x as Tensor;
  }
}
