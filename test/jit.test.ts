// torch.jit.load / ScriptModule against PyTorch 2.11: test/fixtures/jit_fixtures.py
// scripts and traces models into a temporary directory at test time and
// writes what Python computes with them; torchts must give the same bits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../ts';
import { FIXTURE_DIR, fromJson, type TensorJson } from './fixtures/nn_fixture';
import { referencePython, titleFor } from './helpers/reference-python';
import { thrownTorchError } from './helpers/errors';
import { expectTensorBits } from './helpers/tensor_bits';

const reference = referencePython(['torch', 'safetensors']);

interface JitFixture {
  inputs: Record<'x' | 'img' | 'a' | 'b' | 'c' | 'k', TensorJson>;
  forward_train: TensorJson;
  forward_eval_after_train: TensorJson;
  state_dict_after_train: Record<string, TensorJson>;
  forward_eval: TensorJson;
  mode_train: boolean;
  mode_eval: boolean;
  scale: TensorJson;
  mixed: { total: TensorJson; scaled: TensorJson; keys: string[]; sizes: number[]; name: string; extra: TensorJson; half: number };
  mixed_none_is_none: boolean;
  by_key: TensorJson;
  nested: number;
  state_dict: Record<string, TensorJson>;
  parameters: string[];
  buffers: string[];
  methods: string[];
  repr: string;
  cnn_repr: string;
  errors: Record<'float_for_int' | 'str_for_tensor' | 'too_many', string>;
  cnn: TensorJson;
  cnn_state_dict: Record<string, TensorJson>;
}

function runPython(args: string[]): string {
  const run = spawnSync(reference.python!, [join(FIXTURE_DIR, 'jit_fixtures.py'), ...args], { encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 0) throw new Error(`jit_fixtures.py ${args[0]} failed: ${run.stderr}`);
  return run.stdout;
}

function asTensor(value: unknown): torch.Tensor {
  expect(value).toBeInstanceOf(torch.Tensor);
  return value as torch.Tensor;
}

describe.skipIf(!!reference.skip)(titleFor('torch.jit.load runs Python\'s TorchScript modules bit for bit (TORCHTS_TEST_PYTHON)', reference), () => {
  let dir = '';
  let fx: JitFixture;
  let x: torch.Tensor;
  const inputs: Record<string, torch.Tensor> = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'torchts-jit-'));
    runPython(['jit', dir]);
    fx = JSON.parse(readFileSync(join(dir, 'jit.json'), 'utf8')) as JitFixture;
    for (const [k, v] of Object.entries(fx.inputs)) inputs[k] = fromJson(v);
    x = inputs.x!;
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const mlp = () => torch.jit.load(join(dir, 'mlp.pt'));

  it('a scripted module: forward in train and eval mode, and self.training', () => {
    const m = mlp();
    expect(m).toBeInstanceOf(torch.jit.ScriptModule);
    expect(m.training).toBe(true);
    expect(m.callMethod('mode')).toBe(fx.mode_train);
    torch.noGrad(() => expectTensorBits(asTensor(m.forward(x)), fx.forward_train, 'forward (train)'));
    expect(m.eval()).toBe(m);
    expect(m.training).toBe(false);
    expect(m.callMethod('mode')).toBe(fx.mode_eval);
    // The train-mode forward moved BatchNorm's running stats, as in Python.
    expectTensorBits(asTensor(m.forward(x)), fx.forward_eval_after_train, 'forward (eval, after a train-mode forward)');
    for (const [name, t] of m.stateDict()) expectTensorBits(t, fx.state_dict_after_train[name]!, name);
    expect(m.train().training).toBe(true);
    expectTensorBits(asTensor(mlp().eval().forward(x)), fx.forward_eval, 'forward (eval, fresh module)');
    // Called like Python's module(x): the same forward.
    expectTensorBits(asTensor(mlp().eval()(x)), fx.forward_eval, 'm(x) (eval, fresh module)');
    expect(m.methodNames().sort()).toEqual(fx.methods);
    expect(String(m)).toBe(fx.repr);
  });

  it('exported methods take ints where the schema says int, floats where it says float', () => {
    const m = mlp().eval();
    // 2 is a float (factor: float), 3 an int (times: int: the tensor is repeated 3 times).
    expectTensorBits(asTensor(m.callMethod('scale', x, 2, 3)), fx.scale, 'scale');
    expect(m.callMethod('nested', [[1, 2], [3], []])).toBe(fx.nested);
    expect(m.callMethod('nested', [[1n, 2n], [3n], []])).toBe(fx.nested);
    // Ints past 2^53 keep every digit: bigints in, a bigint out.
    const big = 2n ** 60n + 7n;
    expect(m.callMethod('nested', [[big, 1n]])).toBe(big + 1n);
    expect(thrownTorchError(() => m.callMethod('nested', [[2n ** 64n]])).message).toBe("ScriptModule.nested: argument 1[0][0] is 18446744073709551616n, which does not fit in a 64-bit int (TorchScript's int)");
  });

  it('dicts (objects and Maps), lists, tuples, None and strings cross both ways', () => {
    const m = mlp();
    const { a, b, c, k } = inputs as Record<string, torch.Tensor>;
    const out = m.callMethod('mixed', { a, b }, [c, a], [b, 3], c, 'mlp') as unknown[];
    expect(out).toHaveLength(5);
    const [dict, sizes, name, extra, half] = out;
    expect(dict).toBeInstanceOf(Map);
    const d = dict as Map<string, torch.Tensor>;
    expect([...d.keys()]).toEqual(fx.mixed.keys);
    expectTensorBits(d.get('total')!, fx.mixed.total, 'total');
    expectTensorBits(d.get('scaled')!, fx.mixed.scaled, 'scaled');
    expect(sizes).toEqual(fx.mixed.sizes);
    expect(name).toBe(fx.mixed.name);
    expectTensorBits(asTensor(extra), fx.mixed.extra, 'extra');
    expect(half).toBe(fx.mixed.half);
    // A Map works as the dict, and null as None.
    const none = m.callMethod('mixed', new Map([['a', a], ['b', b]]), [], [b, 1], null, '') as unknown[];
    expect(fx.mixed_none_is_none).toBe(true);
    expect(none[3]).toBeNull();
    // Dict[int, Tensor]: a Map with number keys, or a plain object's integer keys.
    expectTensorBits(asTensor(m.callMethod('by_key', new Map([[3, k], [5, a]]), 3)), fx.by_key, 'by_key (Map)');
    expectTensorBits(asTensor(m.callMethod('by_key', { 3: k, 5: a }, 3)), fx.by_key, 'by_key (object)');
  });

  it('parameters, buffers and stateDict have Python\'s names, order and values, and share memory', () => {
    const m = mlp();
    expect([...m.namedParameters()].map(([n]) => n)).toEqual(fx.parameters);
    expect([...m.namedBuffers()].map(([n]) => n)).toEqual(fx.buffers);
    const state = m.stateDict();
    expect([...state.keys()]).toEqual(Object.keys(fx.state_dict));
    for (const [name, t] of state) expectTensorBits(t, fx.state_dict[name]!, name);
    for (const p of m.parameters()) expect(p.requiresGrad).toBe(true);
    // The same memory: zeroing a state-dict entry changes the module's output.
    m.eval();
    const before = asTensor(m.forward(x));
    torch.noGrad(() => state.get('fc2.bias')!.zero_());
    const after = asTensor(m.forward(x));
    expect(after.sub(before).abs().max().item()).toBeGreaterThan(0);
  });

  it('a traced CNN gives PyTorch\'s outputs and state dict', () => {
    const cnn = torch.jit.load(join(dir, 'cnn.pt'), { device: 'cpu' });
    expectTensorBits(asTensor(cnn.forward(inputs.img!)), fx.cnn, 'cnn');
    expect(String(cnn)).toBe(fx.cnn_repr);
    const state = cnn.stateDict();
    expect([...state.keys()]).toEqual(Object.keys(fx.cnn_state_dict));
    for (const [name, t] of state) expectTensorBits(t, fx.cnn_state_dict[name]!, name);
    expect(cnn.to('cpu')).toBe(cnn);
    expectTensorBits(asTensor(cnn.forward(inputs.img!)), fx.cnn, 'cnn after to(cpu)');
  });

  it('forward runs under the caller\'s grad mode, so backward reaches the parameters', () => {
    const m = mlp().eval();
    const out = asTensor(m.forward(x));
    expect(out.requiresGrad).toBe(true);
    out.sum().backward();
    const w = m.stateDict().get('fc1.weight')!;
    expect(w.grad).not.toBeNull();
    expect(torch.noGrad(() => asTensor(m.forward(x))).requiresGrad).toBe(false);
  });

  it('16 concurrent forwardAsync calls on one module equal the synchronous forward', async () => {
    const m = mlp().eval();
    const cnn = torch.jit.load(join(dir, 'cnn.pt'));
    const calls = Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? m.forwardAsync(x) : cnn.forwardAsync(inputs.img!)));
    // While they run, the module refuses to change, and its parameters refuse in-place writes.
    expect(thrownTorchError(() => m.eval()).message).toMatch(/busy: forwardAsync/);
    const w = m.stateDict().get('fc1.weight')!;
    expect(thrownTorchError(() => torch.noGrad(() => w.zero_())).message).toMatch(/forwardAsync/);
    const outs = await Promise.all(calls);
    outs.forEach((o, i) => expectTensorBits(asTensor(o), i % 2 === 0 ? fx.forward_eval : fx.cnn, `call ${i}`));
    const [dict] = (await m.callMethodAsync('mixed', { a: inputs.a!, b: inputs.b! }, [], [inputs.b!, 3], null, 'x')) as [Map<string, torch.Tensor>];
    expectTensorBits(dict.get('scaled')!, fx.mixed.scaled, 'mixed (async)');
    expect(m.eval().training).toBe(false); // free again once they settled
  });

  it('torch.jit.save writes a module Python\'s torch.jit.load runs with equal outputs', () => {
    const m = mlp().eval();
    const path = join(dir, 'saved_by_torchts.pt');
    torch.jit.save(m, path);
    const back = JSON.parse(runPython(['reload', path, dir])) as { training: boolean; forward_eval: TensorJson; scale: TensorJson };
    expect(back.training).toBe(false);
    expectTensorBits(asTensor(m.forward(x)), back.forward_eval, 'Python forward of the saved module');
    expectTensorBits(fromJson(back.scale), fx.scale, 'Python scale of the saved module');
    expectTensorBits(asTensor(torch.jit.load(path).forward(x)), fx.forward_eval, 'torchts reload');
  });

  it('bad calls are one-line TorchErrors with PyTorch\'s messages', () => {
    const m = mlp();
    expect(thrownTorchError(() => m.callMethod('scale', x, 2, 1.5)).message).toBe(`ScriptModule.scale: ${fx.errors.float_for_int}`);
    expect(thrownTorchError(() => m.forward('x')).message).toBe(`ScriptModule.forward: ${fx.errors.str_for_tensor}`);
    // Python words this one in its own argument parser (fx.errors.too_many); libtorch's words are its own.
    expect(fx.errors.too_many).toMatch(/^forward\(\) expected at most 2 argument\(s\) but received 3/);
    expect(thrownTorchError(() => m.forward(x, x)).message).toMatch(/^ScriptModule\.forward: Expected at most 2 argument\(s\) for operator 'forward', but received 3 argument\(s\)\. Declaration: forward\(__torch__\.ScriptedMLP self, Tensor x\) -> Tensor$/);
    expect(thrownTorchError(() => m.forward()).message).toMatch(/^ScriptModule\.forward: forward\(\) is missing value for argument 'x'/);
    expect(thrownTorchError(() => m.callMethod('nope', x)).message).toBe(`ScriptModule has no method 'nope' (its methods: ${m.methodNames().join(', ')})`);
    // Wrong shape and dtype fail inside the interpreter: its own error line, not its traceback header.
    expect(thrownTorchError(() => m.forward(torch.ones([5, 3]))).message).toMatch(/^ScriptModule\.forward: mat1 and mat2 shapes cannot be multiplied \(5x3 and 4x8\)$/);
    expect(thrownTorchError(() => m.forward(torch.ones([5, 4], { dtype: torch.float64 }))).message).toMatch(/^ScriptModule\.forward: .*(dtype|Double|Float)/);
    const disposed = torch.ones([5, 4]);
    disposed.dispose();
    expect(thrownTorchError(() => m.forward(disposed)).message).toMatch(/disposed/);
    expect(thrownTorchError(() => m.forward(new Set() as never)).message).toMatch(/argument 1 is a Set, which TorchScript cannot take/);
    expect(thrownTorchError(() => m.callMethod('nested', [[1, 2.5]])).message).toMatch(/^ScriptModule\.nested: nested\(\) Expected a value of type 'List\[List\[int\]\]' for argument 'rows'/);
    expect(asTensor(m.eval().forward(x)).shape).toEqual([5, 3]); // still usable
  });

  it('broken and wrong-format files are one-line TorchErrors, and the process lives on', () => {
    const bytes = readFileSync(join(dir, 'mlp.pt'));
    const files: Record<string, Buffer> = {
      'empty.pt': Buffer.alloc(0),
      'truncated.pt': bytes.subarray(0, Math.floor(bytes.length / 2)),
      'random.pt': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)),
    };
    for (const [name, data] of Object.entries(files)) {
      const path = join(dir, name);
      writeFileSync(path, data);
      expect(thrownTorchError(() => torch.jit.load(path)).message, name).toMatch(/^torch\.jit\.load\('.*'\): PytorchStreamReader failed reading zip archive/);
    }
    const safetensors = join(dir, 'weights.safetensors');
    expect(thrownTorchError(() => torch.jit.load(safetensors)).message).toMatch(/^torch\.jit\.load\('.*weights\.safetensors'\): PytorchStreamReader failed/);
    const stateDict = join(dir, 'state_dict.pt');
    expect(thrownTorchError(() => torch.jit.load(stateDict)).message).toMatch(/^torch\.jit\.load\('.*state_dict\.pt'\): .*constants\.pkl/);
    expect(thrownTorchError(() => torch.jit.load(join(dir, 'missing.pt'))).message).toBe(`torch.jit.load('${join(dir, 'missing.pt')}'): no such file`);
    expect(thrownTorchError(() => torch.jit.load(dir)).message).toBe(`torch.jit.load('${dir}'): is a directory`);
    expect(asTensor(mlp().eval().forward(x)).shape).toEqual([5, 3]);
  });
});
