// Child-process entry of the fuzz campaign (bundled by test/helpers/bundle.mjs
// and run with plain `node`): a native abort kills only this process, and the
// parent reads which case was running from the progress file.
//
//   node fuzz-child.mjs --runs 10000 --seed 42 [--progress FILE] [--messages] [--keep-going] [--only OP,OP]
//
// By default the first new violation stops the run and fast-check shrinks it;
// with --keep-going every case runs and new violations are grouped (rule, op,
// message) with one example each, for long campaigns and triage.
// The last stdout line is a JSON summary: { counts, failure?, groups?, sanity }.
import fs from 'node:fs';
import fc from 'fast-check';
import * as torch from '../../ts/index';
import { describeScenario, emptyCounts, record, runScenario, scenarioArbOf, type Violation } from './fuzz-cases';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = Number(flag('runs') ?? 1000);
const seed = Number(flag('seed') ?? Date.now() % 2 ** 31);
const progressPath = flag('progress');
const collectMessages = process.argv.includes('--messages');
const keepGoing = process.argv.includes('--keep-going');
// --only generated,tensorBinary: a campaign on some ops (all by default).
const only = flag('only');
const groups: Record<string, { count: number; example: string }> = {};

// Progress: one fixed-size record rewritten in place before each case (one
// pwrite; cheap enough for a million cases).
const progressFd = progressPath ? fs.openSync(progressPath, 'w') : null;
const RECORD = 8192;
const progressBuf = Buffer.alloc(RECORD);
/** `index <TAB> returned <TAB> threw <TAB> case`: enough to account for the cases before a crash. */
function progress(index: number, text: string): void {
  if (progressFd === null) return;
  progressBuf.fill(0x20);
  progressBuf.write(`${index}\t${counts.returned}\t${counts.threw}\t${text}`.slice(0, RECORD - 1), 0, 'utf8');
  fs.writeSync(progressFd, progressBuf, 0, RECORD, 0);
}

const counts = emptyCounts();
const timing: Record<string, number> = {};
let index = 0;
let firstViolation: { violation: Violation; scenario: string } | null = null;

const details = fc.check(
  fc.property(scenarioArbOf(only?.split(',')), (s) => {
    const n = index++;
    progress(n, describeScenario(s));
    const t0 = performance.now();
    const outcome = runScenario(s);
    const ms = performance.now() - t0;
    if (!firstViolation) timing[s.op] = (timing[s.op] ?? 0) + ms;
    if (firstViolation) {
      // shrinking: re-judge without counting
      const probe = emptyCounts();
      return record(probe, s, outcome) === null;
    }
    const v = record(counts, s, outcome, collectMessages);
    if (v && keepGoing) {
      const key = `${v.rule} | ${s.op} | ${v.message.split('\n')[0]!.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, 'N').slice(0, 200)}`;
      const g = (groups[key] ??= { count: 0, example: describeScenario(s) });
      g.count++;
      return true;
    }
    if (v) firstViolation = { violation: v, scenario: describeScenario(s) };
    return v === null;
  }),
  { numRuns: runs, seed, endOnFailure: false, maxSkipsPerRun: 0 },
);

// The process must still work after everything above.
const sanity = (torch.ones(2).add(1).sum().item() as number) === 4;

const summary = {
  seed,
  counts,
  sanity,
  msByOp: Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, Math.round(v)])),
  ...(keepGoing ? { groups } : {}),
  failure: details.failed
    ? {
        first: firstViolation,
        shrunk: details.counterexample ? describeScenario(details.counterexample[0]) : null,
        shrunkViolation: null as null | string,
        path: details.counterexamplePath,
        numShrinks: details.numShrinks,
        error: details.errorInstance ? String(details.errorInstance) : null,
      }
    : null,
};
if (summary.failure && details.counterexample) {
  const probe = emptyCounts();
  const v = record(probe, details.counterexample[0], runScenario(details.counterexample[0]));
  summary.failure.shrunkViolation = v ? `${v.rule}: ${v.message}` : null;
}
if (progressFd !== null) fs.closeSync(progressFd);
process.stdout.write(`\n${JSON.stringify(summary)}\n`);
