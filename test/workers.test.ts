// Issue 9: the addon loads in several worker_threads at once and independent
// models train concurrently with correct results.
//
// Everything runs in a child process (test/helpers/workers-main.ts, bundled
// with the current sources): a crash of the addon in a worker would otherwise
// take the vitest worker down with it.
//
// Determinism across threads: libtorch's default generator is process-global,
// so `manualSeed(s)` + building the model inside each worker would interleave
// the workers' draws and make their initial weights depend on scheduling. The
// initial weights are therefore drawn in the main thread, one seed after
// another, before any worker starts, and passed to the workers as data. From
// there training draws nothing (full batch, no dropout, no shuffling), so each
// worker's result must equal -- bit for bit -- the same training run in the
// main thread, which runs at the same time as the workers. Each worker trains
// in the three modes (eager API, fused fit, fitAsync on the thread pool).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundle } from './helpers/bundle.mjs';
import { describeEnd, runNode } from './helpers/child';
import type { TrainResult } from './helpers/circles-train';

let dir: string;
let mainScript: string;
let workerScript: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchts-workers-test-'));
  [mainScript, workerScript] = await Promise.all([
    bundle('test/helpers/workers-main.ts', { outDir: dir }),
    bundle('test/helpers/worker-train.ts', { outDir: dir }),
  ]);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

interface ErrorShape {
  threw: boolean;
  isTorchError?: boolean;
  name?: string;
  code?: string;
  message?: string;
}

interface Report {
  specs: { dataSeed: number; mode: string; epochs: number }[];
  results: TrainResult[];
  reference: TrainResult[];
  errors: Record<'libtorch' | 'binding' | 'labels', ErrorShape>[];
  mainErrors: { isTorchError: boolean; message: string };
  exits: number[];
  ms: number;
}

describe('worker_threads', () => {
  it('4 workers load the addon at once and train independent models (eager, fused, fitAsync) to the main thread\'s exact results', async () => {
    const r = await runNode(mainScript, [workerScript, '--workers', '4', '--epochs', '300'], { timeoutMs: 120_000 });
    expect(r.code, describeEnd(r)).toBe(0);
    const report = r.summary as Report;
    expect(report.results).toHaveLength(12);
    report.results.forEach((result, i) => {
      const { dataSeed, mode } = report.specs[i]!;
      const label = `seed ${dataSeed}, ${mode}`;
      // same numbers as the main thread, bit for bit
      expect(result.finalLoss, label).toBe(report.reference[i]!.finalLoss);
      expect(result.accuracy, label).toBe(report.reference[i]!.accuracy);
      expect(result.params, label).toEqual(report.reference[i]!.params);
      // and it actually trained
      expect(result.finalLoss, label).toBeLessThan(result.firstLoss / 10);
      expect(result.accuracy, label).toBeGreaterThanOrEqual(0.95);
    });
    // independent models: different seeds end in different weights
    expect(report.results[0]!.params).not.toEqual(report.results[3]!.params);
    // the three modes agree with each other too
    expect(report.results[1]!.params).toEqual(report.results[0]!.params);
    expect(report.results[2]!.params).toEqual(report.results[0]!.params);

    // errors thrown inside each worker are TorchErrors: the error factory is registered per thread
    for (const e of report.errors) {
      expect(e.libtorch).toMatchObject({ threw: true, isTorchError: true, name: 'TorchError', code: 'TORCH_ERROR' });
      expect(e.libtorch.message).toMatch(/cannot be multiplied/);
      expect(e.binding).toMatchObject({ threw: true, isTorchError: true, code: 'INVALID_ARGUMENT' });
      expect(e.labels).toMatchObject({ threw: true, isTorchError: true });
      expect(e.labels.message).toMatch(/Target 5 is out of bounds/);
    }
    // ...and the main thread's still are, after the workers have gone
    expect(report.mainErrors).toMatchObject({ isTorchError: true });
    console.log(`workers: 4 workers x 3 modes equal to the main thread; ${report.ms} ms`);
  }, 150_000);

  // OPEN (src/train.rs FitTask; documented as a limitation in ts/train.ts):
  // a running fitAsync is napi async work on libuv's thread pool, and Node's
  // worker teardown waits for pending thread-pool work before any cleanup hook
  // runs, so worker.terminate() returns only when the whole fit has finished
  // -- for this fit, minutes. (process.exit() was fixed in 96e3c57: running
  // fits are cancelled on 'exit'.) Possible fixes: have the fit's compute loop
  // notice its environment stopping (e.g. a napi_ref'd sentinel whose
  // finalizer sets `cancelled`, or a periodic `napi_call_threadsafe_function`
  // whose napi_closing status stops the fit), or run fits on a thread of
  // torchts's own instead of the shared pool. Workaround, tested below: abort
  // the fit (AbortSignal) before terminating the worker.
  it.fails('worker.terminate() during fitAsync returns promptly (known limitation: it waits for the fit)', async () => {
    const r = await runNode(mainScript, [workerScript, '--terminate'], { timeoutMs: 5_000 });
    expect(r.timedOut, describeEnd(r)).toBe(false);
    const report = r.summary as { terminateMs: number; after: number };
    expect(report.terminateMs).toBeLessThan(2_000);
    expect(report.after).toBe(6);
  }, 30_000);

  it('aborting the fit first, worker.terminate() returns promptly and the process carries on', async () => {
    const r = await runNode(mainScript, [workerScript, '--terminate', '--abort-first'], { timeoutMs: 30_000 });
    expect(r.code, describeEnd(r)).toBe(0);
    const report = r.summary as { terminateMs: number; after: number };
    expect(report.terminateMs).toBeLessThan(2_000);
    expect(report.after).toBe(6);
  }, 40_000);
});
