// LRScheduler: the base of torch.optim.lr_scheduler. It keeps PyTorch's
// bookkeeping (lastEpoch, baseLrs, the initial step, `_lastLr`) so that every
// schedule lands on the same lr as Python's at every step, and writes the lrs
// into the optimizer's paramGroups, which the optimizer pushes to its native
// engines at its next step (Optimizer._syncEngines).
import { argumentError } from '../../errors';
import { describe } from '../../validate';
import { Optimizer } from '../optimizer';

/** Any torchts optimizer: schedulers only touch `lr` and a few named keys of its groups. */
export type AnyOptimizer = Optimizer<{ lr: number }>;

/** A param group seen as PyTorch's dict: `lr` plus whatever keys schedulers add (`initialLr`, `maxLr`, ...). */
export type ParamGroup = { lr: number; [key: string]: unknown };

/** PyTorch's state dict: the scheduler's attributes under their Python names. */
export type SchedulerStateDict = Record<string, unknown>;

/** [Python attribute name, TS property name]: how a scheduler's state maps onto its state dict. */
export type StateKeys = readonly (readonly [string, string])[];

/** Python's `%` (the result takes the divisor's sign). */
export function pyMod(a: number, b: number): number {
  if (b === 0) throw argumentError('integer modulo by zero');
  return a - Math.floor(a / b) * b;
}

/** Python's `max(a, b)`: `a` unless `b` is greater (so a NaN `b` is ignored, as in Python). */
export function pyMax(a: number, b: number): number {
  return b > a ? b : a;
}

/** Copies arrays, Maps and plain objects, so state dicts never alias live state. */
export function copyState(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyState);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, copyState(v)]));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyState(v)]));
  }
  return value;
}

/** An integer option (`stepSize`, `totalIters`, ...) at least `min`. */
export function checkIntAtLeast(op: string, name: string, value: unknown, min: number): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
  const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
  throw argumentError(`${op}(): '${name}' must be ${what}, got ${describe(value)}`);
}

/** A number option (`gamma`, `etaMin`, ...): NaN and non-numbers are refused. */
export function checkFinite(op: string, name: string, value: unknown): number {
  if (typeof value === 'number' && !Number.isNaN(value)) return value;
  throw argumentError(`${op}(): '${name}' must be a number, got ${describe(value)}`);
}

/** `lastEpoch`: -1 (start) or the epoch a resumed schedule had reached. */
export function checkLastEpoch(op: string, value: unknown): number {
  return checkIntAtLeast(op, 'lastEpoch', value, -1);
}

/** PyTorch's `TypeError(f"{type(optimizer).__name__} is not an Optimizer")`. */
export function checkOptimizer(optimizer: unknown): AnyOptimizer {
  if (optimizer instanceof Optimizer) return optimizer as AnyOptimizer;
  throw argumentError(`${optimizer === null ? 'null' : typeof optimizer === 'object' ? describe(optimizer) : typeof optimizer} is not an Optimizer`);
}

/** PyTorch's `_format_param`: one value per param group, from a single value or a list. */
export function perGroup(name: string, optimizer: AnyOptimizer, value: number | readonly number[]): number[] {
  const n = optimizer.paramGroups.length;
  if (Array.isArray(value)) {
    if (value.length !== n) {
      throw argumentError(`${name} must have the same length as optimizer.paramGroups. ${name} has ${value.length} values, paramGroups has ${n}.`);
    }
    return value.map((v, i) => checkFinite('lrScheduler', `${name}[${i}]`, v));
  }
  return new Array<number>(n).fill(checkFinite('lrScheduler', name, value));
}

/**
 * Base class of the learning-rate schedulers. A subclass sets its own fields
 * and then calls `attach(lastEpoch)` (Python's `super().__init__`), which
 * records `initialLr` in each param group and performs the initial step.
 */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** Each group's lr when the schedule started (`initialLr`). */
  baseLrs: number[] = [];
  /** Steps taken; -1 before the initial step. */
  lastEpoch = -1;
  /** @internal PyTorch's `_step_count`. */
  _stepCount = 0;
  /** @internal PyTorch's `_is_initial`: true during the step the constructor makes. */
  _isInitial = false;
  /** @internal PyTorch's `_get_lr_called_within_step`. */
  _getLrCalledWithinStep = false;
  /** @internal the lrs after the last step, as `getLastLr()` returns them. */
  _lastLr: number[] = [];

  constructor(optimizer: unknown) {
    this.optimizer = checkOptimizer(optimizer);
  }

  /** The optimizer's param groups as dicts. */
  protected get groups(): ParamGroup[] {
    return this.optimizer.paramGroups as unknown as ParamGroup[];
  }

  /** The current value of `key` in every group (PyTorch's `_param_groups_val_list`). */
  protected groupValues(key: string): number[] {
    return this.groups.map((g) => g[key] as number);
  }

  /** PyTorch's `LRScheduler.__init__` after the subclass has set its fields. */
  protected attach(lastEpoch: number): void {
    if (lastEpoch === -1) {
      for (const g of this.groups) if (!('initialLr' in g)) g.initialLr = g.lr;
    } else {
      this.groups.forEach((g, i) => {
        if (!('initialLr' in g)) {
          throw argumentError(`param 'initialLr' is not specified in paramGroups[${i}] when resuming scheduler with lastEpoch >= 0.`);
        }
      });
    }
    this.baseLrs = this.groupValues('initialLr');
    this.lastEpoch = lastEpoch;
    this._initialStep();
  }

  /** @internal resets the step count and makes the constructor's step. */
  _initialStep(): void {
    this._stepCount = 0;
    this._isInitial = true;
    try {
      this.step();
    } finally {
      this._isInitial = false;
    }
  }

  /** The lrs the next step sets, one per param group; called by `step()` only. */
  protected abstract getLr(): number[];

  /** @internal PyTorch's `_get_closed_form_lr`: the lrs at `lastEpoch` from `baseLrs`, where a formula exists. */
  _closedFormLr(): number[] | null {
    return null;
  }

  /** The lrs the last step set, one per param group. */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /** Advances the schedule by one epoch (call it after `optimizer.step()`). */
  step(): void {
    this._stepCount += 1;
    this._updateLr();
  }

  /** @internal sets the next lrs; with an epoch, jumps there through the closed form (SequentialLR's restart). */
  _updateLr(epoch?: number): void {
    let values: number[];
    this._getLrCalledWithinStep = true;
    try {
      if (epoch === undefined) {
        this.lastEpoch += 1;
        values = this.getLr();
      } else {
        this.lastEpoch = epoch;
        values = this._closedFormLr() ?? this.getLr();
      }
    } finally {
      this._getLrCalledWithinStep = false;
    }
    this.setLrs(values);
  }

  /** Writes the lrs into the param groups and remembers them for `getLastLr()`. */
  protected setLrs(values: number[]): void {
    const groups = this.groups;
    if (values.length !== groups.length) {
      throw argumentError(`${this.constructor.name} computed ${values.length} lrs for ${groups.length} param groups (was a param group added after the scheduler was built?)`);
    }
    groups.forEach((g, i) => (g.lr = values[i]!));
    this._lastLr = this.groupValues('lr');
  }

  /** The state this scheduler saves, in PyTorch's order: its own attributes, then the base's. */
  protected stateKeys(): StateKeys {
    return BASE_STATE_KEYS;
  }

  /** PyTorch's `state_dict()`: every attribute but the optimizer, under its Python name. */
  stateDict(): SchedulerStateDict {
    const self = this as unknown as Record<string, unknown>;
    return Object.fromEntries(this.stateKeys().map(([py, ts]) => [py, copyState(self[ts])]));
  }

  /** PyTorch's `load_state_dict()`: restores the attributes a state dict holds (load the optimizer's state too). */
  loadStateDict(stateDict: SchedulerStateDict): void {
    if (stateDict === null || typeof stateDict !== 'object') throw argumentError(`loadStateDict(): expected a state dict object, got ${describe(stateDict)}`);
    const self = this as unknown as Record<string, unknown>;
    for (const [py, ts] of this.stateKeys()) if (py in stateDict) self[ts] = copyState(stateDict[py]);
  }
}

export const BASE_STATE_KEYS: StateKeys = [
  ['base_lrs', 'baseLrs'],
  ['last_epoch', 'lastEpoch'],
  ['_step_count', '_stepCount'],
  ['_is_initial', '_isInitial'],
  ['_get_lr_called_within_step', '_getLrCalledWithinStep'],
  ['_last_lr', '_lastLr'],
];
