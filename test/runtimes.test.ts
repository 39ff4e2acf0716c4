// The package under Bun and Deno, which load Node-API addons too: the same
// script (fixtures/runtime-smoke.ts, bundled once) runs under Node, Bun and
// Deno, and every number it prints must equal Node's bit for bit; Node's own
// numbers are held against PyTorch's fixtures. Bun and Deno come from the
// devDependencies `bun` and `deno`; a missing one fails the test (run `npm
// install`), it is never skipped.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundle, ROOT } from './helpers/bundle.mjs';
import { loadNnFixture } from './fixtures/nn_fixture';

const EPOCHS = 25;
// Seeded draws, elementwise, BLAS and reduction kernels.
const CASES = ['randn/seed 0', 'randn/seed 42 many', 'exp/float32', 'matmul/2d', 'matmul/batched', 'softmax/dim 1', 'torch.softmax/function form'];
const CASES_FILE = path.join(ROOT, 'test', 'fixtures', 'tensor_ops.json');

interface Epoch { train_loss: number; train_acc: number; test_loss: number; test_acc: number }
interface SmokeResult {
  runtime: string;
  xTrainRows: number;
  history: Epoch[];
  logits: string[];
  asyncLogits: string[];
  batchedLogits: string[];
  ops: Record<string, { shape: number[]; dtype: string; bits: string[] }>;
}

let script = '';
let nodeResult: SmokeResult;

/**
 * The runtime's binary from its npm packages: the platform package's own
 * file, or the one the package's install script put in place (a stub that
 * only prints an error when install scripts were held back), or a failure
 * that says how to get it.
 */
function runtimeBinary(name: 'bun' | 'deno'): string {
  const modules = path.join(ROOT, 'node_modules');
  const arch = process.arch === 'arm64' ? 'aarch64' : process.arch;
  const candidates = name === 'bun'
    ? [path.join(modules, '@oven', `bun-${process.platform}-${arch}`, 'bin', 'bun'), path.join(modules, 'bun', 'bin', 'bun.exe')]
    : [path.join(modules, '@deno', `${process.platform}-${process.arch}${process.platform === 'linux' ? '-glibc' : ''}`, 'deno'), path.join(modules, 'deno', 'deno')];
  const bin = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).size > 1 << 20);
  if (!bin) throw new Error(`no ${name} binary in ${candidates.join(' or ')}: the devDependency \`${name}\` is not installed (run \`npm install\`)`);
  return bin;
}

function spawn(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(command, [...args, script, String(EPOCHS), CASES_FILE, ...CASES], {
    cwd: path.dirname(script), // not the repository: Deno would read its package.json
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', ...env },
  });
}

function run(command: string, args: string[], label: string): SmokeResult {
  const started = Date.now();
  const r = spawn(command, args);
  if (r.error || r.status !== 0) {
    throw new Error(`${label} exited with ${r.error?.message ?? r.status}:\n${r.stderr}${r.stdout}`);
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  const result = JSON.parse(line) as SmokeResult;
  console.log(`[runtimes] ${result.runtime}: ${Date.now() - started} ms`);
  return result;
}

const bitsToNumbers = (bits: string[]) => Array.from(new Float64Array(BigUint64Array.from(bits, (b) => BigInt(`0x${b}`)).buffer));

beforeAll(async () => {
  script = await bundle('test/fixtures/runtime-smoke.ts');
  nodeResult = run(process.execPath, [], 'node');
}, 120_000);

describe('Node runs the smoke script as PyTorch does', () => {
  it('tutorial epochs within 1e-5 of PyTorch, identical accuracies', () => {
    const want = loadNnFixture().tutorial.runs.relu.history.slice(0, EPOCHS);
    expect(nodeResult.xTrainRows).toBe(800);
    expect(nodeResult.history).toHaveLength(EPOCHS);
    nodeResult.history.forEach((got, i) => {
      expect(Math.abs(got.train_loss - want[i]!.train_loss), `epoch ${i} train loss`).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(got.test_loss - want[i]!.test_loss), `epoch ${i} test loss`).toBeLessThanOrEqual(1e-5);
      expect([got.train_acc, got.test_acc]).toEqual([want[i]!.train_acc, want[i]!.test_acc]);
    });
    // Training moved the model: the losses are not one repeated value.
    expect(nodeResult.history[EPOCHS - 1]!.train_loss).toBeLessThan(nodeResult.history[0]!.train_loss);
  });

  it('replayed ops equal tensor_ops.json (seeded draws bit for bit)', () => {
    const cases = (JSON.parse(fs.readFileSync(CASES_FILE, 'utf8')) as { cases: { name: string; expected: { shape: number[]; values: number[] } }[] }).cases;
    for (const name of CASES) {
      const want = cases.find((c) => c.name === name)!.expected;
      const got = nodeResult.ops[name]!;
      expect(got.shape, name).toEqual(want.shape);
      const values = bitsToNumbers(got.bits);
      if (name.startsWith('randn')) expect(values, name).toEqual(want.values);
      values.forEach((v, i) => expect(Math.abs(v - want.values[i]!), `${name}[${i}]`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want.values[i]!))));
    }
  });

  it('forwardAsync, whole and in batches, equals forward bit for bit', () => {
    expect(nodeResult.logits).toHaveLength(400);
    expect(nodeResult.asyncLogits).toEqual(nodeResult.logits);
    expect(nodeResult.batchedLogits).toEqual(nodeResult.logits);
  });
});

const runtimes = [
  ['node', () => [process.execPath, []] as const],
  ['bun', () => [runtimeBinary('bun'), []] as const],
  // The permissions a Node-API package needs under Deno: ffi for the addon
  // and libtorch, read/env/sys for finding libtorch.
  ['deno', () => [runtimeBinary('deno'), ['run', '--allow-ffi', '--allow-read', '--allow-env', '--allow-sys']] as const],
] as const;

describe.each(runtimes.slice(1))('%s', (name, command) => {
  it(`runs the tutorial, the ops and forwardAsync with Node's numbers, bit for bit`, () => {
    const [bin, args] = command();
    const result = run(bin, [...args], name);
    expect(result.runtime.startsWith(`${name} `)).toBe(true);
    const { runtime: _r, ...got } = result;
    const { runtime: _n, ...want } = nodeResult;
    expect(got).toEqual(want);
  }, 120_000);
});

describe.each(runtimes)('%s with a broken libtorch', (_name, command) => {
  it('fails with one line naming the library and the loader\'s reason', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchts-bad-libtorch-'));
    try {
      fs.mkdirSync(path.join(dir, 'lib'));
      for (const lib of ['libc10.so', 'libtorch_cpu.so']) fs.writeFileSync(path.join(dir, 'lib', lib), 'not a library\n');
      const [bin, args] = command();
      const r = spawn(bin, [...args], { TORCHTS_LIBTORCH: dir });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`torchts: could not load the native addon (${path.join(dir, 'lib', 'libc10.so')}: file too short). Run \`npx torchts install-libtorch\``);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
