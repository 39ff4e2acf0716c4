import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'ts/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    shims: true,
    target: 'node20',
    external: [/native\/index\.cjs$/],
  },
  {
    entry: { cli: 'ts/cli/main.ts' },
    format: ['cjs'],
    sourcemap: true,
    shims: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    external: [/native\/index\.cjs$/],
  },
]);
