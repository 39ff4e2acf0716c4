// Schedulers made of schedulers: SequentialLR (one after another, switching at
// milestones) and ChainedScheduler (all of them every step).
import { argumentError } from '../../errors';
import { checkOptions, describe } from '../../validate';
import { bisectRight } from './decay';
import { ReduceLROnPlateau } from './plateau';
import { checkIntAtLeast, checkLastEpoch, LRScheduler, type AnyOptimizer, type SchedulerStateDict, type StateKeys } from './scheduler';

/** PyTorch's checks on a list of schedulers sharing one optimizer. */
function checkSchedulers(op: string, optimizer: AnyOptimizer, schedulers: unknown): LRScheduler[] {
  if (!Array.isArray(schedulers)) throw argumentError(`${op}(): 'schedulers' must be a list of schedulers, got ${describe(schedulers)}`);
  schedulers.forEach((s: unknown, i) => {
    if (!(s instanceof LRScheduler)) throw argumentError(`${op} at index ${i} should have \`optimizer\` as its attribute.`);
    if (s instanceof ReduceLROnPlateau) {
      throw argumentError(`${op} does not support \`ReduceLROnPlateau\` scheduler as it requires additional kwargs to be specified when calling \`step\`, but got one at index ${i} in the given schedulers sequence.`);
    }
    if (s.optimizer !== optimizer) {
      throw argumentError(`${op} expects all schedulers to belong to the same optimizer, but got scheduler ${s.constructor.name} at index ${i} has ${s.optimizer.constructor.name}, which is different from ${optimizer.constructor.name}.`);
    }
  });
  return schedulers as LRScheduler[];
}

/** Nested schedulers' state dicts, in PyTorch's `_schedulers` list. */
function loadNested(schedulers: LRScheduler[], saved: unknown): void {
  if (!Array.isArray(saved)) return;
  saved.forEach((sd, i) => schedulers[i]?.loadStateDict(sd as SchedulerStateDict));
}

/**
 * Runs `schedulers[0]` until `milestones[0]`, then `schedulers[1]` (restarted
 * at its epoch 0), and so on.
 *
 * @example
 * const warmup = new optim.lrScheduler.LinearLR(optimizer, { startFactor: 0.1, totalIters: 5 });
 * const decay = new optim.lrScheduler.ExponentialLR(optimizer, 0.9);
 * const scheduler = new optim.lrScheduler.SequentialLR(optimizer, [warmup, decay], [5]);
 */
export class SequentialLR extends LRScheduler {
  /** @internal */
  _schedulers: LRScheduler[];
  /** @internal */
  _milestones: number[];

  constructor(optimizer: unknown, schedulers: LRScheduler[], milestones: number[], opts?: { lastEpoch?: number }) {
    super(optimizer);
    const o = checkOptions('SequentialLR', opts);
    if (Array.isArray(schedulers) && schedulers.length < 1) throw argumentError('SequentialLR expects at least one scheduler, but got no scheduler.');
    this._schedulers = checkSchedulers('SequentialLR', this.optimizer, schedulers);
    if (!Array.isArray(milestones)) throw argumentError(`SequentialLR(): 'milestones' must be a list of integers, got ${describe(milestones)}`);
    if (milestones.length !== schedulers.length - 1) {
      throw argumentError(`Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${milestones.length}`);
    }
    milestones.forEach((m, i) => checkIntAtLeast('SequentialLR', `milestones[${i}]`, m, 0));
    if (milestones.some((m, i) => i > 0 && m < milestones[i - 1]!)) {
      throw argumentError(`SequentialLR(): milestones must be increasing, got [${milestones.join(', ')}]`);
    }
    this._milestones = [...milestones];
    this.lastEpoch = checkLastEpoch('SequentialLR', o.lastEpoch ?? -1) + 1;
    this.groups.forEach((g, i) => {
      if (!('initialLr' in g)) throw argumentError(`param 'initialLr' is not specified in paramGroups[${i}]`);
      g.lr = g.initialLr as number;
    });
    // Undo the step each scheduler made when it was built; the first one starts now.
    this.recursiveUndo(this);
    this._schedulers[0]!._initialStep();
    this._lastLr = this._schedulers[0]!.getLastLr();
  }

  private recursiveUndo(scheduler: LRScheduler): void {
    if (scheduler instanceof SequentialLR || scheduler instanceof ChainedScheduler) {
      for (const s of scheduler._schedulers) this.recursiveUndo(s);
    } else {
      scheduler.lastEpoch -= 1;
    }
  }

  protected getLr(): number[] {
    return this.groupValues('lr');
  }

  override step(): void {
    this.lastEpoch += 1;
    const idx = bisectRight(this._milestones, this.lastEpoch);
    const scheduler = this._schedulers[idx]!;
    if (idx > 0 && this._milestones[idx - 1] === this.lastEpoch) scheduler._updateLr(0);
    else scheduler.step();
    this._lastLr = scheduler.getLastLr();
  }

  protected override stateKeys(): StateKeys {
    return [['_milestones', '_milestones'], ['last_epoch', 'lastEpoch'], ['_last_lr', '_lastLr']];
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), _schedulers: this._schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    super.loadStateDict(stateDict);
    loadNested(this._schedulers, stateDict._schedulers);
  }
}

/**
 * Steps every scheduler in the list at each step, so their factors multiply.
 *
 * @example
 * const scheduler = new optim.lrScheduler.ChainedScheduler([
 *   new optim.lrScheduler.ConstantLR(optimizer, { factor: 0.1, totalIters: 2 }),
 *   new optim.lrScheduler.ExponentialLR(optimizer, 0.9),
 * ]);
 */
export class ChainedScheduler extends LRScheduler {
  /** @internal */
  _schedulers: LRScheduler[];

  constructor(schedulers: LRScheduler[], opts?: { optimizer?: AnyOptimizer }) {
    const o = checkOptions('ChainedScheduler', opts);
    if (!Array.isArray(schedulers)) throw argumentError(`ChainedScheduler(): 'schedulers' must be a list of schedulers, got ${describe(schedulers)}`);
    if (schedulers.length < 1) throw argumentError('ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.');
    const first: unknown = schedulers[0];
    super(o.optimizer ?? (first instanceof LRScheduler ? first.optimizer : first));
    this._schedulers = checkSchedulers('ChainedScheduler', this.optimizer, schedulers);
    this._lastLr = this.groupValues('lr');
  }

  protected getLr(): number[] {
    return this.groupValues('lr');
  }

  override step(): void {
    for (const s of this._schedulers) s.step();
    this._lastLr = this.groupValues('lr');
  }

  protected override stateKeys(): StateKeys {
    return [['_last_lr', '_lastLr']];
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), _schedulers: this._schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    super.loadStateDict(stateDict);
    loadNested(this._schedulers, stateDict._schedulers);
  }
}
