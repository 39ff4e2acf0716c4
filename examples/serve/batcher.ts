// Dynamic micro-batching: requests that arrive while the model is busy ride
// together in one forward pass.
//
// The rule (the Python server in bench/serve/fastapi_server.py follows it too):
//   Requests join a FIFO queue. A batch leaves the queue when fewer than
//   `maxInflight` batches are running and one of these holds:
//     - no batch is running (an idle model never waits),
//     - the queue holds at least `maxBatchRows` rows,
//     - the oldest queued request has waited `maxWaitMs`.
//   The check runs once per turn of the event loop (setImmediate), so the
//   requests parsed in the same turn go out together. A batch takes whole
//   requests from the head of the queue while their rows fit in
//   `maxBatchRows` (a request is never split; one larger than maxBatchRows
//   goes alone). The batch's rows are concatenated in queue order, run
//   through one `predict`, and each request gets its own rows back.
import * as torch from 'torchts';
import type { Predictor } from './predictor';

export interface BatchingOptions {
  /** Most rows in one forward pass. @default 4096 */
  maxBatchRows?: number;
  /** How long the oldest queued request may wait for a free slot before a second batch starts. @default 2 */
  maxWaitMs?: number;
  /** Batches running at once (each is one predict on the thread pool). @default 2 */
  maxInflight?: number;
}

/** What a request gets back: its logits (rows × classes, row-major) and the batch it rode in. */
export interface BatchResult {
  logits: Float32Array;
  classes: number;
  batchRows: number;
  batchRequests: number;
  /** The batch's number (1, 2, …) and where this request's rows start in it. */
  batchId: number;
  offset: number;
}

interface Pending {
  rows: Float32Array;
  n: number;
  arrived: number;
  resolve: (r: BatchResult) => void;
  reject: (e: Error) => void;
}

export interface BatcherStats {
  /** Requests queued so far (answered or not). */
  submitted: number;
  /** Requests that went out in a batch. */
  requests: number;
  batches: number;
  rows: number;
  /** Most requests seen in one batch. */
  maxBatchRequests: number;
  /** Batches by how many requests they held: { "1": 10, "16": 3 }. */
  batchRequests: Record<string, number>;
}

export class MicroBatcher {
  readonly maxBatchRows: number;
  readonly maxWaitMs: number;
  readonly maxInflight: number;
  readonly stats: BatcherStats = { submitted: 0, requests: 0, batches: 0, rows: 0, maxBatchRequests: 0, batchRequests: {} };
  private queue: Pending[] = [];
  private queuedRows = 0;
  private inflight = 0;
  private pumpQueued = false;
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly predictor: Predictor, opts: BatchingOptions = {}) {
    this.maxBatchRows = opts.maxBatchRows ?? 4096;
    this.maxWaitMs = opts.maxWaitMs ?? 2;
    this.maxInflight = opts.maxInflight ?? 2;
    if (!(Number.isSafeInteger(this.maxBatchRows) && this.maxBatchRows > 0)) throw new Error(`maxBatchRows must be a positive integer, got ${this.maxBatchRows}`);
    if (!(this.maxWaitMs >= 0 && Number.isFinite(this.maxWaitMs))) throw new Error(`maxWaitMs must be a finite number >= 0, got ${this.maxWaitMs}`);
    if (!(Number.isSafeInteger(this.maxInflight) && this.maxInflight > 0)) throw new Error(`maxInflight must be a positive integer, got ${this.maxInflight}`);
  }

  /** Queues `n` rows (row-major, `predictor.inFeatures` values each); resolves with their logits. */
  submit(rows: Float32Array, n: number): Promise<BatchResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, n, arrived: performance.now(), resolve, reject });
      this.queuedRows += n;
      this.stats.submitted++;
      this.schedulePump();
    });
  }

  /** Batches queued or running. */
  get busy(): boolean {
    return this.inflight > 0 || this.queue.length > 0;
  }

  /** Resolves once every queued request has been answered. */
  drain(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.queue.length > 0 && this.inflight < this.maxInflight) {
      const waited = performance.now() - this.queue[0]!.arrived;
      const ready = this.inflight === 0 || this.queuedRows >= this.maxBatchRows || waited >= this.maxWaitMs;
      if (!ready) {
        this.timer = setTimeout(() => this.pump(), Math.max(0, this.maxWaitMs - waited));
        return;
      }
      const batch: Pending[] = [];
      let rows = 0;
      while (this.queue.length > 0 && (batch.length === 0 || rows + this.queue[0]!.n <= this.maxBatchRows)) {
        const p = this.queue.shift()!;
        rows += p.n;
        batch.push(p);
      }
      this.queuedRows -= rows;
      this.inflight++;
      void this.run(batch, rows).finally(() => {
        this.inflight--;
        if (this.queue.length > 0) this.schedulePump();
        else if (this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private async run(batch: Pending[], rows: number): Promise<void> {
    const features = this.predictor.inFeatures;
    const s = this.stats;
    s.requests += batch.length;
    const batchId = ++s.batches;
    s.rows += rows;
    s.maxBatchRequests = Math.max(s.maxBatchRequests, batch.length);
    s.batchRequests[batch.length] = (s.batchRequests[batch.length] ?? 0) + 1;
    let input: torch.Tensor | null = null;
    let output: torch.Tensor | null = null;
    try {
      let flat: Float32Array;
      if (batch.length === 1) flat = batch[0]!.rows;
      else {
        flat = new Float32Array(rows * features);
        let at = 0;
        for (const p of batch) {
          flat.set(p.rows, at);
          at += p.rows.length;
        }
      }
      input = torch.fromTypedArray(flat, [rows, features]);
      output = await this.predictor.predict(input);
      const shape = output.shape;
      if (shape.length !== 2 || shape[0] !== rows) throw new Error(`the model returned shape [${shape.join(', ')}] for ${rows} rows; expected [${rows}, classes]`);
      if (output.dtype.name !== 'float32') throw new Error(`the model returned ${output.dtype.name}, expected float32`);
      const classes = shape[1]!;
      const logits = output.data() as Float32Array;
      let at = 0;
      for (const p of batch) {
        p.resolve({ logits: logits.subarray(at * classes, (at + p.n) * classes), classes, batchRows: rows, batchRequests: batch.length, batchId, offset: at });
        at += p.n;
      }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      for (const p of batch) p.reject(e);
    } finally {
      input?.dispose();
      output?.dispose();
    }
  }
}
