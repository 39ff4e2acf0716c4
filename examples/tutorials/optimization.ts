// PyTorch "Learning the Basics": Optimizing Model Parameters
// (optimization_tutorial.py), line for line.
//
// There is no dataset download here, so FashionMNIST is replaced by a
// synthetic set of the same shapes that this port and its Python twin
// (test/fixtures/tutorials/optimization.py) build the same way: after
// torch.manualSeed(0), 512 training and 128 test images torch.rand(N, 1, 28, 28)
// (ToTensor's [0, 1] floats) with labels torch.randint(0, 10, [N]), in that
// order, then the model. The hyper-parameters are the tutorial's (lr 1e-3,
// batch 64, SGD, CrossEntropyLoss) with 2 epochs instead of 5. One intra-op
// thread, so test/tutorials.test.ts can compare the twins bit for bit.
// Run: npx tsx examples/tutorials/optimization.ts
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from 'torchts';
import { nn, type Tensor } from 'torchts';

// from torch.utils.data import DataLoader (torchts has no 'torchts/utils/data' subpath export)
const { DataLoader, TensorDataset } = torch.utils.data;

export class NeuralNetwork extends nn.Module {
  flatten = new nn.Flatten();
  linear_relu_stack = new nn.Sequential(
    new nn.Linear(28 * 28, 512),
    new nn.ReLU(),
    new nn.Linear(512, 512),
    new nn.ReLU(),
    new nn.Linear(512, 10),
  );

  override forward(x: Tensor): Tensor {
    x = this.flatten(x);
    const logits = this.linear_relu_stack(x);
    return logits;
  }
}

export interface OptimizationReport {
  model: NeuralNetwork;
  /** Every training batch's loss (the tutorial prints those of batch % 100 == 0). */
  batchLosses: number[];
  tests: { testLoss: number; correct: number }[];
  prints: string[];
}

export function optimizationTutorial(print: (line: string) => void = () => {}): OptimizationReport {
  torch.setNumThreads(1);
  torch.manualSeed(0);
  const prints: string[] = [];
  const out = (s: string) => {
    print(s);
    prints.push(s);
  };

  // The synthetic FashionMNIST.
  const trainingData = new TensorDataset(torch.rand(512, 1, 28, 28), torch.randint(0, 10, [512]));
  const testData = new TensorDataset(torch.rand(128, 1, 28, 28), torch.randint(0, 10, [128]));

  const trainDataloader = new DataLoader(trainingData, { batchSize: 64 });
  const testDataloader = new DataLoader(testData, { batchSize: 64 });

  const model = new NeuralNetwork();

  // Hyperparameters
  const learningRate = 1e-3;
  const batchSize = 64;
  const epochs = 2;

  // Loss Function and Optimizer
  const lossFn = new nn.CrossEntropyLoss();
  const optimizer = new torch.optim.SGD(model.parameters(), { lr: learningRate });

  const batchLosses: number[] = [];
  const tests: OptimizationReport['tests'] = [];

  function trainLoop(dataloader: typeof trainDataloader, model: NeuralNetwork, lossFn: nn.CrossEntropyLoss, optimizer: torch.optim.SGD) {
    const size = dataloader.dataset.length;
    // Set the model to training mode - important for batch normalization and dropout layers
    // Unnecessary in this situation but added for best practices
    model.train();
    let batch = 0;
    for (const [X, y] of dataloader) {
      // Compute prediction and loss
      const pred = model(X);
      const loss = lossFn(pred, y);

      // Backpropagation
      loss.backward();
      optimizer.step();
      optimizer.zeroGrad();

      batchLosses.push(loss.item());
      if (batch % 100 === 0) {
        const [lossValue, current] = [loss.item(), batch * batchSize + X.size(0)];
        out(`loss: ${lossValue.toFixed(6).padStart(7)}  [${String(current).padStart(5)}/${String(size).padStart(5)}]`);
      }
      batch++;
    }
  }

  function testLoop(dataloader: typeof testDataloader, model: NeuralNetwork, lossFn: nn.CrossEntropyLoss) {
    // Set the model to evaluation mode - important for batch normalization and dropout layers
    // Unnecessary in this situation but added for best practices
    model.eval();
    const size = dataloader.dataset.length;
    const numBatches = dataloader.length;
    let [testLoss, correct] = [0, 0];

    // Evaluating the model with torch.noGrad() ensures that no gradients are computed during test mode
    // also serves to reduce unnecessary gradient computations and memory usage for tensors with requiresGrad=true
    torch.noGrad(() => {
      for (const [X, y] of dataloader) {
        const pred = model(X);
        testLoss += lossFn(pred, y).item();
        // (pred.argmax(1) == y).type(torch.float): Tensor.type(dtype) is missing; .to(dtype) is the same.
        correct += pred.argmax(1).eq(y).to(torch.float).sum().item();
      }
    });

    testLoss /= numBatches;
    correct /= size;
    tests.push({ testLoss, correct });
    out(`Test Error: \n Accuracy: ${(100 * correct).toFixed(1)}%, Avg loss: ${testLoss.toFixed(6).padStart(8)} \n`);
  }

  for (let t = 0; t < epochs; t++) {
    out(`Epoch ${t + 1}\n-------------------------------`);
    trainLoop(trainDataloader, model, lossFn, optimizer);
    testLoop(testDataloader, model, lossFn);
  }
  out('Done!');

  return { model, batchLosses, tests, prints };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) optimizationTutorial(console.log);
