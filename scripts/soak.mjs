#!/usr/bin/env node
// Memory soak (issue 9): trains the tutorial's circles model in the eager API
// for N steps WITHOUT any explicit disposal -- every step's tensors are left
// to the GC finalizers -- and reports RSS over time. Fails (exit 1) when RSS
// grows by more than the bound after warm-up.
//
//   node scripts/soak.mjs [--steps 1000000] [--report-every 50000] [--warmup 50000] [--bound-mb 50] [--dist] [--no-yield]
//
// Each step is exactly the tutorial's:
//   model.train(); optimizer.zeroGrad();
//   const loss = criterion.forward(model.forward(xTrain), yTrain);
//   loss.backward(); optimizer.step();
// plus loss.item() every step and, every 1000 steps, the tutorial's
// evaluation (noGrad forward on the test split, torch.max, accuracy) and a
// yield to the event loop (setImmediate), as a service would. --no-yield
// never yields: one synchronous loop, as a training script runs, which frees
// only because finalizers run inside garbage collection.
//
// By default the sources in ts/ are bundled with esbuild (test/helpers/bundle.mjs)
// so the soak runs the current code; --dist imports dist/index.js instead.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    steps: { type: 'string' }, 'report-every': { type: 'string' }, warmup: { type: 'string' }, 'bound-mb': { type: 'string' },
    'no-yield': { type: 'boolean' }, dist: { type: 'boolean' },
  },
});
const arg = (name, dflt) => (args[name] === undefined ? dflt : Number(args[name]));
const STEPS = arg('steps', 1_000_000);
const EVERY = arg('report-every', 50_000);
const WARMUP = Math.min(arg('warmup', 50_000), STEPS);
const BOUND_MB = arg('bound-mb', 50);
const YIELD = !args['no-yield'];

let entry;
if (args.dist) {
  entry = path.join(root, 'dist', 'index.js');
} else {
  const { bundle } = await import(pathToFileURL(path.join(root, 'test', 'helpers', 'bundle.mjs')).href);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchts-soak-'));
  process.on('exit', () => fs.rmSync(outDir, { recursive: true, force: true }));
  entry = await bundle('ts/index.ts', { outDir, name: 'torch-soak.mjs' });
}
const torch = await import(pathToFileURL(entry).href);
const { nn, optim } = torch;

const mb = (bytes) => bytes / 2 ** 20;
/** Linux: RSS split into anonymous memory (heap, tensors) and file-backed pages (libtorch's code, shared). */
function rssParts() {
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024 };
  } catch {
    return { anon: NaN, file: NaN };
  }
}
const fmt = (v) => v.toFixed(1).padStart(8);
function sample(step, started) {
  const m = process.memoryUsage();
  const parts = rssParts();
  return { step, rss: mb(m.rss), anon: parts.anon, file: parts.file, heap: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), seconds: (performance.now() - started) / 1000 };
}

// The tutorial's data and model.
const { X, y } = torch.makeCircles(1000, { noise: 0.03, randomState: 42 });
const [Xtr, Xte, ytr, yte] = torch.trainTestSplit(X, y, { testSize: 0.2, randomState: 42 });
const xTrain = torch.tensor(Xtr, { dtype: torch.float32 });
const yTrain = torch.tensor(ytr, { dtype: torch.long });
const xTest = torch.tensor(Xte, { dtype: torch.float32 });
const yTest = torch.tensor(yte, { dtype: torch.long });
torch.manualSeed(42);
const model = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 4), new nn.ReLU(), new nn.Linear(4, 2));
const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
const criterion = new nn.CrossEntropyLoss();

console.log(`soak: ${STEPS} eager steps of the tutorial model (node ${process.version}, ${os.cpus().length} CPUs, libtorch ${torch.LIBTORCH_VERSION}, ${torch.getNumThreads()} threads), no explicit disposal${YIELD ? '' : ', never yielding to the event loop'}`);
console.log('    step   RSS MB  anon MB  file MB  heap MB  heapTot   ext MB   steps/s  loss      test acc');
const started = performance.now();
const samples = [sample(0, started)];
let baseline = null;
let lastLoss = NaN;
let testAccuracy = NaN;
let lastReport = { step: 0, t: started };
for (let step = 1; step <= STEPS; step++) {
  model.train();
  optimizer.zeroGrad();
  const loss = criterion.forward(model.forward(xTrain), yTrain);
  loss.backward();
  optimizer.step();
  lastLoss = loss.item();
  if (step % 1000 === 0) {
    model.eval();
    const outputs = torch.noGrad(() => model.forward(xTest));
    const [, predicted] = torch.max(outputs, 1);
    testAccuracy = predicted.eq(yTest).sum().item() / yTest.size(0);
    if (YIELD) await new Promise((resolve) => setImmediate(resolve));
  }
  if (step === WARMUP) baseline = sample(step, started);
  if (step % EVERY === 0 || step === STEPS) {
    const s = sample(step, started);
    samples.push(s);
    const now = performance.now();
    const rate = ((step - lastReport.step) / (now - lastReport.t)) * 1000;
    lastReport = { step, t: now };
    console.log(`${String(step).padStart(8)} ${fmt(s.rss)} ${fmt(s.anon)} ${fmt(s.file)} ${fmt(s.heap)} ${fmt(s.heapTotal)} ${fmt(s.external)} ${rate.toFixed(0).padStart(9)}  ${lastLoss.toFixed(6)}  ${testAccuracy.toFixed(3)}`);
  }
}

const end = samples[samples.length - 1];
baseline ??= samples[0];
const growth = end.rss - baseline.rss;
const peak = Math.max(...samples.filter((s) => s.step >= baseline.step).map((s) => s.rss));
// A leak grows steadily; allocator and heap settling levels off. The second
// half's growth, per 100k steps, tells them apart.
const mid = samples.reduce((best, s) => (Math.abs(s.step - STEPS / 2) < Math.abs(best.step - STEPS / 2) ? s : best), samples[0]);
const lateSlope = end.step > mid.step ? ((end.rss - mid.rss) / (end.step - mid.step)) * 100_000 : 0;
const result = {
  steps: STEPS,
  seconds: +end.seconds.toFixed(1),
  warmupStep: baseline.step,
  rssAfterWarmupMB: +baseline.rss.toFixed(1),
  rssEndMB: +end.rss.toFixed(1),
  rssPeakAfterWarmupMB: +peak.toFixed(1),
  rssGrowthMB: +growth.toFixed(1),
  anonGrowthMB: +(end.anon - baseline.anon).toFixed(1),
  fileGrowthMB: +(end.file - baseline.file).toFixed(1),
  rssGrowthSecondHalfPer100kStepsMB: +lateSlope.toFixed(2),
  boundMB: BOUND_MB,
  finalLoss: lastLoss,
  testAccuracy,
  pass: growth < BOUND_MB,
};
console.log(`soak: RSS ${result.rssAfterWarmupMB} MB after warm-up (step ${result.warmupStep}) -> ${result.rssEndMB} MB at step ${STEPS} ` +
  `(growth ${result.rssGrowthMB} MB: anonymous ${result.anonGrowthMB} MB, file-backed ${result.fileGrowthMB} MB; peak ${result.rssPeakAfterWarmupMB} MB; second half ${result.rssGrowthSecondHalfPer100kStepsMB} MB per 100k steps; bound ${BOUND_MB} MB): ${result.pass ? 'PASS' : 'FAIL'}`);
console.log(JSON.stringify(result));
process.exit(result.pass ? 0 : 1);
