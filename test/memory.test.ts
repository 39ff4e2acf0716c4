// Native memory: dispose(), `using`, tidy() scopes, the noGrad guard, and RSS
// staying flat when nothing is disposed by hand (GC finalizers free it).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import type { Tensor } from '../ts/index';

const MiB = 2 ** 20;
const rssMiB = () => process.memoryUsage().rss / MiB;
const gc = (globalThis as { gc?: () => void }).gc;
// The built package, as `npm test` leaves it (its setup step builds dist/).
const distEntry = path.resolve(__dirname, '..', 'dist', 'index.cjs');
const fixture = path.resolve(__dirname, 'fixtures', 'loop-rss.cjs');

/** Runs one loop of fixtures/loop-rss.cjs in a fresh Node process (the one running the tests). */
function loopRss(loop: 'randn' | 'pow' | 'add', nodeFlags: string[] = []): { before: number; peak: number } {
  const run = spawnSync(process.execPath, [...nodeFlags, fixture, distEntry, loop], { encoding: 'utf8', timeout: 120_000 });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { before: number; peak: number };
}

/**
 * Yields between chunks, as programs do between requests or batches (the
 * synchronous cases below check that nothing depends on it).
 */
async function yieldToEventLoop(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  gc?.();
}

function expectDisposedError(use: () => unknown): void {
  let thrown: unknown;
  try {
    use();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(torch.TorchError);
  expect((thrown as Error).message).toBe('tensor has been disposed');
}

describe('dispose()', () => {
  it('frees the tensor, and every later use throws a clear error', () => {
    const t = torch.ones(2, 2);
    const other = torch.ones(2, 2);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    const uses: (() => unknown)[] = [
      () => t.add(1),
      () => t.add(other),
      () => other.add(t),
      () => t.shape,
      () => t.dtype,
      () => t.item(),
      () => t.toArray(),
      () => t.data(),
      () => t.sum(),
      () => t.reshape(4),
      () => t.backward(),
      () => String(t),
      () => torch.cat([other, t]),
      () => torch.matmul(other, t),
    ];
    for (const use of uses) expectDisposedError(use);
    expect(other.add(1).shape).toEqual([2, 2]);
  });

  it('is idempotent and prints as disposed', async () => {
    const t = torch.zeros(3);
    t.dispose();
    t.dispose();
    const { inspect } = await import('node:util');
    expect(inspect(t)).toBe('Tensor(disposed)');
  });

  it('frees a view without touching its base', () => {
    const base = torch.arange(6).reshape(2, 3);
    const expected = base.toArray();
    const view = base.t();
    view.dispose();
    expect(base.toArray()).toEqual(expected);
  });

  it('torch.dispose() frees tensors inside arrays and objects', () => {
    const [a, b, c] = [torch.ones(1), torch.ones(1), torch.ones(1)];
    torch.dispose([a, { inner: [b] }, c]);
    expect([a.isDisposed, b.isDisposed, c.isDisposed]).toEqual([true, true, true]);
  });
});

describe('using (Symbol.dispose)', () => {
  it('frees the tensor at the end of the block', () => {
    let escaped: Tensor;
    {
      using t = torch.ones(2);
      escaped = t;
      expect(t.isDisposed).toBe(false);
    }
    expect(escaped.isDisposed).toBe(true);
  });

  it('frees on the way out of a throwing block', () => {
    let escaped: Tensor | undefined;
    expect(() => {
      using t = torch.ones(2);
      escaped = t;
      throw new Error('boom');
    }).toThrow('boom');
    expect(escaped!.isDisposed).toBe(true);
  });

  it('tolerates a tensor disposed inside the block', () => {
    expect(() => {
      using t = torch.ones(2);
      t.dispose();
    }).not.toThrow();
  });
});

describe('tidy()', () => {
  it('frees everything created inside except what is returned', () => {
    const x = torch.ones(2, 2);
    let intermediates: Tensor[] = [];
    const y = torch.tidy(() => {
      const doubled = x.mul(2);
      const shifted = doubled.add(1);
      const [values, indices] = torch.max(shifted, 1);
      intermediates = [doubled, shifted, values, indices];
      return shifted.sum();
    });
    expect(intermediates.map((t) => t.isDisposed)).toEqual([true, true, true, true]);
    expect(x.isDisposed).toBe(false);
    expect(y.isDisposed).toBe(false);
    expect(y.item()).toBe(x.mul(2).add(1).sum().item());
  });

  it('keeps tensors returned inside arrays, objects and Maps', () => {
    let temp: Tensor | undefined;
    const out = torch.tidy(() => {
      temp = torch.ones(1).mul(5);
      return { list: [torch.ones(1)], nested: { t: torch.zeros(1) }, map: new Map([['k', torch.ones(2)]]) };
    });
    expect(temp!.isDisposed).toBe(true);
    expect(out.list[0]!.isDisposed).toBe(false);
    expect(out.nested.t.isDisposed).toBe(false);
    expect(out.map.get('k')!.isDisposed).toBe(false);
  });

  it('nests: an inner result lives until the outer scope ends', () => {
    let innerTemp: Tensor | undefined;
    let innerResult: Tensor | undefined;
    let outerTemp: Tensor | undefined;
    const result = torch.tidy(() => {
      outerTemp = torch.ones(2);
      innerResult = torch.tidy(() => {
        innerTemp = torch.ones(2).mul(3);
        return innerTemp.add(1);
      });
      expect(innerTemp!.isDisposed).toBe(true);
      expect(innerResult.isDisposed).toBe(false);
      return innerResult.mul(2);
    });
    expect(innerResult!.isDisposed).toBe(true);
    expect(outerTemp!.isDisposed).toBe(true);
    expect(result.isDisposed).toBe(false);
  });

  it('keep() lets a tensor outlive its scope', () => {
    let kept: Tensor | undefined;
    let dropped: Tensor | undefined;
    torch.tidy(() => {
      kept = torch.keep(torch.ones(1));
      dropped = torch.ones(1);
    });
    expect(kept!.isDisposed).toBe(false);
    expect(dropped!.isDisposed).toBe(true);
  });

  it('frees and rethrows when the function throws', () => {
    let temp: Tensor | undefined;
    expect(() =>
      torch.tidy(() => {
        temp = torch.ones(2);
        return temp.matmul(torch.ones(3, 3));
      }),
    ).toThrow(torch.TorchError);
    expect(temp!.isDisposed).toBe(true);
  });

  it('refuses async functions', () => {
    expect(() => torch.tidy(async () => torch.ones(1))).toThrow(TypeError);
  });

  it('frees grad wrappers read inside, not the gradient itself', () => {
    const x = torch.ones(3, { requiresGrad: true });
    x.mul(x).sum().backward();
    const expected = x.grad!.toArray();
    let wrapper: Tensor | null = null;
    torch.tidy(() => {
      wrapper = x.grad;
    });
    expect(wrapper!.isDisposed).toBe(true);
    expect(x.grad!.toArray()).toEqual(expected);
  });
});

describe('noGrad() as a guard', () => {
  it('disables gradients inside a using block and restores them after', () => {
    const x = torch.ones(2, { requiresGrad: true });
    expect(torch.isGradEnabled()).toBe(true);
    {
      using _guard = torch.noGrad();
      expect(torch.isGradEnabled()).toBe(false);
      expect(x.mul(2).requiresGrad).toBe(false);
      {
        using _inner = torch.enableGrad();
        expect(x.mul(2).requiresGrad).toBe(true);
      }
      expect(torch.isGradEnabled()).toBe(false);
    }
    expect(torch.isGradEnabled()).toBe(true);
    expect(x.mul(2).requiresGrad).toBe(true);
  });

  it('restores grad mode when the block throws', () => {
    expect(() => {
      using _guard = torch.noGrad();
      throw new Error('boom');
    }).toThrow('boom');
    expect(torch.isGradEnabled()).toBe(true);
    expect(() => torch.noGrad(() => torch.ones(2).matmul(torch.ones(3)))).toThrow(torch.TorchError);
    expect(torch.isGradEnabled()).toBe(true);
  });
});

describe('native memory without explicit disposal', () => {
  // A leak detector: 200k ops after 200k of warm-up, each 10k-op chunk
  // ending with a yield and a full collection, in a fresh process. Holding
  // every result (a leak) adds ~145 MiB per 200k ops; without a leak the
  // heap is flat (measured 0-0.2 MiB on Node 20 and 24). Without forced collections the growth
  // depended on the machine's load (5-24 MiB alone, 76 MiB on Node 24 while
  // other builds ran), which is V8 sizing its heap, not memory kept.
  it('200,000 small ops after warm-up keep RSS flat (growth under 32 MiB)', () => {
    const { before, peak } = loopRss('add', ['--expose-gc']);
    console.info(`[memory] 200k a.add(b) on 2x2 after 200k of warm-up, collected per 10k: RSS ${before.toFixed(1)} -> peak ${peak.toFixed(1)} MiB`);
    expect(peak - before).toBeLessThan(32);
  });

  // Finalizers run inside garbage collection (the addon asks for Node-API's
  // experimental version), so a loop that never yields frees as it goes.
  // Before, 200k randn steps grew RSS by ~1 GiB and 30k pow steps ended at
  // 943 MiB: Node ran finalizers only when the event loop turned. Each loop
  // runs in a fresh process, as the user's script it stands for.

  it('a synchronous loop of 200,000 randn([256]).add(1).mul(2) grows RSS under 64 MiB', () => {
    const { before, peak } = loopRss('randn');
    console.info(`[memory] synchronous 200k randn(256).add(1).mul(2): RSS ${before.toFixed(1)} -> peak ${peak.toFixed(1)} MiB`);
    expect(peak - before).toBeLessThan(64);
  });

  it('a synchronous loop of 30,000 x.pow(2).mul(3).add(y) on 2000 elements grows RSS under 64 MiB', () => {
    const { before, peak } = loopRss('pow');
    console.info(`[memory] synchronous 30k x.pow(2).mul(3).add(y): RSS ${before.toFixed(1)} -> peak ${peak.toFixed(1)} MiB`);
    expect(peak - before).toBeLessThan(64);
  });

  it('large tensors are reclaimed: 2 GiB allocated, RSS grows far less', async () => {
    // V8 is told each tensor's native size, so big dead tensors trigger GC.
    const before = rssMiB();
    let peak = before;
    for (let chunk = 0; chunk < 25; chunk++) {
      for (let i = 0; i < 10; i++) torch.ones(1024, 1024).mul(2); // two 4 MiB tensors
      await yieldToEventLoop();
      peak = Math.max(peak, rssMiB());
    }
    const growth = peak - before;
    console.info(`[memory] 500 x 4 MiB tensors: RSS ${before.toFixed(1)} -> peak ${peak.toFixed(1)} MiB (growth ${growth.toFixed(1)} MiB)`);
    expect(growth).toBeLessThan(512);
  });
});
