// PyTorch's "What is torch.nn really?" (nn_tutorial.py), line for line.
//
// There is no MNIST download here, so the data set is synthetic with MNIST's
// shapes, built from the seed the same way as in the Python twin
// (test/fixtures/tutorials/nn_really.py): after torch.manualSeed(0),
// xTrain = torch.rand(1000, 784), yTrain = torch.randint(0, 10, [1000]),
// xValid = torch.rand(200, 784), yValid = torch.randint(0, 10, [200]), in that
// order. Everything after is the tutorial's (bs 64, lr 0.5 then 0.1, 2
// epochs), with its random draws in its order (weights, Linear/Conv2d init,
// the shuffling DataLoader). One intra-op thread, so test/tutorials.test.ts
// can compare the twins bit for bit. Not ported: the download, pyplot and the
// IPython debugger; "Using your GPU" runs on the CPU.
//
// Python rebinds `model`, `fit`, `Mnist_Logistic` and `preprocess` as the
// tutorial refactors; TypeScript cannot redeclare a name in one scope, so
// the sections that rebind them with another type sit in blocks, and the two
// Mnist_Logistic classes have two names.
// Run: npx tsx examples/tutorials/nn_really.ts
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from 'torchts';
import { nn, optim, type Tensor } from 'torchts';

const F = nn.functional;
const { DataLoader, TensorDataset } = torch.utils.data;

type Batches = Iterable<[Tensor, Tensor]> & { readonly length: number };
type LossFunc = (input: Tensor, target: Tensor) => Tensor;

export interface NnReallyReport {
  xTrainShape: number[];
  weightsInit: Tensor;
  preds0: string;
  predsShape: number[];
  preds: Tensor;
  scratchWeights: Tensor;
  scratchBias: Tensor;
  /** Each section's trained parameters (a copy of the state dict), by the fixture's names. */
  states: Record<string, Map<string, Tensor>>;
  /** Every printed loss and accuracy, in order, as numbers. */
  losses: number[];
  /** fit()'s validation losses, in order. */
  valLosses: number[];
  prints: string[];
}

// Refactor using nn.Module
class MnistLogistic extends nn.Module {
  weights = new nn.Parameter(torch.randn(784, 10).div(Math.sqrt(784)));
  bias = new nn.Parameter(torch.zeros(10));

  override forward(xb: Tensor): Tensor {
    return xb.matmul(this.weights).add(this.bias);
  }
}

// Refactor using nn.Linear (Python's second `class Mnist_Logistic`)
class MnistLogisticLinear extends nn.Module {
  lin = new nn.Linear(784, 10);

  override forward(xb: Tensor): Tensor {
    return this.lin(xb);
  }
}

// Switch to CNN
class MnistCNN extends nn.Module {
  conv1 = new nn.Conv2d(1, 16, 3, { stride: 2, padding: 1 });
  conv2 = new nn.Conv2d(16, 16, 3, { stride: 2, padding: 1 });
  conv3 = new nn.Conv2d(16, 10, 3, { stride: 2, padding: 1 });

  override forward(xb: Tensor): Tensor {
    xb = xb.view(-1, 1, 28, 28);
    xb = F.relu(this.conv1(xb));
    xb = F.relu(this.conv2(xb));
    xb = F.relu(this.conv3(xb));
    xb = F.avgPool2d(xb, 4);
    return xb.view(-1, xb.size(1));
  }
}

// nn.Sequential
class Lambda extends nn.Module {
  constructor(readonly func: (x: Tensor) => Tensor) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return this.func(x);
  }
}

// Wrapping DataLoader
class WrappedDataLoader implements Batches {
  constructor(
    readonly dl: Batches,
    readonly func: (x: Tensor, y: Tensor) => [Tensor, Tensor],
  ) {}

  get length(): number {
    return this.dl.length;
  }

  *[Symbol.iterator](): Iterator<[Tensor, Tensor]> {
    for (const b of this.dl) yield this.func(...b);
  }
}

export function nnReallyTutorial(print: (line: string) => void = () => {}): NnReallyReport {
  torch.setNumThreads(1);
  torch.manualSeed(0);
  const prints: string[] = [];
  const losses: number[] = [];
  const valLosses: number[] = [];
  const states: Record<string, Map<string, Tensor>> = {};
  const snapshot = (model: nn.Module) => new Map([...model.stateDict()].map(([k, t]) => [k, t.detach().clone()]));
  // Python's print(a, b, …): str() of each, joined by spaces.
  const out = (...args: unknown[]) => {
    const s = args.map(String).join(' ');
    print(s);
    prints.push(s);
  };

  // MNIST data setup (synthetic)
  const [xTrain, yTrain] = [torch.rand(1000, 784), torch.randint(0, 10, [1000])];
  const [xValid, yValid] = [torch.rand(200, 784), torch.randint(0, 10, [200])];
  const [n] = xTrain.shape;
  out(xTrain, yTrain);
  print(`${xTrain.shape}`);
  out(yTrain.min(), yTrain.max());

  // Neural net from scratch (without torch.nn)
  const weights = torch.randn(784, 10).div(Math.sqrt(784));
  weights.requiresGrad_();
  const bias = torch.zeros(10, { requiresGrad: true });
  const weightsInit = weights.detach().clone();

  function logSoftmax(x: Tensor): Tensor {
    return x.sub(x.exp().sum(-1).log().unsqueeze(-1));
  }

  const bs = 64; // batch size
  let xb = xTrain.slice(0, 0, bs); // a mini-batch from x (x_train[0:bs])
  let yb: Tensor;
  let preds: Tensor;
  {
    let model = (xb: Tensor): Tensor => logSoftmax(xb.matmul(weights).add(bias));

    preds = model(xb); // predictions
    print(`${preds.select(0, 0)} ${preds.shape}`);

    // -input[range(target.shape[0]), target].mean()
    function nll(input: Tensor, target: Tensor): Tensor {
      return input.index(torch.arange(target.shape[0]), target).mean().neg();
    }

    let lossFunc: LossFunc = nll;

    yb = yTrain.slice(0, 0, bs);
    out(lossFunc(preds, yb));
    losses.push(lossFunc(preds, yb).item());

    function accuracy(out: Tensor, yb: Tensor): Tensor {
      const preds = torch.argmax(out, 1); // torch.argmax(out, dim=1)
      return preds.eq(yb).float().mean();
    }

    out(accuracy(preds, yb));
    losses.push(accuracy(preds, yb).item());

    const lr = 0.5; // learning rate
    const epochs = 2; // how many epochs to train for

    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = 0; i < Math.floor((n - 1) / bs) + 1; i++) {
        const startI = i * bs;
        const endI = startI + bs;
        xb = xTrain.slice(0, startI, endI);
        yb = yTrain.slice(0, startI, endI);
        const pred = model(xb);
        const loss = lossFunc(pred, yb);

        loss.backward();
        torch.noGrad(() => {
          weights.sub_(weights.grad!.mul(lr)); // weights -= weights.grad * lr
          bias.sub_(bias.grad!.mul(lr));
          weights.grad!.zero_();
          bias.grad!.zero_();
        });
      }
    }

    out(lossFunc(model(xb), yb), accuracy(model(xb), yb));
    losses.push(lossFunc(model(xb), yb).item(), accuracy(model(xb), yb).item());

    // Using torch.nn.functional
    lossFunc = F.crossEntropy;

    model = (xb: Tensor): Tensor => xb.matmul(weights).add(bias);

    out(lossFunc(model(xb), yb), accuracy(model(xb), yb));
    losses.push(lossFunc(model(xb), yb).item(), accuracy(model(xb), yb).item());
  }

  const lossFunc: LossFunc = F.crossEntropy;
  let lr = 0.5;
  const epochs = 2;
  {
    let model: MnistLogistic | MnistLogisticLinear = new MnistLogistic();
    out(lossFunc(model(xb), yb));
    losses.push(lossFunc(model(xb), yb).item());

    // An arrow function: a block's `function fit` would be hoisted out of the
    // block by tsx/esbuild and replace the fit() defined further down.
    const fit = () => {
      for (let epoch = 0; epoch < epochs; epoch++) {
        for (let i = 0; i < Math.floor((n - 1) / bs) + 1; i++) {
          const startI = i * bs;
          const endI = startI + bs;
          const xb = xTrain.slice(0, startI, endI);
          const yb = yTrain.slice(0, startI, endI);
          const pred = model(xb);
          const loss = lossFunc(pred, yb);

          loss.backward();
          torch.noGrad(() => {
            for (const p of model.parameters()) p.sub_(p.grad!.mul(lr)); // p -= p.grad * lr
            model.zeroGrad();
          });
        }
      }
    };

    fit();
    out(lossFunc(model(xb), yb));
    losses.push(lossFunc(model(xb), yb).item());
    states.module_state = snapshot(model);

    // Refactor using nn.Linear
    model = new MnistLogisticLinear();
    out(lossFunc(model(xb), yb));
    losses.push(lossFunc(model(xb), yb).item());

    fit();
    out(lossFunc(model(xb), yb));
    losses.push(lossFunc(model(xb), yb).item());
    states.linear_state = snapshot(model);
  }

  // Refactor using torch.optim
  function getModel(): [MnistLogisticLinear, optim.SGD] {
    const model = new MnistLogisticLinear();
    return [model, new optim.SGD(model.parameters(), { lr })];
  }

  let [model, opt] = getModel();
  out(lossFunc(model(xb), yb));
  losses.push(lossFunc(model(xb), yb).item());

  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = 0; i < Math.floor((n - 1) / bs) + 1; i++) {
      const startI = i * bs;
      const endI = startI + bs;
      xb = xTrain.slice(0, startI, endI);
      yb = yTrain.slice(0, startI, endI);
      const pred = model(xb);
      const loss = lossFunc(pred, yb);

      loss.backward();
      opt.step();
      opt.zeroGrad();
    }
  }

  out(lossFunc(model(xb), yb));
  losses.push(lossFunc(model(xb), yb).item());
  states.optim_state = snapshot(model);

  // Refactor using Dataset
  let trainDs = new TensorDataset(xTrain, yTrain);

  [model, opt] = getModel();

  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = 0; i < Math.floor((n - 1) / bs) + 1; i++) {
      // train_ds[i * bs: i * bs + bs]: TensorDataset takes one index, not a slice.
      [xb, yb] = trainDs.tensors.map((t) => t.slice(0, i * bs, i * bs + bs));
      const pred = model(xb);
      const loss = lossFunc(pred, yb);

      loss.backward();
      opt.step();
      opt.zeroGrad();
    }
  }

  out(lossFunc(model(xb), yb));
  losses.push(lossFunc(model(xb), yb).item());
  states.dataset_state = snapshot(model);

  // Refactor using DataLoader
  trainDs = new TensorDataset(xTrain, yTrain);
  let trainDl: Batches = new DataLoader(trainDs, { batchSize: bs });

  [model, opt] = getModel();

  for (let epoch = 0; epoch < epochs; epoch++) {
    for ([xb, yb] of trainDl) {
      const pred = model(xb);
      const loss = lossFunc(pred, yb);

      loss.backward();
      opt.step();
      opt.zeroGrad();
    }
  }

  out(lossFunc(model(xb), yb));
  losses.push(lossFunc(model(xb), yb).item());
  states.dataloader_state = snapshot(model);

  // Add validation
  trainDs = new TensorDataset(xTrain, yTrain);
  trainDl = new DataLoader(trainDs, { batchSize: bs, shuffle: true });

  const validDs = new TensorDataset(xValid, yValid);
  let validDl: Batches = new DataLoader(validDs, { batchSize: bs * 2 });

  [model, opt] = getModel();

  for (let epoch = 0; epoch < epochs; epoch++) {
    model.train();
    for (const [xb, yb] of trainDl) {
      const pred = model(xb);
      const loss = lossFunc(pred, yb);

      loss.backward();
      opt.step();
      opt.zeroGrad();
    }

    model.eval();
    // sum(loss_func(model(xb), yb) for xb, yb in valid_dl): Python's sum starts
    // from 0, and 0 + loss is loss exactly, so the reduce starts from the first.
    const validLoss = torch.noGrad(() => [...validDl].map(([xb, yb]) => lossFunc(model(xb), yb)).reduce((a, b) => a.add(b)));

    out(epoch, validLoss.div(validDl.length));
    losses.push(validLoss.div(validDl.length).item());
  }
  states.validation_state = snapshot(model);

  // Create fit() and get_data()
  type Model = nn.Module & { forward(xb: Tensor): Tensor };

  function lossBatch(model: Model, lossFunc: LossFunc, xb: Tensor, yb: Tensor, opt: optim.Optimizer<{ lr: number }> | null = null): [number, number] {
    const loss = lossFunc(model(xb), yb);

    if (opt !== null) {
      loss.backward();
      opt.step();
      opt.zeroGrad();
    }

    return [loss.item(), xb.size(0)];
  }

  function fit(epochs: number, model: Model, lossFunc: LossFunc, opt: optim.Optimizer<{ lr: number }>, trainDl: Batches, validDl: Batches) {
    for (let epoch = 0; epoch < epochs; epoch++) {
      model.train();
      for (const [xb, yb] of trainDl) lossBatch(model, lossFunc, xb, yb, opt);

      model.eval();
      const results = torch.noGrad(() => [...validDl].map(([xb, yb]) => lossBatch(model, lossFunc, xb, yb)));
      const [losses, nums] = [results.map((r) => r[0]), results.map((r) => r[1])];
      // np.sum(np.multiply(losses, nums)) / np.sum(nums), in float64 as NumPy
      const valLoss = losses.reduce((s, l, i) => s + l * nums[i], 0) / nums.reduce((s, k) => s + k, 0);

      out(epoch, valLoss);
      valLosses.push(valLoss);
    }
  }

  function getData(trainDs: InstanceType<typeof TensorDataset<[Tensor, Tensor]>>, validDs: InstanceType<typeof TensorDataset<[Tensor, Tensor]>>, bs: number): [Batches, Batches] {
    return [
      new DataLoader(trainDs, { batchSize: bs, shuffle: true }),
      new DataLoader(validDs, { batchSize: bs * 2 }),
    ];
  }

  [trainDl, validDl] = getData(trainDs, validDs, bs);
  [model, opt] = getModel();
  fit(epochs, model, lossFunc, opt, trainDl, validDl);
  states.fit_state = snapshot(model);

  // Switch to CNN
  lr = 0.1;

  {
    const model = new MnistCNN();
    const opt = new optim.SGD(model.parameters(), { lr, momentum: 0.9 });

    fit(epochs, model, lossFunc, opt, trainDl, validDl);
    states.cnn_state = snapshot(model);
  }

  // nn.Sequential
  {
    const preprocess = (x: Tensor): Tensor => x.view(-1, 1, 28, 28);

    const model = new nn.Sequential(
      new Lambda(preprocess),
      new nn.Conv2d(1, 16, 3, { stride: 2, padding: 1 }),
      new nn.ReLU(),
      new nn.Conv2d(16, 16, 3, { stride: 2, padding: 1 }),
      new nn.ReLU(),
      new nn.Conv2d(16, 10, 3, { stride: 2, padding: 1 }),
      new nn.ReLU(),
      new nn.AvgPool2d(4),
      new Lambda((x) => x.view(x.size(0), -1)),
    );

    const opt = new optim.SGD(model.parameters(), { lr, momentum: 0.9 });

    fit(epochs, model, lossFunc, opt, trainDl, validDl);
    states.sequential_state = snapshot(model);
  }

  // Wrapping DataLoader
  {
    const preprocess = (x: Tensor, y: Tensor): [Tensor, Tensor] => [x.view(-1, 1, 28, 28), y];

    [trainDl, validDl] = getData(trainDs, validDs, bs);
    trainDl = new WrappedDataLoader(trainDl, preprocess);
    validDl = new WrappedDataLoader(validDl, preprocess);
  }

  const model2 = new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(16, 16, 3, { stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(16, 10, 3, { stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.AdaptiveAvgPool2d(1),
    new Lambda((x) => x.view(x.size(0), -1)),
  );

  let opt2 = new optim.SGD(model2.parameters(), { lr, momentum: 0.9 });
  fit(epochs, model2, lossFunc, opt2, trainDl, validDl);
  states.wrapped_state = snapshot(model2);

  // Using your GPU (here: the CPU)
  const dev = torch.device('cpu');
  {
    const preprocess = (x: Tensor, y: Tensor): [Tensor, Tensor] => [x.view(-1, 1, 28, 28).to(dev), y.to(dev)];

    [trainDl, validDl] = getData(trainDs, validDs, bs);
    trainDl = new WrappedDataLoader(trainDl, preprocess);
    validDl = new WrappedDataLoader(validDl, preprocess);
  }

  model2.to(dev);
  opt2 = new optim.SGD(model2.parameters(), { lr, momentum: 0.9 });

  fit(epochs, model2, lossFunc, opt2, trainDl, validDl);
  states.device_state = snapshot(model2);

  return {
    xTrainShape: xTrain.shape,
    weightsInit,
    preds0: String(preds.select(0, 0)),
    predsShape: preds.shape,
    preds,
    scratchWeights: weights,
    scratchBias: bias,
    states,
    losses,
    valLosses,
    prints,
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) nnReallyTutorial(console.log);
