#!/usr/bin/env node
// napi-rs generates native/index.cjs and native/index.d.ts at every native
// build; they are committed, as napi-rs projects do, so `tsc` and readers have
// them without a build. This fails when the committed copies are stale: a
// change to the binding's signatures was built but its generated files were
// not committed. Outside a git checkout (a package tarball) there is nothing
// to compare with.
import { spawnSync } from 'node:child_process';

const files = ['native/index.cjs', 'native/index.d.ts'];
const inRepo = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { encoding: 'utf8' });
if (inRepo.status !== 0) {
  console.log('check-generated: not a git checkout, nothing to compare');
  process.exit(0);
}
const diff = spawnSync('git', ['diff', '--stat', '--exit-code', '--', ...files], { encoding: 'utf8' });
if (diff.status !== 0) {
  console.error(`check-generated: the committed napi-rs files differ from what the build generated:\n${diff.stdout}` +
    'Commit them with the change to src/ that produced them.');
  process.exit(1);
}
console.log(`check-generated: ${files.join(', ')} match the build`);

// The ops generated from PyTorch's schema (ts/generated, docs/OPS.md) must be
// what scripts/gen-ops.mjs writes from torch 2.11.0's native_functions.yaml.
const ops = spawnSync(process.execPath, ['scripts/gen-ops.mjs', '--check'], { stdio: 'inherit' });
if (ops.status !== 0) process.exit(1);
