// examples/serve as a user runs it: the Fastify server in its own process on
// an ephemeral loopback port (a crash shows as an exit), driven over HTTP.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as torch from '../ts/index';
import { libtorchLocation } from '../ts/native';
import { referencePython, titleFor } from './helpers/reference-python';
import { buildApp } from '../examples/serve/app';

const root = path.resolve(__dirname, '..');
const serverScript = path.join(root, 'examples', 'serve', 'server.ts');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchts-serve-'));
const reference = referencePython(['torch', 'sklearn']);

interface Server {
  url: string;
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts examples/serve/server.ts on port 0 and waits for its `listening on` line. */
async function startServer(args: string[], script = serverScript, env: Record<string, string> = {}): Promise<Server> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, '--port', '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s; stdout: ${out} stderr: ${err}`)), 60_000);
    const check = () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; stderr: ${err}`));
    });
  });
  return { url, proc, stdout: () => out, stderr: () => err, exited };
}

/** A child process run to the end without blocking this worker's event loop (vitest's RPC times out after 60 s of a blocked loop). */
function runAsync(cmd: string, args: string[], input = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

interface Prediction {
  status: number;
  body: { logits?: number[][]; classes?: number[]; error?: string };
  text: string;
  headers: Headers;
}

async function post(url: string, body: string, contentType = 'application/json'): Promise<Prediction> {
  const res = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Prediction['body'], text, headers: res.headers };
}

/** The circles MLP the example serves (2-256-256-2), seeded. */
function mlp(seed: number): torch.nn.Sequential {
  torch.manualSeed(seed);
  const { nn } = torch;
  return new nn.Sequential(new nn.Linear(2, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 2)).eval();
}

/** `rows` rows of float32 values as JS numbers (exactly representable, so JSON carries them exactly). */
function randomRows(rows: number, seed: number): number[][] {
  torch.manualSeed(seed);
  const t = torch.randn([rows, 2]).mul(1.5);
  return t.toArray() as number[][];
}

/** The model called directly on these rows in this process. */
function direct(model: torch.nn.Module, rows: number[][]): Float32Array {
  const x = torch.tensor(rows, { dtype: torch.float32 });
  return torch.noGrad(() => model.call(x) as torch.Tensor).data() as Float32Array;
}

const bits = (xs: ArrayLike<number>) => Array.from(Float32Array.from(xs, (v) => v), (v) => new Uint32Array(new Float32Array([v]).buffer)[0]!);

/** The response's logits are float32 values, bit for bit those given, and its classes their argmax. */
function expectLogits(body: Prediction['body'], expected: Float32Array) {
  const flat = body.logits!.flat();
  expect(flat.every((v) => Math.fround(v) === v)).toBe(true);
  expect(bits(flat)).toEqual(bits(expected));
  const classes = body.logits!.map((row) => row.indexOf(Math.max(...row)));
  expect(body.classes).toEqual(classes);
}

const model = mlp(7);
const modelPath = path.join(dir, 'circles_ts.pt');
torch.save(model.stateDict(), modelPath);

describe('examples/serve: a Fastify server of a torchts-saved state dict', { timeout: 120_000 }, () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer(['--model', modelPath, '--max-rows', '128', '--body-limit', '65536', '--max-inflight', '1', '--max-wait-ms', '5']);
  }, 90_000);
  afterAll(async () => {
    server.proc.kill('SIGTERM');
    await server.exited;
  });

  it('/health says ok and names the model', async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', model: `state dict ${modelPath} (2-256-256-2 MLP, forwardAsync)`, inFeatures: 2 });
  });

  it('/predict returns the logits of the model called directly, bit for bit, and their argmax', async () => {
    const rows = randomRows(64, 1);
    const res = await post(server.url, JSON.stringify({ inputs: rows }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-batch-rows')).toBe('64');
    expectLogits(res.body, direct(model, rows));
    const one = await post(server.url, '{"inputs":[[0.25,-1.5]]}');
    expectLogits(one.body, direct(model, [[0.25, -1.5]]));
  });

  it('64 concurrent requests ride in shared batches and each gets its own rows back', async () => {
    const before = (await (await fetch(`${server.url}/metrics`)).json()) as { requests: number; batches: number };
    // Two rounds of 64 at once: the second on the keep-alive connections the
    // first opened, so its requests arrive together even on a fast machine.
    const inputs = Array.from({ length: 128 }, (_, i) => randomRows(64, 100 + i));
    const round = (rows: number[][][]) => Promise.all(rows.map((r) => post(server.url, JSON.stringify({ inputs: r }))));
    const answers = [...(await round(inputs.slice(0, 64))), ...(await round(inputs.slice(64)))];
    const after = (await (await fetch(`${server.url}/metrics`)).json()) as { requests: number; batches: number; maxBatchRequests: number };
    expect(answers.map((a) => a.status)).toEqual(Array(128).fill(200));
    expect(after.requests - before.requests).toBe(128);
    const batches = after.batches - before.batches;
    expect(batches).toBeLessThan(128);
    expect(Math.max(...answers.map((a) => Number(a.headers.get('x-batch-requests'))))).toBeGreaterThan(1);
    // Regroup the answers by batch, rebuild each batch's input from the
    // offsets, run it directly: every request's rows are its own slice.
    const byBatch = new Map<string, number[]>();
    answers.forEach((a, i) => byBatch.set(a.headers.get('x-batch-id')!, [...(byBatch.get(a.headers.get('x-batch-id')!) ?? []), i]));
    expect(byBatch.size).toBe(batches);
    for (const members of byBatch.values()) {
      members.sort((a, b) => Number(answers[a]!.headers.get('x-batch-offset')) - Number(answers[b]!.headers.get('x-batch-offset')));
      expect(members.map((i) => Number(answers[i]!.headers.get('x-batch-offset')))).toEqual(members.map((_, k) => 64 * k));
      expect(Number(answers[members[0]!]!.headers.get('x-batch-rows'))).toBe(64 * members.length);
      const logits = direct(model, members.flatMap((i) => inputs[i]!));
      members.forEach((i, k) => expectLogits(answers[i]!.body, logits.subarray(k * 128, (k + 1) * 128)));
    }
  });

  it('bad requests get a 4xx with a one-line message, and the server keeps serving', async () => {
    const cases: [string, string, number, string][] = [
      ['{"inputs": [[1, 2]', 'application/json', 400, 'invalid JSON: '],
      ['', 'application/json', 400, 'Body cannot be empty when content-type is set to \'application/json\''],
      ['{"inputs": [[1, 2, 3]]}', 'application/json', 400, 'invalid request: body/inputs/0 must NOT have more than 2 items'],
      ['{"inputs": [[1]]}', 'application/json', 400, 'invalid request: body/inputs/0 must NOT have fewer than 2 items'],
      ['{"inputs": [1, 2]}', 'application/json', 400, 'invalid request: body/inputs/0 must be array'],
      ['{"inputs": [["1", 2]]}', 'application/json', 400, 'invalid request: body/inputs/0/0 must be number'],
      ['{"inputs": [[1, true]]}', 'application/json', 400, 'invalid request: body/inputs/0/1 must be number'],
      ['{"inputs": [[1, null]]}', 'application/json', 400, 'invalid request: body/inputs/0/1 must be number'],
      ['{"inputs": [[1, 2], [1e39, 0]]}', 'application/json', 400, 'invalid request: body/inputs/1/0 is 1e+39, not a finite float32 number'],
      ['{"inputs": [[1e999, 0]]}', 'application/json', 400, 'invalid request: body/inputs/0/0 must be number'],
      ['{"inputs": [[1, NaN]]}', 'application/json', 400, 'invalid JSON: '],
      ['{"inputs": []}', 'application/json', 400, 'invalid request: body/inputs must NOT have fewer than 1 items'],
      ['{}', 'application/json', 400, 'invalid request: body must have required property \'inputs\''],
      ['{"inputs": [[1, 2]], "extra": 1}', 'application/json', 400, 'invalid request: body must NOT have additional properties'],
      ['[[1, 2]]', 'application/json', 400, 'invalid request: body must be object'],
      [JSON.stringify({ inputs: randomRows(129, 3) }), 'application/json', 400, 'invalid request: body/inputs must NOT have more than 128 items'],
      [`{"inputs": [${'[1, 2],'.repeat(20_000)}[1, 2]]}`, 'application/json', 413, 'request body is larger than 65536 bytes'],
      ['inputs=1,2', 'text/plain', 415, 'Unsupported Media Type'],
    ];
    for (const [body, type, status, message] of cases) {
      const res = await post(server.url, body, type);
      expect([res.status, res.body.error?.startsWith(message)], `${body.slice(0, 40)} → ${res.text}`).toEqual([status, true]);
      expect(res.body.error).not.toMatch(/\n/);
      expect(Object.keys(res.body)).toEqual(['error']);
    }
    const wrongMethod = await fetch(`${server.url}/predict`);
    expect([wrongMethod.status, await wrongMethod.json()]).toEqual([404, { error: 'no route GET /predict' }]);
    expect(server.proc.exitCode).toBe(null);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const ok = await post(server.url, '{"inputs":[[0.5,0.5]]}');
    expectLogits(ok.body, direct(model, [[0.5, 0.5]]));
    expect(server.stderr()).toBe('');
  });
});

describe('examples/serve: the response writer', () => {
  it('writes float32 logits exactly (-0 included), null for Infinity/NaN, and classes as torch.argmax picks them', async () => {
    const values = new Float32Array([-0, 1, NaN, 2, 3, Infinity, 5, NaN, 1e-45, -3.4028234663852886e38, 2, 2]);
    const logits = torch.fromTypedArray(values, [6, 2]);
    const predictor = { description: 'fixed logits', inFeatures: 2, predict: async () => logits.clone() };
    const { app } = buildApp(predictor);
    try {
      const res = await app.inject({ method: 'POST', url: '/predict', payload: { inputs: Array.from({ length: 6 }, () => [0, 0]) } });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('{"logits":[[-0,1],[null,2],[3,null],[5,null],[1.401298464324817e-45,-3.4028234663852886e+38],[2,2]],"classes":[1,0,1,1,0,0]}');
      expect(Object.is((JSON.parse(res.body) as { logits: number[][] }).logits[0]![0], -0)).toBe(true);
      expect((JSON.parse(res.body) as { classes: number[] }).classes).toEqual(Array.from(logits.argmax(1).data() as BigInt64Array, Number));
    } finally {
      await app.close();
    }
  });
});

describe('examples/serve: the tutorial loop in one script', { timeout: 180_000 }, () => {
  it('train_circles.ts trains with torch.fit, saves the state dict, and serves the trained model', async () => {
    const out = path.join(dir, 'ts');
    const server = await startServer(['--out', out, '--epochs', '5', '--serve'], path.join(root, 'examples', 'serve', 'train_circles.ts'));
    try {
      expect(server.stdout()).toMatch(/^trained 5 epochs: loss [\d.]+, test accuracy [\d.]+\nsaved .*circles_ts\.pt\n/);
      const trained = mlp(0);
      const loaded = trained.loadStateDict(torch.load(path.join(out, 'circles_ts.pt')));
      expect(loaded).toEqual({ missingKeys: [], unexpectedKeys: [] });
      const rows = randomRows(32, 9);
      const res = await post(server.url, JSON.stringify({ inputs: rows }));
      expect(res.status).toBe(200);
      expectLogits(res.body, direct(trained, rows));
      // The file holds the trained weights, not the seeded initial ones.
      expect(bits(direct(trained, rows))).not.toEqual(bits(direct(mlp(42), rows)));
    } finally {
      server.proc.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });
});

describe('examples/serve: graceful shutdown', { timeout: 120_000 }, () => {
  it('SIGTERM stops accepting, answers the requests in flight, and exits 0', async () => {
    const server = await startServer(['--model', modelPath, '--max-inflight', '1', '--max-batch-rows', '2048']);
    // 24 requests of 2048 rows: one batch each, run one at a time, so most are still queued when SIGTERM comes.
    const inputs = Array.from({ length: 24 }, (_, i) => randomRows(2048, 200 + i));
    let answered = 0;
    const pending = inputs.map((rows) => post(server.url, JSON.stringify({ inputs: rows })).then((r) => {
      answered++;
      return r;
    }));
    // Wait until the server has all 24 (so they are in flight, not refused).
    for (let i = 0; i < 600; i++) {
      const m = (await (await fetch(`${server.url}/metrics`)).json()) as { submitted: number };
      if (m.submitted === 24) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const unansweredAtSignal = 24 - answered;
    server.proc.kill('SIGTERM');
    const answers = await Promise.all(pending);
    expect(await server.exited).toBe(0);
    expect(unansweredAtSignal).toBeGreaterThan(0);
    expect(answers.map((a) => a.status)).toEqual(Array(24).fill(200));
    for (const a of answers) {
      expect(a.body.logits).toHaveLength(2048);
      expect(a.body.classes).toHaveLength(2048);
    }
    expect(server.stdout()).toContain('SIGTERM: closing (finishing in-flight requests)\nclosed\n');
    expect(server.stderr()).toBe('');
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });
});

describe.skipIf(!!reference.skip)(titleFor('examples/serve: a model trained and saved by Python (TORCHTS_TEST_PYTHON)', reference), { timeout: 180_000 }, () => {
  it('train_circles.py\'s state dict and TorchScript module serve Python\'s logits bit for bit; a forward that fails answers 500 and the server goes on', async () => {
    const out = path.join(dir, 'py');
    const train = await runAsync(reference.python!, [path.join(root, 'examples', 'serve', 'train_circles.py'), '--out', out, '--epochs', '20', '--torchscript']);
    expect(train.status, train.stderr).toBe(0);
    expect(train.stdout).toMatch(/^trained 20 epochs: loss [\d.]+, test accuracy [\d.]+\nsaved .*circles_py\.pt\nsaved .*circles_py_script\.pt\n$/);
    const file = path.join(out, 'circles_py.pt');
    const rows = randomRows(64, 5);
    const script = [
      'import sys, json, torch',
      'from torch import nn',
      'm = nn.Sequential(nn.Linear(2, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2))',
      'm.load_state_dict(torch.load(sys.argv[1]))',
      'with torch.no_grad(): out = m.eval()(torch.tensor(json.loads(sys.stdin.read()), dtype=torch.float32))',
      'print(json.dumps(out.reshape(-1).tolist()))',
    ].join('\n');
    const py = await runAsync(reference.python!, ['-c', script, file], JSON.stringify(rows));
    expect(py.status, py.stderr).toBe(0);
    const pythonLogits = Float32Array.from(JSON.parse(py.stdout) as number[]);
    for (const args of [['--model', file], ['--model', path.join(out, 'circles_py_script.pt'), '--format', 'torchscript']]) {
      const server = await startServer(args);
      try {
        const res = await post(server.url, JSON.stringify({ inputs: rows }));
        expect(res.status).toBe(200);
        expectLogits(res.body, pythonLogits);
      } finally {
        server.proc.kill('SIGTERM');
        expect(await server.exited).toBe(0);
      }
      expect(server.stdout()).toMatch(args.includes('torchscript') ? /^serving TorchScript .*circles_py_script\.pt \(forwardAsync\)\n/ : /^serving state dict .*circles_py\.pt \(2-256-256-2 MLP, forwardAsync\)\n/);
    }
    // A model that fails on its input (told 3 features, it takes 2): that batch gets a 500 with libtorch's message, and the server goes on.
    const wrong = await startServer(['--model', path.join(out, 'circles_py_script.pt'), '--format', 'torchscript', '--in-features', '3']);
    try {
      const res = await post(wrong.url, '{"inputs":[[1,2,3]]}');
      expect(res.status).toBe(500);
      expect(res.body.error).toMatch(/^internal error: .*mat1 and mat2 shapes cannot be multiplied \(1x3 and 2x256\)/);
      expect(res.body.error).not.toMatch(/\n/);
      expect((await fetch(`${wrong.url}/health`)).status).toBe(200);
      expect(wrong.proc.exitCode).toBe(null);
    } finally {
      wrong.proc.kill('SIGTERM');
      expect(await wrong.exited).toBe(0);
    }
  });

  it('an AOTInductor .pt2 from train_circles.py --aoti serves what Python\'s aoti_load_package computes, bit for bit', { timeout: 400_000 }, async () => {
    const out = path.join(dir, 'pt2');
    const train = await runAsync(reference.python!, [path.join(root, 'examples', 'serve', 'train_circles.py'), '--out', out, '--epochs', '5', '--aoti']);
    expect(train.status, train.stderr).toBe(0);
    const pt2 = path.join(out, 'circles_py.pt2');
    expect(train.stdout).toContain(`saved ${pt2}\n`);
    const rows = randomRows(48, 6);
    const script = [
      'import sys, json, torch',
      'pkg = torch._inductor.aoti_load_package(sys.argv[1])',
      'with torch.no_grad(): out = pkg(torch.tensor(json.loads(sys.stdin.read()), dtype=torch.float32))',
      'print(json.dumps(out.reshape(-1).tolist()))',
    ].join('\n');
    const py = await runAsync(reference.python!, ['-c', script, pt2], JSON.stringify(rows));
    expect(py.status, py.stderr).toBe(0);
    const pythonLogits = Float32Array.from(JSON.parse(py.stdout) as number[]);
    // The package's library loads libtorch.so by name: a libtorch directory whose libtorch.so is libtorch_cpu.so.
    const lib = path.join(dir, 'libtorch', 'lib');
    fs.mkdirSync(lib, { recursive: true });
    const from = libtorchLocation!.libDir;
    for (const name of fs.readdirSync(from)) if (name !== 'libtorch.so') fs.symlinkSync(path.join(from, name), path.join(lib, name));
    fs.symlinkSync('libtorch_cpu.so', path.join(lib, 'libtorch.so'));
    const server = await startServer(['--model', pt2], serverScript, { TORCHTS_LIBTORCH: path.dirname(lib) });
    try {
      expect(server.stdout()).toContain(`serving AOTInductor package ${pt2} (runAsync, 2 runners)\n`);
      const res = await post(server.url, JSON.stringify({ inputs: rows }));
      expect(res.status).toBe(200);
      expectLogits(res.body, pythonLogits);
    } finally {
      server.proc.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });
});
