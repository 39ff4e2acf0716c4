// torch.save / torch.load in PyTorch's own .pt format against PyTorch 2.11:
// files Python wrote (test/fixtures/pt/, from `$TORCHTS_TEST_PYTHON
// test/fixtures/pt_fixtures.py`) load exactly; files torchts writes load in
// Python with torch.load(weights_only=True) exactly; foreign globals and
// broken archives are one-line TorchErrors, and nothing from a file runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { tensor, arange } from '../ts/creation';
import { manualSeed } from '../ts/random';
import { noGrad } from '../ts/autograd';
import { native } from '../ts/native';
import { save, load } from '../ts/serialization';
import { TorchError } from '../ts/errors';
import { Tensor } from '../ts/tensor';
import * as nn from '../ts/nn';
import { PyPersistentId, PyReduce, PyRef, PyTuple, pickle, type Picklable } from '../ts/serialization/pickle';
import { FIXTURE_DIR } from './fixtures/nn_fixture';
import { referencePython, titleFor } from './helpers/reference-python';

const PT_DIR = join(FIXTURE_DIR, 'pt');
type Described = null | boolean | string | { type: string; [k: string]: unknown };
const expected = JSON.parse(readFileSync(join(PT_DIR, 'expected.json'), 'utf8')) as { fixtures: Record<string, Described> };
const reference = referencePython(['torch']);

/** The JSON form pt_fixtures.py's describe() gives, computed from what torchts loaded. */
function describeValue(v: unknown): Described {
  if (v instanceof Tensor) {
    return {
      type: v instanceof nn.Parameter ? 'parameter' : 'tensor',
      dtype: v.dtype.name,
      shape: v.shape,
      requires_grad: v.requiresGrad,
      bytes: Buffer.from(native.data(v._n)).toString('base64'),
    };
  }
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0))) return { type: 'int', value: String(v) };
  if (typeof v === 'number') {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    return { type: 'float', value: b.toString('hex') };
  }
  if (Array.isArray(v)) return { type: 'list', items: v.map(describeValue) };
  if (v instanceof Set) return { type: 'set', items: [...v].map(describeValue).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) };
  if (v instanceof Uint8Array) return { type: 'bytes', value: Buffer.from(v).toString('base64') };
  if (v instanceof Map) return { type: 'dict', items: [...v].map(([k, x]) => [describeValue(k), describeValue(x)]) };
  throw new Error(`no description for ${String(v)}`);
}

const fixtureNames = Object.keys(expected.fixtures);
const fixture = (name: string) => join(PT_DIR, `${name}.pt`);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'torchts-pt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('files Python\'s torch.save wrote', () => {
  it.each(fixtureNames)('%s loads exactly', (name) => {
    expect(describeValue(load<unknown>(fixture(name)))).toEqual(expected.fixtures[name]);
  });

  it('a state dict loads into the tutorial model', () => {
    manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const state = load(fixture('tutorial_state_dict'));
    expect(model.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(Buffer.from(native.data((model.at(0) as nn.Linear).weight._n))).toEqual(Buffer.from(native.data(state.get('0.weight')!._n)));
  });

  it('tensors sharing a storage load as views of one storage', () => {
    const shared = load(fixture('shared'));
    noGrad(() => shared.get('base')!.mul_(2));
    expect(shared.get('middle')!.toArray()).toEqual([4, 6, 8, 10, 12]);
    expect(shared.get('matrix')!.toArray()).toEqual([[0, 2, 4, 6, 8], [10, 12, 14, 16, 18]]);
    expect(shared.get('odd')!.toArray()).toEqual([2, 6, 10, 14, 18]);
  });

  it('non-contiguous views keep sharing their storage', () => {
    const views = load(fixture('views'));
    noGrad(() => views.get('transposed')!.mul_(0));
    // Every view but `expanded` is a window on one 2x3x4 base: all of it is zero now.
    for (const name of ['stepped', 'column', 'offset_row', 'reversed_dims']) expect(views.get(name)!.sum().item()).toBe(0);
    expect(views.get('expanded')!.sum().item()).toBe(12);
  });

  it('tuples load as frozen arrays, dicts as Maps', () => {
    const nested = load<Map<string, unknown>>(fixture('nested'));
    expect(Object.isFrozen(nested.get('tuple'))).toBe(true);
    expect(Object.isFrozen(nested.get('list'))).toBe(false);
    expect((nested.get('int_keys') as Map<number, string>).get(-7)).toBe('minus seven');
  });
});

describe('round trips within torchts', () => {
  it.each(fixtureNames)('%s saves and loads unchanged', (name) => {
    const path = join(dir, `${name}.pt`);
    save(load<unknown>(fixture(name)), path);
    expect(describeValue(load<unknown>(path))).toEqual(expected.fixtures[name]);
  });

  it('plain objects, Maps, a lone tensor and a model\'s state dict', () => {
    manualSeed(3);
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
    const path = join(dir, 'mixed.pt');
    const obj = { model: model.stateDict(), step: 7, lr: 0.5, name: 'run', t: arange(6).view(2, 3), none: null };
    save(obj, path);
    const back = load<Map<string, unknown>>(path);
    expect([...back.keys()]).toEqual(Object.keys(obj));
    expect(back.get('step')).toBe(7);
    expect(back.get('lr')).toBe(0.5);
    expect((back.get('t') as Tensor).toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    const restored = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
    expect(restored.loadStateDict(back.get('model') as Map<string, Tensor>)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    save(tensor(2.5), join(dir, 'lone.pt'));
    expect(load<Tensor>(join(dir, 'lone.pt')).item()).toBe(2.5);
  });

  it('the same tensor twice is one storage; a cycle survives', () => {
    const t = tensor([1, 2, 3]);
    const list: unknown[] = [t, t];
    list.push(list);
    save(list, join(dir, 'twice.pt'));
    const back = load<unknown[]>(join(dir, 'twice.pt'));
    expect(back[2]).toBe(back);
    noGrad(() => (back[0] as Tensor).mul_(10));
    expect((back[1] as Tensor).toArray()).toEqual([10, 20, 30]);
  });

  it('format by extension, by option, and detected on load from the bytes', () => {
    const sd = { w: tensor([1.5, 2.5]) };
    save(sd, join(dir, 'a.pt'));
    save(sd, join(dir, 'b.safetensors'));
    save(sd, join(dir, 'c.pt'), { format: 'safetensors' });
    save(sd, join(dir, 'd.safetensors'), { format: 'pt' });
    expect(readFileSync(join(dir, 'a.pt')).subarray(0, 2).toString()).toBe('PK');
    expect(readFileSync(join(dir, 'c.pt')).subarray(0, 2).toString()).not.toBe('PK');
    for (const f of ['a.pt', 'b.safetensors', 'c.pt', 'd.safetensors']) expect(load(join(dir, f)).get('w')!.toArray()).toEqual([1.5, 2.5]);
  });

  it('what torch.save cannot hold is a TorchError naming where it is', () => {
    expect(() => save({ a: [1, () => 1] }, join(dir, 'bad.pt'))).toThrow('torch.save: the object.a[1] is a function, which torch.save cannot hold');
    expect(() => save({ d: new Date(0) }, join(dir, 'bad.pt'))).toThrow(TorchError);
    expect(() => save({}, join(dir, 'no-such-dir', 'x.pt'))).toThrow(TorchError);
  });

  it('records start at 64-byte offsets, as PyTorch writes them', () => {
    save({ a: tensor([1, 2, 3]), b: tensor([[true]]) }, join(dir, 'aligned.pt'));
    const bytes = readFileSync(join(dir, 'aligned.pt'));
    let offset = 0;
    const names: string[] = [];
    while (bytes.readUInt32LE(offset) === 0x04034b50) {
      const size = bytes.readUInt32LE(offset + 18);
      const nameLength = bytes.readUInt16LE(offset + 26);
      const extraLength = bytes.readUInt16LE(offset + 28);
      names.push(bytes.subarray(offset + 30, offset + 30 + nameLength).toString());
      const data = offset + 30 + nameLength + extraLength;
      expect(data % 64).toBe(0);
      offset = data + size;
    }
    expect(names).toEqual(['aligned/data.pkl', 'aligned/.format_version', 'aligned/.storage_alignment', 'aligned/byteorder', 'aligned/data/0', 'aligned/data/1', 'aligned/version', 'aligned/.data/serialization_id']);
  });
});

describe.skipIf(!!reference.skip)(titleFor('files torchts wrote load in PyTorch (TORCHTS_TEST_PYTHON)', reference), () => {
  it('torch.load(weights_only=True) reads every fixture back exactly', () => {
    const paths: Record<string, string> = {};
    for (const name of fixtureNames) {
      paths[name] = join(dir, `py_${name}.pt`);
      save(load<unknown>(fixture(name)), paths[name]);
    }
    const script = [
      'import sys, json, torch',
      `sys.path.insert(0, ${JSON.stringify(FIXTURE_DIR)})`,
      'from pt_fixtures import describe',
      'paths = json.loads(sys.argv[1])',
      'print(json.dumps({n: describe(torch.load(p, weights_only=True)) for n, p in paths.items()}))',
    ].join('\n');
    const run = spawnSync(reference.python!, ['-c', script, JSON.stringify(paths)], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(expected.fixtures);
  });

  it('a state dict torchts saved loads into the PyTorch model and predicts identically', () => {
    manualSeed(11);
    const model = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const x = tensor([[0.5, -1], [2, 0.25]]);
    const want = noGrad(() => model.eval().forward(x) as Tensor);
    save(model.stateDict(), join(dir, 'model.pt'));
    save(x, join(dir, 'x.pt'));
    const script = [
      'import sys, json, torch',
      'from torch import nn',
      'model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 2))',
      'print(model.load_state_dict(torch.load(sys.argv[1], weights_only=True)))',
      'with torch.no_grad(): out = model.eval()(torch.load(sys.argv[2], weights_only=True))',
      'print(json.dumps(out.reshape(-1).tolist()))',
    ].join('\n');
    const run = spawnSync(reference.python!, ['-c', script, join(dir, 'model.pt'), join(dir, 'x.pt')], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    const [status, values] = run.stdout.trim().split('\n');
    expect(status).toBe('<All keys matched successfully>');
    expect(new Float32Array(JSON.parse(values!) as number[])).toEqual(new Float32Array(want.reshape(-1).toArray() as number[]));
  });
});

describe('views share one storage record, both ways', () => {
  // A base and windows on it, as torchts makes them: each has its own offset and strides.
  const makeViews = () => {
    const base = arange(24, { dtype: 'float32' }).reshape(2, 3, 4);
    return {
      base,
      transposed: base.transpose(0, 2),
      stepped: base.slice(1, 0, null, 2).slice(2, 1, 3),
      column: base.select(2, 1),
      offset_row: base.select(0, 1).select(0, 2),
      permuted: base.permute(2, 0, 1).slice(0, 1),
      expanded: arange(3).expand(4, 3),
    };
  };
  const layouts = (views: Record<string, Tensor>) =>
    Object.fromEntries(Object.entries(views).map(([k, t]) => {
      const l = native.storageLayout(t._n);
      return [k, { offset: l.offset, stride: l.stride, shape: t.shape }];
    }));
  const records = (path: string) => Object.keys(unzipSync(readFileSync(path))).filter((n) => /\/data\/\d+$/.test(n));

  it('torchts writes each storage once, with offsets and strides, and loads views sharing memory', () => {
    const views = makeViews();
    const path = join(dir, 'views_ts.pt');
    save(views, path);
    expect(records(path)).toHaveLength(2); // the float base and the int64 row
    const back = load<Map<string, Tensor>>(path);
    const loaded = Object.fromEntries(back);
    expect(layouts(loaded)).toEqual(layouts(views));
    for (const [k, t] of back) expect(t.toArray(), k).toEqual(views[k as keyof typeof views].toArray());
    noGrad(() => back.get('base')!.mul_(0));
    for (const k of ['transposed', 'stepped', 'column', 'offset_row', 'permuted']) expect(back.get(k)!.abs().sum().item(), k).toBe(0);
    expect(back.get('expanded')!.sum().item()).toBe(12);
  });

  it('a view alone carries only the storage up to its last element', () => {
    const base = arange(100, { dtype: 'float64' });
    const path = join(dir, 'window.pt');
    save({ w: base.slice(0, 10, 20, 3) }, path);
    const w = load<Map<string, Tensor>>(path).get('w')!;
    expect(w.toArray()).toEqual([10, 13, 16, 19]);
    expect(native.storageLayout(w._n)).toMatchObject({ offset: 10, stride: [3] });
    expect(Object.values(unzipSync(readFileSync(path))).map((b) => b.length)).toContain(20 * 8);
  });

  describe.skipIf(!!reference.skip)(titleFor('against PyTorch (TORCHTS_TEST_PYTHON)', reference), () => {
    const script = (body: string[]) => ['import sys, json, torch', ...body].join('\n');
    const py = (body: string[], ...args: string[]) => {
      const run = spawnSync(reference.python!, ['-c', script(body), ...args], { encoding: 'utf8', timeout: 120_000 });
      expect(run.stderr).toBe('');
      return JSON.parse(run.stdout) as unknown;
    };
    const describePy = [
      'def layout(d): return {k: {"offset": t.storage_offset(), "stride": list(t.stride()), "shape": list(t.shape)} for k, t in d.items()}',
      'def storages(d): return len({t.untyped_storage().data_ptr() for t in d.values() if t.dtype == torch.float32})',
    ];

    it('Python loads torchts\'s views as views of one storage, with the same offsets, strides and values', () => {
      const views = makeViews();
      const path = join(dir, 'views_for_py.pt');
      save(views, path);
      const out = py([
        ...describePy,
        'd = torch.load(sys.argv[1], weights_only=True)',
        'print(json.dumps({"layout": layout(d), "storages": storages(d), "values": {k: t.tolist() for k, t in d.items()}}))',
      ], path) as { layout: unknown; storages: number; values: Record<string, unknown> };
      expect(out.layout).toEqual(layouts(views));
      expect(out.storages).toBe(1);
      for (const [k, t] of Object.entries(views)) expect(out.values[k], k).toEqual(t.toArray());
    });

    it('torchts loads Python\'s views with Python\'s offsets and strides, sharing memory', () => {
      const path = join(dir, 'views_from_py.pt');
      const want = py([
        ...describePy,
        'base = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)',
        'd = {"base": base, "transposed": base.transpose(0, 2), "stepped": base[:, ::2, 1:3], "column": base[..., 1], "offset_row": base[1, 2], "permuted": base.permute(2, 0, 1)[1:]}',
        'torch.save(d, sys.argv[1])',
        'print(json.dumps(layout(d)))',
      ], path);
      const back = Object.fromEntries(load<Map<string, Tensor>>(path));
      expect(layouts(back)).toEqual(want);
      noGrad(() => back.base!.fill_(7));
      for (const t of Object.values(back)) expect(new Set(t.reshape(-1).toArray() as number[])).toEqual(new Set([7]));
    });
  });
});

describe('any strided layout loads with the values PyTorch gives it', () => {
  // Random (offset, size, stride) over one float32 storage of 0..n-1: each
  // loads either as a view (slices, steps, permutations, expands) or, where no
  // chain of view ops reaches it (overlapping windows), as a copy.
  const layoutFile = (n: number, size: number[], stride: number[], offset: number) => {
    const pkl = pickle(new PyReduce(PyRef.of('torch._utils', '_rebuild_tensor_v2'), new PyTuple([
      new PyPersistentId(new PyTuple(['storage', PyRef.of('torch', 'FloatStorage'), '0', 'cpu', n])),
      offset, new PyTuple(size), new PyTuple(stride), false, new PyReduce(PyRef.of('collections', 'OrderedDict'), new PyTuple([])),
    ])));
    const data = new Float32Array(n).map((_, i) => i);
    return Buffer.from(zipSync({ 'a/data.pkl': pkl, 'a/data/0': new Uint8Array(data.buffer) }, { level: 0 }));
  };
  const gather = (size: number[], stride: number[], offset: number, d = 0): unknown =>
    d === size.length ? offset : Array.from({ length: size[d]! }, (_, i) => gather(size, stride, offset + i * stride[d]!, d + 1));

  it('overlapping windows (no chain of view ops) load as views sharing the storage, as as_strided makes them in Python', () => {
    const rebuild = (offset: number, size: number[], stride: number[]) => new PyReduce(PyRef.of('torch._utils', '_rebuild_tensor_v2'), new PyTuple([
      new PyPersistentId(new PyTuple(['storage', PyRef.of('torch', 'FloatStorage'), '0', 'cpu', 6])),
      offset, new PyTuple(size), new PyTuple(stride), false, new PyReduce(PyRef.of('collections', 'OrderedDict'), new PyTuple([])),
    ]));
    const data = new Float32Array([0, 1, 2, 3, 4, 5]);
    const path = join(dir, 'windows.pt');
    writeFileSync(path, Buffer.from(zipSync({ 'a/data.pkl': pickle([rebuild(0, [6], [1]), rebuild(1, [3, 3], [1, 1])]), 'a/data/0': new Uint8Array(data.buffer) }, { level: 0 })));
    const [base, windows] = load<Tensor[]>(path);
    expect(windows!.toArray()).toEqual([[1, 2, 3], [2, 3, 4], [3, 4, 5]]);
    noGrad(() => base!.mul_(10));
    expect(windows!.toArray()).toEqual([[10, 20, 30], [20, 30, 40], [30, 40, 50]]);
  });

  it('300 random layouts', () => {
    let state = 7;
    const next = (m: number) => (state = (state * 1103515245 + 12345) % 2 ** 31) % m;
    for (let i = 0; i < 300; i++) {
      const dims = next(4) + 1;
      const size = Array.from({ length: dims }, () => next(4) + 1);
      const stride = Array.from({ length: dims }, () => [0, 1, 2, 3, 4, 6, 8, 12, 24][next(9)]!);
      const span = size.reduce((a, s, j) => a + (s - 1) * stride[j]!, 0);
      const offset = next(5);
      const n = offset + span + 1 + next(3);
      const path = join(dir, 'layout.pt');
      writeFileSync(path, layoutFile(n, size, stride, offset));
      expect(load<Tensor>(path).toArray(), JSON.stringify({ size, stride, offset, n })).toEqual(gather(size, stride, offset));
    }
  });
});

describe('bad files are one-line TorchErrors, never a crash or a hang', () => {
  const archive = (pkl: Uint8Array, records: Record<string, Uint8Array> = {}) =>
    Buffer.from(zipSync(Object.fromEntries([['a/data.pkl', pkl], ...Object.entries(records).map(([k, v]) => [`a/${k}`, v])]), { level: 0 }));
  const tensorOf = (numel: number, size: number[], stride: number[], offset = 0): Picklable =>
    new PyReduce(PyRef.of('torch._utils', '_rebuild_tensor_v2'), new PyTuple([
      new PyPersistentId(new PyTuple(['storage', PyRef.of('torch', 'FloatStorage'), '0', 'cpu', numel])),
      offset, new PyTuple(size), new PyTuple(stride), false, new PyReduce(PyRef.of('collections', 'OrderedDict'), new PyTuple([])),
    ]));
  const valid = () => readFileSync(fixture('tutorial_state_dict'));
  const rawPickle = (...ops: (number | string)[]) => Buffer.concat(ops.map((o) => (typeof o === 'string' ? Buffer.from(o, 'latin1') : Buffer.from([o]))));

  const cases: Record<string, [() => Buffer, string]> = {
    'a truncated file': [() => valid().subarray(0, 1500), 'not a readable zip archive'],
    'a zip without data.pkl': [() => Buffer.from(zipSync({ 'a/other': new Uint8Array(3) })), 'has no <archive>/data.pkl'],
    'a TorchScript archive': [() => Buffer.from(zipSync({ 'm/constants.pkl': new Uint8Array(3), 'm/code/x.py': new Uint8Array(1) })), 'TorchScript'],
    'os.system (posix.system)': [() => readFileSync(fixture('os_system')), 'GLOBAL posix.system (module posix is blocked'],
    'builtins.eval': [() => readFileSync(fixture('builtins_eval')), 'GLOBAL builtins.eval is not an allowed global'],
    'a foreign global anywhere': [() => archive(rawPickle(0x80, 2, 'csubprocess\nrun\n', ')', 'R', '.')), 'GLOBAL subprocess.run is not an allowed global'],
    'builtins.frozenset': [() => archive(rawPickle(0x80, 2, 'c__builtin__\nfrozenset\n', ')', 'R', '.')), 'GLOBAL builtins.frozenset'],
    'an unknown opcode (FRAME)': [() => archive(rawPickle(0x80, 4, 0x95, '\x00\x00\x00\x00\x00\x00\x00\x00', '.')), 'Unsupported operand 149'],
    'INST, which runs code in pickle': [() => archive(rawPickle(0x80, 2, 'ios\nsystem\n', '.')), 'Unsupported operand 105'],
    'a truncated pickle': [() => archive(pickle(new Map([['w', 'x'.repeat(50)]])).subarray(0, 20)), 'pickle data is truncated'],
    'a string longer than the pickle': [() => archive(rawPickle(0x80, 2, 'X', '\xff\xff\xff\x7f', 'abc')), 'pickle data is truncated'],
    'a memo read never written': [() => archive(rawPickle(0x80, 2, 'h', 7, '.')), 'memo entry 7'],
    'stack underflow': [() => archive(rawPickle(0x80, 2, 's', '.')), 'stack underflow'],
    'no STOP': [() => archive(rawPickle(0x80, 2, 'N')), 'no STOP opcode'],
    'a huge declared storage': [() => archive(pickle(tensorOf(2 ** 40, [2], [1])), { 'data/0': new Uint8Array(8) }), "storage '0' declares 1099511627776 elements"],
    'a huge declared tensor': [() => archive(pickle(tensorOf(2, [2 ** 31, 2 ** 31], [1, 1])), { 'data/0': new Uint8Array(8) }), 'is too large'],
    'a large tensor on a small storage': [() => archive(pickle(tensorOf(2, [2 ** 20, 2 ** 20], [1, 1])), { 'data/0': new Uint8Array(8) }), 'needs 2097151 elements'],
    'a storage shorter than its tensor needs': [() => archive(pickle(tensorOf(12, [100], [1])), { 'data/0': new Uint8Array(48) }), "needs 100 elements of storage '0', which holds 12"],
    'a missing storage record': [() => archive(pickle(tensorOf(2, [2], [1]))), "storage '0' is missing"],
    'negative sizes': [() => archive(pickle(tensorOf(2, [-2], [1])), { 'data/0': new Uint8Array(8) }), 'size[0] must be a non-negative integer'],
    'a storage key with a newline (quoted on one line)': [() => archive(pickle(new PyReduce(PyRef.of('torch._utils', '_rebuild_tensor_v2'), new PyTuple([
      new PyPersistentId(new PyTuple(['storage', PyRef.of('torch', 'FloatStorage'), 'a\nb', 'cpu', 2])),
      0, new PyTuple([2]), new PyTuple([1]), false, new PyReduce(PyRef.of('collections', 'OrderedDict'), new PyTuple([])),
    ])))), "storage 'a\\x0ab' is missing"],
    'a persistent id that is not a storage': [() => archive(pickle(new PyPersistentId(new PyTuple(['module', 'os'])))), 'Only persistent_load of storage is allowed'],
  };

  it.each(Object.keys(cases))('%s', (name) => {
    const [make, message] = cases[name]!;
    const path = join(dir, `${name.replace(/\W+/g, '_')}.pt`);
    writeFileSync(path, make());
    let caught: unknown;
    try {
      load<unknown>(path);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TorchError);
    const text = (caught as Error).message;
    expect(text.startsWith(`${path}: `)).toBe(true);
    expect(text).toContain(message);
    expect(text).not.toContain('\n');
  });

  it('garbage and legacy files name what they are not', () => {
    writeFileSync(join(dir, 'garbage.pt'), 'not a checkpoint at all');
    expect(() => load(join(dir, 'garbage.pt'))).toThrow('not a PyTorch file');
    writeFileSync(join(dir, 'legacy.pt'), Buffer.from([0x80, 0x02, 0x8a, 0x0a]));
    expect(() => load(join(dir, 'legacy.pt'))).toThrow('a legacy torch.save file');
    expect(() => load(join(dir, 'missing.pt'))).toThrow(`No such file or directory: '${join(dir, 'missing.pt')}'`);
  });

  it('random corruption of a valid file never crashes', () => {
    const good = valid();
    let state = 12345;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 300; i++) {
      const bad = Buffer.from(good);
      for (let j = 0; j < 1 + (i % 4); j++) bad[next() % bad.length] = next() % 256;
      const path = join(dir, 'corrupt.pt');
      writeFileSync(path, bad);
      try {
        load<unknown>(path);
      } catch (err) {
        expect(err).toBeInstanceOf(TorchError);
        expect((err as Error).message).not.toContain('\n');
      }
    }
  });
});
