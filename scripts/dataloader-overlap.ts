// How much of a DataLoader's batch preparation the async iterator hides
// behind training: `npx tsx scripts/dataloader-overlap.ts [rows] [features] [threads]`.
// Times, per pass of a shuffled TensorDataset (batch 1024): loading alone
// (sync and async), training alone on ready batches, and the two loops that
// do both; `waited` is the time the async loop spent awaiting its next batch,
// so 1 - waited / asyncLoad is the share of loading hidden behind training.
import * as torch from '../ts/index';

const rows = Number(process.argv[2] ?? 200_000);
const features = Number(process.argv[3] ?? 128);
if (process.argv[4]) torch.setNumThreads(Number(process.argv[4]));
torch.manualSeed(0);
const x = torch.randn(rows, features);
const y = torch.randint(0, 10, [rows]);
const dataset = new torch.utils.data.TensorDataset(x, y);
const loader = () => new torch.utils.data.DataLoader(dataset, { batchSize: 1024, shuffle: true, generator: new torch.utils.data.Generator().manualSeed(1) });
const model = new torch.nn.Sequential(new torch.nn.Linear(features, 64), new torch.nn.ReLU(), new torch.nn.Linear(64, 10));
const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.01 });
const criterion = new torch.nn.CrossEntropyLoss();
const train = (xb: torch.Tensor, yb: torch.Tensor) => {
  optimizer.zeroGrad();
  const loss = criterion.forward(model.forward(xb) as torch.Tensor, yb);
  loss.backward();
  optimizer.step();
};
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function measure() {
  let t0 = process.hrtime.bigint();
  const ready = [...loader()];
  const syncLoad = ms(t0);
  t0 = process.hrtime.bigint();
  let n = 0;
  for await (const _ of loader()) n++;
  const asyncLoad = ms(t0);
  t0 = process.hrtime.bigint();
  for (const [xb, yb] of ready) train(xb, yb);
  const trainOnly = ms(t0);
  t0 = process.hrtime.bigint();
  for (const [xb, yb] of loader()) train(xb, yb);
  const syncLoop = ms(t0);
  t0 = process.hrtime.bigint();
  let waited = 0;
  const batches = loader()[Symbol.asyncIterator]();
  for (;;) {
    const w0 = process.hrtime.bigint();
    const next = await batches.next();
    waited += ms(w0);
    if (next.done) break;
    train(next.value[0], next.value[1]);
  }
  const asyncLoop = ms(t0);
  return { batches: n, syncLoad, asyncLoad, trainOnly, syncLoop, asyncLoop, waited, overlap: 1 - waited / asyncLoad };
}

await measure(); // warm-up
const runs = [];
for (let i = 0; i < 3; i++) runs.push(await measure());
const median = (k: keyof (typeof runs)[number]) => runs.map((r) => r[k]).sort((a, b) => a - b)[1]!;
console.log(`rows ${rows} x ${features}, ${runs[0]!.batches} batches of 1024, threads ${torch.getNumThreads()}, medians of 3 passes (ms):`);
for (const k of ['syncLoad', 'asyncLoad', 'trainOnly', 'syncLoop', 'asyncLoop', 'waited'] as const) console.log(`  ${k.padEnd(10)} ${median(k).toFixed(1)}`);
console.log(`  hidden     ${(100 * median('overlap')).toFixed(0)}% of the async loading time (1 - waited / asyncLoad)`);
