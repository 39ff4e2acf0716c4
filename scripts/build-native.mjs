#!/usr/bin/env node
// Builds the native addon into native/: installs libtorch first if needed, then
// `napi build --release --platform` linked against the CPU-only library set.
import { spawnSync } from 'node:child_process';
import { installLibtorch } from './install-libtorch.mjs';
import { nativeBuildEnv } from './env.mjs';

if (!process.env.LIBTORCH) await installLibtorch();
const args = ['napi', 'build', '--release', '--platform', '--output-dir', 'native', '--js', 'index.cjs', '--dts', 'index.d.ts', ...process.argv.slice(2)];
const result = spawnSync('npx', args, { stdio: 'inherit', env: nativeBuildEnv() });
process.exit(result.status ?? 1);
