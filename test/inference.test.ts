// Issue 6: async forward/inference (Module.forwardAsync, src/inference.rs).
//   - built-in models run on napi's thread pool with exactly the numbers of
//     the synchronous forward, under the caller's grad mode (backward works);
//   - batchSize chunks along dim 0; an AbortSignal stops between chunks;
//   - any number of calls may share a model; while they run, the parameters
//     and the input are read-only (in-place changes, dispose, optimizer.step,
//     loadStateDict and fit are refused with a clear error), reading is fine;
//   - custom modules fall back to their JS forward after a yield.
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import { Tensor } from '../ts/tensor';
import { native } from '../ts/native';

const { nn, optim } = torch;

function tutorialModel(seed = 42) {
  torch.manualSeed(seed);
  return new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 4), new nn.ReLU(), new nn.Linear(4, 2));
}

function points(n: number, seed = 0): Tensor {
  const { X } = torch.makeCircles(n, { noise: 0.03, randomState: seed });
  return torch.tensor(X, { dtype: torch.float32 });
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the promise to reject');
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('forwardAsync on built-in models', () => {
  it('equals the synchronous forward bit for bit, with and without grad', async () => {
    const model = tutorialModel();
    model.eval();
    const x = points(1000);
    const sync = torch.noGrad(() => model.forward(x));
    const asyncNoGrad = await torch.noGrad(() => model.forwardAsync(x));
    expect(asyncNoGrad.shape).toEqual([1000, 2]);
    expect(asyncNoGrad.equal(sync)).toBe(true);
    expect(asyncNoGrad.requiresGrad).toBe(false);

    const withGrad = await model.forwardAsync(x);
    expect(withGrad.requiresGrad).toBe(true);
    expect(withGrad.isLeaf).toBe(false);
    expect(withGrad.equal(sync)).toBe(true);
    // The graph built on the worker thread backpropagates from this one.
    withGrad.sum().backward();
    const asyncGrads = model.parameters().map((p) => p.grad!.clone());
    for (const p of model.parameters()) p.grad = null;
    model.forward(x).sum().backward();
    model.parameters().forEach((p, i) => expect(p.grad!.equal(asyncGrads[i]!), `grad ${i}`).toBe(true));
  });

  it('chunks with batchSize along dim 0 and matches the whole forward', async () => {
    const model = tutorialModel();
    model.eval();
    const x = points(1000);
    const whole = torch.noGrad(() => model.forward(x));
    for (const batchSize of [1, 7, 256, 1000, 5000]) {
      const out = await torch.noGrad(() => model.forwardAsync(x, { batchSize }));
      expect(out.shape, `batchSize ${batchSize}`).toEqual([1000, 2]);
      expect(out.allclose(whole, { rtol: 1e-6, atol: 1e-6 }), `batchSize ${batchSize}`).toBe(true);
    }
    const empty = await model.forwardAsync(torch.zeros([0, 2]), { batchSize: 4 });
    expect(empty.shape).toEqual([0, 2]);
  });

  it('a lone built-in layer, nested Sequentials and dropout in train/eval mode', async () => {
    torch.manualSeed(1);
    const linear = new nn.Linear(3, 5);
    const x = torch.randn(4, 3);
    expect((await linear.forwardAsync(x)).equal(linear.forward(x))).toBe(true);

    const nested = new nn.Sequential(new nn.Sequential(new nn.Linear(3, 6), new nn.Tanh()), new nn.Flatten(), new nn.Sequential(new nn.Linear(6, 2), new nn.Sigmoid()));
    expect((await nested.forwardAsync(x)).equal(nested.forward(x))).toBe(true);

    const drop = new nn.Sequential(new nn.Identity(), new nn.Dropout(1));
    drop.train();
    expect((await drop.forwardAsync(torch.ones([3, 3]))).sum().item()).toBe(0);
    drop.eval();
    expect((await drop.forwardAsync(torch.ones([3, 3]))).sum().item()).toBe(9);
  });

  it('many concurrent calls share one model, and the event loop runs while they compute', async () => {
    const model = tutorialModel();
    model.eval();
    const x = points(20_000);
    const expected = torch.noGrad(() => model.forward(x));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const pending = Array.from({ length: 8 }, () => torch.noGrad(() => model.forwardAsync(x, { batchSize: 500 })));
    // Taken by the native path only: the thread-pool task reads these.
    expect(model._heldBy()).toBe('forwardAsync');
    expect(native.heldBy(x._n)).toBe('forwardAsync');
    const outs = await Promise.all(pending);
    clearInterval(timer);
    for (const out of outs) expect(out.allclose(expected, { rtol: 1e-6, atol: 1e-6 })).toBe(true);
    expect(ticks, 'timer callbacks while 8 forwards ran on the thread pool').toBeGreaterThan(0);
  });
});

describe('forwardAsync: read-only parameters while it runs', () => {
  it('refuses writers, allows readers, and releases everything when it settles', async () => {
    const model = tutorialModel();
    const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
    const x = points(200_000);
    const w = model.parameters()[0]!;
    const pending = torch.noGrad(() => model.forwardAsync(x, { batchSize: 1000 }));

    for (const [what, fn] of [
      ['in-place change of a parameter', () => torch.noGrad(() => w.add_(torch.onesLike(w)))],
      ['disposing a parameter', () => w.dispose()],
      ['disposing the input', () => x.dispose()],
      ['optimizer.step', () => optimizer.step()],
      ['loadStateDict', () => model.loadStateDict(model.stateDict())],
      ['fit', () => torch.fit(model, { optimizer, criterion: new nn.CrossEntropyLoss(), xTrain: x, yTrain: torch.zeros([200_000], { dtype: torch.long }), epochs: 1 })],
    ] as const) {
      const e = thrown(fn);
      expect(e, what).toBeInstanceOf(torch.TorchError);
      expect(e.message, what).toMatch(/forwardAsync/);
    }
    // Reading is fine: printing a weight, a synchronous forward, another forwardAsync.
    expect(String(w)).toMatch(/^Parameter containing:/);
    expect(torch.noGrad(() => model.forward(x.narrow(0, 0, 3))).shape).toEqual([3, 2]);
    const second = await torch.noGrad(() => model.forwardAsync(x.narrow(0, 0, 10)));
    expect(second.shape).toEqual([10, 2]);

    const out = await pending;
    expect(out.shape).toEqual([200_000, 2]);
    // Released: the writers work again.
    torch.noGrad(() => w.add_(torch.zerosLike(w)));
    optimizer.step();
    expect(model._heldBy()).toBeNull();
    expect(native.heldBy(w._n)).toBeNull();
    expect(native.heldBy(x._n)).toBeNull();
  });

  it('aliases of the parameters (stateDict entries, views) are read-only too, other tensors are not', async () => {
    const model = tutorialModel();
    const x = points(200_000);
    const alias = model.stateDict().get('0.weight')!;
    const view = x.narrow(0, 10, 5);
    const other = torch.ones(3);
    const pending = torch.noGrad(() => model.forwardAsync(x, { batchSize: 1000 }));
    for (const [what, fn] of [
      ['a stateDict entry', () => torch.noGrad(() => alias.mul_(2))],
      ['a view of the input', () => view.fill_(0)],
    ] as const) {
      const e = thrown(fn);
      expect(e, what).toBeInstanceOf(torch.TorchError);
      expect(e.message, what).toMatch(/forwardAsync/);
    }
    expect(alias.sum().item()).toBeTypeOf('number'); // reading is fine
    other.mul_(2); // unrelated memory is not held
    await pending;
    view.fill_(0);
    expect(view.sum().item()).toBe(0);
  });

  it('is refused while fitAsync trains the model', async () => {
    const model = tutorialModel();
    const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
    const x = points(5_000);
    const y = torch.zeros([5_000], { dtype: torch.long });
    const training = torch.fitAsync(model, { optimizer, criterion: new nn.CrossEntropyLoss(), xTrain: x, yTrain: y, epochs: 20 });
    const e = await rejection(model.forwardAsync(x));
    expect(e).toBeInstanceOf(torch.TorchError);
    expect(e.message).toMatch(/busy/);
    await training;
    expect((await model.forwardAsync(x)).shape).toEqual([5_000, 2]);
  });
});

describe('forwardAsync: abort and errors', () => {
  it('an AbortSignal rejects with its reason, before or during the run, and the model stays usable', async () => {
    const model = tutorialModel();
    const x = points(100_000);
    const before = new AbortController();
    before.abort();
    const early = await rejection(model.forwardAsync(x, { signal: before.signal }));
    expect(early.name).toBe('AbortError');

    const during = new AbortController();
    const pending = torch.noGrad(() => model.forwardAsync(x, { batchSize: 1, signal: during.signal }));
    setImmediate(() => during.abort(new Error('client went away')));
    const e = await rejection(pending);
    expect(e.message).toBe('client went away');
    expect(model._heldBy()).toBeNull();
    const w = model.parameters()[0]!;
    torch.noGrad(() => w.add_(torch.zerosLike(w))); // no longer read-locked
    expect((await model.forwardAsync(x.narrow(0, 0, 5))).shape).toEqual([5, 2]);
  });

  it('bad input gives one-line TorchErrors', async () => {
    const model = tutorialModel();
    const shape = await rejection(model.forwardAsync(torch.zeros([4, 3])));
    expect(shape).toBeInstanceOf(torch.TorchError);
    expect(shape.message).toBe('mat1 and mat2 shapes cannot be multiplied (4x3 and 2x8)');
    expect(model._heldBy()).toBeNull();

    expect((await rejection(model.forwardAsync('x' as unknown as Tensor))).message).toBe('forwardAsync: input must be a Tensor, got string');
    expect(await rejection(model.forwardAsync(torch.zeros([4, 2]), { batchSize: 0 }))).toHaveProperty('message', 'batch_size should be a positive integer value, but got batch_size=0');
    const scalarErr = await rejection(model.forwardAsync(torch.tensor(1), { batchSize: 2 }));
    expect(scalarErr.message).toMatch(/0-d/);
    const gone = torch.zeros([2, 2]);
    gone.dispose();
    expect((await rejection(model.forwardAsync(gone))).message).toMatch(/disposed/);
  });
});

describe('forwardAsync on modules that run JavaScript', () => {
  class Doubler extends nn.Module {
    layer = new nn.Linear(2, 3);
    override forward(x: Tensor): Tensor {
      return this.layer.forward(x).mul(2);
    }
  }
  class ShiftedLinear extends nn.Linear {
    override forward(x: Tensor): Tensor {
      return super.forward(x).add(100);
    }
  }

  it('runs their own forward (with chunks), never a native stand-in', async () => {
    torch.manualSeed(3);
    const custom = new Doubler();
    const x = torch.randn(10, 2);
    const pending = custom.forwardAsync(x);
    expect(custom._heldBy(), 'no native task for JS modules').toBeNull();
    expect((await pending).equal(custom.forward(x))).toBe(true);
    // The caller's grad mode holds although the forward runs after a yield.
    const { weight } = custom.layer;
    expect((await torch.noGrad(() => custom.forwardAsync(x))).requiresGrad).toBe(false);
    expect(weight.requiresGrad && (await custom.forwardAsync(x)).requiresGrad).toBe(true);
    const chunked = await custom.forwardAsync(x, { batchSize: 3 });
    expect(chunked.allclose(custom.forward(x), { rtol: 1e-6, atol: 1e-6 })).toBe(true);

    const shifted = new ShiftedLinear(2, 2);
    expect(shifted._layerSpecs([])).toBeNull();
    expect((await shifted.forwardAsync(x)).equal(shifted.forward(x))).toBe(true);
    const seq = new nn.Sequential(new nn.ReLU(), shifted);
    expect(seq._layerSpecs([])).toBeNull();
    expect((await seq.forwardAsync(x)).equal(seq.forward(x))).toBe(true);
  });
});

describe('forwardAsync on a module whose forward returns an array (RNNs, attention)', () => {
  it('returns what forward returns, and refuses batchSize, which would join arrays', async () => {
    torch.manualSeed(0);
    const gru = new nn.GRU(3, 4);
    const x = torch.randn(5, 2, 3);
    const [out, h] = (await gru.forwardAsync(x)) as unknown as [torch.Tensor, torch.Tensor];
    const [want, wantH] = gru.forward(x);
    expect(out.equal(want)).toBe(true);
    expect(h.equal(wantH)).toBe(true);
    const e = await rejection(gru.forwardAsync(x, { batchSize: 2 }));
    expect(e.message).toMatch(/^forwardAsync: batchSize needs a forward that returns a Tensor, but GRU\.forward returned /);
  });
});

describe('forwardAsync while fitAsync trains the same model', () => {
  it('is refused by the engine with the busy error (no JavaScript walk of the parameters), and works once the fit settles', async () => {
    torch.manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 2));
    const x = torch.randn([2048, 2]);
    const y = torch.randint(0, 2, [2048]);
    const fit = torch.fitAsync(model, { optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), criterion: new nn.CrossEntropyLoss(), xTrain: x, yTrain: y, epochs: 200 });
    await expect(model.forwardAsync(x)).rejects.toThrow(/busy: a background task \(fitAsync\)/);
    await fit;
    const out = await torch.noGrad(() => model.forwardAsync(x));
    expect(out.equal(torch.noGrad(() => model(x)))).toBe(true);
  });
});
