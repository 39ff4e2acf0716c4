#!/usr/bin/env node
// `cargo` with the libtorch environment set: node scripts/cargo.mjs test -p torchts-core
import { spawnSync } from 'node:child_process';
import { nativeBuildEnv } from './env.mjs';

const result = spawnSync('cargo', process.argv.slice(2), { stdio: 'inherit', env: nativeBuildEnv() });
process.exit(result.status ?? 1);
