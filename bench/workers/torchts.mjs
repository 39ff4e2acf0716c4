// torchts bench worker. Mode (argv[2]):
//   eager  the TypeScript loop of examples/circles.ts (one native call per op),
//          and W4, the tutorial's polynomial programs (./polynomial.mjs)
//   fused  torch.fit: the whole loop in Rust, one native call per fit
//   async  torch.fitAsync and model.forwardAsync: on napi's thread pool
// Driven by bench/run.mjs: one command per stdin line, one `@@RESULT {json}`
// line per command (see bench/lib/workers.mjs).
import fs from 'node:fs';
import { serveCommands } from '../lib/serve.mjs';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import * as torch from 'torchts';
import { runPolynomial } from './polynomial.mjs';

const { nn, optim } = torch;
const mode = process.argv[2] ?? 'eager';
const data = {};

function load(dir, x, y) {
  const xs = fs.readFileSync(`${dir}/${x}.f32`);
  const ys = fs.readFileSync(`${dir}/${y}.i64`);
  const xf = new Float32Array(xs.buffer.slice(xs.byteOffset, xs.byteOffset + xs.byteLength));
  const yi = new BigInt64Array(ys.buffer.slice(ys.byteOffset, ys.byteOffset + ys.byteLength));
  return [torch.fromTypedArray(xf, [yi.length, 2]), torch.fromTypedArray(yi, [yi.length])];
}

function makeModel(sizes) {
  torch.manualSeed(42);
  const layers = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    if (i > 0) layers.push(new nn.ReLU());
    layers.push(new nn.Linear(sizes[i], sizes[i + 1]));
  }
  return new nn.Sequential(...layers);
}

/** GC pauses during fn (ms), from perf_hooks 'gc' entries. */
async function withGcTime(fn) {
  let gcMs = 0;
  let gcCount = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      gcCount++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const result = await fn();
  await new Promise((r) => setTimeout(r, 20)); // gc entries arrive on a later tick
  obs.disconnect();
  return { ...result, gcMs, gcCount };
}

/** Event-loop delay while fn runs (the fitAsync responsiveness target). */
async function withLoopDelay(fn) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await new Promise((r) => setTimeout(r, 5)); // start the sampling timer before fn can block
  const result = await fn();
  await new Promise((r) => setTimeout(r, 5)); // a blocked loop records its delay when the timer finally fires
  h.disable();
  const ms = (ns) => ns / 1e6;
  return { ...result, loopDelay: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), samples: h.count } };
}

function evalSplit(model, criterion, x, y) {
  const out = model.forward(x);
  const loss = criterion.forward(out, y).item();
  const [, predicted] = torch.max(out, 1);
  const acc = predicted.eq(y).sum().item() / y.size(0);
  return [loss, acc];
}

async function w1(epochs) {
  const [xTrain, yTrain, xTest, yTest] = data.w1;
  const model = makeModel([2, 8, 4, 2]);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
  let last;
  const t0 = performance.now();
  if (mode === 'eager') {
    for (let epoch = 0; epoch < epochs; epoch++) {
      model.train();
      optimizer.zeroGrad();
      const outputs = model.forward(xTrain);
      const loss = criterion.forward(outputs, yTrain);
      loss.backward();
      optimizer.step();

      model.eval();
      torch.noGrad(() => {
        const [trainLoss, trainAcc] = evalSplit(model, criterion, xTrain, yTrain);
        const [testLoss, testAcc] = evalSplit(model, criterion, xTest, yTest);
        last = { trainLoss, trainAcc, testLoss, testAcc };
      });
    }
  } else {
    const opts = { optimizer, criterion, xTrain, yTrain, xTest, yTest, epochs, mode: 'fused' };
    const history = mode === 'fused' ? torch.fit(model, opts) : await torch.fitAsync(model, opts);
    const r = history[history.length - 1];
    last = { trainLoss: r.trainLoss, trainAcc: r.trainAccuracy, testLoss: r.testLoss, testAcc: r.testAccuracy };
  }
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, epochs, final: last };
}

async function w2(limit, infer) {
  const [xAll, yAll] = data.w2;
  const n = Math.min(limit, xAll.size(0));
  const X = xAll.narrow(0, 0, n);
  const Y = yAll.narrow(0, 0, n);
  const bs = 1024;
  const inferBs = 65536;
  const t0 = performance.now();
  const model = makeModel([2, 256, 256, 2]);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
  let finalLoss = NaN;
  if (mode === 'eager') {
    model.train();
    const order = torch.randperm(n);
    for (let s = 0; s < n; s += bs) {
      const len = Math.min(bs, n - s);
      const idx = order.narrow(0, s, len);
      const xb = X.indexSelect(0, idx);
      const yb = Y.indexSelect(0, idx);
      optimizer.zeroGrad();
      const loss = criterion.forward(model.forward(xb), yb);
      loss.backward();
      optimizer.step();
      finalLoss = loss.item();
    }
  } else {
    const opts = { optimizer, criterion, xTrain: X, yTrain: Y, epochs: 1, batchSize: bs, shuffle: true, evaluate: false, mode: 'fused' };
    const history = mode === 'fused' ? torch.fit(model, opts) : await torch.fitAsync(model, opts);
    finalLoss = history[history.length - 1].trainLoss;
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const out = { trainSeconds, samples: n, batches: Math.ceil(n / bs), finalLoss };
  if (infer) {
    model.eval();
    const t1 = performance.now();
    if (mode === 'async') {
      // One call: the chunks run on napi's thread pool.
      await torch.noGrad(() => model.forwardAsync(X, { batchSize: inferBs }));
    } else {
      torch.noGrad(() => {
        for (let s = 0; s < n; s += inferBs) model.forward(X.narrow(0, s, Math.min(inferBs, n - s)));
      });
    }
    out.inferSeconds = (performance.now() - t1) / 1000;
  }
  return out;
}

function w3(op, calls) {
  const size = op.startsWith('matmul') ? 8 : 2;
  const a = torch.ones(size, size);
  const b = torch.ones(size, size);
  const t0 = performance.now();
  if (op === 'add') {
    for (let i = 0; i < calls; i++) a.add(b);
  } else if (op === 'add-dispose') {
    for (let i = 0; i < calls; i++) a.add(b).dispose();
  } else if (op === 'matmul') {
    for (let i = 0; i < calls; i++) a.matmul(b);
  } else if (op === 'matmul-dispose') {
    for (let i = 0; i < calls; i++) a.matmul(b).dispose();
  } else {
    throw new Error(`unknown op ${op}`);
  }
  return { seconds: (performance.now() - t0) / 1000, calls };
}

async function handle(words) {
  const [cmd, a1, a2, a3] = words;
  switch (cmd) {
    case 'hello':
      return { mode, threads: torch.getNumThreads(), libtorch: torch.LIBTORCH_VERSION, node: process.version, ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? null };
    case 'threads':
      torch.setNumThreads(Number(a1));
      return { threads: torch.getNumThreads() };
    case 'setup':
      if (a1 === 'w1') data.w1 = [...load(a2, 'w1_xtr', 'w1_ytr'), ...load(a2, 'w1_xte', 'w1_yte')];
      else if (a1 === 'w2') data.w2 = load(a2, 'w2_x', 'w2_y');
      return {};
    case 'run':
      if (a1 === 'w1') return withGcTime(() => withLoopDelay(() => w1(Number(a2))));
      if (a1 === 'w2') return withGcTime(() => withLoopDelay(() => w2(Number(a2), a3 !== 'noinfer')));
      if (a1 === 'w3') return withGcTime(async () => w3(a2, Number(a3)));
      if (a1 === 'w4') return withGcTime(async () => runPolynomial(a2, Number(a3)));
      break;
    case 'free':
      for (const k of Object.keys(data)) delete data[k];
      globalThis.gc?.();
      return {};
    default:
  }
  throw new Error(`unknown command ${words.join(' ')}`);
}

serveCommands(handle);
