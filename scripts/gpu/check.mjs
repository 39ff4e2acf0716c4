// GPU check (issue 8), run on a Linux machine with an NVIDIA GPU from the
// bundle that scripts/gpu/bundle.sh builds: CUDA availability, the tutorial on
// 'cuda' against the CPU, and W2 (1M circles, 2-256-256-2, Adam, batches of
// 1024, one epoch) on cuda against PyTorch-Python on the same GPU, and
// forwardAsync on cuda (same numbers as forward, event-loop delay).
// Usage: node scripts/gpu/check.mjs [--python PATH] [--out DIR]
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const { values: args } = parseArgs({ options: { python: { type: 'string' }, out: { type: 'string' } } });
const python = args.python ?? (process.env.TORCHTS_PYTHON || 'python3');
const outDir = args.out ?? (process.env.OUT || '.');
process.env.TORCHTS_PYTHON = python;
const here = path.dirname(fileURLToPath(import.meta.url));
const torch = await import(path.join(here, '..', '..', 'dist', 'index.js'));

const report = { node: process.version, started: new Date().toISOString() };
const log = (...a) => console.log(...a);

report.cudaAvailable = torch.cuda.isAvailable();
report.deviceCount = torch.cuda.deviceCount();
log(`cuda available: ${report.cudaAvailable}, devices: ${report.deviceCount}`);
if (!report.cudaAvailable) {
  fs.writeFileSync(path.join(outDir, 'gpu-check.json'), JSON.stringify(report, null, 2));
  console.error('CUDA is not available; see `torchts doctor`');
  process.exit(1);
}

// 1. Tutorial on cpu and cuda.
function tutorial(device, mode = 'auto') {
  const { X, y } = torch.makeCircles(1000, { noise: 0.01, randomState: 42 });
  const [Xtr, Xte, ytr, yte] = torch.trainTestSplit(X, y, { testSize: 0.2, randomState: 42 });
  torch.manualSeed(42);
  const model = new torch.nn.Sequential(
    new torch.nn.Linear(2, 8), new torch.nn.ReLU(), new torch.nn.Linear(8, 4), new torch.nn.ReLU(), new torch.nn.Linear(4, 2),
  ).to(device);
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 0.001 });
  const t0 = performance.now();
  const history = torch.fit(model, {
    optimizer, criterion: new torch.nn.CrossEntropyLoss(),
    xTrain: torch.tensor(Xtr).to(device), yTrain: torch.tensor(ytr, { dtype: torch.long }).to(device),
    xTest: torch.tensor(Xte).to(device), yTest: torch.tensor(yte, { dtype: torch.long }).to(device),
    epochs: 500, mode,
  });
  torch.cuda.synchronize();
  return { seconds: (performance.now() - t0) / 1000, last: history[history.length - 1], every50: history.filter((r) => r.epoch % 50 === 0) };
}
const cpu = tutorial('cpu');
const gpu = tutorial('cuda');
const gpuEager = tutorial('cuda', 'eager');
const maxLossDiff = Math.max(...cpu.every50.map((r, i) => Math.abs(r.trainLoss - gpu.every50[i].trainLoss)));
report.tutorial = { cpu: cpu.last, cuda: gpu.last, cudaEager: gpuEager.last, cudaEagerSeconds: gpuEager.seconds, cpuSeconds: cpu.seconds, cudaSeconds: gpu.seconds, maxTrainLossDiffEvery50: maxLossDiff };
log('tutorial cpu :', cpu.last, `${cpu.seconds.toFixed(2)} s`);
log('tutorial cuda:', gpu.last, `${gpu.seconds.toFixed(2)} s`);
log('tutorial cuda eager:', gpuEager.last, `${gpuEager.seconds.toFixed(2)} s`);
log(`max |train loss cpu - cuda| at every 50th epoch: ${maxLossDiff.toExponential(2)}`);

// 2. W2 on cuda: torchts fused vs PyTorch-Python, same data.
const n = 1_000_000;
const { X, y } = torch.makeCircles(n, { noise: 0.01, randomState: 42 });
const xs = new Float32Array(n * 2);
X.forEach((p, i) => { xs[2 * i] = p[0]; xs[2 * i + 1] = p[1]; });
const ys = BigInt64Array.from(y, (v) => BigInt(v));
fs.writeFileSync('/tmp/w2_x.bin', xs);
fs.writeFileSync('/tmp/w2_y.bin', Buffer.from(ys.buffer));

async function w2Torchts() {
  torch.manualSeed(0);
  const model = new torch.nn.Sequential(
    new torch.nn.Linear(2, 256), new torch.nn.ReLU(), new torch.nn.Linear(256, 256), new torch.nn.ReLU(), new torch.nn.Linear(256, 2),
  ).to('cuda');
  const x = torch.fromTypedArray(xs, [n, 2], { device: 'cuda' });
  const t = torch.fromTypedArray(ys, [n], { device: 'cuda' });
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 0.001 });
  torch.cuda.synchronize();
  const t0 = performance.now();
  const h = torch.fit(model, { optimizer, criterion: new torch.nn.CrossEntropyLoss(), xTrain: x, yTrain: t, epochs: 1, batchSize: 1024 });
  torch.cuda.synchronize();
  const train = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  torch.noGrad(() => { for (let s = 0; s < n; s += 65536) model.forward(x.narrow(0, s, Math.min(65536, n - s))).argmax(1); });
  torch.cuda.synchronize();
  const infer = (performance.now() - t1) / 1000;
  // forwardAsync: the same chunks on napi's thread pool, one call; the event loop stays free.
  const sync = torch.noGrad(() => { const outs = []; for (let s = 0; s < n; s += 65536) outs.push(model.forward(x.narrow(0, s, Math.min(65536, n - s)))); return torch.cat(outs); });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  torch.cuda.synchronize();
  const t2 = performance.now();
  const out = await torch.noGrad(() => model.forwardAsync(x, { batchSize: 65536 }));
  out.argmax(1);
  torch.cuda.synchronize();
  const inferAsync = (performance.now() - t2) / 1000;
  delay.disable();
  const concurrent = await Promise.all([0, 1, 2, 3].map(() => torch.noGrad(() => model.forwardAsync(x.narrow(0, 0, 100_000), { batchSize: 10_000 }))));
  return {
    trainSeconds: train, inferenceSeconds: infer, inferenceAsyncSeconds: inferAsync, trainAccuracy: h[0].trainAccuracy,
    forwardAsyncEqualsForward: out.equal(sync), forwardAsyncMaxAbsDiff: out.sub(sync).abs().max().item(),
    forwardAsyncOnCuda: out.device.type === 'cuda', concurrentAgree: concurrent.every((c) => c.equal(concurrent[0])),
    loopDelayP99Ms: delay.percentile(99) / 1e6,
  };
}
const pyScript = `
import time, torch
n = ${n}
x = torch.frombuffer(bytearray(open('/tmp/w2_x.bin','rb').read()), dtype=torch.float32).reshape(n, 2).cuda()
y = torch.frombuffer(bytearray(open('/tmp/w2_y.bin','rb').read()), dtype=torch.int64).cuda()
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(2,256), torch.nn.ReLU(), torch.nn.Linear(256,256), torch.nn.ReLU(), torch.nn.Linear(256,2)).cuda()
opt = torch.optim.Adam(model.parameters(), lr=0.001)
crit = torch.nn.CrossEntropyLoss()
def epoch():
    perm = torch.randperm(n, device='cuda')
    model.train()
    for s in range(0, n, 1024):
        idx = perm[s:s+1024]
        opt.zero_grad(); loss = crit(model(x[idx]), y[idx]); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        out = model(x); return crit(out, y).item(), (out.argmax(1) == y).float().mean().item()
torch.cuda.synchronize(); t0 = time.perf_counter(); loss, acc = epoch(); torch.cuda.synchronize(); train = time.perf_counter() - t0
t1 = time.perf_counter()
with torch.no_grad():
    for s in range(0, n, 65536): model(x[s:s+65536]).argmax(1)
torch.cuda.synchronize(); infer = time.perf_counter() - t1
print(f'{{"trainSeconds": {train}, "inferenceSeconds": {infer}, "trainAccuracy": {acc}, "gpu": "{torch.cuda.get_device_name(0)}", "torch": "{torch.__version__}"}}')
`;
// fitAsync on cuda: the background thread, progress callbacks, same numbers as fit.
{
  const { X: Xa, y: ya } = torch.makeCircles(1000, { noise: 0.01, randomState: 42 });
  const mk = () => { torch.manualSeed(7); return new torch.nn.Sequential(new torch.nn.Linear(2, 16), new torch.nn.ReLU(), new torch.nn.Linear(16, 2)).to('cuda'); };
  const xa = torch.tensor(Xa).to('cuda'), ta = torch.tensor(ya, { dtype: torch.long }).to('cuda');
  const m1 = mk(), m2 = mk();
  let progress = 0;
  const a = await torch.fitAsync(m1, { optimizer: new torch.optim.Adam(m1.parameters(), { lr: 0.01 }), criterion: new torch.nn.CrossEntropyLoss(), xTrain: xa, yTrain: ta, epochs: 100, onEpoch: () => { progress++; } });
  const b = torch.fit(m2, { optimizer: new torch.optim.Adam(m2.parameters(), { lr: 0.01 }), criterion: new torch.nn.CrossEntropyLoss(), xTrain: xa, yTrain: ta, epochs: 100 });
  report.fitAsyncCuda = { progressCallbacks: progress, asyncLoss: a[99].trainLoss, syncLoss: b[99].trainLoss, identical: a[99].trainLoss === b[99].trainLoss };
  log(`fitAsync on cuda: ${progress} progress callbacks, final loss ${a[99].trainLoss} (fit: ${b[99].trainLoss})`);
}
const runs = { torchts: [], python: [] };
for (let rep = 0; rep < 3; rep++) {
  runs.torchts.push(await w2Torchts());
  const py = spawnSync(python, ['-c', pyScript], { encoding: 'utf8' });
  if (py.status !== 0) { console.error(py.stderr); runs.python.push(null); continue; }
  runs.python.push(JSON.parse(py.stdout.trim().split('\n').pop()));
}
const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const tsTrain = median(runs.torchts.map((r) => r.trainSeconds));
const pyOk = runs.python.filter(Boolean);
const pyTrain = pyOk.length ? median(pyOk.map((r) => r.trainSeconds)) : NaN;
report.gpu = pyOk[0]?.gpu;
report.pythonTorch = pyOk[0]?.torch;
report.w2 = {
  runs,
  torchtsTrainMedianSeconds: tsTrain,
  pythonTrainMedianSeconds: pyTrain,
  ratio: tsTrain / pyTrain,
  torchtsInferenceMedianSeconds: median(runs.torchts.map((r) => r.inferenceSeconds)),
  torchtsInferenceAsyncMedianSeconds: median(runs.torchts.map((r) => r.inferenceAsyncSeconds)),
  pythonInferenceMedianSeconds: pyOk.length ? median(pyOk.map((r) => r.inferenceSeconds)) : NaN,
};
log(`GPU: ${report.gpu}`);
log(`W2 train epoch (median of 3): torchts fused ${tsTrain.toFixed(3)} s, PyTorch-Python ${pyTrain.toFixed(3)} s, ratio ${(tsTrain / pyTrain).toFixed(2)}`);
log(`W2 inference of 1M points: torchts ${report.w2.torchtsInferenceMedianSeconds.toFixed(3)} s, torchts forwardAsync ${report.w2.torchtsInferenceAsyncMedianSeconds.toFixed(3)} s, PyTorch-Python ${report.w2.pythonInferenceMedianSeconds.toFixed(3)} s`);
for (const r of runs.torchts) log(`forwardAsync on cuda: output on cuda ${r.forwardAsyncOnCuda}, equal to forward ${r.forwardAsyncEqualsForward} (max |diff| ${r.forwardAsyncMaxAbsDiff}), 4 concurrent calls agree ${r.concurrentAgree}, event-loop p99 ${r.loopDelayP99Ms.toFixed(1)} ms`);
fs.writeFileSync(path.join(outDir, 'gpu-check.json'), JSON.stringify(report, null, 2));
