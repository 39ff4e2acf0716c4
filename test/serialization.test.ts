// torch.save / torch.load (safetensors) against PyTorch 2.11: a model trained
// and saved by Python predicts identically here, a model saved here loads in
// Python, round trips keep every value and dtype, broken files are clear errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor, arange } from '../ts/creation';
import { manualSeed } from '../ts/random';
import { noGrad } from '../ts/autograd';
import { save, load } from '../ts/serialization';
import { TorchError } from '../ts/errors';
import { Tensor } from '../ts/tensor';
import * as nn from '../ts/nn';
import { FIXTURE_DIR, float32Bits, loadNnFixture, values } from './fixtures/nn_fixture';
import { referencePython, titleFor } from './helpers/reference-python';

const fx = loadNnFixture();
const reference = referencePython(['torch', 'safetensors']);

const tutorialModel = () =>
  new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 4), new nn.ReLU(), new nn.Linear(4, 2));

const xTest = () => tensor(fx.tutorial.data.X_test, { dtype: 'float32' });
const predict = (model: nn.Module, x: Tensor) => noGrad(() => model.eval().forward(x) as Tensor);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'torchts-serialization-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a model trained and saved by PyTorch', () => {
  it('loads with torch.load + loadStateDict and predicts bit-identically', () => {
    const state = load(join(FIXTURE_DIR, fx.tutorial.model_file));
    const want = fx.tutorial.runs.relu.final_params;
    expect([...state.keys()].sort()).toEqual(Object.keys(want).sort());
    for (const [k, t] of state) {
      expect(t.dtype.name).toBe('float32');
      expect(t.shape).toEqual(want[k]!.shape);
    }
    manualSeed(0); // different initial weights: everything must come from the file
    const model = tutorialModel();
    expect(model.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const logits = predict(model, xTest());
    expect(float32Bits(values(logits))).toEqual(float32Bits(fx.tutorial.predictions.logits));
    expect(values(logits.argmax(1))).toEqual(fx.tutorial.predictions.predicted);
  });

  it('loaded into the wrong architecture, fails with PyTorch\'s message', () => {
    const state = load(join(FIXTURE_DIR, fx.tutorial.model_file));
    const wide = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 4), new nn.ReLU(), new nn.Linear(4, 2));
    expect(() => wide.loadStateDict(state)).toThrow(
      'size mismatch for 0.weight: copying a param with shape torch.Size([8, 2]) from checkpoint, the shape in current model is torch.Size([16, 2]).',
    );
  });
});

describe('round trips within torchts', () => {
  it('a model saved and loaded predicts bit-identically, and saving does not share memory', () => {
    manualSeed(7);
    const model = tutorialModel();
    const path = join(dir, 'model.safetensors');
    save(model.stateDict(), path);
    const before = values(predict(model, xTest()));
    noGrad(() => (model.at(0) as nn.Linear).weight.mul_(0)); // the file must not follow the live weights
    manualSeed(8);
    const restored = tutorialModel();
    restored.loadStateDict(load(path));
    expect(float32Bits(values(predict(restored, xTest())))).toEqual(float32Bits(before));
    expect(values(predict(model, xTest()))).not.toEqual(before);
  });

  it('keeps dtypes, shapes and values (float64, int64, bool, float16, non-contiguous, scalar)', () => {
    const path = join(dir, 'mixed.safetensors');
    const tensors: Record<string, Tensor> = {
      f64: tensor([[1 / 3, -2.5e-300], [Math.PI, 1e300]], { dtype: 'float64' }),
      i64: tensor([-(2 ** 53) + 1, 0, 2 ** 53 - 1], { dtype: 'int64' }),
      flags: tensor([true, false, true]),
      half: tensor([0.5, -1.25, 65504], { dtype: 'float16' }),
      transposed: arange(6, { dtype: 'float32' }).reshape(2, 3).t(),
      scalar: tensor(3.5),
      empty: tensor([], { dtype: 'float32' }),
    };
    save(tensors, path);
    const back = load(path);
    expect([...back.keys()].sort()).toEqual(Object.keys(tensors).sort());
    for (const [k, t] of Object.entries(tensors)) {
      const got = back.get(k)!;
      expect(got.dtype, k).toBe(t.dtype);
      expect(got.shape, k).toEqual(t.shape);
      expect(got.toArray(), k).toEqual(t.toArray());
    }
  });

  it('a Map and a plain object save the same file', () => {
    const sd = tutorialModel().stateDict();
    save(sd, join(dir, 'a.safetensors'));
    save(Object.fromEntries(sd), join(dir, 'b.safetensors'));
    expect(readFileSync(join(dir, 'a.safetensors'))).toEqual(readFileSync(join(dir, 'b.safetensors')));
  });

  it('refuses what safetensors cannot hold', () => {
    expect(() => save({ w: [1, 2] as unknown as Tensor }, join(dir, 'x.safetensors'))).toThrow('torch.save: "w" is not a Tensor');
    expect(() => save({}, '')).toThrow('torch.save: path must be a non-empty string');
    expect(() => save({ w: tensor([1]) }, join(dir, 'no-such-dir', 'x.safetensors'))).toThrow(TorchError);
  });
});

describe('broken files are clear TorchErrors, never a crash', () => {
  const valid = () => readFileSync(join(FIXTURE_DIR, fx.tutorial.model_file));
  const header = (json: string) => {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
    return Buffer.concat([len, Buffer.from(json)]);
  };
  const broken: Record<string, () => Buffer> = {
    empty: () => Buffer.alloc(0),
    'seven bytes': () => Buffer.from([1, 2, 3, 4, 5, 6, 7]),
    garbage: () => Buffer.from('this is not a safetensors file at all, just text'.repeat(4)),
    'truncated data': () => valid().subarray(0, valid().length - 16),
    'truncated header': () => valid().subarray(0, 40),
    'header length beyond the file': () => Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00]), Buffer.alloc(32)]),
    'header is not JSON': () => header('{"w": {"dtype": "F32", '),
    'offsets past the data': () => header('{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}'),
    'shape disagrees with offsets': () => Buffer.concat([header('{"w":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}}'), Buffer.alloc(16)]),
    'unknown dtype': () => Buffer.concat([header('{"w":{"dtype":"Q7","shape":[4],"data_offsets":[0,16]}}'), Buffer.alloc(16)]),
  };

  it.each(Object.keys(broken))('%s', (name) => {
    const path = join(dir, `${name.replaceAll(' ', '_')}.safetensors`);
    writeFileSync(path, broken[name]!());
    let caught: unknown;
    try {
      load(path);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TorchError);
    const message = (caught as Error).message;
    // One line: the path once, then what is wrong with the file.
    expect(message.startsWith(`${path}: not a valid safetensors file (`)).toBe(true);
    expect(message.split(path).length).toBe(2);
    expect(message).not.toContain('\n');
  });

  it('a missing file names the path', () => {
    const path = join(dir, 'missing.safetensors');
    expect(() => load(path)).toThrow(`No such file or directory: '${path}'`);
    expect(() => load('')).toThrow('torch.load: path must be a non-empty string');
  });

  it('a well-formed file still loads after all that', () => {
    expect(load(join(FIXTURE_DIR, fx.tutorial.model_file)).size).toBe(6);
  });
});

describe.skipIf(!!reference.skip)(titleFor('a model saved by torchts loads in PyTorch (TORCHTS_TEST_PYTHON)', reference), () => {
  it('safetensors.torch.load_file + load_state_dict predicts identically in Python', () => {
    manualSeed(11);
    const model = tutorialModel();
    const modelPath = join(dir, 'from_ts.safetensors');
    const inputPath = join(dir, 'x.safetensors');
    save(model.stateDict(), modelPath);
    save({ x: xTest() }, inputPath);
    const script = [
      'import sys, json, torch',
      'from torch import nn',
      'from safetensors.torch import load_file',
      'model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 2))',
      'print(json.dumps(str(model.load_state_dict(load_file(sys.argv[1])))))',
      'with torch.no_grad(): out = model.eval()(load_file(sys.argv[2])["x"])',
      'print(json.dumps(out.reshape(-1).tolist()))',
    ].join('\n');
    const run = spawnSync(reference.python!, ['-c', script, modelPath, inputPath], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const [keys, logits] = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(keys).toBe('<All keys matched successfully>');
    expect(float32Bits(logits as number[])).toEqual(float32Bits(values(predict(model, xTest()))));
  });
});
