// torch.cuda and torch.backends.mps. CUDA comes at run time from a matching
// libtorch 2.11.0 CUDA build (see README, "Devices").
import { native } from './native';
import { argumentError } from './errors';
import { describe } from './validate';

export const cuda = {
  /** True when a CUDA libtorch was loaded and a GPU is visible. */
  isAvailable(): boolean {
    return native.cudaIsAvailable();
  },
  deviceCount(): number {
    return native.cudaDeviceCount();
  },
  manualSeed(seed: number): void {
    if (!Number.isSafeInteger(seed)) throw argumentError(`manualSeed expects an integer seed, got ${describe(seed)}`);
    native.cudaManualSeed(seed);
  },
  manualSeedAll(seed: number): void {
    cuda.manualSeed(seed);
  },
  /** Waits for all kernels on the device to finish. */
  synchronize(device = 0): void {
    if (cuda.isAvailable()) native.cudaSynchronize(device);
  },
};

export const backends = {
  mps: {
    /** True on Apple-silicon builds with the MPS device available. */
    isAvailable(): boolean {
      return native.mpsIsAvailable();
    },
    isBuilt(): boolean {
      return process.platform === 'darwin' && process.arch === 'arm64';
    },
  },
};

/** Threads libtorch uses for intra-op parallelism (torch.get_num_threads). */
export function getNumThreads(): number {
  return native.getNumThreads();
}

/** torch.set_num_threads: defaults to the number of physical cores. */
export function setNumThreads(n: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n)) throw argumentError(`setNumThreads(): expected an integer number of threads, got ${describe(n)}`);
  native.setNumThreads(n);
}
