#!/usr/bin/env bash
# Leak check (issue 9): runs a short torchts workload under valgrind memcheck
# (--leak-check=full) twice, with N and 4N iterations, and looks at the
# "definitely lost" blocks whose allocation stack passes through our code
# (frames in native/torchts.*.node, i.e. src/*.rs and crates/core). A leak per
# iteration shows up as more lost bytes in the longer run; a one-time loss
# (e.g. napi references created when the module registers) does not grow.
#
#   scripts/leak-check.sh [ITERATIONS]        (default 40; the long run does 4x)
#   LEAK_WORKERS=0 scripts/leak-check.sh      (the single-thread workload only)
#
# Exit status: 0 when our definitely-lost bytes do not grow with the iteration
# count, 1 when they do, 2 when valgrind is missing or a run fails.
# Logs are kept in $LEAK_DIR (default: a fresh directory under /tmp).
#
# The workload (written below) covers: the tutorial's eager training loop with
# no explicit disposal, tidy() scopes and dispose(), tensor creation from JS
# arrays and typed arrays, read-back (toArray/item/toString), libtorch errors,
# binding errors and the cross-entropy label check (errors are built through
# the per-thread error factory), safetensors save/load and a malformed file,
# fused fit() and fitAsync() with progress callbacks, an aborted fitAsync, and
# worker_threads that load the addon, compute, throw a TorchError and exit
# (one every 10 iterations: a per-environment leak grows with the count too).
# Node runs with --jitless (no self-modifying JIT code under valgrind) and
# --expose-gc, and collects garbage before exiting so GC finalizers have run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-40}"
LEAK_DIR="${LEAK_DIR:-$(mktemp -d /tmp/torchts-leak.XXXXXX)}"
mkdir -p "$LEAK_DIR"

if ! command -v valgrind >/dev/null; then
  echo "leak-check: valgrind is not installed (apt-get install valgrind)" >&2
  exit 2
fi

# 1. The current sources as one ESM file.
node --input-type=module -e "
  import { bundle } from '$ROOT/test/helpers/bundle.mjs';
  await bundle('ts/index.ts', { outDir: '$LEAK_DIR', name: 'torch.mjs' });
"

# 2. The workload.
cat > "$LEAK_DIR/workload.mjs" <<'EOF'
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
const torch = await import(path.join(process.env.LEAK_DIR, 'torch.mjs'));
const { nn, optim } = torch;
const N = Number(process.env.ITER);

const { X, y } = torch.makeCircles(200, { noise: 0.03, randomState: 42 });
const [Xtr, Xte, ytr, yte] = torch.trainTestSplit(X, y, { testSize: 0.2, randomState: 42 });
const xTrain = torch.tensor(Xtr, { dtype: torch.float32 });
const yTrain = torch.tensor(ytr, { dtype: torch.long });
const xTest = torch.tensor(Xte, { dtype: torch.float32 });
const yTest = torch.tensor(yte, { dtype: torch.long });
torch.manualSeed(42);
const model = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 4), new nn.ReLU(), new nn.Linear(4, 2));
const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
const criterion = new nn.CrossEntropyLoss();
const file = path.join(process.env.LEAK_DIR, 'model.safetensors');
const bad = path.join(process.env.LEAK_DIR, 'bad.safetensors');
fs.writeFileSync(bad, Buffer.from([8, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97]));
const swallow = (fn) => { try { fn(); } catch {} };

for (let i = 0; i < N; i++) {
  // the tutorial's step, nothing disposed by hand
  model.train();
  optimizer.zeroGrad();
  const loss = criterion.forward(model.forward(xTrain), yTrain);
  loss.backward();
  optimizer.step();
  loss.item();
  model.eval();
  const [, predicted] = torch.max(torch.noGrad(() => model.forward(xTest)), 1);
  predicted.eq(yTest).sum().item();
  // scopes and explicit disposal
  torch.tidy(() => torch.randn(16, 16).matmul(torch.randn(16, 16)).relu().sum());
  const t = torch.tensor(new Float64Array(64)).reshape(8, 8);
  t.toArray(); String(t); t.dispose();
  // errors from libtorch, from the binding, from the engine
  swallow(() => torch.ones(2, 3).matmul(torch.ones(2, 3)));
  swallow(() => torch.ones(2, 3).item());
  swallow(() => criterion.forward(torch.zeros(2, 2), torch.tensor([0, 5], { dtype: torch.long })));
  swallow(() => torch.ones(2, { dtype: torch.long }).pow(-1));
  swallow(() => torch.ones(2, 3).sum('x'));
  swallow(() => torch.load(bad));
  if (i % 10 === 0) {
    torch.save(model.stateDict(), file);
    model.loadStateDict(torch.load(file));
    torch.fit(model, { optimizer, criterion, xTrain, yTrain, xTest, yTest, epochs: 2, onEpoch: () => true });
    await torch.fitAsync(model, { optimizer, criterion, xTrain, yTrain, epochs: 2, batchSize: 32, onEpoch: () => {} });
    const controller = new AbortController();
    await torch.fitAsync(model, { optimizer, criterion, xTrain, yTrain, epochs: 1000, signal: controller.signal, onEpoch: (r) => { if (r.epoch === 2) controller.abort(); } }).catch(() => {});
    if (process.env.LEAK_WORKERS === '0') continue;
    const worker = new Worker(path.join(process.env.LEAK_DIR, 'worker.mjs'));
    const answer = await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
    if (answer !== 'TorchError') throw new Error(`worker answered ${answer}`);
    await new Promise((resolve) => worker.once('exit', resolve));
  }
  if (i % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
}
// let finalizers run: drop everything, collect, yield, collect
for (let k = 0; k < 3; k++) {
  globalThis.gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
}
console.log(`workload: ${N} iterations done`);
EOF

cat > "$LEAK_DIR/worker.mjs" <<'EOF'
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
const torch = await import(path.join(process.env.LEAK_DIR, 'torch.mjs'));
const t = torch.randn(8, 8).matmul(torch.randn(8, 8)).sum().item();
let kind = 'none';
try { torch.ones(2, 3).matmul(torch.ones(2, 3)); } catch (e) { kind = e instanceof torch.TorchError ? 'TorchError' : String(e); }
parentPort.postMessage(Number.isFinite(t) ? kind : 'bad result');
EOF

# 3. Known noise: glibc's SSE strncmp in the dynamic loader reads past the end
# of strings, and V8's conservative stack scan reads uninitialised stack slots
# (classic memcheck false positives).
cat > "$LEAK_DIR/torchts.supp" <<'EOF'
{
   glibc-dl-strncmp
   Memcheck:Addr8
   fun:strncmp
   fun:is_dst
   ...
}
{
   glibc-dl-strncmp-cond
   Memcheck:Cond
   fun:strncmp
   fun:is_dst
   ...
}
{
   v8-conservative-stack-scan
   Memcheck:Cond
   fun:*IteratePointersInStack*
   ...
}
{
   v8-conservative-stack-scan-value8
   Memcheck:Value8
   fun:*IteratePointersInStack*
   ...
}
EOF

run() {
  local iters="$1" log="$LEAK_DIR/valgrind-$1.log"
  echo "leak-check: valgrind run with $iters iterations (a few minutes)..." >&2
  LEAK_DIR="$LEAK_DIR" ITER="$iters" LEAK_WORKERS="${LEAK_WORKERS:-1}" valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite --num-callers=40 --suppressions="$LEAK_DIR/torchts.supp" \
    --log-file="$log" node --jitless --expose-gc "$LEAK_DIR/workload.mjs" >&2 || { echo "leak-check: run failed; see $log" >&2; exit 2; }
}

# "definitely lost" records, split into ours (a frame in the torchts addon) and the rest.
summarize() {
  node --input-type=module -e "
    import fs from 'node:fs';
    const text = fs.readFileSync('$1', 'utf8');
    const records = text.split(/\n==\d+== \n/).filter((r) => /are definitely lost in loss record/.test(r));
    let ours = 0, oursBlocks = 0, other = 0;
    const examples = [];
    for (const r of records) {
      const [, bytes, blocks] = /([\d,]+) (?:\([\d,]+ direct, [\d,]+ indirect\) )?bytes in ([\d,]+) blocks are definitely lost/.exec(r) ?? [];
      const n = Number(String(bytes).replace(/,/g, ''));
      if (/torchts[^\s]*\.node|torchts_core|torchts::/.test(r)) {
        ours += n; oursBlocks += Number(String(blocks).replace(/,/g, ''));
        const frames = r.split('\n').filter((l) => /(at|by) 0x/.test(l)).map((l) => l.replace(/^==\d+==\s+(at|by) 0x[0-9A-F]+: /, '')).slice(0, 4);
        examples.push(n + ' bytes: ' + frames.join(' <- '));
      } else other += n;
    }
    const total = /definitely lost: ([\d,]+) bytes in ([\d,]+) blocks/.exec(text);
    const errors = /ERROR SUMMARY: (\d+) errors/.exec(text);
    console.log(JSON.stringify({ oursBytes: ours, oursBlocks, otherBytes: other, totalDefinitelyLost: total ? total[1] : '0', errors: errors ? Number(errors[1]) : null, examples }));
  "
}

run "$N"
run "$((4 * N))"
SMALL="$(summarize "$LEAK_DIR/valgrind-$N.log")"
LARGE="$(summarize "$LEAK_DIR/valgrind-$((4 * N)).log")"
echo "leak-check: $N iterations:   $SMALL"
echo "leak-check: $((4 * N)) iterations: $LARGE"

node --input-type=module -e "
  const small = $SMALL, large = $LARGE;
  const grew = large.oursBytes > small.oursBytes;
  console.log('leak-check: definitely lost in torchts frames: ' + small.oursBytes + ' B (' + $N + ' iterations) -> ' + large.oursBytes + ' B (' + $((4 * N)) + ' iterations): ' +
    (grew ? 'GROWS with the workload (a leak per iteration)' : 'does not grow (one-time allocations only)'));
  for (const e of large.examples) console.log('  ' + e);
  console.log('leak-check: logs in $LEAK_DIR');
  process.exit(grew ? 1 : 0);
"
