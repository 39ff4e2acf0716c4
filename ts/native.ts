// Loads the native addon (napi-rs's generated loader picks the platform
// package or the local build in native/), after making sure libtorch 2.11.0
// can be found, and loads CUDA at run time when a GPU and a matching CUDA
// libtorch are present.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import type * as Native from '../native/index';

const requireNative = createRequire(import.meta.url);
export const LIBTORCH_VERSION = '2.11.0';

/** Where libtorch was found, and how (for `torchts doctor`). */
export interface LibtorchLocation {
  libDir: string;
  source: 'TORCHTS_LIBTORCH' | 'cache' | 'python' | 'rpath';
}

function cacheDir(variant: 'cpu' | 'cuda'): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'torchts', `libtorch-${LIBTORCH_VERSION}-${variant}`);
}

let pythonTorchDirMemo: string | null | undefined;

/** The installed Python torch package directory, found without importing torch (fast). */
export function pythonTorchDir(): string | null {
  if (pythonTorchDirMemo !== undefined) return pythonTorchDirMemo;
  pythonTorchDirMemo = null;
  const candidates = [process.env.TORCHTS_PYTHON, process.env.VIRTUAL_ENV && path.join(process.env.VIRTUAL_ENV, 'bin', 'python'), 'python3'];
  for (const python of candidates) {
    if (!python) continue;
    const probe = spawnSync(python, ['-c', "import importlib.util as u; s = u.find_spec('torch'); print(s.submodule_search_locations[0] if s else '')"], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    const dir = probe.status === 0 ? probe.stdout.trim() : '';
    if (dir) {
      pythonTorchDirMemo = dir;
      break;
    }
  }
  return pythonTorchDirMemo;
}

/** The `torch.__version__` of a Python torch directory, read from its version.py. */
export function pythonTorchVersion(torchDir: string): string | null {
  try {
    const text = fs.readFileSync(path.join(torchDir, 'version.py'), 'utf8');
    return /__version__\s*=\s*['"]([^'"]+)['"]/.exec(text)?.[1] ?? null;
  } catch {
    return null;
  }
}

function hasCpuLibs(libDir: string): boolean {
  return fs.existsSync(path.join(libDir, 'libtorch_cpu.so')) && fs.existsSync(path.join(libDir, 'libc10.so'));
}

/** libtorch 2.11.0's lib directory: TORCHTS_LIBTORCH, the per-user cache, or Python's torch 2.11.0. */
export function locateLibtorch(): LibtorchLocation | null {
  if (process.env.TORCHTS_LIBTORCH) {
    const root = path.resolve(process.env.TORCHTS_LIBTORCH);
    const libDir = fs.existsSync(path.join(root, 'lib')) ? path.join(root, 'lib') : root;
    if (!hasCpuLibs(libDir)) throw new Error(`torchts: TORCHTS_LIBTORCH=${root} holds no libtorch_cpu.so/libc10.so (need libtorch ${LIBTORCH_VERSION})`);
    return { libDir, source: 'TORCHTS_LIBTORCH' };
  }
  const cached = path.join(cacheDir('cpu'), 'lib');
  if (hasCpuLibs(cached)) return { libDir: cached, source: 'cache' };
  const torchDir = pythonTorchDir();
  if (torchDir && hasCpuLibs(path.join(torchDir, 'lib'))) {
    const version = pythonTorchVersion(torchDir);
    if (version?.split('+')[0] !== LIBTORCH_VERSION) {
      throw new Error(`torchts: Python torch ${version ?? '?'} at ${torchDir} is not ${LIBTORCH_VERSION}; run \`npx torchts install-libtorch\` or set TORCHTS_LIBTORCH`);
    }
    return { libDir: path.join(torchDir, 'lib'), source: 'python' };
  }
  return null;
}

// glibc's RTLD_NODELETE: keeps a library mapped after process.dlopen() gives
// up on it ("did not self-register"), so the addon's NEEDED entries resolve
// to it by soname.
const RTLD_NODELETE = 0x1000;

/** The symbols of libdl that Bun's and Deno's FFI call (dlopen(3), dlerror(3)). */
interface Libdl {
  dlopen(file: Uint8Array, flags: number): unknown;
  dlerror(): unknown;
}
interface BunFfi {
  dlopen(lib: string, symbols: Record<keyof Libdl, { args: string[]; returns: string }>): { symbols: Libdl };
}
interface DenoFfi {
  dlopen(lib: string, symbols: Record<keyof Libdl, { parameters: string[]; result: string }>): { symbols: Libdl };
  UnsafePointerView: { getCString(pointer: unknown): string };
}

// libdl.so.2 exists in every glibc: before 2.34 it holds dlopen, after it
// forwards to libc.so.6 (dlsym searches a library's dependencies too).
const LIBDL = 'libdl.so.2';

/**
 * dlopen(3) of a plain shared library with `flags`, keeping it loaded;
 * returns null or the loader's reason. Node's process.dlopen honours the
 * flags (RTLD_NODELETE keeps the library after "did not self-register"). Bun
 * and Deno ignore them and unload a library that is not an addon, so there
 * libdl's dlopen is called through the runtime's own FFI (bun:ffi,
 * Deno.dlopen; Deno asks --allow-ffi, which Node-API addons need anyway).
 */
function systemDlopen(): (file: string, flags: number) => string | null {
  const cString = (s: string) => new TextEncoder().encode(`${s}\0`);
  const deno = (globalThis as { Deno?: DenoFfi }).Deno;
  if (process.versions.deno && deno) {
    const { symbols } = deno.dlopen(LIBDL, {
      dlopen: { parameters: ['buffer', 'i32'], result: 'pointer' },
      dlerror: { parameters: [], result: 'pointer' },
    });
    return (file, flags) => {
      if (symbols.dlopen(cString(file), flags) !== null) return null;
      const reason = symbols.dlerror();
      return reason === null ? 'dlopen failed' : deno.UnsafePointerView.getCString(reason);
    };
  }
  if (process.versions.bun) {
    const ffi = requireNative('bun:ffi') as BunFfi;
    const { symbols } = ffi.dlopen(LIBDL, {
      dlopen: { args: ['ptr', 'i32'], returns: 'ptr' },
      dlerror: { args: [], returns: 'cstring' },
    });
    return (file, flags) => {
      if (symbols.dlopen(cString(file), flags) !== null) return null;
      const reason = symbols.dlerror();
      return reason === null ? 'dlopen failed' : String(reason);
    };
  }
  return (file, flags) => {
    try {
      process.dlopen({ exports: {} } as NodeJS.Module, file, flags | RTLD_NODELETE);
    } catch (err) {
      const reason = String((err as Error).message);
      if (!reason.includes('self-register')) return reason;
    }
    return null;
  };
}

function preload(libDir: string): void {
  const flags = os.constants.dlopen.RTLD_NOW | os.constants.dlopen.RTLD_GLOBAL;
  const dlopen = systemDlopen();
  for (const lib of ['libc10.so', 'libtorch_cpu.so']) {
    const reason = dlopen(path.join(libDir, lib), flags);
    if (reason !== null) throw new Error(reason.includes(lib) ? reason : `${path.join(libDir, lib)}: ${reason}`);
  }
}

export let libtorchLocation: LibtorchLocation | null = null;

function load(): typeof Native {
  // OpenMP is left at PyTorch's defaults on this thread (one thread per core,
  // libgomp's spin-then-sleep wait): forcing OMP_WAIT_POLICY=PASSIVE made every
  // small op pay a thread wake-up (the tutorial ran 3-4x slower than Python).
  // Background work (fitAsync, forwardAsync) runs at a lower priority
  // instead: see `use_background_threads` in crates/core/src/runtime.rs.
  try {
    libtorchLocation = locateLibtorch();
    // The addon's RUNPATH holds only $ORIGIN (a libtorch cannot be named at
    // build time), so the libraries are loaded here first and the addon's
    // NEEDED entries bind to them by soname, in Node, Bun and Deno alike.
    if (libtorchLocation && process.platform === 'linux') preload(libtorchLocation.libDir);
    if (!libtorchLocation) libtorchLocation = { libDir: '(RUNPATH of the addon)', source: 'rpath' };
    return requireNative('../native/index.cjs') as typeof Native;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `torchts: could not load the native addon (${reason.split('\n')[0]}). ` +
        'Run `npx torchts install-libtorch` (or set TORCHTS_LIBTORCH); in a clone, `npm run setup` builds everything.',
    );
  }
}

export const native = load();
export type NativeTensor = Native.Tensor;
export type NativeOptimizer = Native.NativeOptimizer;
export type FitRecord = Native.FitRecord;
export type NativeGenerator = Native.Generator;
export type FitArgs = Native.FitArgs;
export type FitHooks = Native.FitHooks;
export type LayerSpec = Native.LayerSpec;
export type LossSpec = Native.LossSpec;
export type AdamConfig = Native.AdamConfig;
export type SgdConfig = Native.SgdConfig;

/** Why CUDA is or is not available; filled by loadCuda(). */
export let cudaStatus = 'not probed';

/** The lib directory of a CUDA libtorch 2.11.0: TORCHTS_CUDA_LIBTORCH, the cache, or Python's torch. */
function locateCudaLibtorch(): string | null {
  const candidates: string[] = [];
  if (process.env.TORCHTS_CUDA_LIBTORCH) candidates.push(process.env.TORCHTS_CUDA_LIBTORCH);
  candidates.push(path.join(cacheDir('cuda'), 'torch', 'lib'));
  const torchDir = pythonTorchDir();
  if (torchDir) candidates.push(path.join(torchDir, 'lib'));
  for (const c of candidates) {
    const libDir = fs.existsSync(path.join(c, 'lib', 'libtorch_cuda.so')) ? path.join(c, 'lib') : c;
    if (fs.existsSync(path.join(libDir, 'libtorch_cuda.so'))) return libDir;
  }
  return null;
}

/** Whether the NVIDIA kernel driver is loaded (false where /proc may not be read: Deno asks --allow-all for it). */
function nvidiaDriverPresent(): boolean {
  try {
    return fs.existsSync('/proc/driver/nvidia/version');
  } catch {
    return false;
  }
}

/**
 * Loads libtorch_cuda.so before anything asks libtorch about CUDA (it caches
 * the answer). Only where an NVIDIA driver is present; never throws.
 */
function loadCuda(): void {
  if (process.platform !== 'linux') {
    cudaStatus = 'CUDA is only supported on Linux';
    return;
  }
  if (process.env.TORCHTS_DISABLE_CUDA) {
    cudaStatus = 'disabled by TORCHTS_DISABLE_CUDA';
    return;
  }
  if (!nvidiaDriverPresent() && !process.env.TORCHTS_CUDA_LIBTORCH) {
    cudaStatus = 'no NVIDIA driver on this machine';
    return;
  }
  const libDir = locateCudaLibtorch();
  if (!libDir) {
    cudaStatus = 'no CUDA libtorch found: run `npx torchts install-libtorch --cuda`, set TORCHTS_CUDA_LIBTORCH, or install Python torch 2.11.0+cu13x';
    return;
  }
  const version = pythonTorchVersion(path.dirname(libDir));
  if (version && version.split('+')[0] !== LIBTORCH_VERSION) {
    cudaStatus = `the CUDA libtorch at ${libDir} is torch ${version}, not ${LIBTORCH_VERSION}`;
    return;
  }
  try {
    native.loadGlobalLibrary(path.join(libDir, 'libtorch_cuda.so'));
    cudaStatus = `libtorch_cuda loaded from ${libDir}`;
  } catch (err) {
    cudaStatus = `loading ${libDir}/libtorch_cuda.so failed: ${(err as Error).message}`;
  }
}

loadCuda();
