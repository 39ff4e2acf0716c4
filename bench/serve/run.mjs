// `npm run bench:serve`: examples/serve's torchts server against the anchors a
// user would pick instead, each serving the same circles MLP (2-256-256-2,
// trained and saved by examples/serve/train_circles.py), each alone on
// loopback, driven by autocannon at several concurrencies with the same
// 64-row request:
//   torchts forwardAsync   examples/serve/server.ts (micro-batching, thread pool)
//   torchts sync forward   the same server with --run sync (model(x) on the event loop)
//   torchts TorchScript    the same server with --format torchscript (torch.jit.load, forwardAsync)
//   torchts AOTInductor    the same server with the .pt2 (torch.export.loadPackage, runAsync), under a
//                          libtorch directory whose libtorch.so is libtorch_cpu.so (bench/serve/libtorch)
//   onnxruntime-node       the same Fastify app and batcher around an onnxruntime-node
//                          session on the ONNX export; once per request (plain ORT
//                          service) and once with the batcher
//   FastAPI + uvicorn      bench/serve/fastapi_server.py: PyTorch, the same batching rule
//
//   npm run bench:serve -- [--python PATH] [--seconds 10] [--connections 1,16,64] [--only a,b] [--md bench/SERVE.md]
//
// Set-up, each step skipped when done: `npm install` in bench/serve
// (autocannon, onnxruntime-node; ONNXRUNTIME_NODE_INSTALL=skip as the CPU
// binary ships in the package), a venv bench/serve/.venv on top of the Python
// given by --python or TORCHTS_TEST_PYTHON (which must have torch and
// scikit-learn) with fastapi, uvicorn, onnx and onnxscript, and the model
// files in bench/serve/models/.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mdTable, textTable } from '../lib/report.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const ROWS = 64;

const { values } = parseArgs({
  options: {
    python: { type: 'string' }, seconds: { type: 'string' }, warmup: { type: 'string' },
    connections: { type: 'string' }, only: { type: 'string' }, md: { type: 'string' }, json: { type: 'string' },
  },
});
const seconds = Number(values.seconds ?? 10);
const warmup = Number(values.warmup ?? 3);
const connections = (values.connections ?? '1,16,64').split(',').map(Number);
const mdPath = values.md ?? path.join(root, 'bench', 'SERVE.md');

function sh(cmd, args, opts = {}) {
  console.log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}`);
}

// --- set-up ----------------------------------------------------------------
if (!fs.existsSync(path.join(here, 'node_modules', 'autocannon')) || !fs.existsSync(path.join(here, 'node_modules', 'onnxruntime-node'))) {
  sh('npm', ['install', '--no-audit', '--no-fund'], { cwd: here, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
}
const require = createRequire(path.join(here, 'package.json'));
const autocannon = require('autocannon');

const basePython = values.python ?? process.env.TORCHTS_TEST_PYTHON;
if (!basePython) throw new Error('bench:serve needs a Python with torch and scikit-learn: pass --python PATH or set TORCHTS_TEST_PYTHON');
const venv = path.join(here, '.venv');
const python = path.join(venv, 'bin', 'python');
if (!fs.existsSync(path.join(venv, '.ready'))) {
  sh(basePython, ['-m', 'venv', '--system-site-packages', venv]);
  // --system-site-packages reaches the base interpreter's packages; when
  // basePython is itself a venv, its own site-packages come in through a .pth.
  const site = spawnSync(basePython, ['-c', 'import site; print("\\n".join(site.getsitepackages()))'], { encoding: 'utf8' }).stdout.trim();
  const venvSite = spawnSync(python, ['-c', 'import site; print(site.getsitepackages()[0])'], { encoding: 'utf8' }).stdout.trim();
  fs.writeFileSync(path.join(venvSite, 'zz_base_python.pth'), `${site}\n`);
  sh(python, ['-m', 'pip', 'install', '--quiet', 'fastapi', 'uvicorn', 'onnx', 'onnxscript']);
  fs.writeFileSync(path.join(venv, '.ready'), '');
}
const models = path.join(here, 'models');
const ptPath = path.join(models, 'circles_py.pt');
const onnxPath = path.join(models, 'circles_py.onnx');
const scriptPath = path.join(models, 'circles_py_script.pt');
const pt2Path = path.join(models, 'circles_py.pt2');
if (![ptPath, onnxPath, scriptPath, pt2Path].every((f) => fs.existsSync(f))) {
  sh(python, [path.join(root, 'examples', 'serve', 'train_circles.py'), '--out', models, '--onnx', '--torchscript', '--aoti']);
}
// A .pt2's library loads libtorch.so by name: a libtorch directory of symlinks whose libtorch.so is libtorch_cpu.so.
const aotiLibtorch = path.join(here, 'libtorch');
if (!fs.existsSync(path.join(aotiLibtorch, 'lib', 'libtorch.so'))) {
  const where = spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./ts/native.ts').then((m) => console.log(m.libtorchLocation.libDir))"], { cwd: root, encoding: 'utf8' });
  const from = where.stdout.trim().split('\n').at(-1);
  if (where.status !== 0 || !from || !fs.existsSync(from)) throw new Error(`cannot find torchts's libtorch directory: ${where.stderr}`);
  const lib = path.join(aotiLibtorch, 'lib');
  fs.mkdirSync(lib, { recursive: true });
  for (const name of fs.readdirSync(from)) if (name !== 'libtorch.so') fs.symlinkSync(path.join(from, name), path.join(lib, name));
  fs.symlinkSync('libtorch_cpu.so', path.join(lib, 'libtorch.so'));
}

// --- servers ---------------------------------------------------------------
const tsx = ['--import', 'tsx'];
const servers = [
  { name: 'torchts forwardAsync', key: 'torchts', cmd: process.execPath, args: (port) => [...tsx, 'examples/serve/server.ts', '--model', ptPath, '--port', port] },
  { name: 'torchts sync forward', key: 'torchts-sync', cmd: process.execPath, args: (port) => [...tsx, 'examples/serve/server.ts', '--model', ptPath, '--run', 'sync', '--port', port] },
  { name: 'torchts TorchScript forwardAsync', key: 'torchts-jit', cmd: process.execPath, args: (port) => [...tsx, 'examples/serve/server.ts', '--model', scriptPath, '--format', 'torchscript', '--port', port] },
  { name: 'torchts AOTInductor runAsync', key: 'torchts-aoti', cmd: process.execPath, env: { TORCHTS_LIBTORCH: aotiLibtorch }, args: (port) => [...tsx, 'examples/serve/server.ts', '--model', pt2Path, '--port', port] },
  { name: 'onnxruntime-node, one run per request', key: 'ort', cmd: process.execPath, args: (port) => [...tsx, 'bench/serve/ort_server.mjs', '--model', onnxPath, '--max-batch-rows', String(ROWS), '--max-inflight', '1', '--port', port] },
  { name: 'onnxruntime-node, batched', key: 'ort-batched', cmd: process.execPath, args: (port) => [...tsx, 'bench/serve/ort_server.mjs', '--model', onnxPath, '--port', port] },
  { name: 'PyTorch, FastAPI + uvicorn', key: 'fastapi', cmd: python, args: (port) => ['bench/serve/fastapi_server.py', '--model', ptPath, '--port', port] },
];
const only = values.only?.split(',');
const chosen = only ? servers.filter((s) => only.includes(s.key)) : servers;

const freePort = () => new Promise((resolve, reject) => {
  const srv = net.createServer();
  srv.once('error', reject);
  srv.listen(0, '127.0.0.1', () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function start(server) {
  const port = await freePort();
  const proc = spawn(server.cmd, server.args(String(port)), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...server.env } });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error(`${server.name} exited ${proc.exitCode}: ${log}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, proc, exited, log: () => log };
    } catch { /* not up yet */ }
    await sleep(100);
  }
  proc.kill('SIGKILL');
  throw new Error(`${server.name} did not answer /health in 60 s: ${log}`);
}

function load(url, body, c, duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url: `${url}/predict`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: c, duration }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

// One fixed request: 64 rows of circles-like points.
const rows = Array.from({ length: ROWS }, (_, i) => {
  const a = (2 * Math.PI * i) / ROWS;
  const r = i % 2 ? 0.8 : 1;
  return [Math.fround(r * Math.cos(a)), Math.fround(r * Math.sin(a))];
});
const body = JSON.stringify({ inputs: rows });

const loadBefore = os.loadavg();
const results = [];
for (const server of chosen) {
  console.log(`\n== ${server.name}`);
  const s = await start(server);
  try {
    const check = await (await fetch(`${s.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json();
    if (check.logits?.length !== ROWS) throw new Error(`${server.name}: bad answer ${JSON.stringify(check).slice(0, 200)}`);
    await load(s.url, body, 16, warmup);
    for (const c of connections) {
      const r = await load(s.url, body, c, seconds);
      const bad = r.non2xx + r.errors + r.timeouts;
      const row = { server: server.name, key: server.key, connections: c, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, bad };
      results.push(row);
      console.log(`c=${c}: ${row.rps.toFixed(0)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms${bad ? `, ${bad} failed` : ''}`);
    }
  } finally {
    s.proc.kill('SIGTERM');
    const code = await Promise.race([s.exited, sleep(15_000).then(() => 'timeout')]);
    if (code === 'timeout') s.proc.kill('SIGKILL');
    console.log(`stopped (${code === null ? `by ${s.proc.signalCode}` : `exit ${code}`})`);
  }
}

// --- report ----------------------------------------------------------------
const find = (key, c) => results.find((r) => r.key === key && r.connections === c);
const fmt = (r) => (r ? `${r.rps >= 1000 ? `${(r.rps / 1000).toFixed(2)}k` : r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.bad ? ` (${r.bad} failed)` : ''}` : '–');
const header = ['server', ...connections.map((c) => `c=${c}`)];
const table = chosen.map((s) => [s.name, ...connections.map((c) => fmt(find(s.key, c)))]);
console.log(`\n${textTable(header, table)}`);

const goals = [];
for (const c of connections.filter((x) => x > 1)) {
  const t = find('torchts', c);
  const o = find('ort', c);
  const p = find('fastapi', c);
  if (t && o) goals.push(`c=${c}: torchts forwardAsync / onnxruntime-node (one run per request) = ${(t.rps / o.rps).toFixed(2)}× throughput (goal ≥ 1.2×), p99 ${t.p99} vs ${o.p99} ms (goal: equal or lower) → ${t.rps >= 1.2 * o.rps && t.p99 <= o.p99 ? 'met' : 'not met'}`);
  if (t && p) goals.push(`c=${c}: torchts forwardAsync / FastAPI + uvicorn = ${(t.rps / p.rps).toFixed(2)}× throughput (goal ≥ 5×) → ${t.rps >= 5 * p.rps ? 'met' : 'not met'}`);
}
for (const g of goals) console.log(g);

const loadAfter = os.loadavg();
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
// The command as run, without local output paths.
const shownArgs = process.argv.slice(2).filter((a, i, all) => !/^--(json|md)(=|$)/.test(a) && !/^--(json|md)$/.test(all[i - 1] ?? ''));
const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const versions = (() => {
  const v = (name) => { try { return require(`${name}/package.json`).version; } catch { return '?'; } };
  const rootRequire = createRequire(path.join(root, 'package.json'));
  const fastify = (() => { try { return rootRequire('fastify/package.json').version; } catch { return '?'; } })();
  const py = spawnSync(python, ['-c', 'import torch, fastapi, uvicorn, sys; print(torch.__version__, fastapi.__version__, uvicorn.__version__, sys.version.split()[0])'], { encoding: 'utf8' }).stdout.trim().split(' ');
  return `Node ${process.version}, fastify ${fastify}, autocannon ${v('autocannon')}, onnxruntime-node ${v('onnxruntime-node')}; Python ${py[3]}, torch ${py[0]}, fastapi ${py[1]}, uvicorn ${py[2]}`;
})();
// The load average before the run says whether anything else shared the
// cores (the bench itself keeps them busy while it runs, so "after" is high).
const quiet = loadBefore[0] < os.cpus().length * 0.75;
const quietNote = quiet
  ? `The machine was otherwise idle when the run started (load average ${loadBefore[0].toFixed(1)}; ${loadAfter[0].toFixed(1)} at the end, the bench's own load).
autocannon runs on the same ${os.cpus().length} cores as the server it drives, so every server loses the same share to it.`
  : `**These numbers come from a shared, noisy machine** (other work ran on the same ${os.cpus().length} cores; load average
${loadBefore[0].toFixed(1)} when it started, ${loadAfter[0].toFixed(1)} when it ended): they show that
the bench runs end to end, not what each server can do, and a goal "met" or
"not met" below holds for this run only. Rerun on a quiet machine before
quoting them.`;

const md = `# Serving benchmark: examples/serve against onnxruntime-node and FastAPI

\`npm run bench:serve${shownArgs.length ? ` -- ${shownArgs.join(' ')}` : ''}\`, ${when}.
Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}.
${versions}.

${quietNote}

The model: the circles MLP (2-256-256-2, ReLU), trained and saved by
\`examples/serve/train_circles.py\` (\`torch.save(model.state_dict())\`,
\`torch.onnx.export\`, \`torch.jit.script\`, AOTInductor); every server loads it from
those files. Each request
posts the same ${ROWS} rows as \`{"inputs": number[][]}\` and gets logits and
classes back. Each server runs alone, on loopback; autocannon (in the bench's
process) drives it for ${seconds} s per concurrency after a ${warmup} s warm-up at 16.
Batching (where on): max 4096 rows per batch, max wait 2 ms, 2 batches in flight
(examples/serve/batcher.ts; bench/serve/fastapi_server.py follows the same rule);
"one run per request" is the same app with batches capped at one request's rows.
The torchts and PyTorch servers run with one intra-op thread per forward
(\`--threads 1\`, their default here); onnxruntime-node keeps its own defaults.
autocannon reports latencies in whole milliseconds.

${mdTable(header, table)}

Goals (issue 16): torchts ≥ 1.2× onnxruntime-node's throughput at equal or lower p99, ≥ 5× the Python server.

${goals.map((g) => `- ${g}`).join('\n')}
`;
fs.writeFileSync(mdPath, md);
console.log(`\nwrote ${path.relative(root, mdPath)}`);
if (values.json) fs.writeFileSync(values.json, JSON.stringify({ when, results }, null, 2));
