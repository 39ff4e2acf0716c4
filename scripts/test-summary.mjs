#!/usr/bin/env node
// One plain closing line for `npm test`: the vitest totals of the runs it
// names (default .vitest-results.json; scripts/test-node.mjs N writes
// .vitest-results-nodeN.json), each run also on a line of its own, with the
// title of every skipped test (titles carry the reason). Only the named
// reports count, so a report left by an earlier run on its own is not added in.
//
//   node scripts/test-summary.mjs [.vitest-results.json .vitest-results-node24.json …]
import fs from 'node:fs';

const reports = process.argv.length > 2 ? process.argv.slice(2) : ['.vitest-results.json'];
let [passed, failed, skipped, ok] = [0, 0, 0, true];
for (const file of reports) {
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const skips = report.numPendingTests + (report.numTodoTests ?? 0);
  const major = /node(\d+)/.exec(file)?.[1] ?? process.versions.node.split('.')[0];
  console.log(`vitest on Node ${major}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skips} skipped`);
  for (const file of report.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'pending' || test.status === 'skipped' || test.status === 'todo') console.log(`  skipped: ${test.fullName}`);
    }
  }
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += skips;
  ok &&= report.numFailedTests === 0 && report.success;
}
console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok ? 0 : 1);
