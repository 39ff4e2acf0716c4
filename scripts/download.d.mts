// Types for scripts/download.mjs (used by the tests).
import type { IncomingMessage } from 'node:http';

export type Env = Record<string, string | undefined>;

export interface RequestOptions {
  headers?: Record<string, string>;
  env?: Env;
  ca?: string | Buffer | (string | Buffer)[];
  timeout?: number;
}

export interface DownloadOptions {
  url: string | URL;
  dest: string;
  sha256?: string;
  size?: number;
  log?: (message: string) => void;
  ca?: string | Buffer | (string | Buffer)[];
  retries?: number;
  env?: Env;
  timeout?: number;
  backoffMs?: number;
}

export function redactUrl(url: string | URL): string;
export function bypassesProxy(url: URL, env?: Env): boolean;
export function proxyFor(url: URL, env?: Env): URL | null;
export function request(url: string | URL, options?: RequestOptions & { method?: string }): Promise<{ res: IncomingMessage; url: URL }>;
export function fetchText(url: string | URL, options?: RequestOptions): Promise<{ url: string; status: number; contentType: string; text: string }>;
export function downloadFile(options: DownloadOptions): Promise<{ path: string; size: number; sha256: string }>;
