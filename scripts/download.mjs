// @ts-check
// Downloads for the libtorch installer, on undici (fetch with an
// EnvHttpProxyAgent): resume of .part files with HTTP Range, retries with
// back-off, progress lines and sha256 verification are what this file adds.
//
// Proxies: HTTPS_PROXY/https_proxy for https URLs (CONNECT tunnel),
// HTTP_PROXY/http_proxy for http URLs (absolute-URI requests), NO_PROXY/
// no_proxy (comma list, host or domain suffix, optional port, `*`), basic auth
// from user:pass in the proxy URL; npm's https-proxy/proxy/noproxy settings
// (npm_config_* in an npm script) when those are unset.
// Trust: Node's default roots plus the PEM bundles named by NODE_EXTRA_CA_CERTS,
// npm's cafile, PIP_CERT, SSL_CERT_FILE and REQUESTS_CA_BUNDLE (corporate
// TLS-inspecting proxies), plus the `ca` option.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { EnvHttpProxyAgent, fetch } from 'undici';

/** @typedef {Record<string, string | undefined>} Env */
/** @typedef {string | Buffer | (string | Buffer)[]} Ca */

/**
 * @typedef {object} RequestOptions
 * @property {Record<string, string>} [headers]
 * @property {Env} [env] where proxy and CA settings are read (default: process.env)
 * @property {Ca} [ca] extra trusted certificates (PEM)
 * @property {number} [timeout] ms without data before a request fails (default 60 s)
 */

/**
 * @typedef {object} DownloadOptions
 * @property {string | URL} url http(s) or file URL
 * @property {string} dest
 * @property {string} [sha256] expected hex digest of the whole file
 * @property {number} [size] expected size in bytes
 * @property {(message: string) => void} [log]
 * @property {Ca} [ca]
 * @property {number} [retries] failed attempts in a row without progress before giving up (default 5)
 * @property {Env} [env]
 * @property {number} [timeout]
 * @property {number} [backoffMs] first retry delay, doubled each time up to 30 s (default 1 s)
 */

const USER_AGENT = 'torchts-install (node)';
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * The URL as text without user name or password (for messages).
 * @param {string | URL} url
 * @returns {string}
 */
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

/**
 * @param {Env} env
 * @param {...string} names
 */
function envValue(env, ...names) {
  for (const name of names) {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/**
 * @param {Env} env
 * @param {Ca | undefined} ca
 * @returns {string[] | undefined} undefined: Node's defaults
 */
function trustFor(env, ca) {
  const files = [
    envValue(env, 'NODE_EXTRA_CA_CERTS'),
    envValue(env, 'npm_config_cafile'),
    envValue(env, 'PIP_CERT'),
    envValue(env, 'SSL_CERT_FILE'),
    envValue(env, 'REQUESTS_CA_BUNDLE'),
  ].filter((f) => f !== undefined);
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
  // An explicit `ca` replaces Node's roots, so they are passed along.
  return extra.length ? [...tls.rootCertificates, ...extra] : undefined;
}

/**
 * The undici dispatcher for one download: proxies and trust from `env`
 * (never from process.env behind the caller's back).
 * @param {Env} env
 * @param {Ca | undefined} ca
 * @param {number} timeout
 */
function dispatcherFor(env, ca, timeout) {
  const tlsOptions = { ca: trustFor(env, ca) };
  // NO_PROXY "example.com" also covers its subdomains, as curl, pip and
  // undici read it; a lone `*` anywhere in the list turns proxies off.
  const noProxy = envValue(env, 'NO_PROXY', 'no_proxy', 'npm_config_noproxy') ?? '';
  return new EnvHttpProxyAgent({
    // '' (not undefined) keeps undici from falling back to process.env.
    httpProxy: envValue(env, 'HTTP_PROXY', 'http_proxy', 'npm_config_proxy') ?? '',
    httpsProxy: envValue(env, 'HTTPS_PROXY', 'https_proxy', 'npm_config_https_proxy', 'npm_config_proxy') ?? '',
    noProxy: noProxy.split(/[\s,]+/).includes('*') ? '*' : noProxy,
    // Plain http through an HTTP proxy as absolute-URI requests, not CONNECT.
    proxyTunnel: false,
    connect: { ...tlsOptions, timeout },
    requestTls: tlsOptions,
    proxyTls: tlsOptions,
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
}

/**
 * @param {string} message
 * @param {{ retryable?: boolean, status?: number }} [options]
 */
function httpError(message, { retryable = false, status } = {}) {
  const err = /** @type {Error & { retryable: boolean, status?: number }} */ (new Error(message));
  err.retryable = retryable;
  if (status !== undefined) err.status = status;
  return err;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const DROP_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'EPIPE']);

/**
 * undici's error (fetch's "fetch failed"/"terminated" TypeError wraps the real
 * one as `cause`) as an Error naming `where`, marked retryable unless retrying
 * cannot help: certificates, unknown hosts, bad arguments, a proxy's 4xx.
 * @param {any} err
 * @param {string} where
 * @param {number} timeout
 */
function networkError(err, where, timeout) {
  if (err?.retryable !== undefined) return err;
  const cause = err?.cause ?? err;
  const code = String(cause?.code ?? '');
  if (TIMEOUT_CODES.has(code)) {
    return httpError(`${where}: no data for ${Math.round(timeout / 1000)} s (connection timed out)`, { retryable: true });
  }
  const proxyStatus = /Proxy response \((\d+)\)/.exec(String(cause?.message))?.[1];
  const message = proxyStatus ? `the proxy refused the tunnel (HTTP ${proxyStatus})` : String(cause?.message ?? err);
  const out = httpError(`${where}: ${message}`, {
    retryable: proxyStatus ? Number(proxyStatus) >= 500 : !/CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|ERR_SSL|ENOTFOUND|ERR_INVALID|UND_ERR_INVALID|UND_ERR_PRX_TLS/.test(code),
  });
  if (DROP_CODES.has(code) || err?.message === 'terminated') /** @type {any} */ (out).dropped = { where, message };
  return out;
}

/**
 * One GET through `dispatcher`, following redirects (fetch's rules: at most
 * 20, credentials never sent to another origin). Resolves with the response,
 * its body unread.
 * @param {string | URL} url
 * @param {{ headers?: Record<string, string>, dispatcher: EnvHttpProxyAgent, timeout: number }} options
 */
async function get(url, { headers = {}, dispatcher, timeout }) {
  const u = new URL(String(url));
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`unsupported URL scheme ${u.protocol} in ${redactUrl(u)}`);
  u.hash = '';
  /** @type {Record<string, string>} */
  const hdrs = { 'user-agent': USER_AGENT, 'accept-encoding': 'identity', ...headers };
  if (u.username || u.password) {
    // fetch refuses URLs with credentials: they travel as a header instead.
    hdrs.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  try {
    return await fetch(u, { headers: hdrs, dispatcher, redirect: 'follow' });
  } catch (err) {
    throw networkError(err, u.href, timeout);
  }
}

/** @param {import('undici').Response} res */
function discard(res) {
  res.body?.cancel().catch(() => {});
}

/**
 * GET a text resource (following redirects). Resolves with
 * { url, status, contentType, text }; a non-2xx status throws.
 * @param {string | URL} url
 * @param {RequestOptions} [options]
 * @returns {Promise<{ url: string, status: number, contentType: string, text: string }>}
 */
export async function fetchText(url, { headers = {}, env = process.env, ca, timeout = DEFAULT_TIMEOUT_MS } = {}) {
  const dispatcher = dispatcherFor(env, ca, timeout);
  try {
    const res = await get(url, { headers, dispatcher, timeout });
    if (!res.ok) {
      discard(res);
      throw httpError(`${res.url}: HTTP ${res.status} ${res.statusText}`.trim(), { status: res.status });
    }
    let text;
    try {
      text = await res.text();
    } catch (err) {
      throw networkError(err, res.url, timeout);
    }
    return { url: res.url, status: res.status, contentType: res.headers.get('content-type') ?? '', text };
  } finally {
    await dispatcher.destroy().catch(() => {});
  }
}

/** @param {number} bytes */
function mb(bytes) {
  return (bytes / 1e6).toFixed(1);
}

/** @param {string} file */
async function sha256Of(file) {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 22 })) hash.update(chunk);
  return hash.digest('hex');
}

/** @param {string | null} value */
function parseContentRange(value) {
  const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(String(value ?? '').trim());
  if (!m) return null;
  return {
    start: m[1] === undefined ? undefined : Number(m[1]),
    end: m[2] === undefined ? undefined : Number(m[2]),
    total: m[3] === '*' ? undefined : Number(m[3]),
  };
}

/** @param {string} file */
function sizeOf(file) {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Downloads `url` to `dest` through `${dest}.part`, resuming an existing
 * .part with a Range request and retrying dropped connections (with resume)
 * up to `retries` times in a row without progress. Checks the sha256 (hex)
 * of the complete file, then renames the .part to dest.
 * @param {DownloadOptions} options
 * @returns {Promise<{ path: string, size: number, sha256: string }>}
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
  /** @param {number | undefined} total */
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

  const dispatcher = dispatcherFor(env, ca, timeout);
  try {
    let failures = 0;
    for (;;) {
      let have = sizeOf(part);
      let received = 0;
      try {
        /** @type {Record<string, string>} */
        const headers = {};
        if (have > 0) {
          headers.range = `bytes=${have}-`;
          log(`${name}: resuming at ${mb(have)} MB`);
        }
        const res = await get(url, { headers, dispatcher, timeout });
        const at = res.url;
        let total;
        let append = false;
        if (res.status === 416 && have > 0) {
          // Nothing left to send from `have` on: the .part is complete, or stale.
          discard(res);
          const range = parseContentRange(res.headers.get('content-range'));
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
        } else if (res.status === 206) {
          const range = parseContentRange(res.headers.get('content-range'));
          if (!range || range.start !== have) {
            discard(res);
            log(`${name}: the server resumed at an unexpected offset; starting again`);
            fs.rmSync(part, { force: true });
            continue;
          }
          total = range.total;
          append = true;
        } else if (res.ok) {
          if (have > 0) log(`${name}: the server ignored the range request; downloading from the start`);
          have = 0;
          const length = res.headers.get('content-length');
          total = length === null ? undefined : Number(length);
        } else {
          discard(res);
          throw httpError(`${at}: HTTP ${res.status} ${res.statusText}`.trim(), {
            status: res.status,
            retryable: res.status >= 500 || res.status === 408 || res.status === 429,
          });
        }
        try {
          checkSize(total);
        } catch (err) {
          discard(res);
          throw err;
        }

        const fh = await fs.promises.open(part, append ? 'a' : 'w');
        const started = Date.now();
        let lastShown = started;
        try {
          if (res.body) {
            for await (const chunk of res.body) {
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
          }
        } catch (err) {
          throw networkError(err, at, timeout);
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
      } catch (e) {
        const err = /** @type {Error & { retryable?: boolean, dropped?: { where: string, message: string } }} */ (e);
        if (err.dropped) err.message = `${err.dropped.where}: connection lost at ${mb(sizeOf(part))} MB (${err.dropped.message})`;
        if (!err.retryable) {
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
  } finally {
    await dispatcher.destroy().catch(() => {});
  }
}
