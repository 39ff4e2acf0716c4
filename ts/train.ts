// fit and fitAsync: options, checks and callbacks around the engine's one
// training loop (a train step, then evaluation of both splits without
// gradients, every epoch, as the tutorial does). Models of built-in layers
// with a built-in loss and optimizer run it whole in Rust; anything written in
// JavaScript is called back from it, so both give the same numbers. fitAsync
// runs fused fits on a background thread and never blocks the event loop.
import { native, type FitArgs, type FitHooks, type FitRecord, type LayerSpec, type LossSpec, type NativeOptimizer, type NativeTensor } from './native';
import { argumentError } from './errors';
import { startBackgroundTask } from './background';
import { expectTensor, Tensor } from './tensor';
import { checkOptionalBool, describe } from './validate';
import { Module } from './nn/module';
import { Sequential } from './nn/container';
import { CrossEntropyLoss, NLLLoss, BCEWithLogitsLoss, WeightedLoss, type Loss } from './nn/loss';
import { Optimizer } from './optim/optimizer';
import type { Parameter } from './nn/parameter';

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy?: number;
  testLoss?: number;
  testAccuracy?: number;
}

export interface FitOptions {
  optimizer: Optimizer<{ lr: number }>;
  criterion: Loss;
  xTrain: Tensor;
  yTrain: Tensor;
  xTest?: Tensor;
  yTest?: Tensor;
  epochs: number;
  /** Minibatch size; full batch (the tutorial) when omitted. */
  batchSize?: number;
  /** Reshuffle minibatches each epoch with torch.randperm. @default true */
  shuffle?: boolean;
  /** Evaluate both splits after every epoch. @default true */
  evaluate?: boolean;
  /** Called after every epoch; return false to stop early. */
  onEpoch?: (record: EpochRecord) => void | boolean;
  /** 'auto' fuses when the model, loss and optimizer are built-ins. @default 'auto' */
  mode?: 'auto' | 'eager' | 'fused';
}

export interface FitAsyncOptions extends FitOptions {
  signal?: AbortSignal;
}

/** A fit the engine runs whole: the model's layers and parameters, the loss. */
interface FusedPlan {
  layers: LayerSpec[];
  params: Parameter[];
  loss: LossSpec;
  weight?: Tensor;
}

/** The first module on the way down that runs JavaScript (named when a model cannot be fused). */
function firstNonNativeModule(model: Module): Module {
  if (model instanceof Sequential && !model._hasForwardHooks()) {
    for (const m of model) if (!m._layerSpecs([])) return firstNonNativeModule(m);
  }
  return model;
}

/** The fused description of (model, criterion, optimizer), or the reason it cannot be fused. */
function planFused(model: Module, opts: FitOptions): FusedPlan | string {
  const params: Parameter[] = [];
  const layers = model._layerSpecs(params);
  if (!layers) {
    const culprit = firstNonNativeModule(model);
    return `${culprit.constructor.name} ${culprit._hasForwardHooks() ? 'has forward hooks' : 'is not a built-in layer'}`;
  }
  const c = opts.criterion;
  const loss = c._lossSpec();
  if (!loss) return `${c.constructor.name} cannot be fused`;
  // BCE's weight broadcasts against the whole input, not a minibatch of it.
  if (c instanceof BCEWithLogitsLoss && (c.weight || c.posWeight)) return 'BCEWithLogitsLoss with weights cannot be fused';
  const groups = opts.optimizer.paramGroups;
  if (groups.length !== 1) return 'the optimizer has several parameter groups';
  const optimized = groups[0]!.params;
  if (optimized.length !== params.length || optimized.some((p, i) => p !== params[i])) {
    return "the optimizer does not optimize exactly the model's parameters";
  }
  const weight = c instanceof WeightedLoss ? (c.weight ?? undefined) : undefined;
  return { layers, params, loss, weight };
}

/** What the engine's fit takes: the data, the loop's options, and the plan's engine parts if any. */
function fitArgs(plan: FusedPlan | null, opts: FitOptions, epochs = opts.epochs): FitArgs {
  const args: FitArgs = {
    xTrain: opts.xTrain._n, yTrain: opts.yTrain._n, xTest: opts.xTest?._n, yTest: opts.yTest?._n,
    epochs, batchSize: opts.batchSize, shuffle: opts.shuffle, evaluate: opts.evaluate,
  };
  if (plan) Object.assign(args, { layers: plan.layers, params: plan.params.map((p) => p._n), loss: plan.loss, weight: plan.weight?._n });
  return args;
}

function checkOptions(opts: FitOptions): void {
  if (opts === null || typeof opts !== 'object') throw argumentError(`fit: expected an options object, got ${describe(opts)}`);
  if (!(opts.optimizer instanceof Optimizer)) throw argumentError('fit: `optimizer` must be a torch optimizer');
  if (typeof (opts.criterion as { forward?: unknown } | undefined)?.forward !== 'function') throw argumentError(`fit: \`criterion\` must be a loss module, got ${describe(opts.criterion)}`);
  for (const name of ['xTrain', 'yTrain'] as const) expectTensor('fit', name, opts[name]);
  for (const name of ['xTest', 'yTest'] as const) if (opts[name] !== undefined) expectTensor('fit', name, opts[name]);
  if (opts.onEpoch !== undefined && typeof opts.onEpoch !== 'function') throw argumentError(`fit: \`onEpoch\` must be a function, got ${describe(opts.onEpoch)}`);
  checkOptionalBool('fit', 'shuffle', opts.shuffle);
  checkOptionalBool('fit', 'evaluate', opts.evaluate);
  if (opts.mode !== undefined && !['auto', 'eager', 'fused'].includes(opts.mode)) throw argumentError(`fit: \`mode\` must be 'auto', 'eager' or 'fused', got ${describe(opts.mode)}`);
  if (!Number.isSafeInteger(opts.epochs) || opts.epochs < 0 || opts.epochs > 2 ** 32 - 1) {
    throw argumentError(`fit: epochs must be an integer in [0, 2**32 - 1], got ${opts.epochs}`);
  }
  if (opts.batchSize !== undefined && !(Number.isSafeInteger(opts.batchSize) && opts.batchSize > 0)) {
    throw argumentError(`batch_size should be a positive integer value, but got batch_size=${opts.batchSize}`);
  }
  if ((opts.xTest === undefined) !== (opts.yTest === undefined)) throw argumentError('fit: give both xTest and yTest, or neither');
}

function toRecord(r: FitRecord): EpochRecord {
  const out: EpochRecord = { epoch: r.epoch, trainLoss: r.trainLoss };
  if (r.trainAccuracy != null) out.trainAccuracy = r.trainAccuracy;
  if (r.testLoss != null) out.testLoss = r.testLoss;
  if (r.testAccuracy != null) out.testAccuracy = r.testAccuracy;
  return out;
}

function isClassification(c: Loss): boolean {
  return c instanceof CrossEntropyLoss || c instanceof NLLLoss;
}

function expectTensorResult(what: string, value: unknown): NativeTensor {
  if (!(value instanceof Tensor)) throw argumentError(`fit: ${what} must return a Tensor, got ${describe(value)}`);
  return value._n;
}

/**
 * One run of the engine's training loop (the only one): the plan's engine
 * parts when the model, loss and optimizer fuse, else JavaScript hooks that
 * call the model's forward, the criterion and the optimizer. Whatever a hook
 * or `onEpoch` throws stops the loop and is rethrown as it was thrown.
 */
function engineFit(model: Module, opts: FitOptions, plan: FusedPlan | null, epochs: number, onEpoch?: (record: EpochRecord) => void | boolean): EpochRecord[] {
  const { optimizer, criterion } = opts;
  let thrown: { value: unknown } | undefined;
  const guarded = <A extends unknown[], R, F>(fn: (...args: A) => R, failed: F) => (...args: A): R | F => {
    if (thrown) return failed;
    try {
      return fn(...args);
    } catch (value) {
      thrown = { value };
      return failed;
    }
  };
  const hooks: FitHooks = {};
  if (onEpoch) hooks.onEpoch = guarded((r: FitRecord) => onEpoch(toRecord(r)) !== false, false);
  let engine: NativeOptimizer | null = null;
  if (plan) {
    optimizer._syncEngines(); // hyper-parameter changes and moved params reach the engine
    engine = optimizer._engines[0]!;
  } else {
    hooks.forward = guarded((x: NativeTensor, training: boolean) => {
      if (model.training !== training) model.train(training);
      return expectTensorResult("the model's forward", model.call(new Tensor(x)));
    }, null);
    hooks.loss = guarded((out: NativeTensor, target: NativeTensor) => expectTensorResult('the criterion', criterion.call(new Tensor(out), new Tensor(target))), null);
    hooks.isClassification = isClassification(criterion);
    hooks.zeroGrad = guarded(() => (optimizer.zeroGrad(), true), false);
    hooks.step = guarded(() => (optimizer.step(), true), false);
  }
  model.train();
  let records: FitRecord[];
  try {
    records = native.fit(engine, fitArgs(plan, opts, epochs), hooks);
  } catch (err) {
    if (thrown) throw thrown.value;
    throw err;
  } finally {
    model.eval();
  }
  if (thrown) throw thrown.value; // whatever onEpoch threw, Error or not
  return records.map(toRecord);
}

function fusedOrReason(model: Module, opts: FitOptions): FusedPlan | null {
  if (opts.mode === 'eager') return null;
  const plan = planFused(model, opts);
  if (typeof plan === 'string') {
    if (opts.mode === 'fused') throw argumentError(`fit: cannot fuse this model: ${plan}`);
    return null;
  }
  return plan;
}

/**
 * Trains `model` for `epochs`, evaluating the train and test splits after
 * each epoch like the PyTorch tutorial; returns the per-epoch history.
 *
 * @example
 * const history = fit(model, { optimizer, criterion, xTrain, yTrain, xTest, yTest, epochs: 500 });
 */
export function fit(model: Module, opts: FitOptions): EpochRecord[] {
  checkOptions(opts);
  model._checkNoBackgroundWork();
  return engineFit(model, opts, fusedOrReason(model, opts), opts.epochs, opts.onEpoch);
}

/**
 * `fit` on a background thread: the event loop stays free, progress arrives
 * through `onEpoch`, `signal` aborts between epochs. While it runs, the model,
 * its parameters, the data and the optimizer are busy: using them throws.
 */
export async function fitAsync(model: Module, opts: FitAsyncOptions): Promise<EpochRecord[]> {
  checkOptions(opts);
  model._checkNoBackgroundWork();
  opts.signal?.throwIfAborted();
  const plan = fusedOrReason(model, { ...opts, mode: opts.mode ?? 'auto' });
  if (!plan) return fitEagerYielding(model, opts);
  opts.optimizer._syncEngines();
  const { handle, done } = startBackgroundTask(opts.signal);
  let callbackError: unknown;
  // Progress arrives through a queue that may drain after the promise
  // settles; records are delivered once each, in order, before fitAsync returns.
  let delivered = 0;
  let stopped = false;
  const deliver = (record: EpochRecord) => {
    if (record.epoch <= delivered || stopped) return;
    delivered = record.epoch;
    try {
      if (opts.onEpoch!(record) === false) {
        stopped = true;
        handle.cancel();
      }
    } catch (err) {
      stopped = true;
      callbackError = err;
      handle.cancel();
    }
  };
  const onEpoch = opts.onEpoch ? (r: FitRecord) => deliver(toRecord(r)) : undefined;
  model.train();
  const engine = opts.optimizer._engines[0]!;
  let promise: Promise<FitRecord[]>;
  try {
    promise = engine.fitAsync(fitArgs(plan, opts), handle, onEpoch);
  } catch (err) {
    done();
    model.eval();
    throw err;
  }
  try {
    const records = (await promise).map(toRecord);
    if (opts.onEpoch) for (const r of records) deliver(r);
    if (callbackError !== undefined) throw callbackError;
    opts.signal?.throwIfAborted();
    return records;
  } finally {
    done();
    model.eval();
  }
}

/**
 * fitAsync for models, losses or optimizers written in JavaScript: JavaScript
 * cannot leave this thread, so the engine's loop runs here one epoch per
 * call, yielding to the event loop between epochs.
 */
async function fitEagerYielding(model: Module, opts: FitAsyncOptions): Promise<EpochRecord[]> {
  const history: EpochRecord[] = [];
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    opts.signal?.throwIfAborted();
    const record = engineFit(model, opts, null, 1)[0]!;
    record.epoch = epoch;
    history.push(record);
    if (opts.onEpoch?.(record) === false) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return history;
}
