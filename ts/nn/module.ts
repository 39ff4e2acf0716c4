// nn.Module: submodules, parameters and buffers found in declaration order
// (TypeScript class fields), PyTorch's names, repr and state dicts.
import { inspect } from 'node:util';
import { Tensor } from '../tensor';
import { Parameter } from './parameter';
import { DType, type DTypeLike } from '../dtype';
import { Device, type DeviceLike } from '../device';
import { noGrad } from '../autograd';
import { argumentError, TorchError } from '../errors';

export type StateDict = Map<string, Tensor>;

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string') throw new TypeError(`${kind} name should be a string. Got ${typeof name}`);
  if (name.includes('.')) throw argumentError(`${kind} name can't contain "."`);
  if (name === '') throw argumentError(`${kind} name can't be empty string ""`);
}

function addIndent(text: string, spaces: number): string {
  const lines = text.split('\n');
  if (lines.length === 1) return text;
  const pad = ' '.repeat(spaces);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join('\n');
}

/**
 * Base class for all neural network modules, as in PyTorch. Subclass it and
 * declare layers and parameters as fields; they are registered in declaration
 * order, so parameters, state dicts and reprs match the Python model.
 *
 * @example
 * class CircleModelV0 extends nn.Module {
 *   layer1 = new nn.Linear(2, 5);
 *   layer2 = new nn.Linear(5, 1);
 *   forward(x: Tensor) { return this.layer2.forward(this.layer1.forward(x)); }
 * }
 */
export class Module {
  /** True in training mode (dropout active), false after eval(). */
  training = true;
  /** @internal explicitly registered children, parameters and buffers. */
  protected _modules = new Map<string, Module | null>();
  protected _parameters = new Map<string, Parameter | null>();
  protected _buffers = new Map<string, Tensor | null>();
  /** @internal set while a background fit owns this module. */
  _busy = 0;

  /** Defines the computation; subclasses override it. */
  forward(..._args: unknown[]): unknown {
    throw new Error(`Module [${this.constructor.name}] is missing the required "forward" function`);
  }

  /** @internal throws while fitAsync trains this module in the background. */
  _checkNotBusy(): void {
    if (this._busy > 0) throw argumentError(`${this.constructor.name} is busy: fitAsync is training it in the background; await it or abort it first`);
  }

  private ownEntries(): [string, unknown][] {
    return Object.entries(this).filter(([k]) => !k.startsWith('_') && k !== 'training');
  }

  registerModule(name: string, module: Module | null): void {
    checkName('module', name);
    this._modules.set(name, module);
  }

  addModule(name: string, module: Module | null): void {
    this.registerModule(name, module);
  }

  registerParameter(name: string, param: Parameter | null): void {
    checkName('parameter', name);
    if (param !== null && !(param instanceof Parameter)) {
      throw new TypeError(`cannot assign '${inspect(param)}' object to parameter '${name}' (torch.nn.Parameter or None required)`);
    }
    this._parameters.set(name, param);
  }

  registerBuffer(name: string, tensor: Tensor | null): void {
    checkName('buffer', name);
    this._buffers.set(name, tensor);
  }

  /** Direct parameters: declared Parameter fields, then registered ones. */
  protected *ownParameters(): Generator<[string, Parameter]> {
    for (const [k, v] of this.ownEntries()) if (v instanceof Parameter) yield [k, v];
    for (const [k, v] of this._parameters) if (v) yield [k, v];
  }

  protected *ownBuffers(): Generator<[string, Tensor]> {
    for (const [k, v] of this._buffers) if (v) yield [k, v];
  }

  /** @internal every child slot in order, a module registered twice included (repr, state dicts, Sequential). */
  *_childSlots(): Generator<[string, Module]> {
    for (const [k, v] of this.ownEntries()) if (v instanceof Module) yield [k, v];
    for (const [k, v] of this._modules) if (v) yield [k, v];
  }

  /** Immediate children, each once (a module registered twice keeps its first name), as Python's named_children. */
  *namedChildren(): Generator<[string, Module]> {
    const seen = new Set<Module>();
    for (const [k, v] of this._childSlots()) {
      if (seen.has(v)) continue;
      seen.add(v);
      yield [k, v];
    }
  }

  *children(): Generator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /** This module and every submodule once (a module registered twice is listed under its first name), as Python's named_modules. */
  *namedModules(prefix = '', memo: Set<Module> = new Set()): Generator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [name, child] of this.namedChildren()) {
      yield* child.namedModules(prefix ? `${prefix}.${name}` : name, memo);
    }
  }

  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** Parameters with PyTorch's dotted names ("0.weight", "layer1.bias"). */
  *namedParameters(prefix = '', recurse = true): Generator<[string, Parameter]> {
    const seen = new Set<Parameter>();
    const modules = recurse ? this.namedModules(prefix) : ([[prefix, this]] as Iterable<[string, Module]>);
    for (const [modPrefix, mod] of modules) {
      for (const [name, p] of mod.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        yield [modPrefix ? `${modPrefix}.${name}` : name, p];
      }
    }
  }

  /** All trainable parameters, in registration order (what optimizers take). */
  parameters(recurse = true): Parameter[] {
    this._checkNotBusy();
    return [...this.namedParameters('', recurse)].map(([, p]) => p);
  }

  *namedBuffers(prefix = ''): Generator<[string, Tensor]> {
    for (const [modPrefix, mod] of this.namedModules(prefix)) {
      for (const [name, b] of mod.ownBuffers()) yield [modPrefix ? `${modPrefix}.${name}` : name, b];
    }
  }

  buffers(): Tensor[] {
    return [...this.namedBuffers()].map(([, b]) => b);
  }

  /** Sets training mode on this module and every submodule. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError('training mode is expected to be boolean');
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Zeroes (by default: clears) the gradients of all parameters. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) p._zeroGrad(opts.setToNone ?? true);
  }

  /** Calls `fn` on every submodule (children first) and then on this module. */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Moves and/or casts parameters and buffers in place: `to('cuda')`,
   * `to(torch.float64)`, `to({ device, dtype })`. Floating-point dtypes only
   * apply to floating-point tensors, as in PyTorch.
   */
  to(target: DeviceLike | DTypeLike | { device?: DeviceLike; dtype?: DTypeLike }): this {
    this._checkNotBusy();
    let device: DeviceLike | undefined;
    let dtype: DTypeLike | undefined;
    if (target instanceof DType) dtype = target;
    else if (target instanceof Device) device = target;
    else if (typeof target === 'string') (target in DType.all ? (dtype = target as DTypeLike) : (device = target));
    else ({ device, dtype } = target);
    noGrad(() => {
      const move = (t: Tensor) => {
        const castTo = dtype !== undefined && t.dtype.isFloatingPoint ? dtype : undefined;
        const moved = t.to({ device, dtype: castTo });
        if (moved._n === t._n) return;
        const requiresGrad = t.requiresGrad;
        t._n = moved._n;
        if (requiresGrad) t.requiresGrad = true;
      };
      for (const p of this.parameters()) move(p);
      for (const b of this.buffers()) move(b);
    });
    return this;
  }

  cpu(): this { return this.to('cpu'); }
  cuda(index = 0): this { return this.to(`cuda:${index}`); }
  float(): this { return this.to('float32'); }
  double(): this { return this.to('float64'); }

  /**
   * Parameters and buffers by dotted name, detached but sharing storage
   * (PyTorch's OrderedDict): each module's parameters, then its buffers, then
   * its children's entries; a module or parameter reachable under two names
   * appears under both, as in Python.
   */
  stateDict(): StateDict {
    this._checkNotBusy();
    const out: StateDict = new Map();
    for (const [name, t] of this.stateEntries('')) out.set(name, t.detach());
    return out;
  }

  /** The tensors stateDict() and loadStateDict() walk, in PyTorch's order. */
  private *stateEntries(prefix: string): Generator<[string, Tensor]> {
    for (const [name, p] of this.ownParameters()) yield [prefix + name, p];
    for (const [name, b] of this.ownBuffers()) yield [prefix + name, b];
    for (const [name, child] of this._childSlots()) yield* child.stateEntries(`${prefix}${name}.`);
  }

  /** Copies tensors into this module's parameters and buffers, with PyTorch's checks and messages. */
  loadStateDict(stateDict: StateDict | Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadStateDictResult {
    this._checkNotBusy();
    const strict = opts.strict ?? true;
    const incoming = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const own = new Map<string, Tensor>(this.stateEntries(''));
    const missingKeys = [...own.keys()].filter((k) => !incoming.has(k));
    const unexpectedKeys = [...incoming.keys()].filter((k) => !own.has(k));
    const errors: string[] = [];
    const sizes = (s: number[]) => `torch.Size([${s.join(', ')}])`;
    for (const [name, target] of own) {
      const src = incoming.get(name);
      if (!src) continue;
      if (!(src instanceof Tensor)) {
        errors.push(`While copying the parameter named "${name}", expected torch.Tensor or Tensor-like object from checkpoint but received ${typeof src}`);
      } else if (src.shape.join() !== target.shape.join()) {
        errors.push(`size mismatch for ${name}: copying a param with shape ${sizes(src.shape)} from checkpoint, the shape in current model is ${sizes(target.shape)}.`);
      }
    }
    if (strict) {
      if (unexpectedKeys.length) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}. `);
      if (missingKeys.length) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}. `);
    }
    if (errors.length) {
      // One line for the message; PyTorch's multi-line layout stays in `detail`.
      const summary = `Error(s) in loading state_dict for ${this.constructor.name}: ${errors.map((e) => e.trim()).join(' ')}`;
      throw new TorchError(summary, 'INVALID_ARGUMENT', `Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);
    }
    noGrad(() => {
      for (const [name, target] of own) {
        const src = incoming.get(name);
        if (src) target.copy_(src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Extra text inside the parentheses of this module's repr (e.g. Linear's sizes). */
  extraRepr(): string {
    return '';
  }

  /** PyTorch's module repr, line for line. */
  toString(): string {
    const extraLines = this.extraRepr() ? this.extraRepr().split('\n') : [];
    const childLines = [...this._childSlots()].map(([key, m]) => `(${key}): ${addIndent(m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let main = `${this.constructor.name}(`;
    if (lines.length) {
      main += extraLines.length === 1 && childLines.length === 0 ? extraLines[0] : `\n  ${lines.join('\n  ')}\n`;
    }
    return `${main})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
