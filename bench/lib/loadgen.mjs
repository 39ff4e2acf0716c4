// Loopback HTTP load generator for bench/service.mjs, run as its own child
// process (so the load does not run on the measured event loop). Dependency
// free: node:http with a keep-alive Agent, C request loops, each stopping by
// itself when the time is up. Speaks the bench worker protocol
// (bench/lib/serve.mjs): one command per stdin line, one `@@RESULT {json}`
// reply; it exits on `quit` or when stdin closes (the parent went away).
//
//   load <url> <seconds> <concurrency>
//     -> { seconds, requests, errors, rps, latencyMs: { p50, p99, max } }
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { serveCommands } from './serve.mjs';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
const REQUEST_TIMEOUT_MS = 5000;

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** One GET on `agent`; resolves true on a fully read 200, false otherwise (never rejects). */
function get(agent, url, path) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (ok) => {
      if (!settled) {
        settled = true;
        resolve(ok);
      }
    };
    const req = http.get({ agent, host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path }, (res) => {
      res.on('data', () => {});
      res.on('end', () => finish(res.statusCode === 200));
      res.on('error', () => finish(false));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', () => finish(false));
  });
}

export async function runLoad(urlText, seconds, concurrency) {
  const url = new URL(urlText);
  if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname)) throw new Error(`loadgen: loopback http URLs only, got ${urlText}`);
  if (!(seconds > 0 && seconds <= 600)) throw new Error(`loadgen: seconds must be in (0, 600], got ${seconds}`);
  if (!(Number.isInteger(concurrency) && concurrency > 0 && concurrency <= 1024)) throw new Error(`loadgen: concurrency must be an integer in [1, 1024], got ${concurrency}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  let errors = 0;
  let seq = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  async function loop(id) {
    while (performance.now() < end) {
      const n = seq++;
      const path = `/predict?x=${((n % 200) / 100 - 1).toFixed(2)}&y=${(((n * 7) % 200) / 100 - 1).toFixed(2)}&client=${id}&n=${n}`;
      const s = performance.now();
      const ok = await get(agent, url, path);
      if (ok) latencies.push(performance.now() - s);
      else errors++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, i) => loop(i)));
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    seconds: elapsed,
    requests: latencies.length,
    errors,
    rps: latencies.length / elapsed,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serveCommands(async ([cmd, url, seconds, concurrency]) => {
    if (cmd !== 'load') throw new Error(`loadgen: unknown command ${cmd}`);
    return runLoad(url, Number(seconds), Number(concurrency));
  });
}
