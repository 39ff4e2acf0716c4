// OneCycleLR: the 1cycle policy (lr up to maxLr, then down to far below the
// start), cycling SGD's momentum or Adam's beta1 the opposite way.
import { argumentError } from '../../errors';
import { checkOptions, describe } from '../../validate';
import { cos } from './python_math';
import {
  BASE_STATE_KEYS, checkFinite, checkLastEpoch, LRScheduler, perGroup, type StateKeys,
} from './scheduler';

export interface OneCycleLROptions {
  /** Steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number | null;
  epochs?: number | null;
  stepsPerEpoch?: number | null;
  /** Fraction of the cycle spent raising the lr. @default 0.3 */
  pctStart?: number;
  /** @default 'cos' */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle `momentum` (SGD) or `betas[0]` (Adam) inversely to the lr. @default true */
  cycleMomentum?: boolean;
  /** @default 0.85 */
  baseMomentum?: number | number[];
  /** @default 0.95 */
  maxMomentum?: number | number[];
  /** initial lr = maxLr / divFactor. @default 25 */
  divFactor?: number;
  /** min lr = initial lr / finalDivFactor. @default 1e4 */
  finalDivFactor?: number;
  /** Three phases (up, down to the initial lr, then annihilate) instead of two. @default false */
  threePhase?: boolean;
  /** @default -1 */
  lastEpoch?: number;
}

/** One phase of the cycle; the values name param group keys, as in PyTorch's state dict. */
export interface SchedulePhase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

/** PyTorch's group keys (in phases and state dicts) → torchts's camelCase group keys. */
const GROUP_KEY: Record<string, string> = {
  initial_lr: 'initialLr', max_lr: 'maxLr', min_lr: 'minLr', max_momentum: 'maxMomentum', base_momentum: 'baseMomentum',
};

function positiveInt(name: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  throw argumentError(`Expected positive integer ${name}, but got ${describe(value)}`);
}

/**
 * The 1cycle learning-rate policy; step it after every batch.
 *
 * @example
 * const scheduler = new optim.lrScheduler.OneCycleLR(optimizer, 0.01, { stepsPerEpoch: loader.length, epochs: 10 });
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  /** @internal */
  _schedulePhases: SchedulePhase[];
  /** @internal 'cos' or 'linear'. */
  _annealFuncType: 'cos' | 'linear';
  cycleMomentum: boolean;
  /** Whether momentum lives in `betas[0]` (Adam) rather than `momentum` (SGD). */
  useBeta1 = false;

  constructor(optimizer: unknown, maxLr: number | number[], opts?: OneCycleLROptions) {
    super(optimizer);
    const o = checkOptions('OneCycleLR', opts);
    if (o.totalSteps !== undefined && o.totalSteps !== null) {
      this.totalSteps = positiveInt('totalSteps', o.totalSteps);
    } else if (o.epochs != null && o.stepsPerEpoch != null) {
      this.totalSteps = positiveInt('epochs', o.epochs) * positiveInt('stepsPerEpoch', o.stepsPerEpoch);
    } else {
      throw argumentError('You must define either totalSteps OR (epochs AND stepsPerEpoch)');
    }
    const pctStart = o.pctStart ?? 0.3;
    const n = this.totalSteps;
    this._schedulePhases = o.threePhase
      ? [
        { end_step: pctStart * n - 1, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
        { end_step: 2 * pctStart * n - 2, start_lr: 'max_lr', end_lr: 'initial_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
        { end_step: n - 1, start_lr: 'initial_lr', end_lr: 'min_lr', start_momentum: 'max_momentum', end_momentum: 'max_momentum' },
      ]
      : [
        { end_step: pctStart * n - 1, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
        { end_step: n - 1, start_lr: 'max_lr', end_lr: 'min_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
      ];
    if (typeof pctStart !== 'number' || !(pctStart >= 0 && pctStart <= 1)) {
      throw argumentError(`Expected float between 0 and 1 pctStart, but got ${describe(pctStart)}`);
    }
    const anneal = o.annealStrategy ?? 'cos';
    if (anneal !== 'cos' && anneal !== 'linear') {
      throw argumentError(`annealStrategy must be one of 'cos' or 'linear', instead got ${typeof anneal === 'string' ? anneal : describe(anneal)}`);
    }
    this._annealFuncType = anneal;

    const lastEpoch = checkLastEpoch('OneCycleLR', o.lastEpoch ?? -1);
    const divFactor = checkFinite('OneCycleLR', 'divFactor', o.divFactor ?? 25.0);
    const finalDivFactor = checkFinite('OneCycleLR', 'finalDivFactor', o.finalDivFactor ?? 1e4);
    const maxLrs = perGroup('maxLr', this.optimizer, maxLr);
    if (lastEpoch === -1) {
      this.groups.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = (g.initialLr as number) / finalDivFactor;
      });
    }

    this.cycleMomentum = o.cycleMomentum ?? true;
    if (typeof this.cycleMomentum !== 'boolean') throw argumentError(`OneCycleLR(): 'cycleMomentum' must be a boolean, got ${describe(this.cycleMomentum)}`);
    if (this.cycleMomentum) {
      const defaults = this.optimizer.defaults as Record<string, unknown>;
      if (!('momentum' in defaults) && !('betas' in defaults)) {
        throw argumentError('optimizer must support momentum or beta1 with `cycleMomentum` option enabled');
      }
      this.useBeta1 = 'betas' in defaults;
      const maxMomentums = perGroup('maxMomentum', this.optimizer, o.maxMomentum ?? 0.95);
      const baseMomentums = perGroup('baseMomentum', this.optimizer, o.baseMomentum ?? 0.85);
      if (lastEpoch === -1) {
        this.groups.forEach((g, i) => {
          this.setMomentum(g, maxMomentums[i]!);
          g.maxMomentum = maxMomentums[i];
          g.baseMomentum = baseMomentums[i];
        });
      }
    }
    this.attach(lastEpoch);
  }

  private setMomentum(g: Record<string, unknown>, value: number): void {
    if (this.useBeta1) g.betas = [value, ...(g.betas as number[]).slice(1)];
    else g.momentum = value;
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this._annealFuncType === 'linear') return (end - start) * pct + start;
    const cosOut = cos(Math.PI * pct) + 1;
    return end + (start - end) / 2.0 * cosOut;
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw argumentError(`Tried to step ${stepNum} times. The specified number of total steps is ${this.totalSteps}`);
    }
    const phases = this._schedulePhases;
    return this.groups.map((g) => {
      const value = (key: string) => g[GROUP_KEY[key] ?? key] as number;
      let startStep = 0.0;
      for (const [i, phase] of phases.entries()) {
        const endStep = phase.end_step;
        if (stepNum <= endStep || i === phases.length - 1) {
          const pct = (stepNum - startStep) / (endStep - startStep);
          if (this.cycleMomentum) this.setMomentum(g, this.anneal(value(phase.start_momentum), value(phase.end_momentum), pct));
          return this.anneal(value(phase.start_lr), value(phase.end_lr), pct);
        }
        startStep = phase.end_step;
      }
      throw argumentError('OneCycleLR has no schedule phases'); // unreachable: the last phase always matches
    });
  }

  protected override stateKeys(): StateKeys {
    const own: [string, string][] = [
      ['total_steps', 'totalSteps'], ['_schedule_phases', '_schedulePhases'], ['_anneal_func_type', '_annealFuncType'],
      ['cycle_momentum', 'cycleMomentum'],
    ];
    if (this.cycleMomentum) own.push(['use_beta1', 'useBeta1']);
    return [...own, ...BASE_STATE_KEYS];
  }
}
