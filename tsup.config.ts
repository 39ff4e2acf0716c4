import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  sourcemap: true,
  shims: true,
  target: 'node20',
  // Module reprs print constructor.name (as PyTorch prints the class name);
  // without keepNames esbuild renames classes that refer to themselves.
  esbuildOptions(options) {
    options.keepNames = true;
  },
  external: [/native\/index\.cjs$/],
};

export default defineConfig([
  { ...shared, entry: { index: 'ts/index.ts' }, format: ['esm', 'cjs'], dts: true, clean: true },
  { ...shared, entry: { cli: 'ts/cli/main.ts' }, format: ['cjs'], banner: { js: '#!/usr/bin/env node' } },
]);
