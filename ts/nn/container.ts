// nn.Sequential: children run in order; built from modules or a named map.
import { Module } from './module';
import { argumentError } from '../errors';

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
    const items = [...this.children()];
    const i = index < 0 ? index + items.length : index;
    if (i < 0 || i >= items.length) throw argumentError(`index ${index} is out of range`);
    return items[i]!;
  }

  append(module: Module): this {
    this.registerModule(String(this._modules.size), module);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children();
  }

  override forward(input: unknown): unknown {
    this._checkNotBusy();
    let x = input;
    for (const m of this.children()) x = m.forward(x);
    return x;
  }
}
