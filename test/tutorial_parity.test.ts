// The classic "two circles" tutorial, line for line as in Python, against the
// losses, accuracies and final weights PyTorch 2.11 recorded in nn.json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor } from '../ts/creation';
import { manualSeed } from '../ts/random';
import { noGrad } from '../ts/autograd';
import { fit, type EpochRecord } from '../ts/train';
import { getNumThreads, setNumThreads } from '../ts/cuda';
import type { Tensor } from '../ts/tensor';
import * as nn from '../ts/nn';
import * as optim from '../ts/optim';
import { float32Bits, loadNnFixture, maxAbsDiff, values, type EpochJson, type ParamsJson } from './fixtures/nn_fixture';

const fx = loadNnFixture();

// 800×8 tensors gain nothing from threads, and on a busy machine OpenMP's
// spin-waiting can stall an epoch for 100+ ms; the numbers are the same
// either way (no reduction here is large enough to be split across threads).
let threads = 0;
beforeAll(() => {
  threads = getNumThreads();
  setNumThreads(1);
});
afterAll(() => setNumThreads(threads));
const data = fx.tutorial.data;
const LOSS_TOLERANCE = 1e-5;

function splits() {
  return {
    xTrain: tensor(data.X_train, { dtype: 'float32' }),
    xTest: tensor(data.X_test, { dtype: 'float32' }),
    yTrain: tensor(data.y_train, { dtype: 'int64' }),
    yTest: tensor(data.y_test, { dtype: 'int64' }),
  };
}

function buildModel(variant: 'relu' | 'linear'): nn.Sequential {
  manualSeed(42);
  return variant === 'relu'
    ? new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 4), new nn.ReLU(), new nn.Linear(4, 2))
    : new nn.Sequential(new nn.Linear(2, 8), new nn.Linear(8, 4), new nn.Linear(4, 2));
}

/** `(outputs.argmax(1) == y).sum().item() / n`, as the tutorial computes it. */
function accuracyOf(outputs: Tensor, y: Tensor): number {
  return (outputs.argmax(1).eq(y).sum().item() as number) / y.size(0);
}

/** The Python loop, statement for statement. */
function trainEager(variant: 'relu' | 'linear', epochs: number): { model: nn.Sequential; history: EpochJson[] } {
  const { xTrain, xTest, yTrain, yTest } = splits();
  const model = buildModel(variant);
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
  const criterion = new nn.CrossEntropyLoss();
  const history: EpochJson[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    model.train();
    optimizer.zeroGrad();
    const outputs = model.forward(xTrain) as Tensor;
    const loss = criterion.forward(outputs, yTrain);
    loss.backward();
    optimizer.step();
    model.eval();
    history.push(
      noGrad(() => {
        const trainOut = model.forward(xTrain) as Tensor;
        const testOut = model.forward(xTest) as Tensor;
        return {
          epoch,
          train_loss: criterion.forward(trainOut, yTrain).item() as number,
          train_acc: accuracyOf(trainOut, yTrain),
          test_loss: criterion.forward(testOut, yTest).item() as number,
          test_acc: accuracyOf(testOut, yTest),
        };
      }),
    );
  }
  return { model, history };
}

function trainWithFit(variant: 'relu' | 'linear', mode: 'eager' | 'fused', epochs: number): { model: nn.Sequential; history: EpochRecord[] } {
  const { xTrain, xTest, yTrain, yTest } = splits();
  const model = buildModel(variant);
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
  const history = fit(model, { optimizer, criterion: new nn.CrossEntropyLoss(), xTrain, yTrain, xTest, yTest, epochs, mode });
  return { model, history };
}

function compareHistories(got: EpochJson[], want: EpochJson[]): number {
  expect(got.length).toBe(want.length);
  const diff = Math.max(
    maxAbsDiff(got.map((r) => r.train_loss), want.map((r) => r.train_loss)),
    maxAbsDiff(got.map((r) => r.test_loss), want.map((r) => r.test_loss)),
  );
  expect(diff).toBeLessThanOrEqual(LOSS_TOLERANCE);
  // Accuracies are counts over n: identical or not at all.
  expect(got.map((r) => [r.epoch, r.train_acc, r.test_acc])).toEqual(want.map((r) => [r.epoch, r.train_acc, r.test_acc]));
  return diff;
}

function compareParams(model: nn.Module, want: ParamsJson): void {
  const state = model.stateDict();
  expect([...state.keys()]).toEqual(Object.keys(want));
  for (const [name, t] of state) {
    expect(t.shape, name).toEqual(want[name]!.shape);
    // Bit-identical float32 weights after 500 epochs: the strongest parity check.
    expect(float32Bits(values(t)), name).toEqual(float32Bits(want[name]!.values as number[]));
  }
}

const fromFitRecords = (records: EpochRecord[]): EpochJson[] =>
  records.map((r) => ({ epoch: r.epoch - 1, train_loss: r.trainLoss, train_acc: r.trainAccuracy!, test_loss: r.testLoss!, test_acc: r.testAccuracy! }));

const measured: Record<string, number> = {};

describe.each(['relu', 'linear'] as const)('the tutorial (%s model) matches PyTorch 2.11', (variant) => {
  const want = fx.tutorial.runs[variant];
  const epochs = want.history.length;

  it('has the data and the run the fixture describes', () => {
    expect(epochs).toBe(500);
    expect(data.X_train.length).toBe(800);
    expect(data.X_test.length).toBe(200);
    expect(String(buildModel(variant))).toBe(want.repr);
  });

  it('eager loop: every epoch\'s losses within 1e-5, identical accuracies and final weights', () => {
    const { model, history } = trainEager(variant, epochs);
    measured[`${variant} eager`] = compareHistories(history, want.history);
    // The every-50th-epoch log the tutorial prints.
    const log = (h: EpochJson[]) => h.filter((r) => r.epoch % 50 === 0).map((r) => `${r.epoch} ${r.train_loss.toFixed(5)} ${r.train_acc} ${r.test_loss.toFixed(5)} ${r.test_acc}`);
    expect(log(history)).toEqual(log(want.history));
    compareParams(model, want.final_params);
  });

  it.each(['eager', 'fused'] as const)('torch.fit (mode %s) gives the same numbers', (mode) => {
    const { model, history } = trainWithFit(variant, mode, epochs);
    measured[`${variant} fit ${mode}`] = compareHistories(fromFitRecords(history), want.history);
    compareParams(model, want.final_params);
  });
});

describe('the trained model predicts like PyTorch', () => {
  it('final ReLU model logits on X_test are bit-identical', () => {
    const { model } = trainEager('relu', fx.tutorial.runs.relu.history.length);
    const { xTest } = splits();
    model.eval();
    const logits = noGrad(() => model.forward(xTest) as Tensor);
    expect(logits.shape).toEqual(fx.tutorial.predictions.shape);
    expect(float32Bits(values(logits))).toEqual(float32Bits(fx.tutorial.predictions.logits));
    expect(values(logits.argmax(1))).toEqual(fx.tutorial.predictions.predicted);
  });

  it('reports the measured differences', () => {
    // Printed so the parity report can quote them; every run above already asserted <= 1e-5.
    console.log('tutorial max |loss - PyTorch|:', JSON.stringify(measured));
    expect(Object.keys(measured).length).toBeGreaterThan(0);
  });
});
