#!/usr/bin/env node
// One plain closing line for `npm test`: the vitest totals from its JSON report.
import fs from 'node:fs';

const report = JSON.parse(fs.readFileSync('.vitest-results.json', 'utf8'));
const skipped = report.numPendingTests + (report.numTodoTests ?? 0);
console.log(`vitest: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
process.exit(report.numFailedTests === 0 && report.success ? 0 : 1);
