#!/usr/bin/env node
// @ts-check
// Installs the CPU libraries and headers of libtorch 2.11.0 into a per-user cache.
//
// Source: the torch 2.11.0 wheel from the Python package index (the same wheel
// the development build uses) plus the two small NVIDIA runtime wheels (cudart,
// cupti) that libtorch_cpu.so names as NEEDED. Only the CPU libraries are
// extracted: linking against the wheel's full lib/ would pull in
// libtorch_cuda.so and with it cuDNN, cuBLAS and the rest.
//
// Where each pinned wheel comes from, first match wins:
//   1. TORCHTS_WHEELHOUSE: a directory or http(s) URL prefix holding the wheel
//      files by name (air-gapped installs, mirrors);
//   2. pip, when present, is asked for the wheel's URL (`pip install --dry-run
//      --report`, which downloads no wheel), so pip's index, proxy and
//      certificate settings apply;
//   3. without pip: the index from PIP_INDEX_URL or the index-url of the pip
//      config files, read as a PEP 691 (JSON) or PEP 503 (HTML) simple page.
// The wheel itself is then fetched by scripts/download.mjs: progress on
// stderr, resumable (.part files and HTTP Range), HTTPS_PROXY/HTTP_PROXY/
// NO_PROXY honoured, extra CA bundles from PIP_CERT/SSL_CERT_FILE/
// REQUESTS_CA_BUNDLE trusted.
//
// Idempotent (a verified install is left alone; a downloaded wheel with the
// pinned sha256 is reused), verified (wheel sha256 pinned here, every extracted
// file checked against the wheel's RECORD, every NEEDED entry of
// libtorch_cpu.so present).
//
// Usage: node scripts/install-libtorch.mjs [--force] [--print-dir] [--cuda]
// Env:   TORCHTS_LIBTORCH    install/lookup directory (default: $XDG_CACHE_HOME/torchts/libtorch-2.11.0-cpu)
//        TORCHTS_WHEELHOUSE  directory or URL prefix with the pinned wheels
//        PYTHON              the Python whose pip is asked (default: python3, then python)
//        PIP_INDEX_URL       the index's simple URL, used when there is no pip
//
// --cuda also installs the full CUDA build (torch 2.11.0+cu130 and its NVIDIA
// wheels, ~3 GB) with `pip install --target` into
// $XDG_CACHE_HOME/torchts/libtorch-2.11.0-cuda, where the loader finds
// libtorch_cuda.so and loads it at run time. That variant still needs pip.

import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import yauzl from 'yauzl';
import { downloadFile, fetchText, redactUrl } from './download.mjs';

/** @typedef {import('./download.mjs').Env} Env */
/** @typedef {import('./download.mjs').Ca} Ca */

/**
 * One pinned wheel: what to ask for, what must arrive, what to take out of it.
 * @typedef {object} WheelSpec
 * @property {string} requirement pip requirement, e.g. 'torch==2.11.0'
 * @property {string} file the wheel's file name
 * @property {string} sha256 hex digest of the wheel
 * @property {string} platform pip's --platform tag
 * @property {(name: string) => boolean} take which archive members to extract
 * @property {(name: string) => string} dest where a member lands, relative to the install directory
 * @property {number} [size] bytes
 * @property {string} [project] the index's project name when the requirement does not say it
 */

export const LIBTORCH_VERSION = '2.11.0';

// One entry per wheel: which files to take and where they land.
/** @type {Record<string, WheelSpec[]>} */
const WHEELS = {
  'linux-x64': [
    {
      requirement: 'torch==2.11.0',
      file: 'torch-2.11.0-cp311-cp311-manylinux_2_28_x86_64.whl',
      sha256: '7aa2f9bbc6d4595ba72138026b2074be1233186150e9292865e04b7a63b8c67a',
      size: 530604548,
      platform: 'manylinux_2_28_x86_64',
      take: (name) =>
        name.startsWith('torch/include/') ||
        ['torch/lib/libtorch_cpu.so', 'torch/lib/libc10.so', 'torch/lib/libgomp.so.1'].includes(name),
      dest: (name) => name.replace(/^torch\//, ''),
    },
    {
      requirement: 'nvidia-cuda-runtime==13.0.96',
      file: 'nvidia_cuda_runtime-13.0.96-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl',
      sha256: '7f82250d7782aa23b6cfe765ecc7db554bd3c2870c43f3d1821f1d18aebf0548',
      size: 2243632,
      platform: 'manylinux_2_17_x86_64',
      take: (name) => name === 'nvidia/cu13/lib/libcudart.so.13',
      dest: (name) => `lib/${path.basename(name)}`,
    },
    {
      requirement: 'nvidia-cuda-cupti==13.0.85',
      file: 'nvidia_cuda_cupti-13.0.85-py3-none-manylinux_2_25_x86_64.whl',
      sha256: '4eb01c08e859bf924d222250d2e8f8b8ff6d3db4721288cf35d14252a4d933c8',
      size: 10715597,
      platform: 'manylinux_2_25_x86_64',
      take: (name) => name === 'nvidia/cu13/lib/libcupti.so.13',
      dest: (name) => `lib/${path.basename(name)}`,
    },
  ],
};

/**
 * The pinned wheels for a platform key such as 'linux-x64' (undefined where there is no recipe).
 * @returns {WheelSpec[] | undefined}
 */
export function pinnedWheels(key = `${process.platform}-${process.arch}`) {
  return WHEELS[key];
}

/** @returns {string} */
export function cudaLibtorchDir() {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'torchts', `libtorch-${LIBTORCH_VERSION}-cuda`);
}

/** @returns {string} */
export function defaultLibtorchDir() {
  if (process.env.TORCHTS_LIBTORCH) return path.resolve(process.env.TORCHTS_LIBTORCH);
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'torchts', `libtorch-${LIBTORCH_VERSION}-cpu`);
}

/** @param {string} msg */
const log = (msg) => process.stderr.write(`[install-libtorch] ${msg}\n`);

/**
 * @param {string} file
 * @param {import('node:crypto').BinaryToTextEncoding} [encoding]
 */
function sha256File(file, encoding = 'hex') {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 22);
  let n;
  while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, n));
  fs.closeSync(fd);
  return hash.digest(encoding);
}

/**
 * Copies one zip entry to `target` (through a .partial file); resolves with
 * the sha256 of its bytes as base64url, the form a wheel's RECORD uses.
 * yauzl inflates and checks each entry's size as it reads.
 * @param {yauzl.ZipFile} zip
 * @param {yauzl.Entry} entry
 * @param {string} target
 */
async function extractEntry(zip, entry, target) {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const hash = createHash('sha256');
  const hasher = new Transform({
    transform(chunk, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const tmp = `${target}.partial`;
  await pipeline(await zip.openReadStreamPromise(entry), hasher, fs.createWriteStream(tmp));
  fs.renameSync(tmp, target);
  return hash.digest('base64url');
}

/**
 * Extracts the files `spec.take` selects from a wheel into `destDir`, each
 * checked against the sha256 the wheel's RECORD lists for it.
 * @param {string} zipFile
 * @param {WheelSpec} spec
 * @param {string} destDir
 */
async function extractWheel(zipFile, spec, destDir) {
  const zip = await yauzl.openPromise(zipFile, { lazyEntries: true, autoClose: false, strictFileNames: true });
  try {
    return await extractFrom(zip, zipFile, spec, destDir);
  } finally {
    zip.close();
  }
}

/**
 * @param {yauzl.ZipFile} zip
 * @param {string} zipFile
 * @param {WheelSpec} spec
 * @param {string} destDir
 */
async function extractFrom(zip, zipFile, spec, destDir) {
  const entries = [];
  for await (const entry of zip.eachEntry()) entries.push(entry);
  const recordEntry = entries.find((e) => e.fileName.endsWith('.dist-info/RECORD'));
  if (!recordEntry) throw new Error(`${zipFile}: wheel has no RECORD`);
  const recordPath = path.join(destDir, '.record.tmp');
  await extractEntry(zip, recordEntry, recordPath);
  const hashes = new Map();
  for (const line of fs.readFileSync(recordPath, 'utf8').split('\n')) {
    const [name, hash] = line.split(',');
    if (hash?.startsWith('sha256=')) hashes.set(name, hash.slice(7));
  }
  fs.rmSync(recordPath);
  const wanted = entries.filter((e) => spec.take(e.fileName) && !e.fileName.endsWith('/'));
  let done = 0;
  let lastShown = 0;
  for (const entry of wanted) {
    const target = path.join(destDir, spec.dest(entry.fileName));
    const digest = await extractEntry(zip, entry, target);
    if (hashes.get(entry.fileName) !== digest) {
      throw new Error(`${entry.fileName}: sha256 does not match the wheel's RECORD (corrupt download?)`);
    }
    done++;
    const now = Date.now();
    if (now - lastShown > 1000 || done === wanted.length) {
      log(`  ${spec.file}: ${done}/${wanted.length} files`);
      lastShown = now;
    }
  }
  return wanted.length;
}

// ---- Where the wheels come from -------------------------------------------

const SIMPLE_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1';

/**
 * PEP 503 normalised project name of a spec ("nvidia_cuda_runtime==1" -> "nvidia-cuda-runtime").
 * @param {Pick<WheelSpec, 'requirement' | 'project'>} spec
 * @returns {string}
 */
export function projectName(spec) {
  const name = spec.project ?? spec.requirement.split(/[\s=<>!~;[(@]/)[0];
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** @param {Env} env */
function pythonCandidates(env) {
  if (env.PYTHON) return [env.PYTHON];
  return process.platform === 'win32' ? ['python', 'python3'] : ['python3', 'python'];
}

/**
 * Runs a command without blocking the event loop.
 * @param {string} command
 * @param {string[]} args
 * @param {Env} env
 * @returns {Promise<{ error: Error | undefined, status: number | null, stdout: string, stderr: string }>}
 */
function run(command, args, env) {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let child;
    try {
      child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      resolve({ error: /** @type {Error} */ (error), status: null, stdout, stderr });
      return;
    }
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.once('error', (error) => resolve({ error, status: null, stdout, stderr }));
    child.once('close', (status) => resolve({ error: undefined, status, stdout, stderr }));
  });
}

/** @type {Map<string, string | null>} */
const pipCache = new Map();

/**
 * The first Python (PYTHON, else python3, else python) that has pip, or null.
 * @param {Env} [env]
 * @returns {Promise<string | null>}
 */
export async function findPip(env = process.env) {
  const key = JSON.stringify([env.PYTHON ?? null, env.PATH ?? null]);
  const cached = pipCache.get(key);
  if (cached !== undefined) return cached;
  let found = null;
  for (const python of pythonCandidates(env)) {
    const r = await run(python, ['-m', 'pip', '--version'], env);
    if (!r.error && r.status === 0) {
      found = python;
      break;
    }
  }
  pipCache.set(key, found);
  return found;
}

/**
 * Asks pip for the wheel's URL: a dry-run install with a report (no wheel is downloaded).
 * @param {WheelSpec} spec
 * @param {string} python
 * @param {Env} env
 */
async function resolveWithPip(spec, python, env) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchts-pip-'));
  try {
    const report = path.join(tmp, 'report.json');
    const args = [
      '-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--no-deps', '--only-binary=:all:',
      '--disable-pip-version-check', '--python-version', '3.11', '--implementation', 'cp',
      '--platform', spec.platform, '--target', path.join(tmp, 'target'), '--quiet', '--report', report,
      spec.requirement,
    ];
    const r = await run(python, args, env);
    if (r.error || r.status !== 0) {
      const tail = r.stderr.trim().split('\n').slice(-5).join('\n');
      throw new Error(`${python} -m pip could not resolve ${spec.requirement} (${r.error?.message ?? `exit ${r.status}`})${tail ? `:\n${tail}` : ''}`);
    }
    const url = JSON.parse(fs.readFileSync(report, 'utf8')).install?.[0]?.download_info?.url;
    if (!url) throw new Error(`pip's report for ${spec.requirement} has no download URL`);
    const u = new URL(url);
    u.hash = '';
    const file = decodeURIComponent(path.posix.basename(u.pathname));
    if (file !== spec.file) throw new Error(`pip resolved ${spec.requirement} to ${file}, not the pinned ${spec.file}`);
    return u.href;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** @param {Env} env */
function pipConfigFiles(env) {
  const explicit = env.PIP_CONFIG_FILE;
  if (explicit === os.devNull) return []; // pip's own rule: no configuration files at all
  const home = env.HOME || env.USERPROFILE || os.homedir();
  const files = [];
  if (process.platform === 'win32') {
    if (env.ProgramData) files.push(path.join(env.ProgramData, 'pip', 'pip.ini'));
    files.push(path.join(home, 'pip', 'pip.ini'));
    if (env.APPDATA) files.push(path.join(env.APPDATA, 'pip', 'pip.ini'));
  } else {
    for (const dir of (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':').filter(Boolean).reverse()) {
      files.push(path.join(dir, 'pip', 'pip.conf'));
    }
    files.push('/etc/pip.conf');
    files.push(path.join(home, '.pip', 'pip.conf'));
    if (process.platform === 'darwin') files.push(path.join(home, 'Library', 'Application Support', 'pip', 'pip.conf'));
    files.push(path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'pip', 'pip.conf'));
  }
  if (env.VIRTUAL_ENV) files.push(path.join(env.VIRTUAL_ENV, process.platform === 'win32' ? 'pip.ini' : 'pip.conf'));
  if (explicit) files.push(explicit);
  return files;
}

// pip reads its config with Python's configparser, whose values may go on
// over indented continuation lines (`extra-index-url =` then one URL per
// line) and whose keys take `=` or `:`. The `ini` package (npm's) reads
// neither, and the packages that copy configparser are little used, so the
// few lines below do it.
/**
 * @param {string} text
 * @returns {Record<string, Record<string, string>>}
 */
function parseIni(text) {
  /** @type {Record<string, Record<string, string>>} */
  const sections = {};
  let section = null;
  let key = null;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(raw)) continue;
    if (/^\s/.test(raw) && section && key) {
      sections[section][key] += `\n${raw.trim()}`; // continuation line
      continue;
    }
    const header = /^\[([^\]]+)\]/.exec(raw.trim());
    if (header) {
      section = header[1].trim().toLowerCase();
      sections[section] ??= {};
      key = null;
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw.trim());
    if (kv && section) {
      key = kv[1].toLowerCase().replace(/_/g, '-');
      sections[section][key] = kv[2].trim();
    }
  }
  return sections;
}

/**
 * The package indexes pip would use, from PIP_INDEX_URL/PIP_EXTRA_INDEX_URL and pip's config files.
 * @param {Env} [env]
 * @returns {{ index: string | undefined, extra: string[] }}
 */
export function configuredIndexes(env = process.env) {
  /** @type {Record<string, string>} */
  const settings = {};
  for (const file of pipConfigFiles(env)) {
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const sections = parseIni(text);
    for (const name of ['global', 'install', 'download']) Object.assign(settings, sections[name] ?? {});
  }
  /** @param {string | undefined} v */
  const split = (v) => (v ?? '').split(/\s+/).filter(Boolean);
  return {
    index: env.PIP_INDEX_URL || settings['index-url'] || undefined,
    extra: split(env.PIP_EXTRA_INDEX_URL || settings['extra-index-url']),
  };
}

/** @param {string} s */
function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e) => {
    const lower = e.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return /** @type {Record<string, string>} */ ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[lower];
  });
}

/**
 * The files of a simple-API project page, PEP 691 JSON or PEP 503 HTML.
 * @param {string} text
 * @param {string} contentType
 * @returns {{ filename: string, url: string }[]}
 */
export function parseSimplePage(text, contentType) {
  if (/json/i.test(contentType)) {
    return (JSON.parse(text).files ?? []).map((/** @type {{ filename: string, url: string }} */ f) => ({ filename: f.filename, url: f.url }));
  }
  const files = [];
  for (const m of text.matchAll(/<a\s[^>]*?href\s*=\s*(["'])(.*?)\1[^>]*>([\s\S]*?)<\/a>/gi)) {
    const url = decodeEntities(m[2]);
    const label = decodeEntities(m[3].replace(/<[^>]*>/g, '')).trim();
    files.push({ filename: label || decodeURIComponent(url.split('#')[0]?.split('/').pop() ?? ''), url });
  }
  return files;
}

/**
 * @param {WheelSpec} spec
 * @param {string} index
 * @param {{ env: Env, ca?: Ca }} options
 */
async function resolveFromIndex(spec, index, { env, ca }) {
  const page = new URL(`${projectName(spec)}/`, index.endsWith('/') ? index : `${index}/`);
  const { url, contentType, text } = await fetchText(page, { env, ca, headers: { accept: SIMPLE_ACCEPT } });
  const hit = parseSimplePage(text, contentType).find((f) => f.filename === spec.file);
  if (!hit) return null;
  const u = new URL(hit.url, url);
  u.hash = '';
  return u.href;
}

/**
 * The URL of a pinned wheel: TORCHTS_WHEELHOUSE, else pip's answer, else the
 * configured index's simple page. `wheels` only names the files in the error
 * raised when there is no source at all.
 * @param {WheelSpec} spec
 * @param {{ env?: Env, ca?: Ca, wheels?: WheelSpec[] }} [options]
 * @returns {Promise<string>}
 */
export async function resolveWheelUrl(spec, { env = process.env, ca, wheels = [spec] } = {}) {
  const house = env.TORCHTS_WHEELHOUSE;
  if (house) {
    if (/^https?:\/\//i.test(house)) return new URL(spec.file, house.endsWith('/') ? house : `${house}/`).href;
    const dir = /^file:/i.test(house) ? fileURLToPath(house) : path.resolve(house);
    const file = path.join(dir, spec.file);
    if (!fs.existsSync(file)) throw new Error(`TORCHTS_WHEELHOUSE: ${file} does not exist`);
    return pathToFileURL(file).href;
  }
  const python = await findPip(env);
  if (python) return resolveWithPip(spec, python, env);
  const { index, extra } = configuredIndexes(env);
  const indexes = /** @type {string[]} */ ([index, ...extra].filter(Boolean));
  if (!indexes.length) {
    throw new Error(
      'no pip found and no package index configured; set PIP_INDEX_URL to your Python package index\'s simple URL, ' +
      `or TORCHTS_WHEELHOUSE to a directory with the wheels ${wheels.map((w) => w.file).join(', ')}, ` +
      `or TORCHTS_LIBTORCH to an existing libtorch ${LIBTORCH_VERSION}`,
    );
  }
  for (const idx of indexes) {
    const url = await resolveFromIndex(spec, idx, { env, ca });
    if (url) return url;
  }
  throw new Error(`${spec.file} is not listed on ${indexes.map((i) => `${redactUrl(new URL(`${projectName(spec)}/`, i.endsWith('/') ? i : `${i}/`))}`).join(' or ')}`);
}

/**
 * @param {WheelSpec} spec
 * @param {string} downloadDir
 * @param {{ env: Env, wheels: WheelSpec[], ca?: Ca }} options
 */
async function fetchWheel(spec, downloadDir, { env, wheels, ca }) {
  const wheelPath = path.join(downloadDir, spec.file);
  if (fs.existsSync(wheelPath) && sha256File(wheelPath) === spec.sha256) {
    log(`${spec.file}: already downloaded`);
    return wheelPath;
  }
  const url = await resolveWheelUrl(spec, { env, wheels, ca });
  log(`downloading ${spec.file} from ${redactUrl(url)}`);
  await downloadFile({ url, dest: wheelPath, sha256: spec.sha256, size: spec.size, log: (m) => log(`  ${m}`), env, ca });
  return wheelPath;
}

/** @param {string} file */
function neededLibraries(file) {
  const result = spawnSync('readelf', ['-d', file], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return null;
  return [...result.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[(.+?)\]/g)].map((m) => m[1]);
}

const SYSTEM_LIBS = /^(libc|libm|libdl|libpthread|librt|libutil|libgcc_s|libstdc\+\+|ld-linux[-\w]*)\.so/;

/** @param {string} dir */
function verifyInstall(dir) {
  const lib = path.join(dir, 'lib');
  const cpu = path.join(lib, 'libtorch_cpu.so');
  if (!fs.existsSync(cpu)) throw new Error(`${cpu} is missing`);
  const needed = neededLibraries(cpu);
  if (needed === null) {
    log('readelf not found: skipping the NEEDED check');
    return;
  }
  const missing = needed.filter((n) => !SYSTEM_LIBS.test(n) && !fs.existsSync(path.join(lib, n)));
  if (missing.length) throw new Error(`libtorch_cpu.so needs ${missing.join(', ')}, not present in ${lib}`);
  if (needed.some((n) => n.startsWith('libtorch_cuda'))) throw new Error('libtorch_cpu.so unexpectedly needs libtorch_cuda');
}

// torch-sys links -ltorch and -lgomp; the wheel's libtorch.so would drag in
// libtorch_cuda.so, so -ltorch resolves to an empty linker script instead.
/** @param {string} dir */
function writeLinkShims(dir) {
  const lib = path.join(dir, 'lib');
  linkLibtorch(lib);
  fs.writeFileSync(path.join(lib, 'libgomp.so'), 'INPUT(libgomp.so.1)\n');
  fs.writeFileSync(path.join(dir, 'build-version'), `${LIBTORCH_VERSION}\n`);
}

/**
 * `libtorch.so` as a link to `libtorch_cpu.so`: linking `-ltorch` stays
 * CPU-only (the library's soname is libtorch_cpu.so), and AOTInductor
 * packages, whose compiled code needs libtorch.so at load, find it.
 * (Installs before 0.1 wrote an empty linker script there instead.)
 * @param {string} lib
 */
function linkLibtorch(lib) {
  const target = path.join(lib, 'libtorch.so');
  const temp = `${target}.tmp`;
  fs.rmSync(temp, { force: true });
  fs.symlinkSync('libtorch_cpu.so', temp);
  fs.renameSync(temp, target);
}

/**
 * Brings an older torchts install up to date in place (no download): its
 * libtorch.so linker-script stub becomes the link AOTInductor packages need.
 * @param {string} dir
 */
function upgradeLinkShims(dir) {
  const lib = path.join(dir, 'lib');
  if (fs.lstatSync(path.join(lib, 'libtorch.so')).isSymbolicLink()) return;
  linkLibtorch(lib);
  const manifestPath = path.join(dir, 'torchts-manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  for (const entry of manifest.libs) if (entry.name === 'libtorch.so') entry.size = fs.statSync(path.join(lib, 'libtorch.so')).size;
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  log(`linked libtorch.so to libtorch_cpu.so in ${dir}`);
}

/**
 * @param {string} [dir]
 * @returns {boolean}
 */
export function isInstalled(dir = defaultLibtorchDir()) {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'torchts-manifest.json'), 'utf8'));
    return manifest.version === LIBTORCH_VERSION &&
      manifest.libs.every((/** @type {{ name: string, size: number }} */ { name, size }) => fs.statSync(path.join(dir, 'lib', name)).size === size);
  } catch {
    return false;
  }
}

/**
 * Installs (or finds) libtorch's CPU libraries in `dir`; resolves with `dir`.
 * @param {{ dir?: string, force?: boolean, wheels?: WheelSpec[], env?: Env, ca?: Ca }} [options]
 * @returns {Promise<string>}
 */
export async function installLibtorch({ dir = defaultLibtorchDir(), force = false, wheels, env = process.env, ca } = {}) {
  const key = `${process.platform}-${process.arch}`;
  wheels ??= WHEELS[key];
  if (!wheels) throw new Error(`no libtorch ${LIBTORCH_VERSION} recipe for ${key} yet; set TORCHTS_LIBTORCH to a libtorch ${LIBTORCH_VERSION} directory`);
  if (!force && isInstalled(dir)) {
    upgradeLinkShims(dir);
    log(`libtorch ${LIBTORCH_VERSION} already installed in ${dir}`);
    return dir;
  }
  if (fs.existsSync(path.join(dir, 'lib', 'libtorch_cpu.so')) && !fs.existsSync(path.join(dir, 'torchts-manifest.json'))) {
    // A libtorch the user provided (TORCHTS_LIBTORCH): use it, never overwrite it.
    log(`using the existing libtorch in ${dir} (not managed by torchts)`);
    return dir;
  }
  const started = Date.now();
  const staging = `${dir}.staging`;
  const downloads = `${dir}.downloads`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  fs.mkdirSync(downloads, { recursive: true });
  for (const spec of wheels) {
    const wheel = await fetchWheel(spec, downloads, { env, wheels, ca });
    log(`extracting ${spec.file}`);
    await extractWheel(wheel, spec, staging);
  }
  writeLinkShims(staging);
  verifyInstall(staging);
  const libs = fs.readdirSync(path.join(staging, 'lib')).map((name) => ({
    name,
    size: fs.statSync(path.join(staging, 'lib', name)).size,
  }));
  fs.writeFileSync(
    path.join(staging, 'torchts-manifest.json'),
    JSON.stringify({ version: LIBTORCH_VERSION, variant: 'cpu', wheels: wheels.map((w) => ({ file: w.file, sha256: w.sha256 })), libs }, null, 2),
  );
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
  fs.rmSync(downloads, { recursive: true, force: true });
  log(`libtorch ${LIBTORCH_VERSION} (CPU) installed in ${dir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

/**
 * The CUDA build for run-time loading: pip resolves torch 2.11.0's NVIDIA wheels.
 * @param {{ dir?: string, force?: boolean }} [options]
 * @returns {string}
 */
export function installCudaLibtorch({ dir = cudaLibtorchDir(), force = false } = {}) {
  const marker = path.join(dir, 'torch', 'lib', 'libtorch_cuda.so');
  if (!force && fs.existsSync(marker)) {
    log(`CUDA libtorch ${LIBTORCH_VERSION} already installed in ${dir}`);
    return dir;
  }
  if (process.platform !== 'linux') throw new Error('the CUDA build of libtorch is only available for Linux');
  log(`installing torch==${LIBTORCH_VERSION} (CUDA) and its NVIDIA libraries with pip into ${dir} (~3 GB)`);
  const python = process.env.PYTHON || 'python3';
  const result = spawnSync(python, [
    '-m', 'pip', 'install', '--disable-pip-version-check', '--no-compile', '--upgrade',
    // The local interpreter's wheels: the shared libraries are the same for every Python version.
    '--only-binary=:all:',
    '--target', dir, `torch==${LIBTORCH_VERSION}`,
  ], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error || result.status !== 0) throw new Error(`pip install of the CUDA libtorch failed (${result.error?.message ?? `exit ${result.status}`})`);
  if (!fs.existsSync(marker)) throw new Error(`${marker} is missing after the install`);
  return dir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  let args;
  try {
    args = parseArgs({
      options: { force: { type: 'boolean' }, 'print-dir': { type: 'boolean' }, cuda: { type: 'boolean' } },
    }).values;
  } catch (err) {
    log(`error: ${/** @type {Error} */ (err).message}`);
    log('usage: node scripts/install-libtorch.mjs [--force] [--print-dir] [--cuda]');
    process.exit(2);
  }
  try {
    if (args.cuda) installCudaLibtorch({ force: args.force });
    const dir = await installLibtorch({ force: args.force });
    if (args['print-dir']) process.stdout.write(`${dir}\n`);
  } catch (err) {
    log(`error: ${/** @type {Error} */ (err).message}`);
    process.exit(1);
  }
}
