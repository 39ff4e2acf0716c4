// Intra-op threads on every thread: torch.setNumThreads (or OMP_NUM_THREADS)
// governs the libuv pool threads that run fitAsync/forwardAsync too, by
// default background work leaves the event loop's thread a core, and it runs
// at a lower CPU priority. Each case
// runs in its own process with one libuv thread.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from './helpers/bundle.mjs';
import { describeEnd, runNode } from './helpers/child';

const cores = os.availableParallelism();

describe.skipIf(cores < 2 || process.platform !== 'linux')('threads of background work', () => {
  let dir: string;
  let torchUrl: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchts-threads-test-'));
    torchUrl = pathToFileURL(await bundle('ts/index.ts', { outDir: dir, name: 'torch.mjs' })).href;
  }, 60_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /**
   * Runs one small fitAsync (so the pool thread has started its OpenMP state
   * with the defaults), then `setup`, then a fitAsync and a forwardAsync big
   * enough for libtorch to parallelise (2-256-256-2, batches of 1024). Reports
   * how many threads besides the main one did a real share of that work
   * (CPU time from /proc), and the main thread's count before and after.
   */
  async function probe(setup: string, env: NodeJS.ProcessEnv = {}) {
    const file = path.join(dir, `probe-${Math.random().toString(36).slice(2)}.mjs`);
    fs.writeFileSync(
      file,
      `import fs from 'node:fs';
      import * as torch from ${JSON.stringify(torchUrl)};
      const { nn, optim } = torch;
      const stat = (tid) => {
        const text = fs.readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
        return text.slice(text.lastIndexOf(')') + 2).split(' ');
      };
      const cpu = () => new Map(fs.readdirSync('/proc/self/task').map((tid) => [tid, Number(stat(tid)[11]) + Number(stat(tid)[12])]));
      torch.manualSeed(0);
      const x = torch.randn([16384, 2]);
      const y = x.pow(2).sum(1).gt(1).long();
      const model = new nn.Sequential(new nn.Linear(2, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 2));
      const fit = (rows, epochs) => torch.fitAsync(model, { optimizer: new optim.Adam(model.parameters()), criterion: new nn.CrossEntropyLoss(),
        xTrain: x.slice(0, 0, rows), yTrain: y.slice(0, 0, rows), epochs, batchSize: 1024 });
      await fit(1024, 1);
      const mainBefore = torch.getNumThreads();
      ${setup}
      const before = cpu();
      await fit(16384, 2);
      await torch.noGrad(() => model.forwardAsync(x));
      const used = [...cpu()].filter(([tid]) => tid !== String(process.pid)).map(([tid, t]) => [tid, t - (before.get(tid) ?? 0)]);
      const most = Math.max(...used.map(([, t]) => t));
      const busiest = used.find(([, t]) => t === most)[0];
      console.log(JSON.stringify({ busy: used.filter(([, t]) => t >= 0.2 * most).length, mainBefore, mainAfter: torch.getNumThreads(),
        mainNice: Number(stat(process.pid)[16]), backgroundNice: Number(stat(busiest)[16]) }));`,
    );
    const r = await runNode(file, [], { timeoutMs: 60_000, env: { UV_THREADPOOL_SIZE: '1', OMP_NUM_THREADS: undefined, ...env } });
    expect(r.code, describeEnd(r)).toBe(0);
    return r.summary as { busy: number; mainBefore: number; mainAfter: number; mainNice: number; backgroundNice: number };
  }

  it('setNumThreads(1) reaches the thread-pool thread: it runs alone', async () => {
    const r = await probe('torch.setNumThreads(1);');
    expect(r.busy).toBe(1);
    expect(r.mainAfter).toBe(1);
  }, 60_000);

  it('setNumThreads(2) gives background work a team of 2', async () => {
    const r = await probe('torch.setNumThreads(2);');
    expect(r.busy).toBe(2); // the libuv thread leads, one OpenMP worker joins it
    expect(r.mainAfter).toBe(2);
  }, 60_000);

  it('OMP_NUM_THREADS is honoured on the thread-pool thread', async () => {
    const r = await probe('', { OMP_NUM_THREADS: '2' });
    expect(r.busy).toBe(2);
  }, 60_000);

  it('by default background work uses all cores but one, and the main thread keeps its own count', async () => {
    const r = await probe('');
    // 2 cores: the pool thread alone; more: a team, never all the cores
    if (cores === 2) expect(r.busy).toBe(1);
    else expect(r.busy).toBeLessThanOrEqual(cores - 1);
    expect(r.mainBefore).toBe(r.mainAfter);
  }, 60_000);

  it('background work runs at a lower CPU priority than the event loop, unless TORCHTS_BACKGROUND_NICE=0', async () => {
    const lowered = await probe('');
    expect(lowered.backgroundNice).toBe(Math.min(19, lowered.mainNice + 19));
    const same = await probe('', { TORCHTS_BACKGROUND_NICE: '0' });
    expect(same.backgroundNice).toBe(same.mainNice);
  }, 60_000);
});
