// PyTorch "Learning the Basics": Build the Neural Network
// (buildmodel_tutorial.py), line for line. The tutorial draws without a
// seed; this port and its Python twin (test/fixtures/tutorials/build_model.py)
// seed 0 first, and run on one intra-op thread, so test/tutorials.test.ts can
// compare them bit for bit. CPU only.
// Run: npx tsx examples/tutorials/build_model.ts
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from 'torchts';
import { nn, type Tensor } from 'torchts';

// Define the Class. The field keeps Python's name so that the state dict has
// PyTorch's keys (linear_relu_stack.0.weight, …) and loads in Python as is.
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

export interface BuildModelReport {
  model: NeuralNetwork;
  logits: Tensor;
  predProbab: Tensor;
  yPred: Tensor;
  inputImageSize: number[];
  flatImageSize: number[];
  hidden1Size: number[];
  hidden1Before: Tensor;
  hidden1After: Tensor;
  seqLogits: Tensor;
  seqPredProbab: Tensor;
  parameters: { name: string; size: number[]; values: string }[];
  /** The lines Python prints with tensors and modules in them (sizes are in the fields above). */
  prints: string[];
}

export function buildModelTutorial(print: (line: string) => void = () => {}): BuildModelReport {
  torch.setNumThreads(1);
  torch.manualSeed(0);
  const prints: string[] = [];
  const out = (s: string) => {
    print(s);
    prints.push(s);
  };

  // Get Device for Training
  const device = 'cpu';
  out(`Using ${device} device`);

  const model = new NeuralNetwork().to(device);
  out(String(model));

  const X = torch.rand([1, 28, 28], { device });
  let logits = model(X);
  let predProbab = new nn.Softmax(1)(logits);
  const yPred = predProbab.argmax(1);
  out(`Predicted class: ${yPred}`);
  const [firstLogits, firstProbab] = [logits, predProbab];

  // Model Layers
  let inputImage = torch.rand(3, 28, 28);
  print(`${inputImage.size()}`);
  const inputImageSize = inputImage.size();

  const flatten = new nn.Flatten();
  const flatImage = flatten(inputImage);
  print(`${flatImage.size()}`);

  const layer1 = new nn.Linear(28 * 28, 20);
  let hidden1 = layer1(flatImage);
  print(`${hidden1.size()}`);
  const hidden1Before = hidden1;

  out(`Before ReLU: ${hidden1}\n\n`);
  hidden1 = new nn.ReLU()(hidden1);
  out(`After ReLU: ${hidden1}`);

  const seqModules = new nn.Sequential(
    flatten,
    layer1,
    new nn.ReLU(),
    new nn.Linear(20, 10),
  );
  inputImage = torch.rand(3, 28, 28);
  logits = seqModules(inputImage);

  const softmax = new nn.Softmax(1);
  predProbab = softmax(logits);

  // Model Parameters
  out(`Model structure: ${model}\n\n`);

  const parameters: BuildModelReport['parameters'] = [];
  for (const [name, param] of model.namedParameters()) {
    print(`Layer: ${name} | Size: ${param.size()} | Values : ${param.slice(0, 0, 2)} \n`); // param[:2]
    parameters.push({ name, size: param.size(), values: String(param.slice(0, 0, 2)) });
  }

  return {
    model,
    logits: firstLogits,
    predProbab: firstProbab,
    yPred,
    inputImageSize,
    flatImageSize: flatImage.size(),
    hidden1Size: hidden1Before.size(),
    hidden1Before,
    hidden1After: hidden1,
    seqLogits: logits,
    seqPredProbab: predProbab,
    parameters,
    prints,
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) buildModelTutorial(console.log);
