#!/usr/bin/env node
// Type-checks the Rust crates (torchts-core and the binding crate) for
// x86_64-pc-windows-msvc on a Linux machine, with clippy -D warnings:
//
//   rustup target add x86_64-pc-windows-msvc && node scripts/check-windows.mjs
//
// There is no MSVC, Windows SDK or Windows libtorch here, so: torch-sys's
// `doc-only` feature makes its build script compile and link nothing, and
// cl.exe/lib.exe are replaced by stand-ins that only create the files they
// are asked for (the cc crate reads CXX_<target>/AR_<target>), so the C++
// shims are not compiled either. What this proves: every Rust line, cfg(windows)
// branches included, compiles for the target. What it does not: the C++
// (torch-sys's and csrc/) under MSVC, linking, or running anything.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeBuildEnv } from './env.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = 'x86_64-pc-windows-msvc';
const key = TARGET.replace(/-/g, '_');

const installed = spawnSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' });
if (installed.status !== 0 || !installed.stdout.split('\n').includes(TARGET)) {
  console.error(`[check-windows] the ${TARGET} standard library is missing: run \`rustup target add ${TARGET}\``);
  process.exit(2);
}

const tools = fs.mkdtempSync(path.join(os.tmpdir(), 'torchts-msvc-stand-ins-'));
const standIn = (name, pattern, strip) => {
  const file = path.join(tools, name);
  fs.writeFileSync(file, `#!/bin/sh\n# ${name} stand-in: creates the file it is asked for, compiles nothing.\nfor a in "$@"; do case "$a" in ${pattern}) : > "\${a#${strip}}";; esac; done\nexit 0\n`);
  fs.chmodSync(file, 0o755);
  return file;
};
const cl = standIn('cl', '[-/]Fo*', '???');
const lib = standIn('lib', '[-/][Oo][Uu][Tt]:*', '????:');

const env = {
  ...nativeBuildEnv(),
  CARGO_TARGET_DIR: path.join(root, 'target', 'check-windows'),
  [`CC_${key}`]: cl,
  [`CXX_${key}`]: cl,
  [`AR_${key}`]: lib,
};
// As `npm run lint:rust` does on Linux: the binding crate's lib, the core's every target.
const runs = [
  ['-p', 'torchts-core', '-p', 'torchts'],
  ['-p', 'torchts-core', '--all-targets'],
];
let status = 0;
for (const packages of runs) {
  const args = ['clippy', '--target', TARGET, ...packages, '--features', 'torch-sys/doc-only', '--', '-D', 'warnings'];
  console.error(`[check-windows] cargo ${args.join(' ')}`);
  const r = spawnSync('cargo', args, { cwd: root, env, stdio: 'inherit' });
  if (r.status !== 0) status = r.status ?? 1;
}
fs.rmSync(tools, { recursive: true, force: true });
process.exit(status);
