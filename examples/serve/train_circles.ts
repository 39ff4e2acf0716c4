// Train the circles MLP in torchts, save it, and (with --serve) serve it.
//
//   npx tsx examples/serve/train_circles.ts [--out examples/serve/models] [--epochs 300] [--serve] [--port 8080]
//
// Writes OUT/circles_ts.pt with `torch.save(model.stateDict(), path)`, the
// same format as Python's `torch.save(model.state_dict(), path)`: the server
// loads either into the same nn.Sequential (and Python can load this one).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from 'torchts';
import { makeCircles, trainTestSplit } from 'torchts';
import { circlesMlp } from './model';
import { modulePredictor } from './predictor';
import { serve } from './server';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: { out: { type: 'string' }, epochs: { type: 'string' }, serve: { type: 'boolean' }, port: { type: 'string' } },
});
const outDir = values.out ?? path.join(here, 'models');
const epochs = Number(values.epochs ?? 300);

// The data and split the Python script uses (sklearn's make_circles / train_test_split, same seeds).
const { X, y } = makeCircles(1000, { noise: 0.03, randomState: 42 });
const [XTrain, XTest, yTrain, yTest] = trainTestSplit(X, y, { testSize: 0.2, randomState: 42 }) as [number[][], number[][], number[], number[]];

torch.manualSeed(42);
const model = circlesMlp([256, 256]);
const history = torch.fit(model, {
  optimizer: new torch.optim.Adam(model.parameters(), { lr: 0.001 }),
  criterion: new torch.nn.CrossEntropyLoss(),
  xTrain: torch.tensor(XTrain, { dtype: torch.float32 }),
  yTrain: torch.tensor(yTrain, { dtype: torch.long }),
  xTest: torch.tensor(XTest, { dtype: torch.float32 }),
  yTest: torch.tensor(yTest, { dtype: torch.long }),
  epochs,
});
const last = history.at(-1)!;
console.log(`trained ${epochs} epochs: loss ${last.trainLoss.toFixed(4)}, test accuracy ${last.testAccuracy!.toFixed(4)}`);

fs.mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, 'circles_ts.pt');
torch.save(model.stateDict(), file);
console.log(`saved ${file}`);

if (values.serve) {
  await serve(modulePredictor(model, 2, `circles MLP trained in torchts (${file})`), { port: values.port === undefined ? 8080 : Number(values.port) });
}
