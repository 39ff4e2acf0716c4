// torch.export.loadPackage / AOTIPackage against PyTorch 2.11:
// test/fixtures/jit_fixtures.py exports and AOTInductor-compiles an MLP into
// a temporary .pt2 at test time (about a minute) and writes what Python's
// aoti_load_package computes with it; torchts must give the same bits.
//
// A package's model library needs libtorch.so loaded by name. A libtorch
// directory is built here from the one torchts uses (symlinks), once with
// libtorch.so -> libtorch_cpu.so and once with a linker-script stub as the
// CPU-only install writes; each runs in a child process under
// TORCHTS_LIBTORCH, since a process loads libtorch once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { unzipSync, zipSync } from 'fflate';
import { libtorchLocation } from '../ts/native';
import { FIXTURE_DIR, float32Bits, type TensorJson } from './fixtures/nn_fixture';
import { referencePython, titleFor } from './helpers/reference-python';
import { runNode } from './helpers/child';
import { bundle } from './helpers/bundle.mjs';

const reference = referencePython(['torch']);

interface AotiFixture {
  inputs: { x: TensorJson; y: TensorJson };
  outputs: TensorJson[];
  eager: TensorJson[];
  metadata: Record<string, string>;
}

interface Out {
  shape: number[];
  values: number[];
}

interface ChildSummary {
  metadata: Record<string, string>;
  outputs: Out[];
  asyncOutputs: Out[][];
  forwardEqualsRun: boolean;
  errors: Record<string, string>;
  load: Record<string, string>;
  alive: number[];
}

// The child: everything it reports is compared in the parent.
const CHILD = (torchUrl: string, dir: string) => `
import * as torch from ${JSON.stringify(torchUrl)};
import { readFileSync } from 'node:fs';
const fx = JSON.parse(readFileSync(${JSON.stringify(join(dir, 'aoti.json'))}, 'utf8'));
const t = (j) => torch.tensor(j.values, { dtype: torch.float32 }).reshape(j.shape);
const out = (t) => ({ shape: t.shape, values: Array.from(t.reshape([-1]).toArray()) });
const message = (fn) => { try { fn(); return 'no error'; } catch (e) { return (e instanceof torch.TorchError ? '' : 'NOT A TorchError: ') + e.message; } };
const asyncMessage = async (p) => { try { await p; return 'no error'; } catch (e) { return e.message; } };
const summary = { errors: {}, load: {} };
const pkgPath = ${JSON.stringify(join(dir, 'mlp.pt2'))};
let pkg;
try { pkg = torch.export.loadPackage(pkgPath); } catch (e) { console.log(JSON.stringify({ loadError: e.message, isTorchError: e instanceof torch.TorchError })); process.exit(0); }
const x = t(fx.inputs.x), y = t(fx.inputs.y);
summary.metadata = pkg.metadata();
const outs = pkg.run(x, y);
summary.outputs = outs.map(out);
summary.forwardEqualsRun = JSON.stringify(pkg.forward(x, y).map(out)) === JSON.stringify(summary.outputs) && JSON.stringify(pkg(x, y).map(out)) === JSON.stringify(summary.outputs);
summary.asyncOutputs = (await Promise.all(Array.from({ length: 16 }, () => pkg.runAsync(x, y)))).map((o) => o.map(out));
summary.errors.count = message(() => pkg.run(x));
summary.errors.dtype = message(() => pkg.run(x.double(), y));
summary.errors.shape = message(() => pkg.run(torch.ones([6, 3]), y));
summary.errors.notTensor = message(() => pkg.run(x, 3));
const gone = torch.ones([6]); gone.dispose();
summary.errors.disposed = message(() => pkg.run(x, gone));
summary.errors.async = await asyncMessage(pkg.runAsync(x.double(), y));
for (const name of ${JSON.stringify(['state_dict.pt', 'empty.pt2', 'truncated.pt2', 'random.pt2', 'other_platform.pt2', 'missing.pt2'])}) {
  summary.load[name] = message(() => torch.export.loadPackage(${JSON.stringify(dir)} + '/' + name));
}
summary.errors.numRunners = message(() => torch.export.loadPackage(pkgPath, { numRunners: 0 }));
summary.alive = out(pkg.run(x, y)[0]).shape;
console.log(JSON.stringify(summary));
`;

function libtorchDir(root: string, libtorchSo: 'symlink' | 'stub'): string {
  const lib = join(root, 'lib');
  mkdirSync(lib, { recursive: true });
  const from = libtorchLocation!.libDir;
  for (const name of readdirSync(from)) if (name !== 'libtorch.so') symlinkSync(join(from, name), join(lib, name));
  if (libtorchSo === 'symlink') symlinkSync('libtorch_cpu.so', join(lib, 'libtorch.so'));
  else writeFileSync(join(lib, 'libtorch.so'), '/* torchts: CPU-only link; libtorch_cpu.so holds the symbols */\n');
  return root;
}

function bitsOf(o: Out | TensorJson): number[] {
  return float32Bits(o.values as number[]);
}

describe.skipIf(!!reference.skip)(titleFor('torch.export.loadPackage runs AOTInductor packages bit for bit (TORCHTS_TEST_PYTHON)', reference), () => {
  let dir = '';
  let fx: AotiFixture;
  let torchUrl = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'torchts-aoti-'));
    // Asynchronously: the compile takes a minute, and a blocked worker misses vitest's RPC deadlines.
    await promisify(execFile)(reference.python!, [join(FIXTURE_DIR, 'jit_fixtures.py'), 'aoti', dir], { timeout: 600_000, maxBuffer: 64 << 20 });
    fx = JSON.parse(readFileSync(join(dir, 'aoti.json'), 'utf8')) as AotiFixture;
    torchUrl = pathToFileURL(await bundle('ts/index.ts', { outDir: dir, name: 'torch.mjs' })).href;
    // Broken and foreign files for loadPackage.
    const pt2 = readFileSync(join(dir, 'mlp.pt2'));
    writeFileSync(join(dir, 'empty.pt2'), Buffer.alloc(0));
    writeFileSync(join(dir, 'truncated.pt2'), pt2.subarray(0, Math.floor(pt2.length / 2)));
    writeFileSync(join(dir, 'random.pt2'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
    // The same package with its library's ELF header saying aarch64 (e_machine 183).
    const files = unzipSync(new Uint8Array(pt2));
    for (const [name, data] of Object.entries(files)) {
      if (name.endsWith('.so')) {
        data[18] = 183;
        data[19] = 0;
      }
    }
    writeFileSync(join(dir, 'other_platform.pt2'), zipSync(files, { level: 0 }));
    libtorchDir(join(dir, 'libtorch-symlink'), 'symlink');
    libtorchDir(join(dir, 'libtorch-stub'), 'stub');
  }, 600_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function child(libtorch: string): Promise<ChildSummary & { loadError?: string; isTorchError?: boolean }> {
    const file = join(dir, `child-${libtorch}.mjs`);
    writeFileSync(file, CHILD(torchUrl, dir));
    const r = await runNode(file, [], { timeoutMs: 120_000, env: { TORCHTS_LIBTORCH: join(dir, libtorch) } });
    expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);
    return r.summary as ChildSummary;
  }

  it('run, forward and 16 concurrent runAsync calls give Python\'s outputs; bad input is a one-line TorchError', async () => {
    const s = await child('libtorch-symlink');
    expect(s.metadata).toEqual(fx.metadata);
    expect(s.outputs.map((o) => o.shape)).toEqual(fx.outputs.map((o) => o.shape));
    s.outputs.forEach((o, i) => expect(bitsOf(o), `output ${i}`).toEqual(bitsOf(fx.outputs[i]!)));
    expect(s.forwardEqualsRun).toBe(true);
    expect(s.asyncOutputs).toHaveLength(16);
    for (const outs of s.asyncOutputs) outs.forEach((o, i) => expect(bitsOf(o)).toEqual(bitsOf(fx.outputs[i]!)));
    expect(s.errors).toEqual({
      count: 'AOTIPackage.run: expected inputs vector size to be 2, but got 1',
      dtype: 'AOTIPackage.run: input_handles[0]: unmatched dtype, expected: 6(at::kFloat), but got: 7',
      shape: 'AOTIPackage.run: input_handles[0]: unmatched dim value at 1, expected: 4, but got: 3',
      notTensor: 'AOTIPackage.run: input 1 must be a Tensor, got 3',
      disposed: 'tensor has been disposed',
      async: 'AOTIPackage.run: input_handles[0]: unmatched dtype, expected: 6(at::kFloat), but got: 7',
      numRunners: 'torch.export.loadPackage: numRunners must be a positive integer, got 0',
    });
    const p = (name: string) => `torch.export.loadPackage('${join(dir, name)}')`;
    expect(s.load['state_dict.pt']).toBe(`${p('state_dict.pt')}: not an AOTInductor package: the archive holds no compiled model (data/aotinductor/<name>/*.so); make one with torch._inductor.aoti_compile_and_package`);
    for (const name of ['empty.pt2', 'truncated.pt2', 'random.pt2']) expect(s.load[name], name).toMatch(new RegExp(`^${p(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a valid \\.pt2 package \\(not a readable zip archive\\): [^\\n]+$`));
    expect(s.load['other_platform.pt2']).toMatch(/: the package's model library cannot be loaded on this platform \(was it compiled for another OS or CPU\?\): [^\n]+$/);
    expect(s.load['missing.pt2']).toBe(`${p('missing.pt2')}: no such file`);
    expect(s.alive).toEqual(fx.outputs[0]!.shape);
  });

  it('where libtorch.so is only a link stub, loadPackage says so in one line', async () => {
    const s = await child('libtorch-stub');
    expect(s.isTorchError).toBe(true);
    expect(s.loadError).toBe(`torch.export.loadPackage('${join(dir, 'mlp.pt2')}'): the package's model library needs libtorch.so, which this libtorch directory lacks as a loadable library (the CPU-only install keeps a link stub there; put a libtorch.so -> libtorch_cpu.so symlink beside libtorch_cpu.so)`);
  });
});
