// Contention control for a shared, noisy machine (Linux /proc; elsewhere a no-op).
//
// A timed sample is only as good as the CPU the system under test got. Each
// sample records how much of the machine *other* processes used while it ran
// (all CPU busy time, hypervisor steal included, minus the worker's own CPU
// time and the driver's). A sample where others took more than `threshold`
// of the machine is re-run (a few times at most; the cleanest one is kept and
// flagged). Before each sample the driver also waits for the machine to go
// quiet. Waiting and re-runs share one time budget: once it is spent, samples
// are taken as they come and flagged when disturbed.
import fs from 'node:fs';

const hasProc = fs.existsSync('/proc/stat');

function machineTicks() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = f[3] + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** utime + stime of all threads (and, with `children`, of reaped children: spawnSync runs). */
function pidTicks(pid, children = false) {
  if (!pid) return 0;
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]) + (children ? Number(rest[13]) + Number(rest[14]) : 0);
  } catch {
    return 0;
  }
}

function snapshot(pid) {
  if (!hasProc) return null;
  return { m: machineTicks(), worker: pidTicks(pid), driver: pidTicks(process.pid, true) };
}

/** Fraction of the machine's CPU that other processes used between two snapshots. */
function othersFraction(a, b) {
  if (!a || !b) return 0;
  const total = b.m.total - a.m.total;
  if (total <= 0) return 0;
  const others = b.m.busy - a.m.busy - (b.worker - a.worker) - (b.driver - a.driver);
  return Math.max(0, others / total);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class NoiseControl {
  constructor({ threshold = 0.2, retries = 3, budgetMs = 180_000, maxWaitPerSampleMs = 10_000, enabled = true, log = () => {} } = {}) {
    Object.assign(this, { threshold, retries, budgetMs, maxWaitPerSampleMs, log });
    this.enabled = enabled && hasProc;
    this.waitedMs = 0; // waiting for quiet
    this.rerunMs = 0; // time spent on samples that were thrown away
    this.rejected = 0;
  }

  get spentMs() {
    return this.waitedMs + this.rerunMs;
  }

  /** Fraction of the machine other processes use right now (over 500 ms). */
  async othersLoadNow() {
    if (!hasProc) return 0;
    const a = snapshot(0);
    await sleep(500);
    return othersFraction(a, snapshot(0));
  }

  /** Waits (within the budget) until others use < threshold of the machine over 300 ms. */
  async waitQuiet() {
    if (!this.enabled) return;
    const start = Date.now();
    for (;;) {
      const a = snapshot(0);
      await sleep(300);
      const load = othersFraction(a, snapshot(0));
      const waited = Date.now() - start;
      if (load < this.threshold || waited >= this.maxWaitPerSampleMs || this.spentMs + waited >= this.budgetMs) {
        this.waitedMs += waited;
        return;
      }
      await sleep(700);
    }
  }

  /**
   * Runs `fn` (which makes worker `pid` do one timed command) until a run is
   * clean; returns the cleanest reply with `othersLoad` (and `noisy` if none was clean).
   */
  async measure(pid, fn) {
    let best = null;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      await this.waitQuiet();
      const a = snapshot(pid);
      const started = Date.now();
      const reply = await fn();
      const load = othersFraction(a, snapshot(pid));
      if (!best || load < best.othersLoad) best = { ...reply, othersLoad: load };
      if (!this.enabled || load <= this.threshold) return best;
      if (this.spentMs >= this.budgetMs) break;
      this.rerunMs += Date.now() - started;
      this.rejected++;
      this.log(`    (others used ${(100 * load).toFixed(0)}% of the machine during that sample: re-running)`);
    }
    return { ...best, noisy: true };
  }
}
