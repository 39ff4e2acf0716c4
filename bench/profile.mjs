#!/usr/bin/env node
// Why is torchts eager slower or faster than PyTorch-Python on W1? Counts the
// native (napi) calls one tutorial epoch makes, times each kind of call, and
// splits the epoch into phases, next to the same phases in PyTorch-Python.
//
//   node bench/profile.mjs [--epochs=300] [--threads=N] [--python=PATH]  (else $TORCHTS_BENCH_PYTHON, $TORCHTS_TEST_PYTHON, python3)
//
// Native calls are counted by wrapping the addon's exports and the methods of
// its classes (Tensor, NativeOptimizer) in place; the wrapper itself costs
// ~0.1 µs a call, so per-call times are upper bounds.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const { values: args } = parseArgs({ options: { epochs: { type: 'string' }, threads: { type: 'string' }, python: { type: 'string' } } });
const opt = (name, d) => args[name] ?? d;
const epochs = Number(opt('epochs', 300));
const torch = await import('torchts');
const { nn, optim } = torch;
if (opt('threads')) torch.setNumThreads(Number(opt('threads')));

// ---- data (same as the bench) ----------------------------------------------
const { X, y } = torch.makeCircles(1000, { noise: 0.01, randomState: 42 });
const [Xtr, Xte, ytr, yte] = torch.trainTestSplit(X, y, { testSize: 0.2, randomState: 42 });
const xTrain = torch.tensor(Xtr, { dtype: torch.float32 });
const xTest = torch.tensor(Xte, { dtype: torch.float32 });
const yTrain = torch.tensor(ytr, { dtype: torch.long });
const yTest = torch.tensor(yte, { dtype: torch.long });

// ---- native call counting ----------------------------------------------------
const req = createRequire(path.join(root, 'package.json'));
const native = req(path.join(root, 'native', 'index.cjs'));
const stats = new Map(); // name -> { calls, ns }
let counting = false;
function wrap(obj, key, name) {
  const fn = obj[key];
  if (typeof fn !== 'function' || fn.__wrapped) return;
  const wrapped = function (...args) {
    if (!counting) return fn.apply(this, args);
    const t0 = process.hrtime.bigint();
    try {
      return fn.apply(this, args);
    } finally {
      const dt = Number(process.hrtime.bigint() - t0);
      const s = stats.get(name) ?? { calls: 0, ns: 0 };
      s.calls++;
      s.ns += dt;
      stats.set(name, s);
    }
  };
  wrapped.__wrapped = true;
  try {
    Object.defineProperty(obj, key, { value: wrapped, writable: true, configurable: true });
  } catch {
    /* a non-configurable native property: not counted */
  }
}
function wrapClass(cls, label) {
  for (const key of Object.getOwnPropertyNames(cls.prototype)) {
    if (key === 'constructor') continue;
    const d = Object.getOwnPropertyDescriptor(cls.prototype, key);
    if (d.get) {
      const get = d.get;
      Object.defineProperty(cls.prototype, key, {
        ...d,
        get() {
          if (!counting) return get.call(this);
          const t0 = process.hrtime.bigint();
          const v = get.call(this);
          const s = stats.get(`${label}.${key} (getter)`) ?? { calls: 0, ns: 0 };
          s.calls++;
          s.ns += Number(process.hrtime.bigint() - t0);
          stats.set(`${label}.${key} (getter)`, s);
          return v;
        },
      });
    } else if (typeof d.value === 'function') {
      wrap(cls.prototype, key, `${label}.${key}`);
    }
  }
  for (const key of Object.getOwnPropertyNames(cls)) if (typeof cls[key] === 'function' && !['length', 'name', 'prototype'].includes(key)) wrap(cls, key, `${label}::${key}`);
}
for (const key of Object.keys(native)) {
  const v = native[key];
  if (typeof v === 'function' && /^[A-Z]/.test(key)) wrapClass(v, key);
  else if (typeof v === 'function') wrap(native, key, `native.${key}`);
}

// ---- the eager epoch, phase by phase -------------------------------------------
function makeModel() {
  torch.manualSeed(42);
  return new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 4), new nn.ReLU(), new nn.Linear(4, 2));
}
const phases = ['train()+zeroGrad', 'forward', 'loss', 'backward', 'step', 'eval: train split', 'eval: test split'];
function runEpochs(n, model, criterion, optimizer, phaseMs) {
  const tick = () => performance.now();
  const evalSplit = (x, yy) => {
    const out = model.forward(x);
    const loss = criterion.forward(out, yy).item();
    const [, pred] = torch.max(out, 1);
    return [loss, pred.eq(yy).sum().item() / yy.size(0)];
  };
  for (let e = 0; e < n; e++) {
    let t = tick();
    const lap = (i) => {
      const now = tick();
      phaseMs[i] += now - t;
      t = now;
    };
    model.train();
    optimizer.zeroGrad();
    lap(0);
    const outputs = model.forward(xTrain);
    lap(1);
    const loss = criterion.forward(outputs, yTrain);
    lap(2);
    loss.backward();
    lap(3);
    optimizer.step();
    lap(4);
    model.eval();
    torch.noGrad(() => {
      evalSplit(xTrain, yTrain);
      lap(5);
      evalSplit(xTest, yTest);
      lap(6);
    });
  }
}

const model = makeModel();
const criterion = new nn.CrossEntropyLoss();
const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
const warm = new Array(phases.length).fill(0);
runEpochs(50, model, criterion, optimizer, warm);

// Plain timing, no wrappers active.
const phaseMs = new Array(phases.length).fill(0);
const t0 = performance.now();
runEpochs(epochs, model, criterion, optimizer, phaseMs);
const epochMs = (performance.now() - t0) / epochs;

// Counting pass.
counting = true;
const tc = performance.now();
runEpochs(epochs, model, criterion, optimizer, new Array(phases.length).fill(0));
const countedEpochMs = (performance.now() - tc) / epochs;
counting = false;

// ---- PyTorch-Python, same phases -----------------------------------------------
function findPython() {
  for (const py of [opt('python'), process.env.TORCHTS_BENCH_PYTHON, process.env.TORCHTS_TEST_PYTHON, 'python3']) {
    if (py && spawnSync(py, ['-c', 'import torch'], { timeout: 30_000 }).status === 0) return py;
  }
  return null;
}
const python = findPython();
let py = null;
if (python) {
  const code = `
import json, time, torch, sys
from torch import nn
from sklearn.datasets import make_circles
from sklearn.model_selection import train_test_split
torch.set_num_threads(${torch.getNumThreads()})
X, y = make_circles(1000, noise=0.01, random_state=42)
Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=42)
xTrain, xTest = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xte, dtype=torch.float32)
yTrain, yTest = torch.tensor(ytr, dtype=torch.long), torch.tensor(yte, dtype=torch.long)
torch.manual_seed(42)
model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 2))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
def ev(x, yy):
    out = model(x); loss = criterion(out, yy).item(); _, pred = torch.max(out, 1)
    return loss, (pred == yy).sum().item() / yy.size(0)
def run(n, ph):
    for _ in range(n):
        t = time.perf_counter()
        def lap(i):
            nonlocal t
            now = time.perf_counter(); ph[i] += (now - t) * 1e3; t = now
        model.train(); optimizer.zero_grad(); lap(0)
        out = model(xTrain); lap(1)
        loss = criterion(out, yTrain); lap(2)
        loss.backward(); lap(3)
        optimizer.step(); lap(4)
        model.eval()
        with torch.no_grad():
            ev(xTrain, yTrain); lap(5)
            ev(xTest, yTest); lap(6)
run(50, [0]*7)
ph = [0]*7
t0 = time.perf_counter(); run(${epochs}, ph); epoch = (time.perf_counter() - t0) * 1e3 / ${epochs}
# aten ops per epoch, from the profiler (top-level and nested)
from torch.profiler import profile, ProfilerActivity
with profile(activities=[ProfilerActivity.CPU]) as prof:
    run(10, [0]*7)
events = [e for e in prof.events() if e.name.startswith('aten::')]
names = {}
for e in events: names[e.name] = names.get(e.name, 0) + 1
print(json.dumps({"epochMs": epoch, "phaseMs": [p / ${epochs} for p in ph], "atenPerEpoch": len(events) / 10, "top": sorted(((k, v / 10) for k, v in names.items()), key=lambda kv: -kv[1])[:12]}))
`;
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0) py = JSON.parse(r.stdout.trim().split('\n').pop());
  else console.error(`python profile failed: ${r.stderr}`);
}

// ---- report ---------------------------------------------------------------------
const rows = [...stats.entries()].map(([name, s]) => ({ name, perEpoch: s.calls / epochs, usPerCall: s.ns / s.calls / 1e3, usPerEpoch: s.ns / epochs / 1e3 }));
rows.sort((a, b) => b.usPerEpoch - a.usPerEpoch);
const totalCalls = rows.reduce((a, r) => a + r.perEpoch, 0);
const nativeUs = rows.reduce((a, r) => a + r.usPerEpoch, 0);
const lines = [];
lines.push(`W1 eager epoch, ${epochs} epochs after a 50-epoch warm-up, ${torch.getNumThreads()} threads`);
lines.push(`torchts eager: ${epochMs.toFixed(3)} ms/epoch; PyTorch-Python: ${py ? `${py.epochMs.toFixed(3)} ms/epoch (${(epochMs / py.epochMs).toFixed(2)}×)` : 'absent'}`);
lines.push('');
lines.push('phase                 torchts ms   python ms');
phases.forEach((p, i) => lines.push(`${p.padEnd(20)} ${(phaseMs[i] / epochs).toFixed(3).padStart(10)}  ${py ? py.phaseMs[i].toFixed(3).padStart(10) : '–'}`));
lines.push('');
lines.push(`native calls per epoch: ${totalCalls.toFixed(0)} (time inside them ${(nativeUs / 1e3).toFixed(3)} ms of ${countedEpochMs.toFixed(3)} ms with counting on)`);
if (py) lines.push(`PyTorch-Python aten ops per epoch (profiler, incl. nested): ${py.atenPerEpoch}`);
lines.push('');
lines.push('native call                                  per epoch   µs/call   µs/epoch');
for (const r of rows.slice(0, 40)) lines.push(`${r.name.padEnd(44)} ${r.perEpoch.toFixed(1).padStart(9)} ${r.usPerCall.toFixed(2).padStart(9)} ${r.usPerEpoch.toFixed(1).padStart(10)}`);
if (py) {
  lines.push('');
  lines.push('PyTorch-Python aten ops per epoch (top 12): ' + py.top.map(([k, v]) => `${k} ${v}`).join(', '));
}
const text = lines.join('\n');
console.log(text);
fs.mkdirSync(path.join(here, 'results'), { recursive: true });
fs.writeFileSync(path.join(here, 'results', 'profile-w1-eager.txt'), `${text}\n`);
