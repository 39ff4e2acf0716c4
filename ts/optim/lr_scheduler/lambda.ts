// Schedules given by the user's functions of the epoch: LambdaLR (lr =
// initial lr × f(epoch)) and MultiplicativeLR (lr = current lr × f(epoch)).
import { argumentError } from '../../errors';
import { checkOptions, describe } from '../../validate';
import { BASE_STATE_KEYS, checkLastEpoch, LRScheduler, type SchedulerStateDict, type StateKeys } from './scheduler';

export type LrLambda = (epoch: number) => number;

/** One function per param group, from one function or a list (PyTorch's messages). */
function lambdasPerGroup(op: string, count: number, lrLambda: LrLambda | readonly LrLambda[]): LrLambda[] {
  const list = Array.isArray(lrLambda) ? [...lrLambda] : new Array<LrLambda>(count).fill(lrLambda as LrLambda);
  if (Array.isArray(lrLambda) && lrLambda.length !== count) throw argumentError(`Expected ${count} lrLambdas, but got ${lrLambda.length}`);
  for (const f of list) {
    if (typeof f !== 'function') throw argumentError(`${op}(): lrLambda should be a function, but got ${describe(f)}`);
  }
  return list;
}

/** Shared by both: the functions are not saved (PyTorch saves only callable objects' attributes). */
abstract class LambdaScheduler extends LRScheduler {
  lrLambdas: LrLambda[];

  constructor(op: string, optimizer: unknown, lrLambda: LrLambda | readonly LrLambda[], opts: { lastEpoch?: number } | undefined) {
    super(optimizer);
    const o = checkOptions(op, opts);
    this.lrLambdas = lambdasPerGroup(op, this.optimizer.paramGroups.length, lrLambda);
    this.attach(checkLastEpoch(op, o.lastEpoch ?? -1));
  }

  protected override stateKeys(): StateKeys {
    return BASE_STATE_KEYS;
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), lr_lambdas: this.lrLambdas.map(() => null) };
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    super.loadStateDict(stateDict);
    const saved = stateDict.lr_lambdas;
    if (Array.isArray(saved)) {
      saved.forEach((attrs, i) => {
        if (attrs && typeof attrs === 'object' && this.lrLambdas[i]) Object.assign(this.lrLambdas[i]!, attrs);
      });
    }
  }
}

/**
 * Sets each group's lr to its initial lr times `lrLambda(epoch)`.
 *
 * @example
 * const scheduler = new optim.lrScheduler.LambdaLR(optimizer, (epoch) => 0.95 ** epoch);
 */
export class LambdaLR extends LambdaScheduler {
  constructor(optimizer: unknown, lrLambda: LrLambda | readonly LrLambda[], opts?: { lastEpoch?: number }) {
    super('LambdaLR', optimizer, lrLambda, opts);
  }

  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i]!(this.lastEpoch));
  }
}

/**
 * Multiplies each group's lr by `lrLambda(epoch)` every epoch after the first.
 *
 * @example
 * const scheduler = new optim.lrScheduler.MultiplicativeLR(optimizer, () => 0.95);
 */
export class MultiplicativeLR extends LambdaScheduler {
  constructor(optimizer: unknown, lrLambda: LrLambda | readonly LrLambda[], opts?: { lastEpoch?: number }) {
    super('MultiplicativeLR', optimizer, lrLambda, opts);
  }

  protected getLr(): number[] {
    if (this._isInitial) return this.groupValues('lr');
    return this.groups.map((g, i) => g.lr * this.lrLambdas[i]!(this.lastEpoch));
  }
}
