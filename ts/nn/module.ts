// nn.Module: submodules, parameters and buffers found in declaration order
// (TypeScript class fields), PyTorch's names, repr and state dicts.
import { inspect } from 'node:util';
import { Tensor } from '../tensor';
import { Parameter } from './parameter';
import { DType, type DTypeLike } from '../dtype';
import { Device, type DeviceLike } from '../device';
import { enableGrad, noGrad, isGradEnabled } from '../autograd';
import { argumentError, TorchError } from '../errors';
import { native, type LayerSpec, type NativeTensor } from '../native';
import { cat } from '../ops';
import { startBackgroundTask } from '../background';
import { checkOptionalBool, checkOptions, describe } from '../validate';
import { CallableInstance, callableObject } from '../callable';
import { HookList, type ForwardHook, type ForwardPreHook, type HookOptions, type RemovableHandle } from './hooks';

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

export interface ForwardAsyncOptions {
  /** Rows per chunk along dim 0: each chunk is one forward, the outputs are concatenated. */
  batchSize?: number;
  /** Aborts between chunks; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** @internal A callable module object with `prototype` and no fields yet (deep copies fill them). */
export function moduleFunction(prototype: object): Module {
  return callableObject(prototype) as Module;
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
 *   forward(x: Tensor) { return this.layer2(this.layer1(x)); }
 * }
 * const model = new CircleModelV0();
 * const logits = model(x); // Python's model(x): hooks, then forward
 */
// oxlint-disable-next-line typescript/no-unsafe-declaration-merging -- the call signature is real: CallableInstance makes every module a function (ts/callable.ts)
export interface Module {
  /** Python's `module(x)`: runs the forward pre-hooks, `forward` and the forward hooks (see `call`). */
  (...args: Parameters<this['forward']>): ReturnType<this['forward']>;
}

export class Module extends CallableInstance {
  /** True in training mode (dropout active), false after eval(). */
  training = true;
  /** @internal explicitly registered children, parameters and buffers. */
  protected _modules = new Map<string, Module | null>();
  protected _parameters = new Map<string, Parameter | null>();
  protected _buffers = new Map<string, Tensor | null>();
  /** @internal */
  protected _forwardPreHooks = new HookList<ForwardPreHook>();
  /** @internal */
  protected _forwardHooks = new HookList<ForwardHook>();

  /**
   * Defines the computation; subclasses override it. It runs no hooks, as in
   * PyTorch: call the module through `call` to run them.
   */
  // `any[]`, as PyTorch's `forward: Callable[..., Any]`: a module whose forward
  // takes a Tensor must still be usable where a Module is expected, and the
  // call signature (unlike a method) compares its parameters strictly.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(..._args: any[]): unknown {
    throw new Error(`Module [${this.constructor.name}] is missing the required "forward" function`);
  }

  /**
   * Python's `module(x)` (`__call__`): the forward pre-hooks, `forward`, then
   * the forward hooks, each in registration order. Sequential and `fit`
   * call modules this way.
   *
   * @example
   * const logits = model.call(x);
   */
  call(...args: Parameters<this['forward']>): ReturnType<this['forward']> {
    if (this._forwardPreHooks.size === 0 && this._forwardHooks.size === 0) {
      return this.forward(...args) as ReturnType<this['forward']>;
    }
    let input: unknown[] = args;
    for (const hook of this._forwardPreHooks.snapshot()) {
      const result = hook(this, input);
      if (result !== undefined && result !== null) input = Array.isArray(result) ? result : [result];
    }
    let output = this.forward(...input);
    for (const hook of this._forwardHooks.snapshot()) {
      const result = hook(this, input, output);
      if (result !== undefined && result !== null) output = result;
    }
    return output as ReturnType<this['forward']>;
  }

  /**
   * Registers `hook(module, args)` to run before each `call`'s forward; it may
   * return replacement arguments (an array) or a replacement single argument.
   * While a module has hooks it is not fused: `fit` and `forwardAsync` run it
   * through JavaScript so the hooks run.
   */
  registerForwardPreHook(hook: ForwardPreHook, opts: HookOptions = {}): RemovableHandle {
    return this._forwardPreHooks.add(hook, checkOptions('register_forward_pre_hook', opts));
  }

  /** Registers `hook(module, args, output)` to run after each `call`'s forward; a returned value replaces the output. */
  registerForwardHook(hook: ForwardHook, opts: HookOptions = {}): RemovableHandle {
    return this._forwardHooks.add(hook, checkOptions('register_forward_hook', opts));
  }

  /** @internal whether `call` runs hooks around this module's forward. */
  _hasForwardHooks(): boolean {
    return this._forwardPreHooks.size > 0 || this._forwardHooks.size > 0;
  }

  /**
   * @internal Which background task holds this module's parameters (the
   * engine's registry of held memory is the one record of it): 'fitAsync'
   * trains them, 'forwardAsync' reads them; null when none does.
   */
  _heldBy(): 'fitAsync' | 'forwardAsync' | null {
    if (!native.anyHeld()) return null;
    let found: 'fitAsync' | 'forwardAsync' | null = null;
    for (const [, p] of this.namedParameters()) {
      const by = native.heldBy(p._n) as 'fitAsync' | 'forwardAsync' | null;
      if (by === 'fitAsync') return by;
      found ??= by;
    }
    return found;
  }

  /** @internal throws while fitAsync trains this module in the background. */
  _checkNotBusy(): void {
    if (this._heldBy() === 'fitAsync') throw argumentError(`${this.constructor.name} is busy: fitAsync is training it in the background; await it or abort it first`);
  }

  /** @internal throws while anything runs in the background on this module (before training it or changing its parameters). */
  _checkNoBackgroundWork(): void {
    const by = this._heldBy();
    if (by === 'fitAsync') this._checkNotBusy();
    if (by === 'forwardAsync') throw argumentError(`${this.constructor.name} is busy: forwardAsync is reading its parameters; await it first`);
  }

  /**
   * @internal This module as the engine's built-in layers
   * (`[{ type: 'Linear', bias: true }, { type: 'ReLU' }]`), appending their
   * parameters to `params`; null when its forward runs JavaScript (custom
   * modules, and subclasses overriding a built-in forward).
   */
  _layerSpecs(_params: Parameter[]): LayerSpec[] | null {
    return null;
  }

  /**
   * @internal whether `forward` is `cls`'s own, not a subclass override, and
   * no hook wraps it: what built-in layers ask before the engine runs them.
   */
  protected _forwardIsFrom(cls: { prototype: Module }): boolean {
    return this.forward === cls.prototype.forward && !this._hasForwardHooks();
  }

  /**
   * `forward(input)` without blocking the event loop. Models made of
   * built-in layers (a Sequential of Linear, ReLU, Dropout, …) run on napi's
   * thread pool, under the caller's grad mode; other modules run `forward`
   * on this thread after yielding once (JavaScript cannot leave it).
   * The parameters and the input are read-only until the promise settles;
   * any number of forwardAsync calls may share a model.
   *
   * @example
   * const logits = await model.forwardAsync(x, { batchSize: 65536 });
   */
  async forwardAsync(input: Tensor, opts: ForwardAsyncOptions = {}): Promise<Tensor> {
    if (!(input instanceof Tensor)) throw argumentError(`forwardAsync: input must be a Tensor, got ${input === null ? 'null' : typeof input}`);
    const { batchSize, signal } = opts;
    if (batchSize !== undefined && !(Number.isSafeInteger(batchSize) && batchSize > 0)) {
      throw argumentError(`batch_size should be a positive integer value, but got batch_size=${batchSize}`);
    }
    signal?.throwIfAborted();
    const params: Parameter[] = [];
    const layers = this._layerSpecs(params);
    // The native task refuses parameters a fitAsync holds (hold.rs), so only
    // the JavaScript path checks here: walking the parameters from JS cost
    // ~100 µs a call while other calls were in flight.
    if (!layers) {
      this._checkNotBusy();
      return this.forwardOnThisThread(input, batchSize, signal);
    }
    const options = { layers, training: this.training, gradEnabled: isGradEnabled(), batchSize };
    const { handle, done } = startBackgroundTask(signal);
    let promise: Promise<NativeTensor>;
    try {
      promise = native.forwardAsync(params.map((p) => p._n), input._n, options, handle);
    } catch (err) {
      done();
      throw err;
    }
    try {
      return new Tensor(await promise);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw err;
    } finally {
      done();
    }
  }

  private async forwardOnThisThread(input: Tensor, batchSize: number | undefined, signal: AbortSignal | undefined): Promise<Tensor> {
    if (batchSize !== undefined && input.dim() === 0) throw argumentError('batch_size needs an input with a batch dimension (dim 0), got a 0-d tensor');
    const rows = batchSize === undefined ? 0 : input.size(0);
    const starts: (number | null)[] = [];
    if (batchSize === undefined || rows <= batchSize) starts.push(null);
    else for (let s = 0; s < rows; s += batchSize) starts.push(s);
    // The caller's grad mode, as on the native path: the chunks run after a yield, outside the caller's noGrad.
    const withCallersGradMode = isGradEnabled() ? enableGrad : noGrad;
    const outputs: Tensor[] = [];
    for (const start of starts) {
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
      this._checkNotBusy();
      const chunk = start === null ? input : input.narrow(0, start, Math.min(batchSize!, rows - start));
      outputs.push(withCallersGradMode(() => (this as Module).call(chunk) as Tensor));
    }
    if (outputs.length === 1) return outputs[0]!;
    // Chunks are joined along dim 0, which needs one tensor per chunk (an
    // RNN or MultiheadAttention returns an array).
    const notTensor = outputs.find((o) => !(o instanceof Tensor));
    if (notTensor !== undefined) {
      throw argumentError(`forwardAsync: batchSize needs a forward that returns a Tensor, but ${this.constructor.name}.forward returned ${describe(notTensor)}`);
    }
    return cat(outputs, 0);
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
    if (typeof fn !== 'function') throw argumentError(`apply(): expected a function, got ${typeof fn}`);
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
    this._checkNoBackgroundWork();
    let device: DeviceLike | undefined;
    let dtype: DTypeLike | undefined;
    if (target instanceof DType) dtype = target;
    else if (target instanceof Device) device = target;
    else if (typeof target === 'string' && target in DType.all) dtype = target as DTypeLike;
    else if (typeof target === 'string') device = target;
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
    this._checkNoBackgroundWork();
    const strict = checkOptionalBool('load_state_dict', 'strict', checkOptions('load_state_dict', opts).strict) ?? true;
    if (!(stateDict instanceof Map) && (stateDict === null || typeof stateDict !== 'object' || Array.isArray(stateDict))) {
      throw argumentError(`Expected state_dict to be dict-like, got ${describe(stateDict)}.`);
    }
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
  override toString(): string {
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
