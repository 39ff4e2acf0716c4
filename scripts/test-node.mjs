#!/usr/bin/env node
// Runs the vitest suite under another Node major (the addon is the same
// binary; Node-API behaviour, finalizers in GC included, differs by release):
//
//   node scripts/test-node.mjs 24 [vitest args…]
//
// The Node binary comes from the npm registry (`node-<platform>-<arch>@N`,
// installed once into the per-user cache), so no system Node is replaced.
// Results go to .vitest-results-node<N>.json for scripts/test-summary.mjs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [major, ...vitestArgs] = process.argv.slice(2);
if (!/^\d+$/.test(major ?? '')) {
  console.error('usage: node scripts/test-node.mjs <node major> [vitest args…]');
  process.exit(2);
}

/** The `node` binary of release line `major`, installed from the npm registry on first use. */
function nodeBinary() {
  const pkg = `node-${process.platform}-${process.arch}`;
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const prefix = path.join(cache, 'torchts', `node-${major}`);
  const bin = path.join(prefix, 'node_modules', pkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!fs.existsSync(bin)) {
    console.error(`[test-node] installing ${pkg}@${major} into ${prefix}`);
    fs.mkdirSync(prefix, { recursive: true });
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(npm, ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@${major}`], { stdio: 'inherit' });
    if (r.status !== 0 || !fs.existsSync(bin)) {
      console.error(`[test-node] could not install ${pkg}@${major}`);
      process.exit(1);
    }
  }
  return bin;
}

const node = nodeBinary();
const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.error(`[test-node] vitest on Node ${version}`);
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const report = `.vitest-results-node${major}.json`;
const r = spawnSync(node, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...vitestArgs], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
