// Schedules that multiply the current lr by a factor at chosen epochs:
// StepLR, MultiStepLR, ExponentialLR, ConstantLR, LinearLR, PolynomialLR.
// Each follows PyTorch's recursive form (the factor applied to the group's
// current lr), so changes made to the lr from outside compose as in Python.
import { argumentError } from '../../errors';
import { checkOptions, describe } from '../../validate';
import { pow } from './python_math';
import {
  BASE_STATE_KEYS, checkFinite, checkIntAtLeast, checkLastEpoch, LRScheduler, pyMod, type StateKeys,
} from './scheduler';

/** Python's `a // b` for integers. */
const floorDiv = (a: number, b: number): number => Math.floor(a / b);

/** Python's `bisect_right`: how many sorted values are <= x. */
export function bisectRight(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < sorted[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface StepLROptions {
  /** Multiplicative factor of the decay. @default 0.1 */
  gamma?: number;
  /** @default -1 */
  lastEpoch?: number;
}

/**
 * Multiplies each group's lr by `gamma` every `stepSize` epochs.
 *
 * @example
 * const scheduler = new optim.lrScheduler.StepLR(optimizer, 30, { gamma: 0.1 });
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: unknown, stepSize: number, opts?: StepLROptions) {
    super(optimizer);
    const o = checkOptions('StepLR', opts);
    this.stepSize = checkIntAtLeast('StepLR', 'stepSize', stepSize, 1);
    this.gamma = checkFinite('StepLR', 'gamma', o.gamma ?? 0.1);
    this.attach(checkLastEpoch('StepLR', o.lastEpoch ?? -1));
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || pyMod(this.lastEpoch, this.stepSize) !== 0) return this.groupValues('lr');
    return this.groups.map((g) => g.lr * this.gamma);
  }

  override _closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * pow(this.gamma, floorDiv(this.lastEpoch, this.stepSize)));
  }

  protected override stateKeys(): StateKeys {
    return [['step_size', 'stepSize'], ['gamma', 'gamma'], ...BASE_STATE_KEYS];
  }
}

/**
 * Multiplies each group's lr by `gamma` at every milestone epoch (by
 * `gamma ** n` at a milestone listed n times, as PyTorch's Counter does).
 *
 * @example
 * const scheduler = new optim.lrScheduler.MultiStepLR(optimizer, [30, 80], { gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  /** Epoch → how many times it was listed (PyTorch's `Counter(milestones)`). */
  milestones: Map<number, number>;
  gamma: number;

  constructor(optimizer: unknown, milestones: Iterable<number>, opts?: StepLROptions) {
    super(optimizer);
    const o = checkOptions('MultiStepLR', opts);
    if (milestones === null || typeof milestones !== 'object' || !(Symbol.iterator in milestones)) {
      throw argumentError(`MultiStepLR(): 'milestones' must be a list of integers, got ${describe(milestones)}`);
    }
    const list = [...milestones];
    list.forEach((m, i) => checkIntAtLeast('MultiStepLR', `milestones[${i}]`, m, 0));
    if (list.some((m, i) => i > 0 && m < list[i - 1]!)) {
      throw argumentError(`MultiStepLR(): milestones must be increasing, got [${list.join(', ')}]`);
    }
    this.milestones = new Map();
    for (const m of list) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = checkFinite('MultiStepLR', 'gamma', o.gamma ?? 0.1);
    this.attach(checkLastEpoch('MultiStepLR', o.lastEpoch ?? -1));
  }

  protected getLr(): number[] {
    const count = this.milestones.get(this.lastEpoch);
    if (count === undefined) return this.groupValues('lr');
    return this.groups.map((g) => g.lr * pow(this.gamma, count));
  }

  override _closedFormLr(): number[] {
    const sorted = [...this.milestones].flatMap(([m, n]) => new Array<number>(n).fill(m)).sort((a, b) => a - b);
    return this.baseLrs.map((base) => base * pow(this.gamma, bisectRight(sorted, this.lastEpoch)));
  }

  protected override stateKeys(): StateKeys {
    return [['milestones', 'milestones'], ['gamma', 'gamma'], ...BASE_STATE_KEYS];
  }
}

/**
 * Multiplies each group's lr by `gamma` every epoch.
 *
 * @example
 * const scheduler = new optim.lrScheduler.ExponentialLR(optimizer, 0.9);
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: unknown, gamma: number, opts?: { lastEpoch?: number }) {
    super(optimizer);
    const o = checkOptions('ExponentialLR', opts);
    this.gamma = checkFinite('ExponentialLR', 'gamma', gamma);
    this.attach(checkLastEpoch('ExponentialLR', o.lastEpoch ?? -1));
  }

  protected getLr(): number[] {
    // A resumed schedule (lastEpoch >= 0) must not move one step ahead at construction.
    if (this._isInitial) return this.groupValues('lr');
    return this.groups.map((g) => g.lr * this.gamma);
  }

  override _closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * pow(this.gamma, this.lastEpoch));
  }

  protected override stateKeys(): StateKeys {
    return [['gamma', 'gamma'], ...BASE_STATE_KEYS];
  }
}

export interface ConstantLROptions {
  /** The factor applied until `totalIters`. @default 1/3 */
  factor?: number;
  /** @default 5 */
  totalIters?: number;
  /** @default -1 */
  lastEpoch?: number;
}

/**
 * Multiplies each group's lr by `factor` for the first `totalIters` epochs.
 *
 * @example
 * const scheduler = new optim.lrScheduler.ConstantLR(optimizer, { factor: 0.5, totalIters: 4 });
 */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;

  constructor(optimizer: unknown, opts?: ConstantLROptions) {
    const o = checkOptions('ConstantLR', opts);
    const factor = checkFinite('ConstantLR', 'factor', o.factor ?? 1.0 / 3);
    if (factor > 1.0 || factor < 0) throw argumentError('Constant multiplicative factor expected to be between 0 and 1.');
    super(optimizer);
    this.factor = factor;
    this.totalIters = checkIntAtLeast('ConstantLR', 'totalIters', o.totalIters ?? 5, 0);
    this.attach(checkLastEpoch('ConstantLR', o.lastEpoch ?? -1));
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groupValues('lr');
    if (this.factor === 0) throw argumentError('float division by zero'); // Python's 1.0 / factor
    return this.groups.map((g) => g.lr * (1.0 / this.factor));
  }

  override _closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }

  protected override stateKeys(): StateKeys {
    return [['factor', 'factor'], ['total_iters', 'totalIters'], ...BASE_STATE_KEYS];
  }
}

export interface LinearLROptions {
  /** The factor at the first epoch. @default 1/3 */
  startFactor?: number;
  /** The factor from `totalIters` on. @default 1.0 */
  endFactor?: number;
  /** @default 5 */
  totalIters?: number;
  /** @default -1 */
  lastEpoch?: number;
}

/**
 * Moves each group's lr factor linearly from `startFactor` to `endFactor`
 * over `totalIters` epochs (a warm-up, or a linear decay).
 *
 * @example
 * const warmup = new optim.lrScheduler.LinearLR(optimizer, { startFactor: 0.1, totalIters: 5 });
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: unknown, opts?: LinearLROptions) {
    const o = checkOptions('LinearLR', opts);
    const startFactor = checkFinite('LinearLR', 'startFactor', o.startFactor ?? 1.0 / 3);
    const endFactor = checkFinite('LinearLR', 'endFactor', o.endFactor ?? 1.0);
    if (startFactor > 1.0 || startFactor <= 0) {
      throw argumentError('Starting multiplicative factor expected to be greater than 0 and less or equal to 1.');
    }
    if (endFactor > 1.0 || endFactor < 0) throw argumentError('Ending multiplicative factor expected to be between 0 and 1.');
    super(optimizer);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = checkIntAtLeast('LinearLR', 'totalIters', o.totalIters ?? 5, 0);
    this.attach(checkLastEpoch('LinearLR', o.lastEpoch ?? -1));
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.startFactor);
    if (this._isInitial || this.lastEpoch > this.totalIters) return this.groupValues('lr');
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return this.groups.map((g) => g.lr * (1.0 + (e - s) / (n * s + (this.lastEpoch - 1) * (e - s))));
  }

  override _closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLrs.map((base) => base * (s + (e - s) * Math.min(n, this.lastEpoch) / n));
  }

  protected override stateKeys(): StateKeys {
    return [['start_factor', 'startFactor'], ['end_factor', 'endFactor'], ['total_iters', 'totalIters'], ...BASE_STATE_KEYS];
  }
}

export interface PolynomialLROptions {
  /** Epochs until the lr reaches 0. @default 5 */
  totalIters?: number;
  /** @default 1.0 */
  power?: number;
  /** @default -1 */
  lastEpoch?: number;
}

/**
 * Decays each group's lr as `baseLr * (1 - epoch / totalIters) ** power`.
 *
 * @example
 * const scheduler = new optim.lrScheduler.PolynomialLR(optimizer, { totalIters: 4, power: 1.0 });
 */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;

  constructor(optimizer: unknown, opts?: PolynomialLROptions) {
    super(optimizer);
    const o = checkOptions('PolynomialLR', opts);
    this.totalIters = checkIntAtLeast('PolynomialLR', 'totalIters', o.totalIters ?? 5, 1);
    this.power = checkFinite('PolynomialLR', 'power', o.power ?? 1.0);
    this.attach(checkLastEpoch('PolynomialLR', o.lastEpoch ?? -1));
  }

  protected getLr(): number[] {
    if (this._isInitial || this.lastEpoch > this.totalIters) return this.groupValues('lr');
    const n = this.totalIters;
    const decay = pow((1.0 - this.lastEpoch / n) / (1.0 - (this.lastEpoch - 1) / n), this.power);
    return this.groups.map((g) => g.lr * decay);
  }

  override _closedFormLr(): number[] {
    const n = this.totalIters;
    return this.baseLrs.map((base) => base * pow(1.0 - Math.min(n, this.lastEpoch) / n, this.power));
  }

  protected override stateKeys(): StateKeys {
    return [['total_iters', 'totalIters'], ['power', 'power'], ...BASE_STATE_KEYS];
  }
}
