// The tutorial's training loop as a helper: a train step, then evaluation of
// both splits without gradients, every epoch. Models made of built-in layers
// train fused (the whole loop in Rust, same numbers); fitAsync runs on a
// background thread and never blocks the event loop.
import { native, type FitArgs, type FitRecord, type LayerSpec, type LossSpec } from './native';
import { argumentError } from './errors';
import { noGrad } from './autograd';
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
  if (model instanceof Sequential) {
    for (const m of model) if (!m._layerSpecs([])) return firstNonNativeModule(m);
  }
  return model;
}

/** The fused description of (model, criterion, optimizer), or the reason it cannot be fused. */
function planFused(model: Module, opts: FitOptions): FusedPlan | string {
  const params: Parameter[] = [];
  const layers = model._layerSpecs(params);
  if (!layers) return `${firstNonNativeModule(model).constructor.name} is not a built-in layer`;
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

/** What the engine's fit takes: the plan, the data and the loop's options. */
function fitArgs(plan: FusedPlan, opts: FitOptions): FitArgs {
  return {
    layers: plan.layers, params: plan.params.map((p) => p._n), loss: plan.loss, weight: plan.weight?._n,
    xTrain: opts.xTrain._n, yTrain: opts.yTrain._n, xTest: opts.xTest?._n, yTest: opts.yTest?._n,
    epochs: opts.epochs, batchSize: opts.batchSize, shuffle: opts.shuffle, evaluate: opts.evaluate,
  };
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

/** `(outputs.argmax(1) == labels).sum().item() / labels.size(0)`. */
function batchAccuracy(outputs: Tensor, labels: Tensor): number {
  return (outputs.argmax(1).eq(labels).sum().item() as number) / labels.size(0);
}

function evaluateSplit(model: Module, criterion: Loss, x: Tensor, y: Tensor): [number, number | undefined] {
  return noGrad(() => {
    const out = model.forward(x) as Tensor;
    const loss = criterion.forward(out, y).item() as number;
    return [loss, isClassification(criterion) ? batchAccuracy(out, y) : undefined];
  });
}

/** One epoch of the eager loop; returns the record (the same math the fused loop runs). */
function eagerEpoch(model: Module, opts: FitOptions, epoch: number): EpochRecord {
  const { optimizer, criterion, xTrain, yTrain } = opts;
  const n = xTrain.size(0);
  let lastLoss = 0;
  model.train();
  const step = (x: Tensor, y: Tensor) => {
    optimizer.zeroGrad();
    const loss = criterion.forward(model.forward(x) as Tensor, y);
    loss.backward();
    optimizer.step();
    lastLoss = loss.item() as number;
  };
  if (opts.batchSize === undefined) {
    step(xTrain, yTrain);
  } else {
    const order = opts.shuffle ?? true ? new Tensor(native.randperm(n)) : null;
    for (let start = 0; start < n; start += opts.batchSize) {
      const len = Math.min(opts.batchSize, n - start);
      if (order) {
        const idx = order.narrow(0, start, len);
        step(xTrain.indexSelect(0, idx), yTrain.indexSelect(0, idx));
      } else {
        step(xTrain.narrow(0, start, len), yTrain.narrow(0, start, len));
      }
    }
  }
  model.eval();
  const record: EpochRecord = { epoch, trainLoss: lastLoss };
  if (opts.evaluate ?? true) {
    [record.trainLoss, record.trainAccuracy] = evaluateSplit(model, criterion, xTrain, yTrain);
    if (opts.xTest && opts.yTest) [record.testLoss, record.testAccuracy] = evaluateSplit(model, criterion, opts.xTest, opts.yTest);
    if (record.trainAccuracy === undefined) delete record.trainAccuracy;
    if (record.testAccuracy === undefined) delete record.testAccuracy;
  }
  return record;
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
  const plan = fusedOrReason(model, opts);
  if (plan) {
    opts.optimizer._syncEngines(); // hyper-parameter changes and moved params reach the engine
    let thrown: { value: unknown } | undefined;
    const onEpochSafely = (record: EpochRecord) => {
      try {
        return opts.onEpoch!(record) !== false;
      } catch (value) {
        thrown = { value };
        return false;
      }
    };
    model.train();
    const records = native.fit(
      opts.optimizer._engines[0]!,
      fitArgs(plan, opts),
      opts.onEpoch ? (r: FitRecord) => onEpochSafely(toRecord(r)) : undefined,
    );
    model.eval();
    if (thrown) throw thrown.value; // whatever onEpoch threw, Error or not
    return records.map(toRecord);
  }
  const history: EpochRecord[] = [];
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const record = eagerEpoch(model, opts, epoch);
    history.push(record);
    if (opts.onEpoch?.(record) === false) break;
  }
  return history;
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
  const busy = [...plan.params, opts.xTrain, opts.yTrain, ...(opts.xTest ? [opts.xTest, opts.yTest!] : [])];
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
  for (const t of busy) native.setBusy(t._n, true);
  model._busy++;
  opts.optimizer._busy++;
  try {
    const records = (await promise).map(toRecord);
    if (opts.onEpoch) for (const r of records) deliver(r);
    if (callbackError !== undefined) throw callbackError;
    opts.signal?.throwIfAborted();
    return records;
  } finally {
    done();
    model._busy--;
    opts.optimizer._busy--;
    for (const t of busy) native.setBusy(t._n, false);
    model.eval();
  }
}

/** Eager fallback for models that cannot be fused: yields to the event loop between epochs. */
async function fitEagerYielding(model: Module, opts: FitAsyncOptions): Promise<EpochRecord[]> {
  const history: EpochRecord[] = [];
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    opts.signal?.throwIfAborted();
    const record = eagerEpoch(model, opts, epoch);
    history.push(record);
    if (opts.onEpoch?.(record) === false) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return history;
}
