#!/usr/bin/env node
// Packaging test (issue 7): packs the main package and the linux-x64-gnu
// binary package, installs both into a new project outside the repo with no
// Rust toolchain on PATH, fetches libtorch the way a user would, trains the
// circles model there from ESM and CommonJS, and reports the installed size.
// Usage: node scripts/pack-test.mjs [--keep]   (after `npm run build`)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'torchts-pack-'));
const log = (m) => console.log(`[pack-test] ${m}`);
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
};

// 1. The platform package, as napi-rs lays it out.
const platformDir = path.join(work, 'linux-x64-gnu');
fs.cpSync(path.join(root, 'npm', 'linux-x64-gnu'), platformDir, { recursive: true });
fs.copyFileSync(path.join(root, 'native', 'torchts.linux-x64-gnu.node'), path.join(platformDir, 'torchts.linux-x64-gnu.node'));
const platformName = JSON.parse(fs.readFileSync(path.join(platformDir, 'package.json'), 'utf8')).name;
// 2. The main package with its optional dependency on the binary (what `napi prepublish` adds).
const mainDir = path.join(work, 'main');
fs.mkdirSync(mainDir);
for (const f of pkg.files) {
  const src = path.join(root, f);
  if (fs.existsSync(src)) fs.cpSync(src, path.join(mainDir, f), { recursive: true });
}
const published = { ...pkg, optionalDependencies: { [platformName]: pkg.version }, scripts: { postinstall: 'node scripts/postinstall.mjs' } };
delete published.devDependencies;
fs.writeFileSync(path.join(mainDir, 'package.json'), JSON.stringify(published, null, 2));
const tgz = (dir) => execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop();
const platformTgz = path.join(work, tgz(platformDir));
const mainTgz = path.join(work, tgz(mainDir));
log(`packed ${path.basename(mainTgz)} (${(fs.statSync(mainTgz).size / 1024).toFixed(0)} KiB) and ${path.basename(platformTgz)} (${(fs.statSync(platformTgz).size / 1024).toFixed(0)} KiB)`);

// 3. A user's project: no cargo/rustc on PATH, a fresh libtorch directory.
const app = path.join(work, 'app');
fs.mkdirSync(app);
fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
const nodeDir = path.dirname(process.execPath);
const env = { ...process.env, PATH: [nodeDir, '/usr/bin', '/bin'].join(':'), TORCHTS_LIBTORCH: path.join(work, 'libtorch') };
delete env.LIBTORCH;
for (const tool of ['cargo', 'rustc']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`], { env }).status === 0) throw new Error(`${tool} is still on PATH`);
}
run('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', platformTgz, mainTgz], { cwd: app, env });
// npm 11 may hold back install scripts until approved; the user-facing command works either way.
run('npx', ['torchts', 'install-libtorch'], { cwd: app, env });
fs.writeFileSync(path.join(app, 'train.mjs'), `
import * as torch from 'torchts';
const { X, y } = torch.makeCircles(1000, { noise: 0.01, randomState: 42 });
const [a, b, c, d] = torch.trainTestSplit(X, y, { testSize: 0.2, randomState: 42 });
torch.manualSeed(42);
const model = new torch.nn.Sequential(new torch.nn.Linear(2, 8), new torch.nn.ReLU(), new torch.nn.Linear(8, 4), new torch.nn.ReLU(), new torch.nn.Linear(4, 2));
const h = torch.fit(model, { optimizer: new torch.optim.Adam(model.parameters(), { lr: 0.001 }), criterion: new torch.nn.CrossEntropyLoss(),
  xTrain: torch.tensor(a), yTrain: torch.tensor(c, { dtype: torch.long }), xTest: torch.tensor(b), yTest: torch.tensor(d, { dtype: torch.long }), epochs: 500 });
console.log('esm test accuracy', h[499].testAccuracy);
if (h[499].testAccuracy < 0.95) process.exit(1);
`);
fs.writeFileSync(path.join(app, 'train.cjs'), `const torch = require('torchts'); console.log('cjs', String(torch.tensor([[1, 2], [3, 4]]).matmul(torch.tensor([[1], [1]]))));`);
run(process.execPath, ['train.mjs'], { cwd: app, env });
run(process.execPath, ['train.cjs'], { cwd: app, env });
run('npx', ['torchts', 'circles', '--epochs', '100'], { cwd: app, env });
run('npx', ['torchts', 'doctor'], { cwd: app, env });
const du = (p) => execFileSync('du', ['-sh', p], { encoding: 'utf8' }).split('\t')[0];
log(`installed size: torchts ${du(path.join(app, 'node_modules', 'torchts'))}, ${platformName} ${du(path.join(app, 'node_modules', platformName))}, libtorch ${du(env.TORCHTS_LIBTORCH)}`);
if (!process.argv.includes('--keep')) fs.rmSync(work, { recursive: true, force: true });
log('ok');
