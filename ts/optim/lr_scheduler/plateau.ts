// ReduceLROnPlateau: lowers the lr when a metric has stopped improving.
import { argumentError } from '../../errors';
import { Tensor } from '../../tensor';
import { checkOptions, describe } from '../../validate';
import { checkFinite, checkIntAtLeast, LRScheduler, pyMax, type SchedulerStateDict, type StateKeys } from './scheduler';

export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall (a loss); 'max': rise (an accuracy). @default 'min' */
  mode?: 'min' | 'max';
  /** new lr = lr × factor. @default 0.1 */
  factor?: number;
  /** Epochs without improvement tolerated before the lr drops. @default 10 */
  patience?: number;
  /** What counts as an improvement. @default 1e-4 */
  threshold?: number;
  /** 'rel': beyond best × (1 ∓ threshold); 'abs': beyond best ∓ threshold. @default 'rel' */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a drop before counting bad epochs again. @default 0 */
  cooldown?: number;
  /** A floor for the lr, one for all groups or one per group. @default 0 */
  minLr?: number | number[];
  /** Drops smaller than this are skipped. @default 1e-8 */
  eps?: number;
}

/**
 * Multiplies each group's lr by `factor` once the metric passed to `step`
 * has not improved for `patience` epochs.
 *
 * @example
 * const scheduler = new optim.lrScheduler.ReduceLROnPlateau(optimizer, { patience: 5 });
 * scheduler.step(validationLoss);
 */
export class ReduceLROnPlateau extends LRScheduler {
  factor: number;
  /** The per-group floor given as one number, or null when a list was given. */
  defaultMinLr: number | null;
  minLrs: number[];
  patience: number;
  cooldown: number;
  eps: number;
  modeWorse = Infinity;
  mode: 'min' | 'max' = 'min';
  threshold = 1e-4;
  thresholdMode: 'rel' | 'abs' = 'rel';
  /** The best metric seen so far. */
  best = Infinity;
  cooldownCounter = 0;
  numBadEpochs = 0;

  constructor(optimizer: unknown, opts?: ReduceLROnPlateauOptions) {
    const o = checkOptions('ReduceLROnPlateau', opts);
    const factor = checkFinite('ReduceLROnPlateau', 'factor', o.factor ?? 0.1);
    if (factor >= 1.0) throw argumentError('Factor should be < 1.0.');
    super(optimizer);
    this.factor = factor;
    const minLr = o.minLr ?? 0;
    const groups = this.optimizer.paramGroups.length;
    if (Array.isArray(minLr)) {
      if (minLr.length !== groups) throw argumentError(`expected ${groups} minLrs, got ${minLr.length}`);
      this.defaultMinLr = null;
      this.minLrs = minLr.map((v, i) => checkFinite('ReduceLROnPlateau', `minLr[${i}]`, v));
    } else {
      this.defaultMinLr = checkFinite('ReduceLROnPlateau', 'minLr', minLr);
      this.minLrs = new Array<number>(groups).fill(this.defaultMinLr);
    }
    this.patience = checkIntAtLeast('ReduceLROnPlateau', 'patience', o.patience ?? 10, 0);
    this.cooldown = checkIntAtLeast('ReduceLROnPlateau', 'cooldown', o.cooldown ?? 0, 0);
    this.eps = checkFinite('ReduceLROnPlateau', 'eps', o.eps ?? 1e-8);
    this.lastEpoch = 0;
    this._lastLr = this.groupValues('lr');
    this.initIsBetter(o.mode ?? 'min', checkFinite('ReduceLROnPlateau', 'threshold', o.threshold ?? 1e-4), o.thresholdMode ?? 'rel');
    this.reset();
  }

  private reset(): void {
    this.best = this.modeWorse;
    this.cooldownCounter = 0;
    this.numBadEpochs = 0;
  }

  private initIsBetter(mode: unknown, threshold: number, thresholdMode: unknown): void {
    if (mode !== 'min' && mode !== 'max') throw argumentError(`mode ${typeof mode === 'string' ? mode : describe(mode)} is unknown!`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') {
      throw argumentError(`threshold mode ${typeof thresholdMode === 'string' ? thresholdMode : describe(thresholdMode)} is unknown!`);
    }
    this.modeWorse = mode === 'min' ? Infinity : -Infinity;
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
  }

  /** Whether the schedule is waiting out its cooldown. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  private isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1.0 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1.0);
    return a > best + this.threshold;
  }

  protected getLr(): number[] {
    return this.groupValues('lr');
  }

  /** Records this epoch's metric (a number or a one-element tensor) and lowers the lr if it has plateaued. */
  override step(metrics?: number | Tensor): void {
    const current = metrics instanceof Tensor ? Number(metrics.item()) : metrics;
    if (typeof current !== 'number') throw argumentError(`ReduceLROnPlateau.step(): 'metrics' must be a number or a one-element tensor, got ${describe(metrics)}`);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = this.groupValues('lr');
  }

  private reduceLr(): void {
    const groups = this.groups;
    if (groups.length !== this.minLrs.length) {
      if (this.defaultMinLr === null) {
        throw argumentError(`The number of param groups in the \`optimizer\` (${groups.length}) differs from when \`ReduceLROnPlateau\` was initialized (${this.minLrs.length}), usually due to a new param group being added to the optimizer. Please modify the \`minLrs\` field to match the length of the \`optimizer\` param groups.`);
      }
      this.minLrs = new Array<number>(groups.length).fill(this.defaultMinLr);
    }
    groups.forEach((g, i) => {
      const oldLr = g.lr;
      const newLr = pyMax(oldLr * this.factor, this.minLrs[i]!);
      if (oldLr - newLr > this.eps) g.lr = newLr;
    });
  }

  protected override stateKeys(): StateKeys {
    return [
      ['factor', 'factor'], ['default_min_lr', 'defaultMinLr'], ['min_lrs', 'minLrs'], ['patience', 'patience'],
      ['cooldown', 'cooldown'], ['eps', 'eps'], ['last_epoch', 'lastEpoch'], ['_last_lr', '_lastLr'],
      ['mode_worse', 'modeWorse'], ['mode', 'mode'], ['threshold', 'threshold'], ['threshold_mode', 'thresholdMode'],
      ['best', 'best'], ['cooldown_counter', 'cooldownCounter'], ['num_bad_epochs', 'numBadEpochs'],
    ];
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    super.loadStateDict(stateDict);
    this.initIsBetter(this.mode, this.threshold, this.thresholdMode);
  }
}
