// HTTP(S) download with resume, redirects, proxies, extra CA bundles, progress
// and sha256 verification, on node:http/https/net/tls only (ships with the npm
// package and runs at install time, so no dependencies).
//
// Proxies: HTTPS_PROXY/https_proxy for https URLs (CONNECT tunnel),
// HTTP_PROXY/http_proxy for http URLs, NO_PROXY/no_proxy (comma list, suffix
// match, `*`), basic auth from user:pass in the proxy URL.
// Trust: Node's default roots plus the PEM bundles named by NODE_EXTRA_CA_CERTS,
// PIP_CERT, SSL_CERT_FILE and REQUESTS_CA_BUNDLE (corporate TLS-inspecting
// proxies), plus the `ca` option.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const USER_AGENT = 'torchts-install (node)';
const MAX_REDIRECTS = 10;
const DEFAULT_TIMEOUT_MS = 60_000;

/** The URL as text without user name or password (for messages). */
export function redactUrl(url) {
  try {
    const u = new URL(String(url));
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return String(url).replace(/\/\/[^/@]*@/, '//');
  }
}

function envValue(env, ...names) {
  for (const name of names) {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

function defaultPort(protocol) {
  return protocol === 'https:' ? 443 : 80;
}

/** True when NO_PROXY/no_proxy says `u` is reached directly. */
export function bypassesProxy(u, env = process.env) {
  const list = envValue(env, 'NO_PROXY', 'no_proxy');
  if (!list) return false;
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = u.port || String(defaultPort(u.protocol));
  for (let entry of list.split(/[\s,]+/)) {
    entry = entry.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let entryPort;
    const m = /^(.*):(\d+)$/.exec(entry);
    if (m && !net.isIPv6(entry)) {
      entry = m[1];
      entryPort = m[2];
    }
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*?\./, '');
    if (entryPort && entryPort !== port) continue;
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** The proxy URL for `u` from the environment, or null. */
export function proxyFor(u, env = process.env) {
  const raw = u.protocol === 'https:'
    ? envValue(env, 'HTTPS_PROXY', 'https_proxy')
    : u.protocol === 'http:' ? envValue(env, 'HTTP_PROXY', 'http_proxy') : undefined;
  if (!raw || bypassesProxy(u, env)) return null;
  const proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new Error(`unsupported proxy scheme ${proxy.protocol} in ${redactUrl(proxy)}`);
  }
  return proxy;
}

function basicAuth(u) {
  if (!u.username && !u.password) return undefined;
  const creds = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  return `Basic ${Buffer.from(creds).toString('base64')}`;
}

const caCache = new Map();

/** The CA list for TLS: undefined (Node's defaults) unless extra bundles are configured. */
function trustFor(env, ca) {
  const files = [
    envValue(env, 'NODE_EXTRA_CA_CERTS'),
    envValue(env, 'PIP_CERT'),
    envValue(env, 'SSL_CERT_FILE'),
    envValue(env, 'REQUESTS_CA_BUNDLE'),
  ].filter(Boolean);
  const key = JSON.stringify([files, ca === undefined ? null : String(ca)]);
  if (caCache.has(key)) return caCache.get(key);
  const extra = [];
  for (const file of new Set(files)) {
    try {
      const pem = fs.readFileSync(file, 'utf8');
      if (pem.includes('-----BEGIN CERTIFICATE-----')) extra.push(pem);
    } catch {
      // unreadable bundle: ignored, like a missing one
    }
  }
  if (ca !== undefined) extra.push(...(Array.isArray(ca) ? ca : [ca]).map(String));
  const result = extra.length ? [...tls.rootCertificates, ...extra] : undefined;
  caCache.set(key, result);
  return result;
}

function httpError(message, { retryable = false, status } = {}) {
  const err = new Error(message);
  err.retryable = retryable;
  if (status !== undefined) err.status = status;
  return err;
}

// Certificate and name-resolution failures do not go away by retrying.
function isTransient(err) {
  const code = String(err.code ?? '');
  return !/CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|ERR_SSL|ENOTFOUND|ERR_INVALID/.test(code);
}

function withTimeout(req, timeout, what) {
  req.setTimeout(timeout, () => {
    req.destroy(httpError(`${what}: no data for ${Math.round(timeout / 1000)} s (connection timed out)`, { retryable: true }));
  });
}

/** Opens a CONNECT tunnel through `proxy` to host:port; resolves with the raw socket. */
function connectTunnel(proxy, host, port, { ca, timeout }) {
  return new Promise((resolve, reject) => {
    const mod = proxy.protocol === 'https:' ? https : http;
    const authority = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
    const headers = { host: authority, 'user-agent': USER_AGENT };
    const auth = basicAuth(proxy);
    if (auth) headers['proxy-authorization'] = auth;
    const req = mod.request({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || defaultPort(proxy.protocol),
      method: 'CONNECT',
      path: authority,
      headers,
      agent: false,
      ...(proxy.protocol === 'https:' ? { ca, servername: net.isIP(proxy.hostname) ? undefined : proxy.hostname } : {}),
    });
    const what = `proxy ${redactUrl(proxy)}`;
    withTimeout(req, timeout, what);
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(httpError(`${what} refused CONNECT ${authority}: HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim(), {
          retryable: res.statusCode >= 500,
        }));
        return;
      }
      socket.setTimeout(0);
      resolve(socket);
    });
    req.once('error', (err) => {
      reject(httpError(`${what}: ${err.message}`, { retryable: err.retryable ?? isTransient(err) }));
    });
    req.end();
  });
}

/** One request, no redirects followed. Resolves with the response (body unread). */
async function requestOnce(u, { method = 'GET', headers = {}, env, ca, timeout }) {
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`unsupported URL scheme ${u.protocol} in ${redactUrl(u)}`);
  const isHttps = u.protocol === 'https:';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || defaultPort(u.protocol));
  const trust = trustFor(env, ca);
  const hdrs = { 'user-agent': USER_AGENT, 'accept-encoding': 'identity', ...headers };
  const auth = basicAuth(u);
  if (auth) hdrs.authorization = auth;
  const pathAndQuery = `${u.pathname}${u.search}`;
  const target = redactUrl(u);
  const proxy = proxyFor(u, env);
  const tlsOptions = { ca: trust, servername: net.isIP(host) ? undefined : host };

  let options;
  if (!proxy) {
    options = { host, port, path: pathAndQuery, ...(isHttps ? tlsOptions : {}) };
  } else if (isHttps) {
    const socket = await connectTunnel(proxy, host, port, { ca: trust, timeout });
    options = {
      host, port, path: pathAndQuery,
      createConnection: () => tls.connect({ socket, host, ...tlsOptions }),
    };
  } else {
    // Plain http through an HTTP proxy: absolute-URI request.
    const proxyAuth = basicAuth(proxy);
    if (proxyAuth) hdrs['proxy-authorization'] = proxyAuth;
    hdrs.host = u.host;
    const absolute = new URL(u.href);
    absolute.username = '';
    absolute.password = '';
    absolute.hash = '';
    options = {
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || defaultPort(proxy.protocol),
      path: absolute.href,
      ...(proxy.protocol === 'https:' ? { ca: trust, servername: net.isIP(proxy.hostname) ? undefined : proxy.hostname } : {}),
    };
  }
  const mod = (proxy && !isHttps ? proxy.protocol === 'https:' : isHttps) ? https : http;
  return new Promise((resolve, reject) => {
    // agent: false would make a fresh Agent that ignores createConnection.
    const req = mod.request({ ...options, method, headers: hdrs, ...(options.createConnection ? {} : { agent: false }) });
    withTimeout(req, timeout, target);
    req.once('response', (res) => {
      res.request = req;
      resolve(res);
    });
    req.once('error', (err) => {
      reject(err.retryable !== undefined ? err : httpError(`${target}: ${err.message}`, { retryable: isTransient(err) }));
    });
    req.end();
  });
}

/**
 * A request that follows redirects (301/302/303/307/308, relative Location,
 * at most 10). Resolves with { res, url } where url is the final URL.
 */
export async function request(url, { method = 'GET', headers = {}, env = process.env, ca, timeout = DEFAULT_TIMEOUT_MS } = {}) {
  let current = new URL(String(url));
  current.hash = '';
  for (let hop = 0; ; hop++) {
    const res = await requestOnce(current, { method, headers, env, ca, timeout });
    const status = res.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw httpError(`${redactUrl(url)}: more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(res.headers.location, current);
      next.hash = '';
      if (next.origin !== current.origin) {
        // credentials never travel to another host
        next.username = '';
        next.password = '';
      }
      if (status === 303) method = 'GET';
      current = next;
      continue;
    }
    return { res, url: current };
  }
}

async function readBody(res) {
  const chunks = [];
  for await (const chunk of res) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * GET a text resource (following redirects). Resolves with
 * { url, status, contentType, text }; a non-2xx status throws.
 */
export async function fetchText(url, { headers = {}, env = process.env, ca, timeout = DEFAULT_TIMEOUT_MS } = {}) {
  const { res, url: finalUrl } = await request(url, { headers, env, ca, timeout });
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    res.resume();
    throw httpError(`${redactUrl(finalUrl)}: HTTP ${status} ${res.statusMessage ?? ''}`.trim(), { status });
  }
  const text = await readBody(res);
  return { url: finalUrl.href, status, contentType: String(res.headers['content-type'] ?? ''), text };
}

function mb(bytes) {
  return (bytes / 1e6).toFixed(1);
}

async function sha256Of(file) {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 22 })) hash.update(chunk);
  return hash.digest('hex');
}

function parseContentRange(value) {
  const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(String(value ?? '').trim());
  if (!m) return null;
  return {
    start: m[1] === undefined ? undefined : Number(m[1]),
    end: m[2] === undefined ? undefined : Number(m[2]),
    total: m[3] === '*' ? undefined : Number(m[3]),
  };
}

function sizeOf(file) {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Downloads `url` to `dest` through `${dest}.part`, resuming an existing
 * .part with a Range request and retrying dropped connections (with resume)
 * up to `retries` times in a row without progress. Checks the sha256 (hex)
 * of the complete file, then renames the .part to dest.
 * Resolves with { path, size, sha256 }.
 */
export async function downloadFile({
  url, dest, sha256, size, log = () => {}, ca, retries = 5,
  env = process.env, timeout = DEFAULT_TIMEOUT_MS, backoffMs = 1000,
}) {
  if (!url || !dest) throw new Error('downloadFile needs url and dest');
  const name = path.basename(dest);
  const part = `${dest}.part`;
  const where = redactUrl(url);
  const expected = sha256?.toLowerCase();
  fs.mkdirSync(path.dirname(dest), { recursive: true });

  const finish = async () => {
    const actual = await sha256Of(part);
    if (expected && actual !== expected) {
      fs.rmSync(part, { force: true });
      throw httpError(`${name}: sha256 mismatch (expected ${expected}, got ${actual}) for ${where}`);
    }
    fs.renameSync(part, dest);
    return { path: dest, size: sizeOf(dest), sha256: actual };
  };
  const checkSize = (total) => {
    if (size !== undefined && total !== undefined && total !== size) {
      throw httpError(`${name}: the server reports ${total} bytes, expected ${size} (${where})`);
    }
  };

  if (/^file:/i.test(String(url))) {
    const source = fileURLToPath(String(url));
    if (!fs.existsSync(source)) throw new Error(`${name}: ${source} does not exist`);
    checkSize(fs.statSync(source).size);
    log(`${name}: copying ${source}`);
    fs.copyFileSync(source, part);
    return finish();
  }

  let failures = 0;
  for (;;) {
    let have = sizeOf(part);
    let received = 0;
    try {
      const headers = {};
      if (have > 0) {
        headers.range = `bytes=${have}-`;
        log(`${name}: resuming at ${mb(have)} MB`);
      }
      const { res, url: finalUrl } = await request(url, { headers, env, ca, timeout });
      const status = res.statusCode ?? 0;
      const at = redactUrl(finalUrl);
      let total;
      let append = false;
      if (status === 416 && have > 0) {
        // Nothing left to send from `have` on: the .part is complete, or stale.
        res.resume();
        const range = parseContentRange(res.headers['content-range']);
        if (range?.total === undefined || range.total === have) {
          const actual = await sha256Of(part);
          if (!expected || actual === expected) {
            checkSize(have);
            fs.renameSync(part, dest);
            return { path: dest, size: have, sha256: actual };
          }
        }
        log(`${name}: the partial download (${mb(have)} MB) does not match the file; starting again`);
        fs.rmSync(part, { force: true });
        if (++failures > retries) throw httpError(`${name}: ${at} keeps refusing the download (HTTP 416)`);
        continue;
      } else if (status === 206) {
        const range = parseContentRange(res.headers['content-range']);
        if (!range || range.start !== have) {
          res.resume();
          log(`${name}: the server resumed at an unexpected offset; starting again`);
          fs.rmSync(part, { force: true });
          continue;
        }
        total = range.total;
        append = true;
      } else if (status >= 200 && status < 300) {
        if (have > 0) log(`${name}: the server ignored the range request; downloading from the start`);
        have = 0;
        const length = res.headers['content-length'];
        total = length === undefined ? undefined : Number(length);
      } else {
        res.resume();
        throw httpError(`${at}: HTTP ${status} ${res.statusMessage ?? ''}`.trim(), {
          status,
          retryable: status >= 500 || status === 408 || status === 429,
        });
      }
      try {
        checkSize(total);
      } catch (err) {
        res.destroy();
        throw err;
      }

      const fh = await fs.promises.open(part, append ? 'a' : 'w');
      const started = Date.now();
      let lastShown = started;
      try {
        for await (const chunk of res) {
          await fh.write(chunk);
          received += chunk.length;
          const now = Date.now();
          if (now - lastShown >= 1000) {
            lastShown = now;
            const done = have + received;
            const speed = `${mb(received / ((now - started) / 1000))} MB/s`;
            log(total
              ? `${name}: ${mb(done)}/${mb(total)} MB (${Math.floor((done / total) * 100)}%), ${speed}`
              : `${name}: ${mb(done)} MB, ${speed}`);
          }
        }
      } finally {
        await fh.close();
      }
      const got = sizeOf(part);
      const seconds = (Date.now() - started) / 1000;
      log(`${name}: ${mb(got)} MB, ${mb(received)} MB fetched in ${seconds.toFixed(1)} s`);
      if (total !== undefined && got < total) {
        throw httpError(`${at}: connection closed at ${got} of ${total} bytes`, { retryable: true });
      }
      if (total !== undefined && got > total) {
        fs.rmSync(part, { force: true });
        throw httpError(`${at}: received ${got} bytes, more than the ${total} announced`, { retryable: true });
      }
      return await finish();
    } catch (err) {
      const dropped = err.code === 'ECONNRESET' || err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.message === 'aborted';
      if (dropped) err.message = `connection lost at ${mb(sizeOf(part))} MB (${err.message})`;
      const retryable = err.retryable ?? dropped;
      if (!retryable) {
        if (err.message && !err.message.includes(where) && !err.message.includes(name)) err.message = `${where}: ${err.message}`;
        throw err;
      }
      failures = received > 0 ? 1 : failures + 1;
      if (failures > retries) {
        throw httpError(`${name}: download failed after ${retries} retries: ${err.message.includes('://') ? err.message : `${where}: ${err.message}`}`);
      }
      const wait = Math.min(backoffMs * 2 ** (failures - 1), 30_000);
      log(`${name}: ${err.message}; retrying in ${(wait / 1000).toFixed(1)} s`);
      await sleep(wait);
    }
  }
}
