// Environment for every native build step: where libtorch is, and a job cap
// (one torch-sys C++ file takes ~2 GB of RAM to compile).
import { defaultLibtorchDir } from './install-libtorch.mjs';

export function nativeBuildEnv() {
  const libtorch = process.env.LIBTORCH || defaultLibtorchDir();
  return {
    ...process.env,
    LIBTORCH: libtorch,
    CARGO_BUILD_JOBS: process.env.CARGO_BUILD_JOBS || '2',
  };
}
