// Types for scripts/install-libtorch.mjs (used by the tests).
import type { Env } from './download.mjs';

export interface WheelSpec {
  requirement: string;
  file: string;
  sha256: string;
  platform: string;
  take(name: string): boolean;
  dest(name: string): string;
  size?: number;
  project?: string;
}

export const LIBTORCH_VERSION: string;
export function pinnedWheels(key?: string): WheelSpec[] | undefined;
export function cudaLibtorchDir(): string;
export function defaultLibtorchDir(): string;
export function isInstalled(dir?: string): boolean;
export function projectName(spec: Pick<WheelSpec, 'requirement' | 'project'>): string;
export function findPip(env?: Env): Promise<string | null>;
export function configuredIndexes(env?: Env): { index: string | undefined; extra: string[] };
export function parseSimplePage(text: string, contentType: string): { filename: string; url: string }[];
export function resolveWheelUrl(spec: WheelSpec, options?: { env?: Env; ca?: string | Buffer; wheels?: WheelSpec[] }): Promise<string>;
export function installLibtorch(options?: { dir?: string; force?: boolean; wheels?: WheelSpec[]; env?: Env; ca?: string | Buffer }): Promise<string>;
export function installCudaLibtorch(options?: { dir?: string; force?: boolean }): string;
