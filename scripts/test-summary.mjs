#!/usr/bin/env node
// One plain closing line for `npm test`: the vitest totals of every run
// (.vitest-results.json on the default Node, .vitest-results-node<N>.json
// from scripts/test-node.mjs), each run also on a line of its own.
import fs from 'node:fs';

const reports = fs
  .readdirSync('.')
  .filter((f) => /^\.vitest-results(-node\d+)?\.json$/.test(f))
  .sort();
if (reports.length === 0) {
  console.log('vitest: no results found');
  process.exit(1);
}
let [passed, failed, skipped, ok] = [0, 0, 0, true];
for (const file of reports) {
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const skips = report.numPendingTests + (report.numTodoTests ?? 0);
  const label = /node(\d+)/.exec(file)?.[1] ? `Node ${/node(\d+)/.exec(file)[1]}` : `Node ${process.versions.node.split('.')[0]}`;
  console.log(`vitest on ${label}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skips} skipped`);
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += skips;
  ok &&= report.numFailedTests === 0 && report.success;
}
console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok ? 0 : 1);
