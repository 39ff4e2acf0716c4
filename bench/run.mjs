#!/usr/bin/env node
// `npm run bench`: torchts against named anchors on the same machine in the
// same run. Prints a table per workload, writes bench/results/latest.json and
// the tables into bench/RESULTS.md (between the generated-section markers).
//
//   node bench/run.mjs [--quick] [--only=startup,w1,w2,w3,w4] [--repeats=N]
//                      [--view=headline|equal|both] [--threads=N]
//                      [--systems=id,id] [--no-build] [--no-md] [--no-gate]
//                      [--no-priority] [--noise-budget=SECONDS]
//   node bench/run.mjs --render=bench/results/<run>.json   (tables from a stored run)
//
// Two views, the headline first:
//   headline  every system as it ships: the user's environment passes through
//             unchanged, no thread count or OpenMP setting is injected.
//   equal     "equal settings", the tuned second view: the libtorch systems
//             only, all with OMP_NUM_THREADS=N + set_num_threads(N) (N from
//             --threads, default 1) and one OMP_WAIT_POLICY (the user's, else
//             PASSIVE).
// Every sample runs in a fresh worker process, alone on the machine: the
// driver starts the system's worker, sets it up, warms it up, measures and
// stops it before the next sample starts; samples alternate between systems
// (A B C A B C …) so drift on a noisy machine hits every system alike.
//
// Workloads (see bench/README.md): W1 the tutorial, W2 scale (1M circles,
// 2-256-256-2, minibatch 1024, one epoch, plus inference), W3 per-op cost,
// W4 the polynomial programs of "Learning PyTorch with Examples", and
// start-up (headline view only). Anything not installed is "absent".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
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

const args = (() => {
  const string = { type: /** @type {const} */ ('string') };
  const boolean = { type: /** @type {const} */ ('boolean') };
  try {
    return parseArgs({
      options: {
        quick: boolean, only: string, repeats: string, view: string, threads: string, systems: string,
        'no-build': boolean, 'no-md': boolean, 'no-gate': boolean, 'no-priority': boolean,
        'noise-budget': string, render: string, help: { ...boolean, short: 'h' },
      },
    }).values;
  } catch (err) {
    console.error(`bench/run.mjs: ${err.message} (--help for usage)`);
    process.exit(2);
  }
})();
const flag = (name) => args[name] === true;
const opt = (name) => args[name];
if (flag('help')) {
  const lines = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
  console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
const quick = flag('quick');
const only = new Set((opt('only') ?? 'startup,w1,w4,w3,w2').split(','));
const repeatsOverride = opt('repeats') ? Number(opt('repeats')) : null;
const config = {
  mode: quick ? 'quick' : 'full',
  w1: { repeats: repeatsOverride ?? (quick ? 3 : 7), epochs: 500, warmupEpochs: 50 },
  // tfjs trains at a few batches per second on W2, so it runs the first
  // `tfjsBatches` minibatches (and one inference batch) and is scaled to the
  // full epoch: those rows are marked "extrapolated".
  w2: { repeats: repeatsOverride ?? (quick ? 1 : 3), n: quick ? 250_000 : 1_000_000, batch: 1024, inferBatch: 65536, warmupSamples: 20 * 1024, tfjsBatches: quick ? 4 : 12 },
  w3: { repeats: repeatsOverride ?? (quick ? 3 : 5), seconds: quick ? 0.15 : 0.4 },
  w4: { repeats: repeatsOverride ?? (quick ? 3 : 5), iterations: 2000, programs: ['tensor', 'autograd', 'nn', 'optim'] },
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

function niceOf(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]);
  } catch {
    return null;
  }
}

// ---- views ------------------------------------------------------------------

const LIBTORCH_GROUPS = ['torchts', 'tch', 'python'];

/**
 * The headline runs each system with its own defaults (all three libtorch
 * systems keep libgomp's spin-then-sleep and one thread per core on their
 * main thread; torchts's background tasks all cores but one, at nice 19). "Equal
 * settings" gives every libtorch system the same threads and wait policy,
 * the tuned second view.
 */
function selectedViews() {
  const threads = opt('threads') ? Number(opt('threads')) : 1;
  const waitPolicy = process.env.OMP_WAIT_POLICY ?? 'PASSIVE';
  const views = {
    headline: { id: 'headline', title: 'Headline: each system with its own defaults', env: process.env, threads: null, groups: null },
    equal: {
      id: 'equal',
      title: `Equal settings (tuned, second view): libtorch systems at ${threads} intra-op thread(s), OMP_WAIT_POLICY=${waitPolicy}`,
      env: { ...process.env, OMP_NUM_THREADS: String(threads), OMP_WAIT_POLICY: waitPolicy },
      threads,
      groups: LIBTORCH_GROUPS,
    },
  };
  const wanted = opt('view') ?? 'both';
  if (wanted === 'both') return [views.headline, views.equal];
  if (!views[wanted]) throw new Error(`--view=${wanted}: expected headline, equal or both`);
  return [views[wanted]];
}

const cores = os.availableParallelism?.() ?? os.cpus().length;

/** Others only disturb a sample when they need the cores the system's threads use. */
function thresholdFor(threads) {
  return Math.min(0.9, Math.max(0.15, (cores - threads) / cores + 0.1));
}

// ---- systems ----------------------------------------------------------------

/** Which Python has torch: TORCHTS_BENCH_PYTHON, the tests' TORCHTS_TEST_PYTHON, a venv, python3. */
function findPython() {
  const candidates = [process.env.TORCHTS_BENCH_PYTHON, process.env.TORCHTS_TEST_PYTHON, process.env.VIRTUAL_ENV && path.join(process.env.VIRTUAL_ENV, 'bin', 'python'), 'python3', 'python'];
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
    { id: 'torchts-eager', label: 'torchts eager', group: 'torchts', start: [node, [w('torchts.mjs'), 'eager']], runs: ['w1', 'w2', 'w2infer', 'w3', 'w4'] },
    // W3 only: the eager worker, with an explicit dispose() per result (informational row).
    { id: 'torchts-dispose', label: 'torchts + dispose() each result', group: 'torchts', start: [node, [w('torchts.mjs'), 'eager']], runs: ['w3'], w3Suffix: '-dispose' },
    { id: 'torchts-fused', label: 'torchts fused (torch.fit)', group: 'torchts', start: [node, [w('torchts.mjs'), 'fused']], runs: ['w1', 'w2'] },
    { id: 'torchts-async', label: 'torchts async (torch.fitAsync)', group: 'torchts', start: [node, [w('torchts.mjs'), 'async']], runs: ['w1', 'w2', 'w2infer'] },
    { id: 'tch-rs', label: 'tch-rs (torchts-core, Rust)', group: 'tch', start: [bin, ['core']], runs: ['w1', 'w2', 'w2infer', 'w3'] },
    { id: 'tch-raw', label: 'tch-rs (plain tch + C++ Adam)', group: 'tch', start: [bin, ['raw']], runs: ['w1', 'w2', 'w2infer'] },
    { id: 'python', label: 'PyTorch-Python', group: 'python', start: [python, [w('python.py')]], runs: ['w1', 'w2', 'w2infer', 'w3', 'w4'] },
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
    cores,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

// ---- start-up -----------------------------------------------------------------

function timeProcess(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(...niced(cmd, args), { cwd: root, encoding: 'utf8', timeout: 60_000 });
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
  noise.threshold = thresholdFor(1); // start-up is one busy thread
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

// ---- sessions -----------------------------------------------------------------

/**
 * Starts `s`'s worker in `view`'s environment; in the equal view it also sets
 * the intra-op threads. Keeps the first hello (versions, defaults) on `s`;
 * a worker that cannot start marks `s` absent for the rest of the view.
 */
async function startWorker(s, view) {
  const worker = new Worker(s.label, ...niced(s.start[0], s.start[1]), { cwd: root, env: view.env });
  try {
    const hello = await worker.send('hello', 120_000);
    s.hello ??= hello;
    s.nice ??= niceOf(worker.child.pid);
    s.threads = hello.threads ?? 1;
    if (view.threads) {
      const r = await worker.send(`threads ${view.threads}`);
      if (r.threads !== view.threads) log(`warning: ${s.label} runs ${r.threads} threads, not ${view.threads}`);
      s.threads = r.threads;
    }
    return worker;
  } catch (e) {
    await worker.close();
    s.absent = `did not start: ${e.message}`;
    throw e;
  }
}

/**
 * One sample of `s`: a fresh worker, the only one alive. It is set up
 * (`setup`: the data set to load), runs the `warmup` commands, then the
 * `timed` ones under contention control, and is stopped before this returns.
 * Resolves with the replies to the timed commands.
 */
async function session(s, view, { setup, warmup = [], timed, timeoutMs = 300_000 }) {
  const worker = await startWorker(s, view);
  try {
    if (setup) await worker.send(`setup ${setup} ${dataDir}`, 120_000);
    for (const line of warmup) await worker.send(line, timeoutMs);
    noise.threshold = thresholdFor(s.threads);
    const replies = [];
    for (const line of timed) replies.push(await noise.measure(worker.child.pid, () => worker.send(line, timeoutMs)));
    return replies;
  } finally {
    await worker.close();
  }
}

/**
 * `repeats` rounds of one session per system, alternating systems each round
 * (A B C A B C …); `plan(s)` says what a session of `s` runs. Returns
 * system id -> one array of timed replies per sample.
 */
async function alternate(name, view, active, repeats, plan) {
  const samples = new Map(active.map((s) => [s.id, []]));
  for (let r = 0; r < repeats; r++) {
    for (const s of active) {
      if (s.absent || s.failed?.[name]) continue;
      try {
        const replies = await session(s, view, plan(s));
        samples.get(s.id).push(replies);
        log(`  [${view.id} ${name}] ${r + 1}/${repeats} ${s.label}: ${replies.map((x) => fmtSeconds(x.seconds ?? x.trainSeconds)).join(', ')}`);
      } catch (e) {
        s.failed = { ...s.failed, [name]: e.message };
        log(`  [${view.id} ${name}] ${s.label} failed: ${e.message}`);
      }
    }
  }
  return samples;
}

/** The i-th timed reply of every sample (a session may time several commands). */
const column = (samples, i) => new Map([...samples].map(([id, list]) => [id, list.map((replies) => replies[i])]));

// ---- workloads ----------------------------------------------------------------

function rowFor(s, name, samples, value, extra = () => ({})) {
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

const running = (systems, workload) => systems.filter((s) => s.runs.includes(workload));

async function runW1(view, systems) {
  const { repeats, epochs, warmupEpochs } = config.w1;
  log(`W1 (${view.id}): tutorial, ${epochs} epochs, ${repeats} repeats`);
  const plan = () => ({ setup: 'w1', warmup: [`run w1 ${warmupEpochs}`], timed: [`run w1 ${epochs}`] });
  const samples = column(await alternate('w1', view, running(systems, 'w1'), repeats, plan), 0);
  const rows = running(systems, 'w1').map((s) =>
    rowFor(s, 'w1', samples, (x) => x.seconds, (list) => ({
      final: list[list.length - 1].final,
      loopDelayP99: median(list.map((x) => x.loopDelay?.p99 ?? NaN)),
      gcMs: median(list.map((x) => x.gcMs ?? NaN)),
    })),
  );
  return addRatios(rows, epochs);
}

async function runW2(view, systems) {
  const { repeats, n, batch, warmupSamples, tfjsBatches } = config.w2;
  log(`W2 (${view.id}): ${n} circles, one epoch of minibatch ${batch}, ${repeats} repeats`);
  const limit = (s) => (s.partialW2 ? tfjsBatches * batch : n);
  const infer = (s) => (s.runs.includes('w2infer') ? '' : ' noinfer');
  const plan = (s) => ({ setup: 'w2', warmup: [`run w2 ${Math.min(warmupSamples, limit(s))}${infer(s)}`], timed: [`run w2 ${limit(s)}${infer(s)}`], timeoutMs: 900_000 });
  const samples = column(await alternate('w2', view, running(systems, 'w2'), repeats, plan), 0);
  const fullBatches = Math.ceil(n / batch);
  // tfjs ran a prefix: scale its time to the full epoch.
  const trainTime = (x) => x.trainSeconds * (fullBatches / x.batches);
  const train = running(systems, 'w2').map((s) =>
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
  const inferRows = running(systems, 'w2infer').map((s) =>
    rowFor(s, 'w2', samples, inferTime, (list) => ({ extrapolated: list[0].samples < n ? `from ${list[0].samples} of ${n} samples` : undefined })),
  );
  for (const r of inferRows) if (r.id === 'torchts-eager') r.system = 'torchts (model.forward under noGrad)';
  for (const r of inferRows) if (r.id === 'torchts-async') r.system = 'torchts async (model.forwardAsync, one call)';
  return { train, infer: addRatios(inferRows, n) };
}

const W3_OPS = ['add', 'matmul'];
const W3_WARMUP = W3_OPS.map(() => 2000);
/** One command per op, `calls[i]` calls of op i (the dispose variant appends -dispose). */
const w3Lines = (s, calls) => W3_OPS.map((op, i) => `run w3 ${op}${s.w3Suffix ?? ''} ${calls[i]}`);

/** W3 calls per sample, so each takes ~`seconds`: one session per system times a 20000-call probe of each op. */
async function calibrateW3(view, active) {
  log('  calibrating: one probe session per system');
  const plan = (s) => ({ warmup: w3Lines(s, W3_WARMUP), timed: w3Lines(s, W3_OPS.map(() => 20000)) });
  const samples = await alternate('w3', view, active, 1, plan);
  const calls = (probe) => Math.max(2000, Math.min(5e6, Math.round((config.w3.seconds * probe.calls) / probe.seconds)));
  return new Map([...samples].filter(([, list]) => list.length).map(([id, [replies]]) => [id, replies.map(calls)]));
}

async function runW3(view, systems) {
  const { repeats, seconds } = config.w3;
  log(`W3 (${view.id}): ${W3_OPS.join(', ')}, ${repeats} repeats of ~${seconds} s`);
  const active = running(systems, 'w3');
  const calls = await calibrateW3(view, active);
  const samples = await alternate('w3', view, active, repeats, (s) => ({ warmup: w3Lines(s, W3_WARMUP), timed: w3Lines(s, calls.get(s.id)) }));
  return Object.fromEntries(W3_OPS.map((op, i) => {
    const rows = active.map((s) => rowFor(s, 'w3', column(samples, i), (x) => x.seconds / x.calls, (list) => ({ calls: list[0].calls, gcMs: median(list.map((x) => x.gcMs ?? NaN)) })));
    addRatios(rows, 1);
    for (const r of rows) if (r.status === 'ok') r.speedVsPython = 1 / r.ratioToPython;
    return [op, rows];
  }));
}

/** W4: each session warms up every polynomial program once, then times each once. */
async function runW4(view, systems) {
  const { repeats, iterations, programs } = config.w4;
  log(`W4 (${view.id}): polynomial programs ${programs.join(', ')}, ${iterations} iterations, ${repeats} repeats`);
  const lines = programs.map((p) => `run w4 ${p} ${iterations}`);
  const samples = await alternate('w4', view, running(systems, 'w4'), repeats, () => ({ warmup: lines, timed: lines }));
  return Object.fromEntries(programs.map((program, i) => {
    const rows = running(systems, 'w4').map((s) => rowFor(s, 'w4', column(samples, i), (x) => x.seconds, (list) => ({ finalLoss: list[list.length - 1].finalLoss, finalLosses: list.map((x) => x.finalLoss) })));
    return [program, addRatios(rows, iterations)];
  }));
}

/** Whether torchts and Python ended each W4 program at the same loss (float32 noise allowed). */
function w4Parity(w4) {
  const out = [];
  for (const [program, rows] of Object.entries(w4)) {
    const [t, p] = ['torchts-eager', 'python'].map((id) => rows.find((r) => r.id === id && r.status === 'ok')?.finalLoss);
    if (t === undefined || p === undefined) continue;
    const rel = Math.abs(t - p) / Math.max(Math.abs(p), 1e-30);
    out.push({ program, torchts: t, python: p, relative: rel, same: rel <= 1e-5 });
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
  // The targets of the current performance issue (13): PyTorch's own
  // defaults as the anchor, so they are judged on the headline view.
  if (res.w1) {
    const py = get(res.w1, 'python');
    add('W1 eager ≤ 0.8× PyTorch-Python time', ratio(get(res.w1, 'torchts-eager'), py), 0.8, '<=', '×');
    add('W1 fused ≤ 0.5× PyTorch-Python time (goal)', ratio(get(res.w1, 'torchts-fused'), py), 0.5, '<=', '×');
    add('W1 fitAsync (the CLI) ≤ 0.5× PyTorch-Python time (goal)', ratio(get(res.w1, 'torchts-async'), py), 0.5, '<=', '×');
  }
  if (res.w2) {
    const py = get(res.w2.train, 'python');
    for (const [id, label] of [['torchts-fused', 'fused'], ['torchts-eager', 'eager']]) {
      add(`W2 ${label} ≤ 1.0× PyTorch-Python time`, ratio(get(res.w2.train, id), py), 1.0, '<=', '×');
    }
    const a = get(res.w2.train, 'torchts-async');
    add('W2 fitAsync + forwardAsync event-loop delay p99 < 20 ms', a?.loopDelay?.p99Worst, 20, '<=', 'ms');
  }
  if (res.w3) {
    const t = get(res.w3.add, 'torchts-eager');
    add('W3 add: ≤ 1.0× PyTorch-Python time per call', t?.speedVsPython ? 1 / t.speedVsPython : NaN, 1.0, '<=', '×');
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

const W4_PROGRAMS = {
  tensor: 'tensor: gradients by hand, lr 1e-6',
  autograd: 'autograd: backward(), lr 1e-6',
  nn: 'nn: Linear(3,1) + Flatten, MSELoss(sum), lr 1e-6',
  optim: 'optim: Adam lr 1e-3 (tutorial: RMSprop, not in torchts)',
};

/** Says whether both languages computed the same thing (their final losses). */
function parityNote(parity) {
  if (!parity.length) return null;
  const worst = Math.max(...parity.map((p) => p.relative));
  const differ = parity.filter((p) => !p.same);
  if (!differ.length) return `Final losses: torchts and PyTorch-Python agree in every program (largest relative difference ${worst.toExponential(1)}).`;
  return `Final losses DIFFER between torchts and PyTorch-Python beyond float32 noise: ${differ.map((p) => `${p.program} ${p.torchts} vs ${p.python}`).join('; ')}.`;
}

function tables(res) {
  const out = []; // [title, header, rows, notes]
  // a diverged loss arrives as null (JSON has no NaN)
  const acc = (f) => (f ? `${(100 * f.testAcc).toFixed(1)}% / ${f.testLoss == null ? 'NaN' : f.testLoss.toFixed(4)}` : '');
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
  if (res.w4) {
    const rows = Object.entries(res.w4).flatMap(([program, list]) => list.map((r) => [program, r]));
    out.push([
      `W4 "Learning PyTorch with Examples": fit sin(x) on 2000 points in [-π, π] with a + bx + cx² + dx³, float32, manual_seed(0); ${config.w4.iterations} iterations per program, after one warm-up run (median of ${config.w4.repeats})`,
      ['program', 'system', 'median', 'min – max', 'per iteration', '× Python', 'final loss'],
      rows.map(([program, r]) => (r.status === 'ok'
        ? [W4_PROGRAMS[program], lbl(r), fmtSeconds(r.median), `${fmtSeconds(r.min)} – ${fmtSeconds(r.max)}`, fmtSeconds(r.median / config.w4.iterations), fmtRatio(r.ratioToPython), fmtLoss(r.finalLoss)]
        : [W4_PROGRAMS[program], r.system, statusCell(r), '', '', '', ''])),
      noteIf(rows.map(([, r]) => r), parityNote(w4Parity(res.w4))),
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
      'Targets of the performance issue (13), on PyTorch-Python with its own defaults in this run',
      ['target', 'measured', 'result'],
      res.targets.map((t) => [t.name, Number.isFinite(t.value) ? (t.how === 'ms' ? `${t.value.toFixed(1)} ms` : fmtRatio(t.value)) : 'n/a', t.pass == null ? 'n/a' : t.pass ? 'PASS' : 'MISS']),
    ]);
  }
  return out;
}

function header(meta) {
  const m = meta.machine;
  const n = meta.noise;
  return [
    `torchts bench (${meta.mode}) — ${meta.date}`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}`,
    `node ${m.node}; torchts ${meta.versions.torchts} on libtorch ${meta.versions.libtorch ?? '?'}; PyTorch-Python ${meta.versions.torch ?? 'absent'} (Python ${meta.versions.python ?? '–'}); tfjs ${meta.versions.tfjs ?? 'absent'}`,
    `data: ${meta.dataSource}`,
    'method: every sample is a fresh worker process, the only one alive (started, set up, warmed up, measured, stopped); samples alternate between systems',
    `contention control: ${n.enabled ? `waited ${(n.waitedMs / 1000).toFixed(0)} s for a quiet machine, re-ran ${n.rejected} disturbed sample(s) (disturbed: others used more of the machine than the system's threads leave free, + 10%)` : 'off (--no-gate)'}; workers at nice ${n.nice}`,
  ];
}

const GROUP_NAMES = { torchts: 'torchts', tch: 'tch-rs', python: 'PyTorch-Python', tfjs: 'tfjs cpu', 'tfjs-wasm': 'tfjs wasm' };

/** A view as run: its systems, and the threads and OpenMP wait policy each group of systems ran with. */
function describeView(view, systems) {
  const settings = new Map();
  for (const s of systems) {
    if (!s.hello || settings.has(s.group)) continue;
    const omp = LIBTORCH_GROUPS.includes(s.group) ? { ompWaitPolicy: s.hello.ompWaitPolicy ?? null } : {};
    settings.set(s.group, { system: GROUP_NAMES[s.group], threads: s.threads, ...omp });
  }
  return {
    id: view.id,
    title: view.title,
    settings: [...settings.values()],
    systems: systems.map((s) => ({ id: s.id, label: s.label, status: s.absent ? 'absent' : 'ok', reason: s.absent, hello: s.hello, threads: s.threads, nice: s.nice })),
  };
}

function viewLines(v) {
  const settings = (v.settings ?? []).map((x) => `${x.system} ${x.threads} thread(s)${'ompWaitPolicy' in x ? `, OMP_WAIT_POLICY ${x.ompWaitPolicy ?? 'unset (libgomp default)'}` : ''}`);
  return [v.title, ...(settings.length ? [`as run: ${settings.join('; ')}`] : [])];
}

const TEXT = {
  header: (l) => l,
  view: (title) => `== ${title} ==`,
  line: (l) => l,
  table: (title, h, rows, note) => [title, textTable(h, rows), ...(note ? [note] : []), ''],
};
const MARKDOWN = {
  header: (l, i) => (i === 0 ? `**${l}**  ` : `${l}  `),
  view: (title) => `### ${title}\n`,
  line: (l) => `${l}  `,
  table: (title, h, rows, note) => [`#### ${title}`, '', mdTable(h, rows), ...(note ? ['', note] : []), ''],
};

/** The run header, then each view (the headline first) with its settings and tables, in format `f`. */
function report(meta, results, f) {
  const views = meta.views.filter((v) => results[v.id]);
  return [
    ...header(meta).map(f.header),
    '',
    ...views.flatMap((v) => {
      const [title, ...lines] = viewLines(v);
      return [f.view(title), ...lines.map(f.line), '', ...tables(results[v.id]).flatMap((t) => f.table(...t))];
    }),
  ].join('\n');
}

function writeMarkdown(meta, results) {
  const file = path.join(here, 'RESULTS.md');
  const begin = '<!-- bench:begin (generated by `npm run bench`; edit outside these markers) -->';
  const end = '<!-- bench:end -->';
  const body = [begin, '', report(meta, results, MARKDOWN), end].join('\n');
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `# torchts benchmark results\n\n${begin}\n${end}\n`;
  const a = text.indexOf(begin.slice(0, 20));
  const b = text.indexOf(end);
  text = a >= 0 && b > a ? text.slice(0, a) + body + text.slice(b + end.length) : `${text}\n${body}\n`;
  fs.writeFileSync(file, text);
}

// ---- main -------------------------------------------------------------------

/** --render=FILE: print and write RESULTS.md from a stored results JSON, without running anything. */
function render(file) {
  const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  // Runs from before the two views stored one set of results.
  const { meta, results } = stored.meta.views ? stored : { meta: { ...stored.meta, views: [{ id: 'single', title: 'One view (run before headline / equal settings)' }] }, results: { single: stored.results } };
  for (const k of Object.keys(config)) if (meta.config?.[k]) config[k] = meta.config[k];
  // Targets are judged anew, so a stored run is read against today's targets.
  for (const [id, res] of Object.entries(results)) res.targets = id === 'equal' ? [] : targets(res);
  console.log(report(meta, results, TEXT));
  if (!flag('no-md')) {
    writeMarkdown(meta, results);
    log(`wrote bench/RESULTS.md from ${path.relative(root, file)}`);
  }
}

/** Why each group of systems is absent on this machine (undefined: present). */
function absentGroups(buildStatus, python, pythonAbsent) {
  return {
    torchts: buildStatus.torchts,
    tch: buildStatus.tch,
    python: python ? undefined : pythonAbsent,
    tfjs: resolves('@tensorflow/tfjs') ? undefined : '@tensorflow/tfjs is not installed (npm i -D @tensorflow/tfjs)',
    'tfjs-wasm': resolves('@tensorflow/tfjs-backend-wasm') ? undefined : '@tensorflow/tfjs-backend-wasm is not installed',
  };
}

/** The systems a view runs (--systems, and the view's groups), each with its own state. */
function systemsFor(view, bin, python, absent) {
  const wanted = opt('systems') ? new Set(opt('systems').split(',')) : null;
  return systemTable(bin, python)
    .filter((s) => (!wanted || wanted.has(s.id)) && (!view.groups || view.groups.includes(s.group)))
    .map((s) => ({ ...s, absent: absent[s.group] }));
}

async function runView(view, systems, python, tfjsOk) {
  log(`== ${view.title}`);
  const res = {};
  if (only.has('startup') && view.id === 'headline') res.startup = await runStartup(python, tfjsOk);
  if (only.has('w1')) res.w1 = await runW1(view, systems);
  if (only.has('w4')) res.w4 = await runW4(view, systems);
  if (only.has('w3')) res.w3 = await runW3(view, systems);
  if (only.has('w2')) res.w2 = await runW2(view, systems);
  res.targets = view.id === 'headline' ? targets(res) : [];
  return res;
}

function versionsOf(pkg, python, systems) {
  const hello = (id) => systems.find((s) => s.id === id && s.hello)?.hello;
  const versions = {
    torchts: pkg.version,
    libtorch: hello('torchts-eager')?.libtorch ?? hello('torchts-fused')?.libtorch ?? '2.11.0',
    torch: hello('python')?.torch,
    python: hello('python')?.python,
    tfjs: hello('tfjs-cpu')?.tfjs ?? hello('tfjs-wasm')?.tfjs,
  };
  if (!versions.torch && python) {
    const r = spawnSync(python, ['-c', 'import torch,sys;print(torch.__version__, sys.version.split()[0])'], { encoding: 'utf8' });
    [versions.torch, versions.python] = r.stdout.trim().split(' ');
  }
  if (!versions.tfjs && resolves('@tensorflow/tfjs')) versions.tfjs = JSON.parse(fs.readFileSync(resolves('@tensorflow/tfjs/package.json'), 'utf8')).version;
  return versions;
}

async function main() {
  if (opt('render')) return render(path.resolve(opt('render')));
  const t0 = Date.now();
  const views = selectedViews();
  const machine = machineInfo();
  const { status: buildStatus, bin } = ensureBuilt();
  const { python, reason: pythonAbsent } = findPython();
  const absent = absentGroups(buildStatus, python, pythonAbsent);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

  log('generating data …');
  fs.mkdirSync(resultsDir, { recursive: true });
  const gen = spawnSync(process.execPath, [path.join(here, 'lib', 'gen-data.mjs'), dataDir, String(config.w2.n), python ?? ''], { cwd: root, encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`data generation failed: ${gen.stderr}`);
  const dataMeta = JSON.parse(gen.stdout);

  const busy = await noise.othersLoadNow();
  if (busy > 0.2 && views.some((v) => v.id === 'headline')) log(`warning: other processes use ${(100 * busy).toFixed(0)}% of this machine; libtorch with more than one intra-op thread waits for descheduled threads (10-200x slowdowns seen on a shared 2-core box), so the headline suffers more than the equal-settings view.`);

  const results = {};
  const ran = [];
  for (const view of views) {
    const systems = systemsFor(view, bin, python, absent);
    results[view.id] = await runView(view, systems, python, !absent.tfjs);
    ran.push({ view, systems });
  }

  const meta = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    mode: config.mode,
    machine,
    versions: versionsOf(pkg, python, ran.flatMap((r) => r.systems)),
    dataSource: `${dataMeta.source}; W1 makeCircles(1000, noise 0.01, seed 42) + trainTestSplit(testSize 0.2, seed 42); W2 makeCircles(${config.w2.n}, noise 0.01, seed 42); W4 linspace(-π, π, 2000) and sin`,
    config,
    views: ran.map(({ view, systems }) => describeView(view, systems)),
    durationSeconds: (Date.now() - t0) / 1000,
    noise: { enabled: noise.enabled, waitedMs: noise.waitedMs, rerunMs: noise.rerunMs, rejected: noise.rejected, budgetMs: noise.budgetMs, nice: useNice ? NICE : 0 },
  };
  console.log(`${report(meta, results, TEXT)}\ntotal bench time ${meta.durationSeconds.toFixed(0)} s`);
  const json = JSON.stringify({ meta, results }, null, 2);
  fs.writeFileSync(path.join(resultsDir, 'latest.json'), json);
  fs.writeFileSync(path.join(resultsDir, `${meta.date.replace(/[:]/g, '-')}-${meta.mode}.json`), json);
  const complete = !flag('no-md') && !opt('only') && !opt('systems') && !opt('view');
  if (complete) writeMarkdown(meta, results);
  log(`wrote ${path.relative(root, path.join(resultsDir, 'latest.json'))}${complete ? ' and bench/RESULTS.md' : ''}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
