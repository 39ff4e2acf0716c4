// @tensorflow/tfjs bench worker, the JavaScript anchor. Backend (argv[2]):
//   cpu   tfjs's pure-JavaScript CPU backend
//   wasm  @tensorflow/tfjs-backend-wasm (XNNPACK in WebAssembly)
// Same protocol as the other workers (bench/lib/workers.mjs). tfjs has no
// PyTorch-identical init, so its final accuracy differs; the loop is the
// tutorial's: a train step (optimizer.minimize), then loss and accuracy of
// both splits every epoch, read back with dataSync like .item().
import fs from 'node:fs';
import { serveCommands } from '../lib/serve.mjs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const backend = process.argv[2] ?? 'cpu';
// tfjs prints a "use tfjs-node" banner through console.warn/log: keep stdout clean.
const origLog = console.log;
console.log = (...args) => console.error(...args);
const tf = require('@tensorflow/tfjs');
if (backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
console.log = origLog;

const data = {};

function load(dir, x, y) {
  const xs = fs.readFileSync(`${dir}/${x}.f32`);
  const ys = fs.readFileSync(`${dir}/${y}.i64`);
  const xf = new Float32Array(xs.buffer.slice(xs.byteOffset, xs.byteOffset + xs.byteLength));
  const y64 = new BigInt64Array(ys.buffer.slice(ys.byteOffset, ys.byteOffset + ys.byteLength));
  const yi = Int32Array.from(y64, Number);
  return {
    x: tf.tensor2d(xf, [yi.length, 2]),
    y: tf.tensor1d(yi, 'int32'),
    yOneHot: tf.oneHot(tf.tensor1d(yi, 'int32'), 2).toFloat(),
    n: yi.length,
  };
}

function makeModel(sizes) {
  const model = tf.sequential();
  for (let i = 0; i + 1 < sizes.length; i++) {
    const last = i + 2 === sizes.length;
    model.add(tf.layers.dense({ units: sizes[i + 1], activation: last ? 'linear' : 'relu', ...(i === 0 ? { inputShape: [sizes[0]] } : {}) }));
  }
  return model;
}

const lossOf = (model, x, yOneHot, training) => tf.losses.softmaxCrossEntropy(yOneHot, model.apply(x, { training }));

function evalSplit(model, s) {
  return tf.tidy(() => {
    const out = model.apply(s.x);
    const loss = tf.losses.softmaxCrossEntropy(s.yOneHot, out).dataSync()[0];
    const acc = out.argMax(1).equal(s.y).sum().dataSync()[0] / s.n;
    return [loss, acc];
  });
}

function w1(epochs) {
  const [train, test] = data.w1;
  const model = makeModel([2, 8, 4, 2]);
  const optimizer = tf.train.adam(0.001);
  let last;
  const t0 = performance.now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    optimizer.minimize(() => lossOf(model, train.x, train.yOneHot, true));
    const [trainLoss, trainAcc] = evalSplit(model, train);
    const [testLoss, testAcc] = evalSplit(model, test);
    last = { trainLoss, trainAcc, testLoss, testAcc };
  }
  const seconds = (performance.now() - t0) / 1000;
  model.dispose();
  optimizer.dispose();
  return { seconds, epochs, final: last };
}

function w2(limit, infer) {
  const all = data.w2;
  const n = Math.min(limit, all.n);
  const bs = 1024;
  const inferBs = 65536;
  const t0 = performance.now();
  const model = makeModel([2, 256, 256, 2]);
  const optimizer = tf.train.adam(0.001);
  const order = tf.util.createShuffledIndices(all.n).filter((i) => i < n);
  let finalLoss = NaN;
  for (let s = 0; s < n; s += bs) {
    const idx = tf.tensor1d(Int32Array.from(order.subarray(s, Math.min(n, s + bs))), 'int32');
    const xb = tf.gather(all.x, idx);
    const yb = tf.gather(all.yOneHot, idx);
    const cost = optimizer.minimize(() => lossOf(model, xb, yb, true), true);
    finalLoss = cost.dataSync()[0];
    tf.dispose([idx, xb, yb, cost]);
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const out = { trainSeconds, samples: n, batches: Math.ceil(n / bs), finalLoss };
  if (infer) {
    const t1 = performance.now();
    for (let s = 0; s < n; s += inferBs) {
      tf.tidy(() => model.apply(all.x.slice([s, 0], [Math.min(inferBs, n - s), 2])).dataSync());
    }
    out.inferSeconds = (performance.now() - t1) / 1000;
  }
  model.dispose();
  optimizer.dispose();
  return out;
}

function w3(op, calls) {
  const size = op === 'matmul' ? 8 : 2;
  const a = tf.ones([size, size]);
  const b = tf.ones([size, size]);
  const f = op === 'matmul' ? tf.matMul : tf.add;
  if (op !== 'add' && op !== 'matmul') throw new Error(`unknown op ${op}`);
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) f(a, b).dispose(); // tfjs frees only on dispose()/tidy()
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose([a, b]);
  return { seconds, calls };
}

async function handle(words) {
  const [cmd, a1, a2, a3] = words;
  switch (cmd) {
    case 'hello': {
      const ok = await tf.setBackend(backend);
      await tf.ready();
      if (!ok || tf.getBackend() !== backend) throw new Error(`tfjs backend ${backend} did not initialise`);
      const info = { backend: tf.getBackend(), tfjs: tf.version.tfjs, threads: 1 };
      if (backend === 'wasm') {
        const wasm = require('@tensorflow/tfjs-backend-wasm');
        info.threads = wasm.getThreadsCount?.() ?? 1;
        info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
        info.multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      }
      return info;
    }
    case 'threads':
      return { threads: backend === 'wasm' ? require('@tensorflow/tfjs-backend-wasm').getThreadsCount?.() ?? 1 : 1 };
    case 'setup':
      if (a1 === 'w1') data.w1 = [load(a2, 'w1_xtr', 'w1_ytr'), load(a2, 'w1_xte', 'w1_yte')];
      else if (a1 === 'w2') data.w2 = load(a2, 'w2_x', 'w2_y');
      return {};
    case 'run':
      if (a1 === 'w1') return w1(Number(a2));
      if (a1 === 'w2') return w2(Number(a2), a3 !== 'noinfer');
      if (a1 === 'w3') return w3(a2, Number(a3));
      break;
    case 'free':
      for (const k of Object.keys(data)) {
        for (const s of [data[k]].flat()) tf.dispose([s.x, s.y, s.yOneHot]);
        delete data[k];
      }
      return {};
    default:
  }
  throw new Error(`unknown command ${words.join(' ')}`);
}

serveCommands(handle);
