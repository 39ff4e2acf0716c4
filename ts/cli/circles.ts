// `torchts circles`: the PyTorch "classify two circles" tutorial as a command.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as torch from '../index';
import { formatFixedPython } from '../tensor_str';
import { decisionGrid, scatterSvg, scatterPng, decisionBoundarySvg, decisionBoundaryPng } from '../plot/figures';
import { progressSink } from './progress';
import { choiceOption, intOption, numberOption, sizesOption, UsageError } from './args';

export const circlesHelp = `Usage: torchts circles [options]

Trains the PyTorch tutorial's circle classifier: make_circles data, an 80/20
split, a 2-8-4-2 ReLU network, Adam and cross-entropy, 500 full-batch epochs,
evaluating both splits every epoch. Defaults are the tutorial's.

Options:
  --samples N          points in the data set (default 1000)
  --noise X            Gaussian noise of make_circles (default 0.01)
  --factor X           inner/outer circle radius ratio (default 0.8)
  --seed N             random_state and torch.manual_seed (default 42)
  --test-size X        test fraction (default 0.2)
  --hidden A,B         hidden layer sizes (default 8,4)
  --activation NAME    relu | none (default relu)
  --optimizer NAME     adam | sgd (default adam)
  --lr X               learning rate (default 0.001)
  --epochs N           epochs (default 500)
  --batch-size N       minibatch size (default: full batch)
  --device NAME        auto | cpu | cuda | mps (default auto: cuda, then mps, then cpu)
  --mode NAME          auto | eager | fused training loop (default auto)
  --log-interval N     print every N epochs (default 50)
  --plot DIR           write data and decision-boundary plots (SVG and PNG) to DIR
  --save FILE          write the trained weights (safetensors)
  --json               print the run (config and history) as JSON on stdout
  -h, --help           this help
`;

const fmt = (v: number | undefined) => (v === undefined ? 'n/a' : formatFixedPython(v, 4));

function pickDevice(name: string): string {
  if (name !== 'auto') {
    if (name === 'cuda' && !torch.cuda.isAvailable()) throw new UsageError('--device cuda: CUDA is not available (see `torchts doctor`)');
    if (name === 'mps' && !torch.backends.mps.isAvailable()) throw new UsageError('--device mps: MPS is not available on this machine');
    return name;
  }
  return torch.cuda.isAvailable() ? 'cuda' : torch.backends.mps.isAvailable() ? 'mps' : 'cpu';
}

export async function circlesCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      samples: { type: 'string' }, noise: { type: 'string' }, factor: { type: 'string' }, seed: { type: 'string' },
      'test-size': { type: 'string' }, hidden: { type: 'string' }, activation: { type: 'string' },
      optimizer: { type: 'string' }, lr: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' },
      device: { type: 'string' }, mode: { type: 'string' }, 'log-interval': { type: 'string' },
      plot: { type: 'string' }, save: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(circlesHelp);
    return 0;
  }
  const config = {
    samples: intOption('samples', values.samples, 1000, 2),
    noise: numberOption('noise', values.noise, 0.01, (v) => v >= 0, 'a number >= 0'),
    factor: numberOption('factor', values.factor, 0.8, (v) => v >= 0 && v < 1, 'in [0, 1)'),
    seed: intOption('seed', values.seed, 42, 0),
    testSize: numberOption('test-size', values['test-size'], 0.2, (v) => v > 0 && v < 1, 'a fraction in (0, 1)'),
    hidden: sizesOption('hidden', values.hidden, [8, 4]),
    activation: choiceOption('activation', values.activation, ['relu', 'none'] as const, 'relu'),
    optimizer: choiceOption('optimizer', values.optimizer, ['adam', 'sgd'] as const, 'adam'),
    lr: numberOption('lr', values.lr, 0.001, (v) => v > 0, 'a positive number'),
    epochs: intOption('epochs', values.epochs, 500),
    batchSize: values['batch-size'] === undefined ? undefined : intOption('batch-size', values['batch-size'], 0),
    device: pickDevice(choiceOption('device', values.device, ['auto', 'cpu', 'cuda', 'mps'] as const, 'auto')),
    mode: choiceOption('mode', values.mode, ['auto', 'eager', 'fused'] as const, 'auto'),
    logInterval: intOption('log-interval', values['log-interval'], 50),
  };
  const out = values.json ? process.stderr : process.stdout;
  const started = performance.now();

  // The tutorial, step by step.
  const { X, y } = torch.makeCircles(config.samples, { noise: config.noise, factor: config.factor, randomState: config.seed });
  const [XTrain, XTest, yTrain, yTest] = torch.trainTestSplit(X, y, { testSize: config.testSize, randomState: config.seed }) as [number[][], number[][], number[], number[]];
  const xTrain = torch.tensor(XTrain, { dtype: torch.float32, device: config.device });
  const xTest = torch.tensor(XTest, { dtype: torch.float32, device: config.device });
  const yTrainT = torch.tensor(yTrain, { dtype: torch.long, device: config.device });
  const yTestT = torch.tensor(yTest, { dtype: torch.long, device: config.device });

  torch.manualSeed(config.seed);
  const sizes = [2, ...config.hidden, 2];
  const layers: torch.nn.Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new torch.nn.Linear(sizes[i]!, sizes[i + 1]!));
    if (config.activation === 'relu' && i + 2 < sizes.length) layers.push(new torch.nn.ReLU());
  }
  const model = new torch.nn.Sequential(...layers).to(config.device);
  const optimizer = config.optimizer === 'adam'
    ? new torch.optim.Adam(model.parameters(), { lr: config.lr })
    : new torch.optim.SGD(model.parameters(), { lr: config.lr });
  const criterion = new torch.nn.CrossEntropyLoss();

  out.write(`${model}\n`);
  out.write(`device: ${config.device}, train: ${XTrain.length} points, test: ${XTest.length} points\n`);
  const progress = progressSink(process.stderr);
  const history = await torch.fitAsync(model, {
    optimizer, criterion, xTrain, yTrain: yTrainT, xTest, yTest: yTestT,
    epochs: config.epochs, batchSize: config.batchSize, mode: config.mode,
    onEpoch: (r) => {
      progress.update(r.epoch, config.epochs, `loss ${fmt(r.trainLoss)} acc ${fmt(r.trainAccuracy)}`);
      if (r.epoch % config.logInterval === 0 || r.epoch === config.epochs) {
        progress.done();
        out.write(`Epoch [${r.epoch}/${config.epochs}]\n`);
        out.write(`Train Loss: ${fmt(r.trainLoss)}, Train Accuracy: ${fmt(r.trainAccuracy)}\n`);
        out.write(`Test Loss: ${fmt(r.testLoss)}, Test Accuracy: ${fmt(r.testAccuracy)}\n`);
      }
    },
  });
  progress.done();
  const final = history[history.length - 1];
  const seconds = (performance.now() - started) / 1000;
  out.write(`Final test accuracy: ${fmt(final?.testAccuracy)} (${history.length} epochs in ${seconds.toFixed(2)} s)\n`);

  if (values.plot) writePlots(values.plot, model, X, y, XTrain, yTrain, XTest, yTest, config.device, out);
  if (values.save) {
    torch.save(model.stateDict(), values.save);
    out.write(`weights written to ${values.save}\n`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ config, history, seconds }, null, 2)}\n`);
  return 0;
}

function writePlots(
  dir: string, model: torch.nn.Module, X: number[][], y: number[],
  XTrain: number[][], yTrain: number[], XTest: number[][], yTest: number[], device: string, out: NodeJS.WriteStream,
): void {
  fs.mkdirSync(dir, { recursive: true });
  const predictGrid = (points: number[][]) => {
    const grid = decisionGrid(points);
    const labels = torch.noGrad(() => {
      const input = torch.fromTypedArray(grid.points, [grid.points.length / 2, 2], { device });
      return (model.forward(input) as torch.Tensor).argmax(1).toArray() as number[];
    });
    return { xs: grid.xs, ys: grid.ys, labels };
  };
  const panels = [
    { title: 'Train', X: XTrain, y: yTrain, grid: predictGrid(XTrain) },
    { title: 'Test', X: XTest, y: yTest, grid: predictGrid(XTest) },
  ];
  const files: [string, string | Buffer][] = [
    ['circles.svg', scatterSvg({ X, y }, { title: 'make_circles' })],
    ['circles.png', scatterPng({ X, y }, { title: 'make_circles' })],
    ['decision_boundary.svg', decisionBoundarySvg(panels)],
    ['decision_boundary.png', decisionBoundaryPng(panels)],
  ];
  for (const [name, content] of files) fs.writeFileSync(path.join(dir, name), content);
  out.write(`plots written to ${dir}: ${files.map(([n]) => n).join(', ')}\n`);
}
