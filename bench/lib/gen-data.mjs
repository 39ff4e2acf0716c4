// Writes the bench data sets as raw little-endian files every worker reads
// (x: float32 rows of 2, y: int64), so all systems train on identical data.
//   W1: makeCircles(1000, noise 0.01, randomState 42), trainTestSplit(test 0.2, randomState 42)
//   W2: makeCircles(n2, noise 0.01, randomState 42), no split
// Made with torchts's makeCircles/trainTestSplit (sklearn-exact); falls back
// to scikit-learn in Python when torchts's data module cannot be loaded.
// Usage: node bench/lib/gen-data.mjs DIR N2 [PYTHON]
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const [dir, n2Arg, python] = process.argv.slice(2);
const n2 = Number(n2Arg);
fs.mkdirSync(dir, { recursive: true });
const metaPath = path.join(dir, 'meta.json');
const want = { version: 1, w1: { n: 1000, noise: 0.01, seed: 42, testSize: 0.2 }, w2: { n: n2, noise: 0.01, seed: 42 } };
try {
  const have = JSON.parse(fs.readFileSync(metaPath, 'utf8'));
  if (JSON.stringify({ ...have, source: undefined }) === JSON.stringify({ ...want, source: undefined })) {
    process.stdout.write(JSON.stringify(have));
    process.exit(0);
  }
} catch {
  /* regenerate */
}

function write(name, rows, labels) {
  const x = new Float32Array(rows.length * 2);
  rows.forEach((r, i) => {
    x[2 * i] = r[0];
    x[2 * i + 1] = r[1];
  });
  fs.writeFileSync(path.join(dir, `${name[0]}.f32`), Buffer.from(x.buffer));
  fs.writeFileSync(path.join(dir, `${name[1]}.i64`), Buffer.from(BigInt64Array.from(labels, (v) => BigInt(v)).buffer));
}

let source;
try {
  const torch = await import('torchts');
  const { X, y } = torch.makeCircles(1000, { noise: 0.01, randomState: 42 });
  const [Xtr, Xte, ytr, yte] = torch.trainTestSplit(X, y, { testSize: 0.2, randomState: 42 });
  write(['w1_xtr', 'w1_ytr'], Xtr, ytr);
  write(['w1_xte', 'w1_yte'], Xte, yte);
  const big = torch.makeCircles(n2, { noise: 0.01, randomState: 42 });
  write(['w2_x', 'w2_y'], big.X, big.y);
  source = 'torchts makeCircles/trainTestSplit';
} catch (err) {
  if (!python) throw err;
  const code = `
import numpy as np, sys
from sklearn.datasets import make_circles
from sklearn.model_selection import train_test_split
d = sys.argv[1]; n2 = int(sys.argv[2])
X, y = make_circles(1000, noise=0.01, random_state=42)
Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=42)
for name, a, t in [("w1_xtr", Xtr, "<f4"), ("w1_xte", Xte, "<f4"), ("w1_ytr", ytr, "<i8"), ("w1_yte", yte, "<i8")]:
    a.astype(t).tofile(f"{d}/{name}." + ("f32" if t == "<f4" else "i64"))
X, y = make_circles(n2, noise=0.01, random_state=42)
X.astype("<f4").tofile(f"{d}/w2_x.f32"); y.astype("<i8").tofile(f"{d}/w2_y.i64")
`;
  const r = spawnSync(python, ['-c', code, dir, String(n2)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`torchts data failed (${err.message}); sklearn fallback failed: ${r.stderr}`);
  source = `scikit-learn (torchts data unavailable: ${String(err.message).split('\n')[0]})`;
}
const meta = { ...want, source };
fs.writeFileSync(metaPath, JSON.stringify(meta, null, 2));
process.stdout.write(JSON.stringify(meta));
