// The tutorial's training, parameterised for the worker-thread test: a
// 2-8-2 model on make_circles data, trained full-batch with Adam -- in the
// eager API (one native call per op), with fused fit() (the loop in Rust), or
// with fitAsync() (the loop on libuv's thread pool). Given the initial weights
// it draws nothing from libtorch's generator (no dropout, no shuffling), so the
// result depends only on its inputs -- which is what lets a run in a worker be
// compared with the same run in the main thread.
import type * as Torch from '../../ts/index';

type TorchModule = typeof Torch;

export interface TrainSpec {
  /** Dataset seed (sklearn's random_state, drawn by our pure-JS RandomState). */
  dataSeed: number;
  /** Initial parameters, name → nested arrays (a state dict as JSON). */
  init: Record<string, number[] | number[][]>;
  samples: number;
  epochs: number;
  lr: number;
  mode: 'eager' | 'fused' | 'async';
}

export interface TrainResult {
  firstLoss: number;
  finalLoss: number;
  accuracy: number;
  /** Final parameters as name → flat arrays, for an exact comparison. */
  params: Record<string, number[]>;
}

export function makeModel(torch: TorchModule): Torch.nn.Sequential {
  const { nn } = torch;
  return new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 2));
}

/** Initial weights for `seed`, drawn under manualSeed -- call where no other thread draws. */
export function initialWeights(torch: TorchModule, seed: number): TrainSpec['init'] {
  torch.manualSeed(seed);
  const model = makeModel(torch);
  const out: TrainSpec['init'] = {};
  for (const [name, t] of model.stateDict()) out[name] = t.toArray() as number[] | number[][];
  return out;
}

export async function train(torch: TorchModule, spec: TrainSpec): Promise<TrainResult> {
  const { nn, optim } = torch;
  const { X, y } = torch.makeCircles(spec.samples, { noise: 0.03, randomState: spec.dataSeed });
  const x = torch.tensor(X, { dtype: torch.float32 });
  const labels = torch.tensor(y, { dtype: torch.long });
  const model = makeModel(torch);
  model.loadStateDict(new Map(Object.entries(spec.init).map(([k, v]) => [k, torch.tensor(v)])));
  const optimizer = new optim.Adam(model.parameters(), { lr: spec.lr });
  const criterion = new nn.CrossEntropyLoss();
  let firstLoss = NaN;
  let finalLoss = NaN;
  if (spec.mode === 'eager') {
    for (let epoch = 0; epoch < spec.epochs; epoch++) {
      model.train();
      optimizer.zeroGrad();
      const loss = criterion.forward(model.forward(x) as Torch.Tensor, labels);
      loss.backward();
      optimizer.step();
      finalLoss = loss.item() as number;
      if (epoch === 0) firstLoss = finalLoss;
    }
  } else {
    const opts = { optimizer, criterion, xTrain: x, yTrain: labels, epochs: spec.epochs, evaluate: false, mode: 'fused' as const };
    const history = spec.mode === 'fused' ? torch.fit(model, opts) : await torch.fitAsync(model, opts);
    firstLoss = history[0]!.trainLoss;
    finalLoss = history[history.length - 1]!.trainLoss;
  }
  model.eval();
  const accuracy = torch.noGrad(() => torch.accuracy(model.forward(x) as Torch.Tensor, labels));
  const params: TrainResult['params'] = {};
  for (const [name, t] of model.stateDict()) params[name] = Array.from(t.data() as Float32Array);
  return { firstLoss, finalLoss, accuracy, params };
}
