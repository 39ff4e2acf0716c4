// nn.Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict,
// as torch/nn/modules/container.py.
import { Module } from './module';
import { argumentError } from '../errors';
import { Tensor } from '../tensor';
import { Parameter } from './parameter';
import type { LayerSpec } from '../native';

/**
 * Per class: whether it is one of the engine's layers (asked once; forward
 * runs often). Containers are not: what they hold decides, per instance.
 */
const builtinClasses = new WeakMap<object, boolean>();

function isBuiltinLayer(m: Module): boolean {
  // A hook may keep what the layer takes or returns.
  if (m instanceof Sequential || m._hasForwardHooks()) return false;
  let builtin = builtinClasses.get(m.constructor);
  if (builtin === undefined) {
    builtin = m._layerSpecs([]) !== null;
    builtinClasses.set(m.constructor, builtin);
  }
  return builtin;
}

/** What a Sequential of layers `T` holds: their union, or any Module when nothing says more. */
type SequentialItem<T extends readonly Module[]> = T extends readonly [] ? Module : T[number];

/** The valid literal indices of a tuple of layers (0 | 1 | … ); never for a plain array. */
type LayerIndex<T extends readonly Module[]> = { [K in keyof T]: K extends `${infer N extends number}` ? N : never }[number];

/**
 * Layers run in order, as Python's nn.Sequential. Built from a list, it keeps
 * each layer's type: `new nn.Sequential(new nn.Linear(3, 1), new nn.Flatten(0, 1)).at(0)`
 * is a `Linear`.
 */
export class Sequential<T extends readonly Module[] = Module[]> extends Module {
  /**
   * `new nn.Sequential(a, b, c)` names children "0", "1", "2";
   * `new nn.Sequential({ hidden: a, act: b })` keeps the given names
   * (Python's OrderedDict form).
   */
  constructor(...modules: T);
  constructor(modules: Record<string, Module> | Map<string, Module>);
  constructor(...modules: readonly Module[] | [Record<string, Module> | Map<string, Module>]) {
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

  override get length(): number {
    return this._modules.size;
  }

  /** `seq.at(i)` is Python's `seq[i]` (negative indices count from the end). */
  at<I extends LayerIndex<T>>(index: I): T[I];
  at(index: number): SequentialItem<T>;
  at(index: number): Module {
    const items = [...this];
    const i = index < 0 ? index + items.length : index;
    if (i < 0 || i >= items.length) throw argumentError(`index ${index} is out of range`);
    return items[i]!;
  }

  append(module: SequentialItem<T>): this {
    this.registerModule(String(this._modules.size), module);
    return this;
  }

  /** Every layer in order, a module added twice included (Python iterates `_modules.values()`). */
  *[Symbol.iterator](): Iterator<SequentialItem<T>> {
    // Only the constructor's layers and appended ones are registered here.
    for (const [, m] of this._childSlots()) yield m as SequentialItem<T>;
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
    // Each layer takes what the one before returned: the chain, not T, types it.
    for (const m of this as Iterable<Module>) {
      const next: unknown = m.call(x);
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

/** Python's `_addindent` for a child's repr. */
function indentChild(text: string): string {
  const lines = text.split('\n');
  return lines.length === 1 ? text : [lines[0], ...lines.slice(1).map((l) => `  ${l}`)].join('\n');
}

/**
 * Holds submodules in a list, registered as "0", "1", …; it has no forward
 * (iterate it in yours).
 *
 * @example
 * class Net extends nn.Module {
 *   blocks = new nn.ModuleList([new nn.Linear(4, 4), new nn.ReLU()]);
 *   forward(x: Tensor) { for (const b of this.blocks) x = b(x); return x; }
 * }
 */
export class ModuleList<T extends Module = Module> extends Module {
  constructor(modules: Iterable<T> = []) {
    super();
    this.extend(modules);
  }

  override get length(): number {
    return this._modules.size;
  }

  private items(): T[] {
    // Only `T`s are registered here (constructor, set, append, insert).
    return [...this._modules.values()] as T[];
  }

  /** `list.at(i)` is Python's `list[i]` (negative indices count from the end). */
  at(index: number): T {
    const items = this.items();
    const i = index < 0 ? index + items.length : index;
    if (!Number.isInteger(i) || i < 0 || i >= items.length) throw argumentError(`index ${index} is out of range`);
    return items[i]!;
  }

  /** `list[i] = module`. */
  set(index: number, module: T): void {
    const i = index < 0 ? index + this.length : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw argumentError(`index ${index} is out of range`);
    this.registerModule(String(i), checkModule(module));
  }

  append(module: T): this {
    this.registerModule(String(this._modules.size), checkModule(module));
    return this;
  }

  extend(modules: Iterable<T>): this {
    if (modules === null || typeof (modules as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
      throw new TypeError(`ModuleList.extend should be called with an iterable, but got ${typeof modules}`);
    }
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts before `index`, renumbering the rest. */
  insert(index: number, module: T): void {
    const items = this.items();
    const i = Math.max(0, Math.min(items.length, index < 0 ? index + items.length : index));
    items.splice(i, 0, checkModule(module));
    this.renumber(items);
  }

  /** Removes and returns the module at `index` (the rest renumbered). */
  pop(index = -1): T {
    const items = this.items();
    const m = this.at(index);
    items.splice(items.indexOf(m, index < 0 ? index + items.length : index), 1);
    this.renumber(items);
    return m;
  }

  private renumber(items: T[]): void {
    this._modules.clear();
    items.forEach((m, i) => this.registerModule(String(i), m));
  }

  *[Symbol.iterator](): Iterator<T> {
    yield* this.items();
  }

  /** PyTorch's ModuleList repr: runs of identical children print once, as `(0-2): 3 x ReLU()`. */
  override toString(): string {
    const reprs = this.items().map((m) => m.toString());
    if (reprs.length === 0) return `${this.constructor.name}()`;
    const blocks: { start: number; end: number; repr: string }[] = [];
    reprs.forEach((r, i) => {
      const last = blocks[blocks.length - 1];
      if (last && last.repr === r) last.end = i;
      else blocks.push({ start: i, end: i, repr: r });
    });
    const lines = blocks.map(({ start, end, repr }) =>
      indentChild(start === end ? `(${start}): ${repr}` : `(${start}-${end}): ${end - start + 1} x ${repr}`));
    return `${this.constructor.name}(\n  ${lines.join('\n  ')}\n)`;
  }
}

function checkModule<T extends Module>(m: T): T {
  if (!(m instanceof Module)) throw new TypeError(`${String(m)} is not a Module subclass`);
  return m;
}

/**
 * Holds submodules by name, in insertion order (Python's ModuleDict); it has
 * no forward.
 *
 * @example
 * const heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), reg: new nn.Linear(8, 1) });
 * heads.get('cls')(x);
 */
export class ModuleDict<T extends Module = Module> extends Module {
  constructor(modules: Record<string, T> | Map<string, T> | Iterable<[string, T]> = {}) {
    super();
    this.update(modules);
  }

  override get length(): number {
    return this._modules.size;
  }

  get(key: string): T {
    // Only `T`s are registered here (constructor, set, update).
    const m = this._modules.get(key) as T | null | undefined;
    if (!m) throw argumentError(`KeyError: '${key}'`);
    return m;
  }

  set(key: string, module: T): void {
    this.registerModule(key, checkModule(module));
  }

  has(key: string): boolean {
    return this._modules.has(key);
  }

  /** Removes `key` and returns its module. */
  pop(key: string): T {
    const m = this.get(key);
    this._modules.delete(key);
    return m;
  }

  clear(): void {
    this._modules.clear();
  }

  update(modules: Record<string, T> | Map<string, T> | Iterable<[string, T]>): void {
    const entries = modules instanceof Map || typeof (modules as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
      ? [...(modules as Iterable<[string, T]>)]
      : Object.entries(modules as Record<string, T>);
    for (const [k, m] of entries) this.set(k, m);
  }

  keys(): string[] {
    return [...this._modules.keys()];
  }

  values(): Module[] {
    return [...this._modules.values()] as Module[];
  }

  items(): [string, Module][] {
    return [...this._modules] as [string, Module][];
  }

  /** Iterates the keys, as Python's dict does. */
  *[Symbol.iterator](): Iterator<string> {
    yield* this._modules.keys();
  }
}

/** One line of ParameterList's and ParameterDict's repr. */
function parameterLine(key: string, p: Parameter, typeName: string): string {
  const size = p.shape.join('x');
  const device = p.device.type === 'cuda' ? ` (${String(p.device)})` : '';
  return `  (${key}): Parameter containing: [${typeName} of size ${size}${device}]`;
}

/** A Tensor as a Parameter: Parameters as they are, other tensors wrapped (sharing storage), as PyTorch's containers do. */
function asParameter(owner: string, value: unknown): Parameter {
  if (value instanceof Parameter) return value;
  if (value instanceof Tensor) return new Parameter(value);
  throw new TypeError(`${owner}: expected a Tensor or Parameter, got ${value === null ? 'null' : typeof value}`);
}

/**
 * Holds parameters in a list, registered as "0", "1", …, so they appear in
 * `parameters()` and state dicts (`plist.0`). Tensors are wrapped as
 * Parameters.
 *
 * @example
 * class Net extends nn.Module {
 *   weights = new nn.ParameterList([torch.randn(4, 4), torch.randn(4, 4)]);
 *   forward(x: Tensor) { for (const w of this.weights) x = x.matmul(w); return x; }
 * }
 */
export class ParameterList extends Module {
  constructor(values: Iterable<Tensor> = []) {
    super();
    this.extend(values);
  }

  override get length(): number {
    return this._parameters.size;
  }

  private index(index: number): string {
    const n = this.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw argumentError(`index ${index} is out of range`);
    return String(index < 0 ? index + n : index);
  }

  /** `plist.at(i)` is Python's `plist[i]` (negative indices count from the end). */
  at(index: number): Parameter {
    return this._parameters.get(this.index(index))!;
  }

  /** `plist[i] = value`. */
  set(index: number, value: Tensor): void {
    this.registerParameter(this.index(index), asParameter('ParameterList', value));
  }

  append(value: Tensor): this {
    this.registerParameter(String(this.length), asParameter('ParameterList', value));
    return this;
  }

  extend(values: Iterable<Tensor>): this {
    if (values === null || values instanceof Tensor || typeof (values as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
      throw new TypeError(`ParameterList.extend should be called with an iterable, but got ${values === null ? 'null' : values instanceof Tensor ? 'Tensor' : typeof values}`);
    }
    for (const v of values) this.append(v);
    return this;
  }

  *[Symbol.iterator](): Iterator<Parameter> {
    for (const p of this._parameters.values()) yield p!;
  }

  override forward(): never {
    throw argumentError('ParameterList should not be called.');
  }

  override extraRepr(): string {
    return [...this].map((p, i) => parameterLine(String(i), p, String(p.dtype))).join('\n');
  }
}

/**
 * Holds parameters by name, in insertion order, registered under their keys
 * (`pdict.left` in state dicts). Tensors are wrapped as Parameters. As in
 * PyTorch, a plain object's keys are added in sorted order (Python sorts a
 * plain dict's items); a Map or a list of pairs keeps its order.
 *
 * @example
 * const heads = new nn.ParameterDict(new Map([['left', torch.randn(5, 10)], ['right', torch.randn(5, 10)]]));
 * heads.get('left').matmul(x);
 */
export class ParameterDict extends Module {
  constructor(values: Record<string, Tensor> | Map<string, Tensor> | Iterable<[string, Tensor]> = {}) {
    super();
    this.update(values);
  }

  override get length(): number {
    return this._parameters.size;
  }

  get(key: string): Parameter {
    const p = this._parameters.get(checkKey(key));
    if (!p) throw argumentError(`KeyError: '${key}'`);
    return p;
  }

  set(key: string, value: Tensor): void {
    this.registerParameter(checkKey(key), asParameter('ParameterDict', value));
  }

  has(key: string): boolean {
    return this._parameters.has(key);
  }

  /** Removes `key` and returns its parameter. */
  pop(key: string): Parameter {
    const p = this.get(key);
    this._parameters.delete(key);
    return p;
  }

  clear(): void {
    this._parameters.clear();
  }

  update(values: Record<string, Tensor> | Map<string, Tensor> | Iterable<[string, Tensor]>): void {
    if (values === null || typeof values !== 'object') {
      throw new TypeError(`ParametersDict.update should be called with an iterable of key/value pairs, but got ${values === null ? 'null' : typeof values}`);
    }
    const iterable = typeof (values as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
    const entries = iterable
      ? [...(values as Iterable<[string, Tensor]>)]
      : Object.entries(values as Record<string, Tensor>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    entries.forEach((pair, j) => {
      if (!Array.isArray(pair)) throw new TypeError(`ParameterDict update sequence element #${j} should be Iterable; is${typeof pair}`);
      if (pair.length !== 2) throw argumentError(`ParameterDict update sequence element #${j} has length ${pair.length}; 2 is required`);
      this.set(pair[0], pair[1]);
    });
  }

  keys(): string[] {
    return [...this._parameters.keys()];
  }

  values(): Parameter[] {
    return [...this._parameters.values()] as Parameter[];
  }

  items(): [string, Parameter][] {
    return [...this._parameters] as [string, Parameter][];
  }

  /** Iterates the keys, as Python's dict does. */
  *[Symbol.iterator](): Iterator<string> {
    yield* this._parameters.keys();
  }

  override forward(): never {
    throw argumentError('ParameterDict should not be called.');
  }

  override extraRepr(): string {
    return this.items().map(([k, p]) => {
      const typeName = p.type();
      return parameterLine(k, p, typeName);
    }).join('\n');
  }
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string') {
    throw new TypeError(`Index given to ParameterDict cannot be used as a key as it is not a string (type is '${typeof key}'). Open an issue on github if you need non-string keys.`);
  }
  return key;
}
