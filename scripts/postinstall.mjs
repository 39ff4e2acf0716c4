// Install step of the published package: fetch libtorch 2.11.0 (CPU) into the
// per-user cache so `require('torchts')` works right away. Skipped in a
// development clone (it builds with `npm run setup`) or with
// TORCHTS_SKIP_LIBTORCH_DOWNLOAD=1; an existing TORCHTS_LIBTORCH is left alone.
// Never fails the install: the loader names the fix if libtorch is missing.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const skip = fs.existsSync(path.join(root, 'Cargo.toml')) || process.env.TORCHTS_SKIP_LIBTORCH_DOWNLOAD === '1';
if (!skip) {
  try {
    const { installLibtorch } = await import('./install-libtorch.mjs');
    await installLibtorch();
  } catch (err) {
    process.stderr.write(`torchts: libtorch was not installed (${err.message}); run \`npx torchts install-libtorch\` later.\n`);
  }
}
