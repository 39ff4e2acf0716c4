// Loads the native addon (napi-rs's generated loader picks the platform
// package or the local build in native/).
import { createRequire } from 'node:module';
import type * as Native from '../native/index';

const requireNative = createRequire(import.meta.url);

function load(): typeof Native {
  try {
    return requireNative('../native/index.cjs') as typeof Native;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `torchts: could not load the native addon (${reason.split('\n')[0]}). ` +
        'Run `npx torchts doctor` to see what is missing; in a clone, `npm run setup` builds it.',
    );
  }
}

export const native = load();
export type NativeTensor = Native.Tensor;
export type NativeOptimizer = Native.NativeOptimizer;
export type FitRecord = Native.FitRecord;
