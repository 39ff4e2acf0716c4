// Cosine annealing: CosineAnnealingLR (PyTorch's recursive form, which
// bounces back up after tMax) and CosineAnnealingWarmRestarts (SGDR).
// The operand order of every expression is Python's, because float rounding
// depends on it; cos is Python's math.cos rounding (see python_math.ts).
import { argumentError } from '../../errors';
import { checkOptions, describe } from '../../validate';
import { cos } from './python_math';
import {
  BASE_STATE_KEYS, checkFinite, checkIntAtLeast, checkLastEpoch, LRScheduler, pyMod, type StateKeys,
} from './scheduler';

export interface CosineAnnealingLROptions {
  /** The lowest lr. @default 0 */
  etaMin?: number;
  /** @default -1 */
  lastEpoch?: number;
}

/**
 * Anneals each group's lr from its initial value to `etaMin` along a half
 * cosine over `tMax` epochs (and back up over the next `tMax`, as PyTorch does).
 *
 * @example
 * const scheduler = new optim.lrScheduler.CosineAnnealingLR(optimizer, 100, { etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: unknown, tMax: number, opts?: CosineAnnealingLROptions) {
    super(optimizer);
    const o = checkOptions('CosineAnnealingLR', opts);
    this.tMax = checkIntAtLeast('CosineAnnealingLR', 'tMax', tMax, 1);
    this.etaMin = checkFinite('CosineAnnealingLR', 'etaMin', o.etaMin ?? 0.0);
    this.attach(checkLastEpoch('CosineAnnealingLR', o.lastEpoch ?? -1));
  }

  protected getLr(): number[] {
    const { tMax: T, etaMin: eta, lastEpoch: e } = this;
    if (this._isInitial) return this.groupValues('lr');
    if (this._stepCount === 1 && e > 0) {
      return this.baseLrs.map((base) => eta + (base - eta) * (1 + cos(e * Math.PI / T)) / 2);
    }
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return this.groups.map((g, i) => g.lr + (this.baseLrs[i]! - eta) * (1 - cos(Math.PI / T)) / 2);
    }
    return this.groups.map((g) => (1 + cos(Math.PI * e / T)) / (1 + cos(Math.PI * (e - 1) / T)) * (g.lr - eta) + eta);
  }

  override _closedFormLr(): number[] {
    const { tMax: T, etaMin: eta, lastEpoch: e } = this;
    return this.baseLrs.map((base) => eta + (base - eta) * (1 + cos(Math.PI * e / T)) / 2);
  }

  protected override stateKeys(): StateKeys {
    return [['T_max', 'tMax'], ['eta_min', 'etaMin'], ...BASE_STATE_KEYS];
  }
}

export interface CosineAnnealingWarmRestartsOptions {
  /** Each restart's period is the previous one times `tMult`. @default 1 */
  tMult?: number;
  /** The lowest lr. @default 0 */
  etaMin?: number;
  /** @default -1 */
  lastEpoch?: number;
}

/**
 * Cosine annealing restarted every `t0` epochs (periods growing by `tMult`),
 * SGDR's schedule.
 *
 * @example
 * const scheduler = new optim.lrScheduler.CosineAnnealingWarmRestarts(optimizer, 10, { tMult: 2 });
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  t0: number;
  /** The current period. */
  tI: number;
  tMult: number;
  etaMin: number;
  /** Epochs since the last restart. */
  tCur: number;

  constructor(optimizer: unknown, t0: number, opts?: CosineAnnealingWarmRestartsOptions) {
    const o = checkOptions('CosineAnnealingWarmRestarts', opts);
    const tMult = o.tMult ?? 1;
    const etaMin = o.etaMin ?? 0.0;
    if (typeof t0 !== 'number' || !Number.isInteger(t0) || t0 <= 0) throw argumentError(`Expected positive integer t0, but got ${describe(t0)}`);
    if (typeof tMult !== 'number' || !Number.isInteger(tMult) || tMult < 1) throw argumentError(`Expected integer tMult >= 1, but got ${describe(tMult)}`);
    if (typeof etaMin !== 'number') throw argumentError(`Expected float or int etaMin, but got ${describe(etaMin)}`);
    super(optimizer);
    const lastEpoch = checkLastEpoch('CosineAnnealingWarmRestarts', o.lastEpoch ?? -1);
    this.t0 = t0;
    this.tI = t0;
    this.tMult = tMult;
    this.etaMin = etaMin;
    this.tCur = lastEpoch;
    this.attach(lastEpoch);
  }

  protected getLr(): number[] {
    const { etaMin: eta } = this;
    return this.baseLrs.map((base) => eta + (base - eta) * (1 + cos(Math.PI * this.tCur / this.tI)) / 2);
  }

  /** Advances one epoch, restarting the cosine when the period ends. */
  override step(): void {
    // PyTorch's step(epoch=None): the constructor's step is epoch 0; this one
    // does not count _stepCount, as PyTorch's override does not.
    if (this.lastEpoch < 0) {
      this.tI = this.t0;
      this.tCur = 0;
      this.lastEpoch = 0;
    } else {
      this.lastEpoch += 1;
      this.tCur += 1;
      if (this.tCur >= this.tI) {
        this.tCur = pyMod(this.tCur, this.tI);
        this.tI *= this.tMult;
      }
    }
    this._getLrCalledWithinStep = true;
    let values: number[];
    try {
      values = this.getLr();
    } finally {
      this._getLrCalledWithinStep = false;
    }
    this.setLrs(values);
  }

  protected override stateKeys(): StateKeys {
    return [['T_0', 't0'], ['T_i', 'tI'], ['T_mult', 'tMult'], ['eta_min', 'etaMin'], ['T_cur', 'tCur'], ...BASE_STATE_KEYS];
  }
}
