#!/usr/bin/env node
// `npm run bench`: torchts against named anchors, side by side, same machine,
// same run. Prints a table per workload, writes bench/results/latest.json and
// the tables into bench/RESULTS.md (between the generated-section markers).
//
//   node bench/run.mjs [--quick] [--only=w1,w2,w3,startup] [--repeats=N]
//                      [--threads=N] [--systems=id,id] [--no-build] [--no-md]
//                      [--no-gate] [--no-priority] [--noise-budget=SECONDS] [--omp-default]
//   node bench/run.mjs --render=bench/results/<run>.json   (tables from a stored run)
//
// Workloads (see bench/README.md): W1 the tutorial, W2 scale (1M circles,
// 2-256-256-2, minibatch 1024, one epoch, plus inference), W3 per-op cost,
// and start-up. Systems run as long-lived worker processes, one per system,
// and the repeats alternate between them (A B C A B C …) so drift on a noisy
// machine hits every system alike. Anything not installed is "absent".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { Worker } from './lib/workers.mjs';
import { NoiseControl } from './lib/noise.mjs';
import { median, fmtSeconds, fmtRate, fmtRatio, textTable, mdTable } from './lib/report.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const resultsDir = path.join(here, 'results');
const dataDir = path.join(resultsDir, 'data');
const require = createRequire(path.join(root, 'package.json'));

// ---- options ----------------------------------------------------------------

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
if (flag('help') || flag('h')) {
  console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 16).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
const quick = flag('quick');
const only = new Set((opt('only') ?? 'startup,w1,w3,w2').split(','));
const repeatsOverride = opt('repeats') ? Number(opt('repeats')) : null;
const config = {
  mode: quick ? 'quick' : 'full',
  w1: { repeats: repeatsOverride ?? (quick ? 3 : 7), epochs: 500, warmupEpochs: 50 },
  // tfjs trains at a few batches per second on W2, so it runs the first
  // `tfjsBatches` minibatches (and one inference batch) and is scaled to the
  // full epoch: those rows are marked "extrapolated".
  w2: { repeats: repeatsOverride ?? (quick ? 1 : 3), n: quick ? 250_000 : 1_000_000, batch: 1024, inferBatch: 65536, warmupSamples: 20 * 1024, tfjsBatches: quick ? 4 : 12, tfjsInferSamples: 65536 },
  w3: { repeats: repeatsOverride ?? (quick ? 3 : 5), seconds: quick ? 0.15 : 0.4 },
  startup: { repeats: repeatsOverride ?? (quick ? 3 : 7) },
};

const log = (...a) => console.error(...a);
// Shared machines are noisy: wait for quiet, re-run samples others disturbed.
const noise = new NoiseControl({ enabled: !flag('no-gate'), log, budgetMs: (opt('noise-budget') ? Number(opt('noise-budget')) : quick ? 30 : 120) * 1000 });

// Workers (and start-up probes) run at nice -10 where allowed, so other jobs
// on a shared machine preempt them less (--no-priority turns this off).
const NICE = -10;
const useNice = !flag('no-priority') && process.platform === 'linux' && spawnSync('nice', ['-n', String(NICE), 'true']).status === 0;
const niced = (cmd, args) => (useNice ? ['nice', ['-n', String(NICE), cmd, ...args]] : [cmd, args]);
// One OpenMP wait policy for every libtorch system: torchts defaults to
// PASSIVE (ts/native.ts); libgomp's default (spin, then sleep) made Python and
// tch-rs 3-30x slower on W1 with 2 threads whenever anything else ran. The
// user's OMP_WAIT_POLICY wins; --omp-default leaves each system at its own default.
const ompWaitPolicy = flag('omp-default') ? null : process.env.OMP_WAIT_POLICY ?? 'PASSIVE';
const workerEnv = ompWaitPolicy ? { ...process.env, OMP_WAIT_POLICY: ompWaitPolicy } : process.env;

function niceOf(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]);
  } catch {
    return null;
  }
}

// ---- systems ----------------------------------------------------------------

/** Which Python has torch: TORCHTS_BENCH_PYTHON, the reference env, a venv, python3. */
function findPython() {
  const candidates = [process.env.TORCHTS_BENCH_PYTHON, '/opt/refenv/bin/python', process.env.VIRTUAL_ENV && path.join(process.env.VIRTUAL_ENV, 'bin', 'python'), 'python3', 'python'];
  const tried = [];
  for (const py of candidates) {
    if (!py) continue;
    const r = spawnSync(py, ['-c', "import importlib.util as u, sys; sys.exit(0 if u.find_spec('torch') else 3)"], { encoding: 'utf8', timeout: 20_000 });
    if (r.status === 0) return { python: py };
    tried.push(`${py}: ${r.error ? 'not found' : 'no torch'}`);
  }
  return { python: null, reason: `no Python with torch (${tried.join('; ')})` };
}

function resolves(pkg) {
  try {
    return require.resolve(pkg);
  } catch {
    return null;
  }
}

function ensureBuilt() {
  const status = {};
  const distBuilt = fs.existsSync(path.join(root, 'dist', 'index.js'));
  if (!distBuilt || !flag('no-build')) {
    // Measure the current sources: rebuild dist/ (tsup, a few seconds).
    log('building dist/ (npm run build:ts) …');
    const r = spawnSync('npm', ['run', '--silent', 'build:ts'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) {
      const why = (r.stderr || '').trim().split('\n').slice(-2).join(' ');
      if (distBuilt) log(`warning: npm run build:ts failed (${why}); measuring the existing dist/`);
      else status.torchts = `dist/ is not built and \`npm run build:ts\` failed: ${why}`;
    }
  }
  // scripts/cargo.mjs builds for the host triple (target/<triple>/release, shared
  // with napi build); a plain `cargo build` lands in target/release. Take the newest.
  const findBin = () => {
    const host = /^host: (.+)$/m.exec(spawnSync('rustc', ['-vV'], { encoding: 'utf8' }).stdout ?? '')?.[1];
    const candidates = [host && path.join(root, 'target', host, 'release', 'torchts-bench'), path.join(root, 'target', 'release', 'torchts-bench')]
      .filter((p) => p && fs.existsSync(p))
      .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
    return candidates[0] ?? path.join(root, 'target', 'release', 'torchts-bench');
  };
  if (!flag('no-build')) {
    log('building crates/bench (cargo build --release -p torchts-bench) …');
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'cargo.mjs'), 'build', '--release', '-p', 'torchts-bench'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, CARGO_BUILD_JOBS: process.env.CARGO_BUILD_JOBS || '2' },
    });
    if (r.status !== 0) {
      const why = (r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' ');
      if (fs.existsSync(findBin())) log(`warning: cargo build failed (${why}); using the existing ${path.relative(root, findBin())}`);
      else status.tch = `cargo build failed: ${why}`;
    }
  }
  const bin = findBin();
  if (!fs.existsSync(bin) && !status.tch) status.tch = 'crates/bench is not built (node scripts/cargo.mjs build --release -p torchts-bench)';
  return { status, bin };
}

// Each system: how to start its worker and which workloads it runs.
function systemTable(bin, python) {
  const node = process.execPath;
  const w = (f) => path.join(here, 'workers', f);
  return [
    { id: 'torchts-eager', label: 'torchts eager', group: 'torchts', start: [node, [w('torchts.mjs'), 'eager']], runs: ['w1', 'w2', 'w2infer', 'w3'] },
    { id: 'torchts-fused', label: 'torchts fused (torch.fit)', group: 'torchts', start: [node, [w('torchts.mjs'), 'fused']], runs: ['w1', 'w2'] },
    { id: 'torchts-async', label: 'torchts async (torch.fitAsync)', group: 'torchts', start: [node, [w('torchts.mjs'), 'async']], runs: ['w1', 'w2', 'w2infer'] },
    { id: 'tch-rs', label: 'tch-rs (torchts-core, Rust)', group: 'tch', start: [bin, ['core']], runs: ['w1', 'w2', 'w2infer', 'w3'] },
    { id: 'tch-raw', label: 'tch-rs (plain tch + C++ Adam)', group: 'tch', start: [bin, ['raw']], runs: ['w1', 'w2', 'w2infer'] },
    { id: 'python', label: 'PyTorch-Python', group: 'python', start: [python, [w('python.py')]], runs: ['w1', 'w2', 'w2infer', 'w3'] },
    { id: 'tfjs-cpu', label: '@tensorflow/tfjs (cpu, pure JS)', group: 'tfjs', start: [node, [w('tfjs.mjs'), 'cpu']], runs: ['w1', 'w2', 'w2infer', 'w3'], partialW2: true },
    { id: 'tfjs-wasm', label: '@tensorflow/tfjs (wasm)', group: 'tfjs-wasm', start: [node, [w('tfjs.mjs'), 'wasm']], runs: ['w1', 'w2', 'w2infer', 'w3'], partialW2: true },
  ];
}

// ---- machine ----------------------------------------------------------------

function machineInfo() {
  const cpus = os.cpus();
  let model = cpus[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1].trim();
  } catch {
    /* not Linux */
  }
  return {
    cpu: model,
    cores: os.availableParallelism?.() ?? cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

// ---- start-up -----------------------------------------------------------------

function timeProcess(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(...niced(cmd, args), { cwd: root, encoding: 'utf8', timeout: 60_000, env: workerEnv });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error((r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(-2).join(' '));
  const m = /@@RESULT (.*)/.exec(r.stdout);
  return { wall, ...(m ? JSON.parse(m[1]) : {}) };
}

function startupCases(python, tfjsOk) {
  const nodeImport = (mod, make) =>
    `const t0=performance.now();const m=require(${JSON.stringify(mod)});${make};const t1=performance.now();` +
    `console.log('@@RESULT '+JSON.stringify({inProcess:(t1-t0)/1e3}))`;
  const cases = [
    { id: 'torchts', label: "node: require('torchts') + torch.zeros(1)", cmd: process.execPath, args: ['-e', nodeImport('torchts', 'm.zeros(1)')] },
    { id: 'python', label: 'python: import torch; torch.zeros(1)', cmd: python, args: ['-c', "import time,json;t0=time.perf_counter();import torch;torch.zeros(1);t1=time.perf_counter();print('@@RESULT '+json.dumps({'inProcess':t1-t0}))"], absent: !python && 'no Python with torch' },
    { id: 'tfjs', label: "node: require('@tensorflow/tfjs') + tf.zeros([1])", cmd: process.execPath, args: ['-e', `console.warn=()=>{};console.log=((l)=>(s)=>String(s).startsWith('@@')&&l(s))(console.log);${nodeImport('@tensorflow/tfjs', 'm.zeros([1]).dataSync()')}`], absent: !tfjsOk && '@tensorflow/tfjs is not installed' },
    { id: 'node-bare', label: 'node -e 0 (interpreter alone)', cmd: process.execPath, args: ['-e', "console.log('@@RESULT {\"inProcess\":0}')"] },
    { id: 'python-bare', label: 'python -c pass (interpreter alone)', cmd: python, args: ['-c', "print('@@RESULT {\"inProcess\":0}')"], absent: !python && 'no Python with torch' },
  ];
  return cases;
}

async function runStartup(python, tfjsOk) {
  const cases = startupCases(python, tfjsOk);
  const samples = Object.fromEntries(cases.map((c) => [c.id, []]));
  const errors = {};
  // One unrecorded pass warms the page cache (libtorch is ~500 MB of .so).
  for (const c of cases) if (!c.absent) try { timeProcess(c.cmd, c.args); } catch (e) { errors[c.id] = e.message; }
  for (let r = 0; r < config.startup.repeats; r++) {
    for (const c of cases) {
      if (c.absent || errors[c.id]) continue;
      try {
        samples[c.id].push(await noise.measure(0, async () => timeProcess(c.cmd, c.args)));
      } catch (e) {
        errors[c.id] = e.message;
      }
    }
  }
  const py = median(samples.python.map((s) => s.wall));
  const pyIn = median(samples.python.map((s) => s.inProcess));
  return cases.map((c) => {
    if (c.absent) return { id: c.id, system: c.label, status: 'absent', reason: c.absent };
    if (errors[c.id]) return { id: c.id, system: c.label, status: 'failed', reason: errors[c.id] };
    const wall = median(samples[c.id].map((s) => s.wall));
    const inProcess = median(samples[c.id].map((s) => s.inProcess));
    return { id: c.id, system: c.label, status: 'ok', samples: samples[c.id], noisy: samples[c.id].filter((x) => x.noisy).length, median: wall, inProcess, ratioToPython: wall / py, inProcessRatioToPython: c.id.endsWith('bare') ? NaN : inProcess / pyIn };
  });
}

// ---- workloads ----------------------------------------------------------------

/** Runs `plan` (system -> command) `repeats` times, alternating systems each round. */
async function alternate(name, active, repeats, command, timeoutMs, timed = true) {
  const samples = new Map(active.map((s) => [s.id, []]));
  for (let r = 0; r < repeats; r++) {
    for (const s of active) {
      if (s.failed?.[name]) continue;
      try {
        const send = () => s.worker.send(command(s), timeoutMs);
        const reply = timed ? await noise.measure(s.worker.child.pid, send) : await send();
        samples.get(s.id).push(reply);
        log(`  [${name}] ${r + 1}/${repeats} ${s.label}: ${fmtSeconds(reply.seconds ?? reply.trainSeconds)}`);
      } catch (e) {
        s.failed = { ...s.failed, [name]: e.message };
        log(`  [${name}] ${s.label} failed: ${e.message}`);
      }
    }
  }
  return samples;
}

function rowFor(s, name, samples, value, extra = {}) {
  if (s.absent) return { id: s.id, system: s.label, status: 'absent', reason: s.absent };
  if (s.failed?.[name]) return { id: s.id, system: s.label, status: 'failed', reason: s.failed[name] };
  const list = samples.get(s.id) ?? [];
  if (!list.length) return { id: s.id, system: s.label, status: 'failed', reason: 'no samples' };
  const values = list.map(value);
  return {
    id: s.id, system: s.label, status: 'ok', median: median(values), min: Math.min(...values), max: Math.max(...values), repeats: values.length,
    samples: values, othersLoad: list.map((x) => x.othersLoad ?? 0), noisy: list.filter((x) => x.noisy).length, ...extra(list),
  };
}

function addRatios(rows, perSecond) {
  const py = rows.find((r) => r.id === 'python' && r.status === 'ok');
  for (const r of rows) {
    if (r.status !== 'ok') continue;
    r.ratioToPython = py ? r.median / py.median : NaN;
    if (perSecond) r.throughput = perSecond / r.median;
  }
  return rows;
}

async function setupAll(active, workload) {
  for (const s of active) {
    try {
      await s.worker.send(`setup ${workload} ${dataDir}`, 120_000);
    } catch (e) {
      s.failed = { ...s.failed, [workload]: `setup: ${e.message}` };
    }
  }
}

async function runW1(systems) {
  const active = systems.filter((s) => !s.absent && s.runs.includes('w1'));
  const { repeats, epochs, warmupEpochs } = config.w1;
  log(`W1: tutorial, ${epochs} epochs, ${repeats} repeats`);
  await setupAll(active, 'w1');
  await alternate('w1', active, 1, () => `run w1 ${warmupEpochs}`, 120_000, false);
  for (const s of active) if (s.failed?.w1) log(`  W1 warm-up failed for ${s.label}`);
  const samples = await alternate('w1', active, repeats, () => `run w1 ${epochs}`, 300_000);
  const rows = systems.filter((s) => s.runs.includes('w1')).map((s) =>
    rowFor(s, 'w1', samples, (x) => x.seconds, (list) => ({
      final: list[list.length - 1].final,
      loopDelayP99: median(list.map((x) => x.loopDelay?.p99 ?? NaN)),
      gcMs: median(list.map((x) => x.gcMs ?? NaN)),
    })),
  );
  for (const s of active) await s.worker.send('free').catch(() => {});
  return addRatios(rows, epochs);
}

async function runW2(systems) {
  const { repeats, n, batch, warmupSamples, tfjsBatches, tfjsInferSamples } = config.w2;
  const active = systems.filter((s) => !s.absent && s.runs.includes('w2'));
  log(`W2: ${n} circles, one epoch of minibatch ${batch}, ${repeats} repeats`);
  await setupAll(active, 'w2');
  const limit = (s) => (s.partialW2 ? tfjsBatches * batch : n);
  const infer = (s) => (s.runs.includes('w2infer') ? '' : ' noinfer');
  await alternate('w2', active, 1, (s) => `run w2 ${Math.min(warmupSamples, limit(s))}${infer(s)}`, 300_000, false);
  const samples = await alternate('w2', active, repeats, (s) => `run w2 ${limit(s)}${infer(s)}`, 900_000);
  for (const s of active) await s.worker.send('free').catch(() => {});
  const fullBatches = Math.ceil(n / batch);
  // tfjs ran a prefix: scale its time to the full epoch.
  const trainTime = (x) => x.trainSeconds * (fullBatches / x.batches);
  const train = systems.filter((s) => s.runs.includes('w2')).map((s) =>
    rowFor(s, 'w2', samples, trainTime, (list) => ({
      extrapolated: list[0].batches < fullBatches ? `from ${list[0].batches} of ${fullBatches} batches` : undefined,
      finalLoss: list[list.length - 1].finalLoss,
      loopDelaySamples: list[0].loopDelay ? list.map((x) => x.loopDelay) : undefined,
      loopDelay: list[0].loopDelay ? { p50: median(list.map((x) => x.loopDelay.p50)), p99: median(list.map((x) => x.loopDelay.p99)), p99Worst: Math.max(...list.map((x) => x.loopDelay.p99)), max: Math.max(...list.map((x) => x.loopDelay.max)) } : undefined,
      gcMs: median(list.map((x) => x.gcMs ?? NaN)),
    })),
  );
  addRatios(train, n);
  // Inference: one forward of all n points in no-grad batches (tfjs: a prefix, scaled).
  const inferTime = (x) => x.inferSeconds * (n / x.samples);
  const inferRows = systems.filter((s) => s.runs.includes('w2infer')).map((s) =>
    rowFor(s, 'w2', samples, inferTime, (list) => ({ extrapolated: list[0].samples < n ? `from ${list[0].samples} of ${n} samples` : undefined })),
  );
  for (const r of inferRows) if (r.id === 'torchts-eager') r.system = 'torchts (model.forward under noGrad)';
  for (const r of inferRows) if (r.id === 'torchts-async') r.system = 'torchts async (model.forwardAsync, one call)';
  void tfjsInferSamples;
  return { train, infer: addRatios(inferRows, n) };
}

async function runW3(systems) {
  const { repeats, seconds } = config.w3;
  const out = {};
  const ops = [
    ['add', 'tiny add: [2,2] + [2,2]'],
    ['matmul', 'small matmul: [8,8] @ [8,8]'],
  ];
  for (const [op] of ops) {
    // torchts also runs with an explicit dispose() per result (informational row).
    const variants = [];
    for (const s of systems.filter((x) => x.runs.includes('w3'))) {
      variants.push({ ...s, op, key: s.id });
      if (s.id === 'torchts-eager') variants.push({ ...s, op: `${op}-dispose`, key: 'torchts-dispose', label: 'torchts + dispose() each result' });
    }
    const active = variants.filter((v) => !v.absent);
    log(`W3: ${op}, ${repeats} repeats of ~${seconds} s`);
    // Warm-up doubles as calibration: calls for ~`seconds` per repeat.
    const calls = new Map();
    for (const v of active) {
      try {
        await v.worker.send(`run w3 ${v.op} 2000`);
        const probe = await v.worker.send(`run w3 ${v.op} 20000`);
        calls.set(v.key, Math.max(2000, Math.min(5e6, Math.round((seconds * probe.calls) / probe.seconds))));
      } catch (e) {
        v.failed = { w3: e.message };
      }
    }
    const samples = new Map(active.map((v) => [v.key, []]));
    for (let r = 0; r < repeats; r++) {
      for (const v of active) {
        if (v.failed?.w3) continue;
        try {
          samples.get(v.key).push(await noise.measure(v.worker.child.pid, () => v.worker.send(`run w3 ${v.op} ${calls.get(v.key)}`)));
        } catch (e) {
          v.failed = { w3: e.message };
        }
      }
    }
    const rows = variants.map((v) => {
      const row = rowFor({ ...v, id: v.key }, 'w3', samples, (x) => x.seconds / x.calls, (list) => ({ calls: list[0].calls, gcMs: median(list.map((x) => x.gcMs ?? NaN)) }));
      return row;
    });
    addRatios(rows, 1);
    for (const r of rows) if (r.status === 'ok') r.speedVsPython = 1 / r.ratioToPython;
    out[op] = rows;
  }
  return out;
}

// ---- targets ----------------------------------------------------------------

function targets(res) {
  const list = [];
  const get = (rows, id) => rows?.find((r) => r.id === id && r.status === 'ok');
  const add = (name, value, limit, cmp, how) => {
    const pass = value == null || !Number.isFinite(value) ? null : cmp === '<=' ? value <= limit : value >= limit;
    list.push({ name, value, limit, cmp, how, pass });
  };
  const ratio = (a, b) => (a && b ? a.median / b.median : NaN);
  if (res.w1) {
    const py = get(res.w1, 'python');
    add('W1 eager ≤ 0.5× PyTorch-Python time', ratio(get(res.w1, 'torchts-eager'), py), 0.5, '<=', '×');
    add('W1 fused ≤ 0.1× PyTorch-Python time', ratio(get(res.w1, 'torchts-fused'), py), 0.1, '<=', '×');
  }
  if (res.w2) {
    const py = get(res.w2.train, 'python');
    const tch = get(res.w2.train, 'tch-rs');
    for (const [id, label] of [['torchts-fused', 'fused'], ['torchts-async', 'async'], ['torchts-eager', 'eager']]) {
      add(`W2 ${label} ≤ 1.0× PyTorch-Python time`, ratio(get(res.w2.train, id), py), 1.0, '<=', '×');
      add(`W2 ${label} ≤ 1.1× tch-rs time`, ratio(get(res.w2.train, id), tch), 1.1, '<=', '×');
    }
    const a = get(res.w2.train, 'torchts-async');
    add('W2 fitAsync + forwardAsync event-loop delay p99 < 20 ms', a?.loopDelay?.p99Worst, 20, '<=', 'ms');
  }
  if (res.w3) {
    for (const op of ['add', 'matmul']) {
      const t = get(res.w3[op], 'torchts-eager');
      add(`W3 ${op}: ≥ 1.5× PyTorch-Python calls/s`, t?.speedVsPython, 1.5, '>=', '×');
      add(`W3 ${op}: cost per call ≤ 1.5× tch-rs`, ratio(t, get(res.w3[op], 'tch-rs')), 1.5, '<=', '×');
    }
  }
  return list;
}

// ---- rendering ----------------------------------------------------------------

function statusCell(r) {
  return r.status === 'absent' ? `absent: ${r.reason}` : `FAILED: ${String(r.reason).slice(0, 120)}`;
}

const fmtLoss = (v) => (v == null || !Number.isFinite(v) ? '' : v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toFixed(4));
const NOISY_NOTE = '† n samples stayed disturbed by other processes after re-runs (see othersLoad in latest.json).';
const lbl = (r) => `${r.system}${r.extrapolated ? ' *' : ''}${r.noisy ? ` †${r.noisy}` : ''}`;
const noteIf = (rows, ...notes) => [...notes.filter(Boolean), rows.some((r) => r.noisy) ? NOISY_NOTE : null].filter(Boolean).join(' ') || null;

function tables(res) {
  const out = []; // [title, header, rows, notes]
  const acc = (f) => (f ? `${(100 * f.testAcc).toFixed(1)}% / ${f.testLoss.toFixed(4)}` : '');
  if (res.startup) {
    out.push([
      'Start-up: fresh process, load the library and make a first tensor',
      ['system', 'process wall (median)', 'import + first tensor', '× Python (wall)', '× Python (import)'],
      res.startup.map((r) => (r.status === 'ok'
        ? [lbl(r), fmtSeconds(r.median), r.id.endsWith('bare') ? '–' : fmtSeconds(r.inProcess), fmtRatio(r.ratioToPython), fmtRatio(r.inProcessRatioToPython)]
        : [r.system, statusCell(r), '', '', ''])),
      noteIf(res.startup),
    ]);
  }
  if (res.w1) {
    out.push([
      `W1 tutorial: 1000 circles (800 train / 200 test), 2-8-4-2 ReLU, Adam lr 1e-3, full batch, ${config.w1.epochs} epochs, loss + accuracy of both splits every epoch (median of ${config.w1.repeats})`,
      ['system', 'median', 'min – max', 'epochs/s', '× Python', 'final test acc / loss'],
      res.w1.map((r) => (r.status === 'ok'
        ? [lbl(r), fmtSeconds(r.median), `${fmtSeconds(r.min)} – ${fmtSeconds(r.max)}`, fmtRate(r.throughput, ''), fmtRatio(r.ratioToPython), acc(r.final)]
        : [r.system, statusCell(r), '', '', '', ''])),
      noteIf(res.w1),
    ]);
  }
  if (res.w3) {
    for (const [op, title] of [['add', 'tiny add, [2,2] + [2,2]'], ['matmul', 'small matmul, [8,8] @ [8,8]']]) {
      out.push([
        `W3 per-op cost: ${title}, result dropped (GC / refcount / dispose frees it) (median of ${config.w3.repeats})`,
        ['system', 'per call', 'calls/s', '× Python (time)', 'speed vs Python'],
        res.w3[op].map((r) => (r.status === 'ok'
          ? [lbl(r), fmtSeconds(r.median), fmtRate(r.throughput, ''), fmtRatio(r.ratioToPython), fmtRatio(r.speedVsPython)]
          : [r.system, statusCell(r), '', '', ''])),
        noteIf(res.w3[op]),
      ]);
    }
  }
  if (res.w2) {
    const n = config.w2.n;
    out.push([
      `W2 scale, training: ${n.toLocaleString('en-US')} circles, 2-256-256-2 ReLU, Adam, shuffled minibatches of ${config.w2.batch}, one epoch (median of ${config.w2.repeats})`,
      ['system', 'median', 'min – max', 'samples/s', '× Python', 'final batch loss'],
      res.w2.train.map((r) => (r.status === 'ok'
        ? [lbl(r), fmtSeconds(r.median), `${fmtSeconds(r.min)} – ${fmtSeconds(r.max)}`, fmtRate(r.throughput, ''), fmtRatio(r.ratioToPython), fmtLoss(r.finalLoss)]
        : [r.system, statusCell(r), '', '', '', ''])),
      noteIf(res.w2.train, res.w2.train.some((r) => r.extrapolated) && `* extrapolated ${res.w2.train.find((r) => r.extrapolated).extrapolated} (too slow for a full epoch in the default run).`),
    ]);
    out.push([
      `W2 scale, inference: forward of all ${n.toLocaleString('en-US')} points in no-grad batches of ${config.w2.inferBatch} (median of ${config.w2.repeats})`,
      ['system', 'median', 'min – max', 'samples/s', '× Python'],
      res.w2.infer.map((r) => (r.status === 'ok'
        ? [lbl(r), fmtSeconds(r.median), `${fmtSeconds(r.min)} – ${fmtSeconds(r.max)}`, fmtRate(r.throughput, ''), fmtRatio(r.ratioToPython)]
        : [r.system, statusCell(r), '', '', ''])),
      noteIf(res.w2.infer, res.w2.infer.some((r) => r.extrapolated) && `* extrapolated ${res.w2.infer.find((r) => r.extrapolated).extrapolated}.`),
    ]);
    const loop = res.w2.train.filter((r) => r.status === 'ok' && r.loopDelay);
    if (loop.length) {
      out.push([
        'Event-loop delay during W2 training and inference (perf_hooks.monitorEventLoopDelay, 1 ms resolution; target p99 < 20 ms for fitAsync + forwardAsync)',
        ['system', 'p50', 'p99 (median of runs)', 'p99 (worst run)', 'max'],
        loop.map((r) => [r.system, `${r.loopDelay.p50.toFixed(1)} ms`, `${r.loopDelay.p99.toFixed(1)} ms`, `${r.loopDelay.p99Worst.toFixed(1)} ms`, `${r.loopDelay.max.toFixed(0)} ms`]),
        'The synchronous rows block the loop for the whole run (training, then inference), so their max is that time; the async row trains (fitAsync) and infers (forwardAsync) on the thread pool.',
      ]);
    }
  }
  if (res.targets?.length) {
    out.push([
      'Targets (ratios measured in this run)',
      ['target', 'measured', 'result'],
      res.targets.map((t) => [t.name, Number.isFinite(t.value) ? (t.how === 'ms' ? `${t.value.toFixed(1)} ms` : fmtRatio(t.value)) : 'n/a', t.pass == null ? 'n/a' : t.pass ? 'PASS' : 'MISS']),
    ]);
  }
  return out;
}

function header(meta) {
  const m = meta.machine;
  return [
    `torchts bench (${meta.mode}) — ${meta.date}`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}`,
    `node ${m.node}; torchts ${meta.versions.torchts} on libtorch ${meta.versions.libtorch ?? '?'}; PyTorch-Python ${meta.versions.torch ?? 'absent'} (Python ${meta.versions.python ?? '–'}); tfjs ${meta.versions.tfjs ?? 'absent'}`,
    `intra-op threads: ${meta.threads} for every libtorch system (torch.set_num_threads / setNumThreads); tfjs cpu is single-threaded${meta.versions.tfjsWasmThreads ? `, tfjs wasm ${meta.versions.tfjsWasmThreads} thread(s)` : ''}`,
    `OMP_WAIT_POLICY: ${Object.entries(meta.versions.ompWaitPolicy ?? {}).map(([k, v]) => `${k} ${v ?? 'unset (libgomp default)'}`).join(', ') || 'n/a'}`,
    `data: ${meta.dataSource}`,
    `contention control: ${meta.noise.enabled ? `waited ${(meta.noise.waitedMs / 1000).toFixed(0)} s for a quiet machine, re-ran ${meta.noise.rejected} disturbed sample(s) (disturbed: others used > ${(100 * meta.noise.threshold).toFixed(0)}% of the machine)` : 'off (--no-gate)'}; workers at nice ${meta.noise.nice}; repeats alternate between systems`,
  ];
}

function writeMarkdown(meta, tbls) {
  const file = path.join(here, 'RESULTS.md');
  const begin = '<!-- bench:begin (generated by `npm run bench`; edit outside these markers) -->';
  const end = '<!-- bench:end -->';
  const body = [
    begin,
    '',
    ...header(meta).map((l, i) => (i === 0 ? `**${l}**  ` : `${l}  `)),
    '',
    ...tbls.flatMap(([title, h, rows, note]) => [`#### ${title}`, '', mdTable(h, rows), ...(note ? ['', note] : []), '']),
    end,
  ].join('\n');
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `# torchts benchmark results\n\n${begin}\n${end}\n`;
  const a = text.indexOf(begin.slice(0, 20));
  const b = text.indexOf(end);
  text = a >= 0 && b > a ? text.slice(0, a) + body + text.slice(b + end.length) : `${text}\n${body}\n`;
  fs.writeFileSync(file, text);
}

// ---- main -------------------------------------------------------------------

/** --render=FILE: print and write RESULTS.md from a stored results JSON, without running anything. */
function render(file) {
  const { meta, results } = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const k of Object.keys(config)) if (meta.config?.[k]) config[k] = meta.config[k];
  const tbls = tables(results);
  console.log([...header(meta), '', ...tbls.flatMap(([title, h, rows, note]) => [title, textTable(h, rows), ...(note ? [note] : []), ''])].join('\n'));
  if (!flag('no-md')) {
    writeMarkdown(meta, tbls);
    log(`wrote bench/RESULTS.md from ${path.relative(root, file)}`);
  }
}

async function main() {
  if (opt('render')) return render(path.resolve(opt('render')));
  const t0 = Date.now();
  const machine = machineInfo();
  const { status: buildStatus, bin } = ensureBuilt();
  const { python, reason: pythonAbsent } = findPython();
  const tfjsOk = !!resolves('@tensorflow/tfjs');
  const tfjsWasmOk = !!resolves('@tensorflow/tfjs-backend-wasm');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

  log('generating data …');
  fs.mkdirSync(resultsDir, { recursive: true });
  const gen = spawnSync(process.execPath, [path.join(here, 'lib', 'gen-data.mjs'), dataDir, String(config.w2.n), python ?? ''], { cwd: root, encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`data generation failed: ${gen.stderr}`);
  const dataMeta = JSON.parse(gen.stdout);

  const res = {};
  if (only.has('startup')) {
    log('start-up …');
    noise.threshold = Math.min(0.9, Math.max(0.15, (machine.cores - 1) / machine.cores + 0.1)); // start-up is one busy thread
    res.startup = await runStartup(python, tfjsOk);
  }

  const wanted = opt('systems') ? new Set(opt('systems').split(',')) : null;
  const systems = systemTable(bin, python).filter((s) => !wanted || wanted.has(s.id));
  for (const s of systems) {
    if (s.group === 'torchts' && buildStatus.torchts) s.absent = buildStatus.torchts;
    if (s.group === 'tch' && buildStatus.tch) s.absent = buildStatus.tch;
    if (s.group === 'python' && !python) s.absent = pythonAbsent;
    if (s.group === 'tfjs' && !tfjsOk) s.absent = '@tensorflow/tfjs is not installed (npm i -D @tensorflow/tfjs)';
    if (s.group === 'tfjs-wasm' && !tfjsWasmOk) s.absent = '@tensorflow/tfjs-backend-wasm is not installed';
  }
  const versions = { torchts: pkg.version };
  const runningWorkloads = ['w1', 'w2', 'w3'].some((w) => only.has(w));
  let threads = opt('threads') ? Number(opt('threads')) : null;
  if (runningWorkloads) {
    for (const s of systems) {
      if (s.absent) continue;
      s.worker = new Worker(s.label, ...niced(s.start[0], s.start[1]), { cwd: root, env: workerEnv });
      try {
        s.hello = await s.worker.send('hello', 120_000);
        s.nice = niceOf(s.worker.child.pid);
      } catch (e) {
        s.absent = `did not start: ${e.message}`;
        s.worker.kill();
      }
    }
    const get = (id) => systems.find((s) => s.id === id && !s.absent)?.hello;
    threads ??= get('torchts-eager')?.threads ?? get('python')?.threads ?? machine.cores;
    // Others only disturb a sample when they need the cores our threads use.
    noise.threshold = Math.min(0.9, Math.max(0.15, (machine.cores - threads) / machine.cores + 0.1));
    const busy = await noise.othersLoadNow();
    if (threads > 1 && busy > 0.2) {
      log(`warning: other processes use ${(100 * busy).toFixed(0)}% of this machine; with ${threads} intra-op threads every parallel libtorch op waits for a descheduled thread (10-200x slowdowns seen on a shared 2-core box). Consider --threads=1.`);
    }
    for (const s of systems) {
      if (s.absent || !['torchts', 'tch', 'python'].includes(s.group)) continue;
      const r = await s.worker.send(`threads ${threads}`).catch((e) => ({ error: e.message }));
      if (r.threads !== threads) log(`warning: ${s.label} runs ${r.threads} threads (${r.error ?? ''})`);
    }
    Object.assign(versions, {
      libtorch: get('torchts-eager')?.libtorch ?? get('torchts-fused')?.libtorch,
      torch: get('python')?.torch,
      python: get('python')?.python,
      tfjs: get('tfjs-cpu')?.tfjs ?? get('tfjs-wasm')?.tfjs,
      tfjsWasmThreads: get('tfjs-wasm')?.threads,
      ompWaitPolicy: { torchts: get('torchts-eager')?.ompWaitPolicy ?? get('torchts-fused')?.ompWaitPolicy, python: get('python')?.ompWaitPolicy, 'tch-rs': get('tch-rs')?.ompWaitPolicy },
    });
  }
  if (!versions.torch && python) {
    const r = spawnSync(python, ['-c', 'import torch,sys;print(torch.__version__, sys.version.split()[0])'], { encoding: 'utf8' });
    [versions.torch, versions.python] = r.stdout.trim().split(' ');
  }
  if (!versions.libtorch) versions.libtorch = '2.11.0';
  if (!versions.tfjs && tfjsOk) versions.tfjs = JSON.parse(fs.readFileSync(path.join(path.dirname(resolves('@tensorflow/tfjs/package.json')), 'package.json'), 'utf8')).version;

  try {
    if (only.has('w1')) res.w1 = await runW1(systems);
    if (only.has('w3')) res.w3 = await runW3(systems);
    if (only.has('w2')) res.w2 = await runW2(systems);
  } finally {
    await Promise.all(systems.filter((s) => s.worker).map((s) => s.worker.close()));
  }
  res.targets = targets(res);

  const meta = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    mode: config.mode,
    machine,
    versions,
    threads: threads ?? machine.cores,
    dataSource: `${dataMeta.source}; W1 makeCircles(1000, noise 0.01, seed 42) + trainTestSplit(testSize 0.2, seed 42); W2 makeCircles(${config.w2.n}, noise 0.01, seed 42)`,
    config,
    systems: systems.map((s) => ({ id: s.id, label: s.label, status: s.absent ? 'absent' : 'ok', reason: s.absent, hello: s.hello, nice: s.nice })),
    durationSeconds: (Date.now() - t0) / 1000,
    noise: { enabled: noise.enabled, waitedMs: noise.waitedMs, rerunMs: noise.rerunMs, rejected: noise.rejected, threshold: noise.threshold, budgetMs: noise.budgetMs, nice: useNice ? NICE : 0 },
  };
  const tbls = tables(res);
  const text = [
    ...header(meta),
    '',
    ...tbls.flatMap(([title, h, rows, note]) => [title, textTable(h, rows), ...(note ? [note] : []), '']),
    `total bench time ${meta.durationSeconds.toFixed(0)} s`,
  ].join('\n');
  console.log(text);
  const json = JSON.stringify({ meta, results: res }, null, 2);
  fs.writeFileSync(path.join(resultsDir, 'latest.json'), json);
  fs.writeFileSync(path.join(resultsDir, `${meta.date.replace(/[:]/g, '-')}-${meta.mode}.json`), json);
  if (!flag('no-md') && !opt('only') && !opt('systems')) writeMarkdown(meta, tbls);
  log(`wrote ${path.relative(root, path.join(resultsDir, 'latest.json'))}${!flag('no-md') && !opt('only') && !opt('systems') ? ' and bench/RESULTS.md' : ''}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
