// The PyTorch "classify two circles" tutorial, line for line in TypeScript.
// Run: npx tsx examples/circles.ts   (after `npm run setup`)
import * as torch from 'torchts';
import { makeCircles, trainTestSplit, accuracy } from 'torchts';

const { nn, optim } = torch;
const fmt = (v: number) => v.toFixed(4);

// Data: 1000 points on two circles, 80/20 split (sklearn's make_circles / train_test_split).
const { X, y } = makeCircles(1000, { noise: 0.01, randomState: 42 });
const [XTrain, XTest, yTrainArr, yTestArr] = trainTestSplit(X, y, { testSize: 0.2, randomState: 42 }) as [number[][], number[][], number[], number[]];

const device = torch.cuda.isAvailable() ? 'cuda' : torch.backends.mps.isAvailable() ? 'mps' : 'cpu';
const xTrain = torch.tensor(XTrain, { dtype: torch.float32 }).to(device);
const xTest = torch.tensor(XTest, { dtype: torch.float32 }).to(device);
const yTrain = torch.tensor(yTrainArr, { dtype: torch.long }).to(device);
const yTest = torch.tensor(yTestArr, { dtype: torch.long }).to(device);

// Model 1: a subclass, as the tutorial writes it first (linear layers only).
class CircleModelV0 extends nn.Module {
  layer1 = new nn.Linear(2, 8);
  layer2 = new nn.Linear(8, 4);
  layer3 = new nn.Linear(4, 2);
  override forward(x: torch.Tensor): torch.Tensor {
    return this.layer3(this.layer2(this.layer1(x)));
  }
}

// Model 2: nn.Sequential with ReLU, the one that learns the circles.
function circleModelV1(): torch.nn.Sequential {
  return new nn.Sequential(
    new nn.Linear(2, 8), new nn.ReLU(),
    new nn.Linear(8, 4), new nn.ReLU(),
    new nn.Linear(4, 2),
  );
}

function train(name: string, model: CircleModelV0 | torch.nn.Sequential, numEpochs = 500): void {
  model.to(device);
  console.log(`\n${name}:\n${model}`);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
  for (let epoch = 0; epoch < numEpochs; epoch++) {
    model.train();
    optimizer.zeroGrad();
    const outputs = model(xTrain);
    const loss = criterion(outputs, yTrain);
    loss.backward();
    optimizer.step();

    model.eval();
    torch.noGrad(() => {
      const trainOutputs = model(xTrain);
      const trainLoss = criterion(trainOutputs, yTrain);
      const [, trainPredicted] = torch.max(trainOutputs, 1);
      const trainAccuracy = trainPredicted.eq(yTrain).sum().item() / yTrain.size(0);

      const testOutputs = model(xTest);
      const testLoss = criterion(testOutputs, yTest);
      const testAccuracy = accuracy(testOutputs, yTest);

      if ((epoch + 1) % 50 === 0) {
        console.log(`Epoch [${epoch + 1}/${numEpochs}]`);
        console.log(`Train Loss: ${fmt(trainLoss.item())}, Train Accuracy: ${fmt(trainAccuracy)}`);
        console.log(`Test Loss: ${fmt(testLoss.item())}, Test Accuracy: ${fmt(testAccuracy)}`);
      }
    });
  }
}

torch.manualSeed(42);
train('CircleModelV0 (linear)', new CircleModelV0());
torch.manualSeed(42);
train('Sequential with ReLU', circleModelV1());
