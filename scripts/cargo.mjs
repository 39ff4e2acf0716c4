#!/usr/bin/env node
// `cargo` with the libtorch environment set: node scripts/cargo.mjs test -p torchts-core
// Builds and tests for the host triple explicitly, as `napi build --platform`
// does, so both share target/<triple> and torch-sys's C++ compiles once.
import { spawnSync } from 'node:child_process';
import { nativeBuildEnv } from './env.mjs';

const args = process.argv.slice(2);
if (['build', 'check', 'test', 'run', 'bench', 'clippy'].includes(args[0]) && !args.includes('--target')) {
  const info = spawnSync('rustc', ['-vV'], { encoding: 'utf8' });
  const host = /^host: (.+)$/m.exec(info.stdout ?? '')?.[1];
  if (host) args.splice(1, 0, '--target', host);
}
const result = spawnSync('cargo', args, { stdio: 'inherit', env: nativeBuildEnv() });
process.exit(result.status ?? 1);
