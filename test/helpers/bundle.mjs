// Bundles a TypeScript entry (the public API in ts/, or a test helper that
// imports it) into one ESM file with esbuild, so plain `node` child processes,
// worker_threads and the scripts in scripts/ can run the current sources
// without tsx and without a stale dist/.
//
// ts/native.ts loads the addon with createRequire(import.meta.url) and the
// relative specifier '../native/index.cjs'; the bundle is written elsewhere,
// so that specifier is rewritten to the absolute path of native/index.cjs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const NATIVE_SPECIFIER = "'../native/index.cjs'";

/** @type {import('esbuild').Plugin} */
const nativeAbsolute = {
  name: 'torchts-native-absolute',
  setup(b) {
    b.onLoad({ filter: /[\\/]ts[\\/]native\.ts$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      if (!source.includes(NATIVE_SPECIFIER)) {
        throw new Error(`ts/native.ts no longer loads ${NATIVE_SPECIFIER}; update test/helpers/bundle.mjs`);
      }
      const target = JSON.stringify(path.join(ROOT, 'native', 'index.cjs'));
      return { contents: source.replace(NATIVE_SPECIFIER, target), loader: 'ts' };
    });
  },
};

/**
 * Bundles `entry` (relative to the repository root) into `outDir` (a fresh
 * temporary directory when omitted); returns the path of the .mjs file.
 * Node built-ins stay external; ts/ sources and npm packages are inlined.
 * @param {string} entry
 * @param {{ outDir?: string, name?: string }} [options]
 * @returns {Promise<string>}
 */
export async function bundle(entry, options = {}) {
  const dir = options.outDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'torchts-bundle-'));
  const name = options.name ?? `${path.basename(entry).replace(/\.[cm]?[jt]s$/, '')}.mjs`;
  const outfile = path.join(dir, name);
  await build({
    entryPoints: [path.join(ROOT, entry)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'error',
    plugins: [nativeAbsolute],
  });
  return outfile;
}
