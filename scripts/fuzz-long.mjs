#!/usr/bin/env node
// Long fuzz campaign (issue 9): the CI campaign of test/fuzz.test.ts, for many
// more cases. Cases run in chunks, each in its own child process (a crash or
// hang ends only its chunk, and is reported with the case that caused it);
// every chunk uses its own seed. Violations are grouped instead of stopping
// the run.
//
//   node scripts/fuzz-long.mjs [--cases 1000000] [--chunk 50000] [--jobs 1] [--seed N] [--json FILE] [--only OP,OP]
//
// Prints a line per chunk and a final summary (cases tried, returned, thrown,
// crashes, hangs, known-bug violations by class, new violation groups).
// Exit status 1 when any chunk crashed or hung, or a new violation appeared.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: { cases: { type: 'string' }, chunk: { type: 'string' }, jobs: { type: 'string' }, seed: { type: 'string' }, json: { type: 'string' }, only: { type: 'string' } },
});
const arg = (name, dflt) => args[name] ?? dflt;
const CASES = Number(arg('cases', 1_000_000));
const CHUNK = Math.min(Number(arg('chunk', 50_000)), CASES);
const JOBS = Math.max(1, Number(arg('jobs', 1)));
const SEED = Number(arg('seed', Date.now() % 1_000_000_000));
const JSON_OUT = arg('json', null);
// generous: a chunk normally takes 1-5 ms per case; a hang is a stuck case
const CHUNK_TIMEOUT_MS = Math.max(120_000, CHUNK * 40);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchts-fuzz-long-'));
const { bundle } = await import(pathToFileURL(path.join(root, 'test', 'helpers', 'bundle.mjs')).href);
const child = await bundle('test/helpers/fuzz-child.ts', { outDir: dir });

function runChunk(index, runs) {
  const seed = SEED + index;
  const progress = path.join(dir, `progress-${index}`);
  const started = Date.now();
  return new Promise((resolve) => {
    const only = args.only ? ['--only', args.only] : [];
    const p = spawn(process.execPath, [child, '--runs', String(runs), '--seed', String(seed), '--keep-going', '--progress', progress, ...only], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out = (out + d).slice(-5_000_000)));
    p.stderr.on('data', (d) => (err = (err + d).slice(-20_000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, CHUNK_TIMEOUT_MS);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      let summary = null;
      try {
        summary = JSON.parse(out.trim().split('\n').pop());
      } catch {}
      const running = fs.existsSync(progress) ? fs.readFileSync(progress, 'utf8').trim() : null;
      resolve({ index, seed, runs, code, signal, timedOut, summary, running, stderrTail: err.trim().split('\n').slice(-5).join('\n'), ms: Date.now() - started });
    });
  });
}

const total = { cases: 0, returned: 0, threw: 0, crashes: 0, hangs: 0, known: {}, newGroups: {}, failures: [] };
const chunks = Math.ceil(CASES / CHUNK);
const started = Date.now();
console.log(`fuzz-long: ${CASES} cases in ${chunks} chunks of ${CHUNK} (${JOBS} at a time), seeds ${SEED}..${SEED + chunks - 1}`);

let next = 0;
async function worker() {
  while (next < chunks) {
    const index = next++;
    const runs = Math.min(CHUNK, CASES - index * CHUNK);
    const r = await runChunk(index, runs);
    const s = r.summary;
    if (s) {
      total.cases += s.counts.cases;
      total.returned += s.counts.returned;
      total.threw += s.counts.threw;
      for (const [k, n] of Object.entries(s.counts.knownViolations)) total.known[k] = (total.known[k] ?? 0) + n;
      for (const [k, g] of Object.entries(s.groups ?? {})) {
        const t = (total.newGroups[k] ??= { count: 0, example: g.example, seed: r.seed });
        t.count += g.count;
      }
    } else {
      // the chunk died: count the cases it got through (the progress record
      // holds the index of the running case and the counts before it)
      const [done, returned, threw] = (r.running ?? '').split('\t').map(Number);
      if (Number.isFinite(done)) total.cases += done + 1; // the fatal case was tried too
      if (Number.isFinite(returned)) total.returned += returned;
      if (Number.isFinite(threw)) total.threw += threw;
      if (r.timedOut) total.hangs++;
      else total.crashes++;
      total.failures.push({ seed: r.seed, how: r.timedOut ? 'hang' : r.signal ? `signal ${r.signal}` : `exit ${r.code}`, case: r.running, stderr: r.stderrTail });
    }
    const status = s ? `${s.counts.cases} cases, ${s.counts.threw} threw, ${s.counts.newViolations} new violations` : `DIED (${r.timedOut ? 'hang' : r.signal ?? `exit ${r.code}`}) at case ${r.running?.split('\t')[0]}`;
    console.log(`chunk ${index + 1}/${chunks} (seed ${r.seed}): ${status}; ${(r.ms / 1000).toFixed(0)} s; total ${total.cases} cases, ${total.crashes} crashes, ${total.hangs} hangs`);
  }
}
await Promise.all(Array.from({ length: JOBS }, worker));

// cases = returned + threw + crashes + hangs
const summary = {
  cases: total.cases,
  returned: total.returned,
  threw: total.threw,
  crashes: total.crashes,
  hangs: total.hangs,
  knownBugViolations: total.known,
  newViolationGroups: Object.keys(total.newGroups).length,
  minutes: +((Date.now() - started) / 60000).toFixed(1),
  seeds: [SEED, SEED + chunks - 1],
};
console.log(`fuzz-long: ${summary.cases} cases tried, ${summary.returned} returned, ${summary.threw} threw an Error, ${summary.crashes} crashes, ${summary.hangs} hangs, ${summary.newViolationGroups} new violation groups (${summary.minutes} min)`);
console.log(`fuzz-long: known-bug violations by class: ${JSON.stringify(total.known)}`);
for (const f of total.failures) console.log(`fuzz-long: ${f.how} (seed ${f.seed}) running case: ${f.case}\n${f.stderr}`);
for (const [k, g] of Object.entries(total.newGroups)) console.log(`fuzz-long: NEW ${g.count}x ${k}\n    e.g. (seed ${g.seed}) ${g.example.slice(0, 600)}`);
console.log(JSON.stringify(summary));
if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify({ ...summary, failures: total.failures, newGroups: total.newGroups }, null, 2));
fs.rmSync(dir, { recursive: true, force: true });
process.exit(total.crashes + total.hangs + summary.newViolationGroups > 0 ? 1 : 0);
