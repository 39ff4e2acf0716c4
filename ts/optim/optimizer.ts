// Optimizer base: parameter groups, lazily created per-parameter state held
// natively, one native call per group per step. Hyper-parameters live in
// `paramGroups` as in PyTorch; changes there (schedulers, loaded state dicts)
// reach the native engine at the next step, and so do parameters that
// Module.to() moved or cast after the optimizer was built.
import type { NativeOptimizer, NativeTensor } from '../native';
import { argumentError } from '../errors';
import { describe } from '../validate';
import { Tensor } from '../tensor';
import { Parameter } from '../nn/parameter';

export type ParamsArg<H> = Iterable<Parameter> | (Partial<H> & { params: Iterable<Parameter> })[];

export interface OptimizerStateDict {
  state: Map<number, Record<string, Tensor | number>>;
  paramGroups: Record<string, unknown>[];
}

export abstract class Optimizer<H extends { lr: number } = { lr: number }> {
  readonly defaults: H;
  readonly paramGroups: (H & { params: Parameter[] })[] = [];
  /** @internal one native optimizer per group. */
  _engines: NativeOptimizer[] = [];
  /** The hyper-parameters each engine runs with, as `hyperKey` writes them. */
  private configured: string[] = [];
  /** The native tensors each engine updates (Module.to() swaps a parameter's). */
  private handles: NativeTensor[][] = [];

  constructor(params: ParamsArg<H>, defaults: H) {
    this.defaults = defaults;
    if (params instanceof Tensor || params === null || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${params instanceof Tensor ? 'a Tensor' : typeof params}`);
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw argumentError('optimizer got an empty parameter list');
    const groups = (list[0] instanceof Parameter || !(list[0] && typeof list[0] === 'object' && 'params' in list[0])
      ? [{ params: list as Parameter[] }]
      : list) as (Partial<H> & { params: Iterable<Parameter> })[];
    for (const g of groups) this.addParamGroup(g);
  }

  /** Validates hyper-parameters as torch.optim does, and builds the native engine. */
  protected abstract createEngine(params: Parameter[], hyper: H): NativeOptimizer;

  /** Validates and hands new hyper-parameters to an engine, keeping its state. */
  protected abstract configureEngine(engine: NativeOptimizer, hyper: H): void;

  private hyperKey(group: H & { params: Parameter[] }): string {
    const { params: _params, ...hyper } = group;
    return JSON.stringify(hyper);
  }

  addParamGroup(group: Partial<H> & { params: Iterable<Parameter> }): void {
    const given: unknown = group?.params;
    if (given instanceof Tensor || given === null || typeof given !== 'object' || typeof (given as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`optimizer param group 'params' must be an iterable of Tensors, got ${describe(given)}`);
    }
    const params = [...group.params];
    for (const p of params) {
      if (!(p instanceof Parameter) && !(p && typeof p === 'object' && '_n' in p)) {
        throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${typeof p}`);
      }
      if (!p.isLeaf) throw argumentError("can't optimize a non-leaf Tensor");
    }
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => seen.has(p))) throw argumentError('some parameters appear in more than one parameter group');
    const full = { ...this.defaults, ...group, params } as H & { params: Parameter[] };
    this._engines.push(this.createEngine(params, full));
    this.paramGroups.push(full);
    this.configured.push(this.hyperKey(full));
    this.handles.push(params.map((p) => p._n));
  }

  /**
   * @internal Pushes hyper-parameters changed in `paramGroups` (an lr
   * schedule, momentum or betas cycling, a loaded state dict) to the engines.
   */
  _syncEngines(): void {
    this._checkNotBusy();
    this.paramGroups.forEach((g, i) => {
      if (g.params.some((p, j) => p._n !== this.handles[i]![j])) {
        this.rebuildEngine(i);
        return;
      }
      const key = this.hyperKey(g);
      if (key === this.configured[i]) return;
      this.configureEngine(this._engines[i]!, g);
      this.configured[i] = key;
    });
  }

  /**
   * A new engine over the group's current tensors, carrying the state over
   * (cast to the parameters' new device and dtype): `model.to(...)` after
   * building the optimizer keeps training the model, as in PyTorch.
   */
  private rebuildEngine(i: number): void {
    const group = this.paramGroups[i]!;
    const old = this._engines[i]!;
    const states = group.params.map((_, pi) => this.paramState(old, pi));
    const engine = this.createEngine(group.params, group);
    states.forEach((s, pi) => s && this.setParamState(engine, pi, s));
    this._engines[i] = engine;
    this.handles[i] = group.params.map((p) => p._n);
    this.configured[i] = this.hyperKey(group);
  }

  /** Clears (by default) or zeroes the gradients of every optimized parameter. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const setToNone = opts.setToNone ?? true;
    for (const g of this.paramGroups) for (const p of g.params) p._zeroGrad(setToNone);
  }

  /** @internal refuses while fitAsync owns an engine (the engine's own state says so). */
  _checkNotBusy(): void {
    if (this._engines.some((e) => e.isBusy())) throw argumentError('optimizer is busy: a background task (fitAsync) is using it; await it or abort it first');
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    this._syncEngines();
    for (const engine of this._engines) engine.step();
  }

  /** @internal position of each parameter across groups, as state_dict numbers them. */
  protected *indexed(): Generator<[number, Parameter, number, number]> {
    let index = 0;
    for (const [gi, g] of this.paramGroups.entries()) {
      for (const [pi, p] of g.params.entries()) yield [index++, p, gi, pi];
    }
  }

  protected abstract paramState(engine: NativeOptimizer, indexInGroup: number): Record<string, Tensor | number> | null;
  protected abstract setParamState(engine: NativeOptimizer, indexInGroup: number, state: Record<string, Tensor | number>): void;

  /** PyTorch's layout: `state` keyed by parameter position, `paramGroups` with hyper-parameters and param indices. */
  stateDict(): OptimizerStateDict {
    this._checkNotBusy();
    const state = new Map<number, Record<string, Tensor | number>>();
    const paramGroups: Record<string, unknown>[] = this.paramGroups.map((g) => ({ ...g, params: [] as number[] }));
    for (const [index, , gi, pi] of this.indexed()) {
      (paramGroups[gi]!.params as number[]).push(index);
      const s = this.paramState(this._engines[gi]!, pi);
      if (s) state.set(index, s);
    }
    return { state, paramGroups };
  }

  /** Restores hyper-parameters and per-parameter state (copied, moved to each parameter's device and dtype). */
  loadStateDict(sd: OptimizerStateDict): void {
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw argumentError('loaded state dict has a different number of parameter groups');
    }
    sd.paramGroups.forEach((g, i) => {
      if ((g.params as number[]).length !== this.paramGroups[i]!.params.length) {
        throw argumentError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
      }
    });
    sd.paramGroups.forEach((g, i) => {
      const { params: _ignored, ...hyper } = g;
      Object.assign(this.paramGroups[i]!, hyper);
    });
    this._syncEngines();
    for (const [index, , gi, pi] of this.indexed()) {
      const s = sd.state.get(index);
      if (s) this.setParamState(this._engines[gi]!, pi, s);
    }
  }
}

