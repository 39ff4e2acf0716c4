#!/usr/bin/env node
// Where a torchts per-op call (W3) spends its time: peels the layers off
// `a.add(b)` one at a time, each timed over many calls (median of 5 runs).
//
//   node bench/profile-op.mjs [--calls=300000]
//
// Layers: a native call that allocates nothing; the native op on raw handles
// (napi call + libtorch op + new External handle + finalizer, no TS wrapper);
// the full TS call `a.add(b)`; and the same with an explicit dispose().
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import * as torch from 'torchts';

const { values: args } = parseArgs({ options: { calls: { type: 'string', default: '300000' }, threads: { type: 'string' } } });
const calls = Number(args.calls);
if (args.threads) torch.setNumThreads(Number(args.threads));
const a = torch.ones(2, 2);
const b = torch.ones(2, 2);
const m = torch.ones(8, 8);
const one = torch.ones(1);
const native = createRequire(import.meta.url)('../native/index.cjs');
const an = a._n;
const bn = b._n;

function time(fn) {
  for (let i = 0; i < 20_000; i++) fn(); // warm-up (JIT, allocator)
  const runs = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    runs.push(((performance.now() - t0) * 1e3) / calls);
  }
  runs.sort((x, y) => x - y);
  return runs[2];
}

const cases = [
  ['native call, no allocation (native.dim(t._n))', () => native.dim(an)],
  ['native call returning an array (native.shape(t._n))', () => native.shape(an)],
  ['native call returning a number (item on [1])', () => native.item(one._n)],
  ['native detach (libtorch view + new handle)', () => native.detach(an)],
  ['native add on raw handles (native.add(a._n, b._n))', () => native.add(an, bn)],
  ['native add on raw handles + free (dispose)', () => native.dispose(native.add(an, bn))],
  ['torchts a.add(b)', () => a.add(b)],
  ['torchts a.add(b).dispose()', () => a.add(b).dispose()],
  ['torchts a.add(b) inside tidy()', () => torch.tidy(() => a.add(b))],
  ['torchts a.matmul(a) [8,8]', () => m.matmul(m)],
  ['native matmul on raw handles', () => native.matmul(m._n, m._n)],
];
const lines = [`per-call cost, ${calls} calls, median of 5 runs (µs/call); ${torch.getNumThreads()} threads`];
for (const [name, fn] of cases) {
  try {
    lines.push(`${name.padEnd(52)} ${time(fn).toFixed(3).padStart(8)}`);
  } catch (e) {
    lines.push(`${name.padEnd(52)} n/a (${e.message})`);
  }
}
const text = lines.join('\n');
console.log(text);
const here = path.dirname(fileURLToPath(import.meta.url));
fs.mkdirSync(path.join(here, 'results'), { recursive: true });
fs.writeFileSync(path.join(here, 'results', 'profile-op.txt'), `${text}\n`);
