// The libtorch installer's fetch path (scripts/download.mjs and the wheel
// resolver of scripts/install-libtorch.mjs) against local servers only:
// resume, redirects, proxies, TLS trust, hash checks, index pages, and an
// end-to-end install of a tiny fake wheel.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { downloadFile, fetchText, type Env } from '../scripts/download.mjs';
import {
  configuredIndexes, installLibtorch, isInstalled, projectName, resolveWheelUrl, type WheelSpec,
} from '../scripts/install-libtorch.mjs';

const MB = 1024 * 1024;
const payload = crypto.randomBytes(3 * MB);
const payloadSha = sha256(payload);
const NO_PIP: Env = { PYTHON: '/nonexistent/python', PIP_CONFIG_FILE: os.devNull };

let tmp: string;
let certPem: string;
let keyPem: string;
const closers: (() => Promise<void>)[] = [];

function sha256(data: Buffer) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

async function listen(server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return (server.address() as net.AddressInfo).port;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function httpServer(handler: Handler) {
  const server = http.createServer(handler);
  const port = await listen(server);
  return { base: `http://127.0.0.1:${port}`, port };
}

interface Stats { requests: number; served: number; ranges: string[] }
const newStats = (): Stats => ({ requests: 0, served: 0, ranges: [] });

/** Serves `data` with Range support, counting body bytes sent. */
function serveRange(req: http.IncomingMessage, res: http.ServerResponse, data: Buffer, stats: Stats) {
  stats.requests++;
  const range = req.headers.range;
  if (range) stats.ranges.push(range);
  const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
  if (m) {
    const start = Number(m[1]);
    if (start >= data.length) {
      res.writeHead(416, { 'content-range': `bytes */${data.length}` });
      res.end();
      return;
    }
    res.writeHead(206, { 'content-length': data.length - start, 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` });
    stats.served += data.length - start;
    res.end(data.subarray(start));
    return;
  }
  res.writeHead(200, { 'content-length': data.length });
  stats.served += data.length;
  res.end(data);
}

function collectLog() {
  const lines: string[] = [];
  return { lines, log: (m: string) => lines.push(m) };
}

const exists = (p: string) => fs.existsSync(p);

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchts-install-'));
  const key = path.join(tmp, 'key.pem');
  const cert = path.join(tmp, 'cert.pem');
  const r = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`the HTTPS tests need the openssl command to make a self-signed certificate: ${r.error?.message ?? r.stderr}`);
  }
  certPem = fs.readFileSync(cert, 'utf8');
  keyPem = fs.readFileSync(key, 'utf8');
});

afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('downloadFile', () => {
  it('downloads a file, checks its sha256 and leaves no .part', async () => {
    const stats = newStats();
    const { base } = await httpServer((req, res) => serveRange(req, res, payload, stats));
    const dest = path.join(tmp, 'full', 'payload.bin');
    const result = await downloadFile({ url: `${base}/payload.bin`, dest, sha256: payloadSha, size: payload.length, env: {} });
    expect(result.sha256).toBe(payloadSha);
    expect(sha256(fs.readFileSync(dest))).toBe(payloadSha);
    expect(exists(`${dest}.part`)).toBe(false);
    expect(stats.served).toBe(payload.length);
  });

  it('resumes with a Range request after the connection drops', async () => {
    const stats = newStats();
    const { base } = await httpServer((req, res) => {
      if (stats.requests++ === 0) {
        res.writeHead(200, { 'content-length': payload.length });
        res.write(payload.subarray(0, MB), () => setTimeout(() => res.socket?.destroy(), 50));
        return;
      }
      stats.requests--;
      serveRange(req, res, payload, stats);
    });
    const dest = path.join(tmp, 'drop', 'payload.bin');
    const { lines, log } = collectLog();
    await downloadFile({ url: `${base}/payload.bin`, dest, sha256: payloadSha, env: {}, log, backoffMs: 10 });
    expect(stats.requests).toBe(2);
    expect(stats.ranges).toHaveLength(1);
    const n = Number(/^bytes=(\d+)-$/.exec(stats.ranges[0]!)?.[1]);
    expect(n).toBeGreaterThan(0);
    expect(stats.served).toBe(payload.length - n);
    expect(fs.readFileSync(dest).equals(payload)).toBe(true);
    expect(lines.some((l) => /resuming at \d+\.\d MB/.test(l))).toBe(true);
    expect(exists(`${dest}.part`)).toBe(false);
  });

  it('continues an interrupted earlier run without fetching its bytes again', async () => {
    const stats = newStats();
    const { base } = await httpServer((req, res) => serveRange(req, res, payload, stats));
    const dest = path.join(tmp, 'part', 'payload.bin');
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(`${dest}.part`, payload.subarray(0, MB));
    await downloadFile({ url: `${base}/payload.bin`, dest, sha256: payloadSha, env: {} });
    expect(stats.ranges).toEqual([`bytes=${MB}-`]);
    expect(stats.served).toBe(payload.length - MB);
    expect(fs.readFileSync(dest).equals(payload)).toBe(true);
  });

  it('treats a complete .part (HTTP 416) as done once its hash matches', async () => {
    const stats = newStats();
    const { base } = await httpServer((req, res) => serveRange(req, res, payload, stats));
    const dest = path.join(tmp, 'complete', 'payload.bin');
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(`${dest}.part`, payload);
    await downloadFile({ url: `${base}/payload.bin`, dest, sha256: payloadSha, env: {} });
    expect(stats.served).toBe(0);
    expect(fs.readFileSync(dest).equals(payload)).toBe(true);
  });

  it('starts over when the server ignores Range and answers 200', async () => {
    const stats = newStats();
    const { base } = await httpServer((req, res) => {
      stats.requests++;
      if (req.headers.range) stats.ranges.push(req.headers.range);
      res.writeHead(200, { 'content-length': payload.length });
      stats.served += payload.length;
      res.end(payload);
    });
    const dest = path.join(tmp, 'norange', 'payload.bin');
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(`${dest}.part`, payload.subarray(0, MB));
    const { lines, log } = collectLog();
    await downloadFile({ url: `${base}/payload.bin`, dest, sha256: payloadSha, env: {}, log });
    expect(stats.ranges).toEqual([`bytes=${MB}-`]);
    expect(fs.readFileSync(dest).equals(payload)).toBe(true);
    expect(lines.join('\n')).toContain('ignored the range request');
  });

  it('reports progress at most once a second', async () => {
    const { base } = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': payload.length });
      let i = 0;
      const next = () => {
        res.write(payload.subarray(i * MB, (i + 1) * MB));
        if (++i < 3) setTimeout(next, 600);
        else res.end();
      };
      next();
    });
    const dest = path.join(tmp, 'progress', 'payload.bin');
    const { lines, log } = collectLog();
    await downloadFile({ url: `${base}/payload.bin`, dest, sha256: payloadSha, env: {}, log });
    const progress = lines.filter((l) => l.includes('%'));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.length).toBeLessThanOrEqual(2);
    expect(progress[0]).toMatch(/^payload\.bin: [12]\.\d\/3\.1 MB \((3[0-9]|6[0-9])%\), \d+\.\d MB\/s$/);
  });

  it('rejects a wrong sha256 naming the file and both hashes, leaving nothing behind', async () => {
    const stats = newStats();
    const { base } = await httpServer((req, res) => serveRange(req, res, payload, stats));
    const dest = path.join(tmp, 'badhash', 'payload.bin');
    const wrong = 'ab'.repeat(32);
    const err = await downloadFile({ url: `${base}/payload.bin`, dest, sha256: wrong, env: {} }).then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain('payload.bin');
    expect(err!.message).toContain(wrong);
    expect(err!.message).toContain(payloadSha);
    expect(exists(dest)).toBe(false);
    expect(exists(`${dest}.part`)).toBe(false);
  });

  it('rejects a size that differs from the server\'s', async () => {
    const stats = newStats();
    const { base } = await httpServer((req, res) => serveRange(req, res, payload, stats));
    const dest = path.join(tmp, 'badsize', 'payload.bin');
    await expect(downloadFile({ url: `${base}/payload.bin`, dest, size: 1234, env: {} }))
      .rejects.toThrow(`payload.bin: the server reports ${payload.length} bytes, expected 1234`);
  });

  it('follows redirects, relative and absolute, and names the URL without credentials on errors', async () => {
    const stats = newStats();
    const target = await httpServer((req, res) => {
      if (req.url === '/files/payload.bin') serveRange(req, res, payload, stats);
      else { res.writeHead(404); res.end(); }
    });
    const { base } = await httpServer((req, res) => {
      if (req.url === '/old/payload.bin') res.writeHead(302, { location: '../moved/payload.bin' });
      else if (req.url === '/moved/payload.bin') res.writeHead(307, { location: `${target.base}/files/payload.bin` });
      else res.writeHead(404);
      res.end();
    });
    const dest = path.join(tmp, 'redirect', 'payload.bin');
    await downloadFile({ url: `${base}/old/payload.bin`, dest, sha256: payloadSha, env: {} });
    expect(fs.readFileSync(dest).equals(payload)).toBe(true);

    const missing = new URL(`${base}/nothing.bin`);
    missing.username = 'user';
    missing.password = 'hunter2';
    const err = await downloadFile({ url: missing.href, dest: path.join(tmp, 'redirect', 'x'), env: {} }).then(() => null, (e: Error) => e);
    expect(err?.message).toContain(`${base}/nothing.bin: HTTP 404`);
    expect(err?.message).not.toContain('hunter2');
  });
});

describe('proxies and TLS', () => {
  let httpsBase: string;
  let httpsPort: number;
  const httpsStats = newStats();
  let proxyUrl: string;
  const connects: { line: string; auth?: string }[] = [];

  beforeAll(async () => {
    const server = https.createServer({ key: keyPem, cert: certPem }, (req, res) => serveRange(req, res, payload, httpsStats));
    httpsPort = await listen(server);
    httpsBase = `https://127.0.0.1:${httpsPort}`;
    // A CONNECT-only proxy.
    const proxy = net.createServer((client) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        client.off('data', onData);
        const lines = head.subarray(0, end).toString('latin1').split('\r\n');
        const auth = lines.find((l) => /^proxy-authorization:/i.test(l))?.replace(/^[^:]+:\s*/, '');
        connects.push({ line: lines[0]!, auth });
        const m = /^CONNECT ([^:\s]+):(\d+) HTTP\/1\.[01]$/.exec(lines[0]!);
        if (!m) {
          client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
          return;
        }
        const upstream = net.connect(Number(m[2]), m[1]!, () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          const rest = head.subarray(end + 4);
          if (rest.length) upstream.write(rest);
          upstream.pipe(client);
          client.pipe(upstream);
        });
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
      };
      client.on('data', onData);
    });
    proxyUrl = `http://tester:s3cret@127.0.0.1:${await listen(proxy)}`;
  });

  it('tunnels HTTPS through HTTPS_PROXY with CONNECT and proxy basic auth', async () => {
    const before = connects.length;
    const dest = path.join(tmp, 'proxy', 'payload.bin');
    await downloadFile({ url: `${httpsBase}/payload.bin`, dest, sha256: payloadSha, env: { HTTPS_PROXY: proxyUrl }, ca: certPem });
    expect(fs.readFileSync(dest).equals(payload)).toBe(true);
    expect(connects.slice(before)).toEqual([
      { line: `CONNECT 127.0.0.1:${httpsPort} HTTP/1.1`, auth: `Basic ${Buffer.from('tester:s3cret').toString('base64')}` },
    ]);
  });

  it('goes direct for hosts in NO_PROXY', async () => {
    const before = connects.length;
    const dest = path.join(tmp, 'noproxy', 'payload.bin');
    await downloadFile({
      url: `${httpsBase}/payload.bin`, dest, sha256: payloadSha, ca: certPem,
      env: { https_proxy: proxyUrl, no_proxy: 'example.test, 127.0.0.1' },
    });
    expect(fs.readFileSync(dest).equals(payload)).toBe(true);
    // a `*` entry anywhere in the list turns the proxy off for every host
    await downloadFile({
      url: `${httpsBase}/payload.bin`, dest: path.join(tmp, 'noproxy', 'star.bin'), sha256: payloadSha, ca: certPem,
      env: { HTTPS_PROXY: proxyUrl, NO_PROXY: 'example.test,*' },
    });
    expect(connects.length).toBe(before);
  });

  it('trusts a CA bundle named by SSL_CERT_FILE, and fails without it', async () => {
    const bundle = path.join(tmp, 'bundle.pem');
    fs.writeFileSync(bundle, certPem);
    const dest = path.join(tmp, 'envca', 'payload.bin');
    await downloadFile({ url: `${httpsBase}/payload.bin`, dest, sha256: payloadSha, env: { SSL_CERT_FILE: bundle } });
    expect(sha256(fs.readFileSync(dest))).toBe(payloadSha);
    // npm's cafile setting, as an npm script sees it
    const viaNpm = path.join(tmp, 'envca', 'npm.bin');
    await downloadFile({ url: `${httpsBase}/payload.bin`, dest: viaNpm, sha256: payloadSha, env: { npm_config_cafile: bundle } });
    expect(sha256(fs.readFileSync(viaNpm))).toBe(payloadSha);
    const started = Date.now();
    await expect(downloadFile({ url: `${httpsBase}/payload.bin`, dest: path.join(tmp, 'envca', 'again.bin'), env: {} }))
      .rejects.toThrow(/self.signed|certificate/i);
    expect(Date.now() - started).toBeLessThan(900); // a certificate error is not retried
  });

  it('sends plain http through HTTP_PROXY as an absolute-URI request', async () => {
    const seen: { url?: string; host?: string }[] = [];
    const stats = newStats();
    const proxy = await httpServer((req, res) => {
      seen.push({ url: req.url, host: req.headers.host });
      serveRange(req, res, payload, stats);
    });
    const dest = path.join(tmp, 'httpproxy', 'payload.bin');
    await downloadFile({ url: 'http://wheels.example.test/a/payload.bin', dest, sha256: payloadSha, env: { HTTP_PROXY: proxy.base } });
    expect(seen).toEqual([{ url: 'http://wheels.example.test/a/payload.bin', host: 'wheels.example.test' }]);
    expect(fs.readFileSync(dest).equals(payload)).toBe(true);
  });
});

// ---- wheel resolution --------------------------------------------------------

const TORCH_FILE = 'torch-2.11.0-cp311-cp311-manylinux_2_28_x86_64.whl';
const CUDART_FILE = 'nvidia_cuda_runtime-13.0.96-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl';

function spec(file: string, requirement: string, sha: string, platform: string, prefix = 'torch/'): WheelSpec {
  return {
    requirement, file, sha256: sha, platform,
    take: (name) => name.startsWith(`${prefix}lib/`) || name.startsWith(`${prefix}include/`),
    dest: (name) => name.slice(prefix.length),
  };
}

const torchSpec = spec(TORCH_FILE, 'torch==2.11.0', '0'.repeat(64), 'manylinux_2_28_x86_64');
const cudartSpec = spec(CUDART_FILE, 'nvidia-cuda-runtime==13.0.96', '0'.repeat(64), 'manylinux_2_17_x86_64');

describe('resolveWheelUrl', () => {
  let base: string;
  const accepts: string[] = [];

  beforeAll(async () => {
    ({ base } = await httpServer((req, res) => {
      accepts.push(String(req.headers.accept));
      if (req.url === '/simple/torch/') {
        res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' });
        res.end(JSON.stringify({
          meta: { 'api-version': '1.1' },
          name: 'torch',
          files: [
            { filename: 'torch-2.10.0-cp311-cp311-manylinux_2_28_x86_64.whl', url: '../../packages/old/torch.whl', hashes: {} },
            { filename: TORCH_FILE, url: `../../packages/ab/cd/${TORCH_FILE}#sha256=${'1'.repeat(64)}`, hashes: {} },
          ],
        }));
      } else if (req.url === '/html/nvidia-cuda-runtime/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<!DOCTYPE html><html><body><h1>Links</h1>
<a href="/files/other.whl#sha256=00">nvidia_cuda_runtime-12.0.0-py3-none-manylinux2014_x86_64.whl</a><br/>
<a href="/files/x/${CUDART_FILE}#sha256=${'2'.repeat(64)}" data-requires-python="&gt;=3">${CUDART_FILE}</a><br/>
</body></html>`);
      } else if (req.url === '/moved/simple/torch/') {
        res.writeHead(301, { location: '/simple/torch/' });
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    }));
  });

  it('normalises project names per PEP 503', () => {
    expect(projectName({ requirement: 'Nvidia_Cuda.Runtime==13.0.96' })).toBe('nvidia-cuda-runtime');
    expect(projectName({ requirement: 'torch==2.11.0' })).toBe('torch');
  });

  it('reads a PEP 691 JSON page from PIP_INDEX_URL and resolves the relative URL', async () => {
    const url = await resolveWheelUrl(torchSpec, { env: { ...NO_PIP, PIP_INDEX_URL: `${base}/simple` } });
    expect(url).toBe(`${base}/packages/ab/cd/${TORCH_FILE}`);
    expect(accepts.at(-1)).toContain('application/vnd.pypi.simple.v1+json');
  });

  it('resolves against the final URL after a redirect', async () => {
    const url = await resolveWheelUrl(torchSpec, { env: { ...NO_PIP, PIP_INDEX_URL: `${base}/moved/simple/` } });
    expect(url).toBe(`${base}/packages/ab/cd/${TORCH_FILE}`);
  });

  it('reads a PEP 503 HTML page', async () => {
    const url = await resolveWheelUrl(cudartSpec, { env: { ...NO_PIP, PIP_INDEX_URL: `${base}/html/` } });
    expect(url).toBe(`${base}/files/x/${CUDART_FILE}`);
  });

  it('takes index-url from the pip config file named by PIP_CONFIG_FILE', async () => {
    const conf = path.join(tmp, 'pip.conf');
    fs.writeFileSync(conf, `# test\n[global]\nindex-url = ${base}/nowhere/\ntimeout = 5\n\n[install]\nindex_url = ${base}/simple/\n`);
    const env = { PYTHON: '/nonexistent/python', PIP_CONFIG_FILE: conf, HOME: tmp, XDG_CONFIG_DIRS: tmp };
    expect(configuredIndexes(env).index).toBe(`${base}/simple/`);
    expect(await resolveWheelUrl(torchSpec, { env })).toBe(`${base}/packages/ab/cd/${TORCH_FILE}`);
    // the user's file under XDG_CONFIG_HOME; PIP_CONFIG_FILE=os.devNull turns all files off, as in pip
    const xdg = path.join(tmp, 'xdg');
    fs.mkdirSync(path.join(xdg, 'pip'), { recursive: true });
    fs.writeFileSync(path.join(xdg, 'pip', 'pip.conf'), `[global]\nindex-url=${base}/user/\nextra-index-url =\n    ${base}/a/\n    ${base}/b/\n`);
    const user = { HOME: tmp, XDG_CONFIG_HOME: xdg, XDG_CONFIG_DIRS: tmp };
    expect(configuredIndexes(user)).toEqual({ index: `${base}/user/`, extra: [`${base}/a/`, `${base}/b/`] });
    expect(configuredIndexes({ ...user, PIP_INDEX_URL: `${base}/env/` }).index).toBe(`${base}/env/`);
    expect(configuredIndexes({ ...user, PIP_CONFIG_FILE: os.devNull })).toEqual({ index: undefined, extra: [] });
  });

  it('says which page lacks the pinned file', async () => {
    const other = { ...torchSpec, file: 'torch-2.11.0-cp311-cp311-win_amd64.whl' };
    await expect(resolveWheelUrl(other, { env: { ...NO_PIP, PIP_INDEX_URL: `${base}/simple/` } }))
      .rejects.toThrow(`torch-2.11.0-cp311-cp311-win_amd64.whl is not listed on ${base}/simple/torch/`);
  });

  it('without pip or an index, explains the three ways out', async () => {
    const err = await resolveWheelUrl(torchSpec, { env: NO_PIP, wheels: [torchSpec, cudartSpec] }).then(() => null, (e: Error) => e);
    expect(err?.message).toBe(
      'no pip found and no package index configured; set PIP_INDEX_URL to your Python package index\'s simple URL, ' +
      `or TORCHTS_WHEELHOUSE to a directory with the wheels ${TORCH_FILE}, ${CUDART_FILE}, ` +
      'or TORCHTS_LIBTORCH to an existing libtorch 2.11.0',
    );
  });

  it('prefers TORCHTS_WHEELHOUSE, a directory or a URL prefix', async () => {
    const dir = path.join(tmp, 'house');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, TORCH_FILE), 'x');
    expect(await resolveWheelUrl(torchSpec, { env: { TORCHTS_WHEELHOUSE: dir } })).toBe(`file://${path.join(dir, TORCH_FILE)}`);
    expect(await resolveWheelUrl(torchSpec, { env: { TORCHTS_WHEELHOUSE: `${base}/mirror` } })).toBe(`${base}/mirror/${TORCH_FILE}`);
    await expect(resolveWheelUrl(cudartSpec, { env: { TORCHTS_WHEELHOUSE: dir } })).rejects.toThrow(`TORCHTS_WHEELHOUSE: ${path.join(dir, CUDART_FILE)} does not exist`);
  });
});

// ---- a fake wheel, end to end -------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer) {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A zip with stored (uncompressed) entries; with `zip64` its end record is the
 * ZIP64 one (the classic record's counts and offsets all 0xFFFF...), as
 * writers emit for more than 65535 entries or archives past 4 GiB.
 */
function storedZip(entries: [string, Buffer][], { zip64 = false } = {}) {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBuf = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  if (!zip64) {
    eocd.writeUInt16LE(entries.length, 8);
    eocd.writeUInt16LE(entries.length, 10);
    eocd.writeUInt32LE(cd.length, 12);
    eocd.writeUInt32LE(offset, 16);
    return Buffer.concat([...locals, cd, eocd]);
  }
  eocd.writeUInt16LE(0xffff, 8);
  eocd.writeUInt16LE(0xffff, 10);
  eocd.writeUInt32LE(0xffffffff, 12);
  eocd.writeUInt32LE(0xffffffff, 16);
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(entries.length), 24);
  record.writeBigUInt64LE(BigInt(entries.length), 32);
  record.writeBigUInt64LE(BigInt(cd.length), 40);
  record.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + cd.length), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([...locals, cd, record, locator, eocd]);
}

/** A wheel-shaped zip whose RECORD lists sha256 base64url digests (optionally a wrong one). */
function fakeWheel(files: Record<string, Buffer>, { corrupt = '', zip64 = false } = {}) {
  const distInfo = 'torch-2.11.0.dist-info';
  const all: [string, Buffer][] = [
    ...Object.entries(files),
    [`${distInfo}/METADATA`, Buffer.from('Metadata-Version: 2.1\nName: torch\nVersion: 2.11.0\n')],
    [`${distInfo}/WHEEL`, Buffer.from('Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: cp311-cp311-manylinux_2_28_x86_64\n')],
  ];
  const record = all.map(([name, data]) => {
    const digest = name === corrupt ? 'A'.repeat(43) : crypto.createHash('sha256').update(data).digest('base64url');
    return `${name},sha256=${digest},${data.length}`;
  });
  record.push(`${distInfo}/RECORD,,`);
  return storedZip([...all, [`${distInfo}/RECORD`, Buffer.from(`${record.join('\n')}\n`)]], { zip64 });
}

describe('installLibtorch with a fake wheel', () => {
  const cpuLib = crypto.randomBytes(200_000);
  const header = Buffer.from('#pragma once\n');
  const good = fakeWheel({ 'torch/lib/libtorch_cpu.so': cpuLib, 'torch/include/torch/fake.h': header, 'torch/bin/skip': Buffer.from('no') });
  const bad = fakeWheel({ 'torch/lib/libtorch_cpu.so': cpuLib }, { corrupt: 'torch/lib/libtorch_cpu.so' });
  const wide = fakeWheel({ 'torch/lib/libtorch_cpu.so': cpuLib, 'torch/include/torch/fake.h': header }, { zip64: true });
  const stats = newStats();
  let base: string;

  beforeAll(async () => {
    ({ base } = await httpServer((req, res) => {
      if (req.url === `/house/${TORCH_FILE}`) serveRange(req, res, good, stats);
      else if (req.url === `/bad/${TORCH_FILE}`) serveRange(req, res, bad, stats);
      else if (req.url === `/zip64/${TORCH_FILE}`) serveRange(req, res, wide, stats);
      else if (req.url === '/simple/torch/') {
        res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' });
        res.end(JSON.stringify({ meta: { 'api-version': '1.0' }, name: 'torch', files: [{ filename: TORCH_FILE, url: `../../house/${TORCH_FILE}`, hashes: { sha256: sha256(good) } }] }));
      } else {
        res.writeHead(404);
        res.end();
      }
    }));
  });

  it('downloads from TORCHTS_WHEELHOUSE, extracts the RECORD-verified files and is idempotent', async () => {
    const dir = path.join(tmp, 'libtorch-e2e');
    const wheels = [{ ...torchSpec, sha256: sha256(good) }];
    const env = { TORCHTS_WHEELHOUSE: `${base}/house/` };
    expect(await installLibtorch({ dir, wheels, env })).toBe(dir);
    expect(fs.readFileSync(path.join(dir, 'lib', 'libtorch_cpu.so')).equals(cpuLib)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'include', 'torch', 'fake.h')).equals(header)).toBe(true);
    expect(exists(path.join(dir, 'bin'))).toBe(false);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'torchts-manifest.json'), 'utf8'));
    expect(manifest.wheels).toEqual([{ file: TORCH_FILE, sha256: sha256(good) }]);
    expect(isInstalled(dir)).toBe(true);
    expect(exists(`${dir}.downloads`)).toBe(false);
    expect(exists(`${dir}.staging`)).toBe(false);
    const requests = stats.requests;
    await installLibtorch({ dir, wheels, env });
    expect(stats.requests).toBe(requests);
  });

  it('installs without pip through the index page', async () => {
    const dir = path.join(tmp, 'libtorch-index');
    await installLibtorch({ dir, wheels: [{ ...torchSpec, sha256: sha256(good) }], env: { ...NO_PIP, PIP_INDEX_URL: `${base}/simple/` } });
    expect(fs.readFileSync(path.join(dir, 'lib', 'libtorch_cpu.so')).equals(cpuLib)).toBe(true);
  });

  it('reads a wheel whose end record is ZIP64', async () => {
    expect(wide.readUInt16LE(wide.length - 12)).toBe(0xffff); // the classic record defers to ZIP64
    const dir = path.join(tmp, 'libtorch-zip64');
    await installLibtorch({ dir, wheels: [{ ...torchSpec, sha256: sha256(wide) }], env: { TORCHTS_WHEELHOUSE: `${base}/zip64` } });
    expect(fs.readFileSync(path.join(dir, 'lib', 'libtorch_cpu.so')).equals(cpuLib)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'include', 'torch', 'fake.h')).equals(header)).toBe(true);
  });

  it('rejects a wheel whose file does not match its RECORD', async () => {
    const dir = path.join(tmp, 'libtorch-bad');
    await expect(installLibtorch({ dir, wheels: [{ ...torchSpec, sha256: sha256(bad) }], env: { TORCHTS_WHEELHOUSE: `${base}/bad` } }))
      .rejects.toThrow("torch/lib/libtorch_cpu.so: sha256 does not match the wheel's RECORD");
    expect(exists(path.join(dir, 'lib'))).toBe(false);
  });

  const hasPip = spawnSync('python3', ['-m', 'pip', '--version']).status === 0;
  it.skipIf(!hasPip)('asks pip (python3 here) for the URL, pip reading the index from PIP_INDEX_URL', async () => {
    const env: Env = {
      ...process.env, PYTHON: 'python3', PIP_INDEX_URL: `${base}/simple/`, PIP_CONFIG_FILE: os.devNull,
      PIP_NO_CACHE_DIR: '1', PIP_FIND_LINKS: undefined, PIP_EXTRA_INDEX_URL: undefined, PIP_NO_INDEX: undefined,
    };
    const url = await resolveWheelUrl({ ...torchSpec, sha256: sha256(good) }, { env });
    expect(url).toBe(`${base}/house/${TORCH_FILE}`);
  });
});

it('fetchText reports HTTP errors with the URL', async () => {
  const { base } = await httpServer((_req, res) => { res.writeHead(503); res.end(); });
  await expect(fetchText(`${base}/x/`, { env: {} })).rejects.toThrow(`${base}/x/: HTTP 503`);
});
