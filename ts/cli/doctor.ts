// `torchts doctor`: what is installed, where libtorch came from, which devices
// work and why not, and a one-second self-test.
import fs from 'node:fs';
import * as torch from '../index';
import { cudaStatus as cudaLoadStatus, libtorchLocation } from '../native';

function loadedLibrary(name: string): string | undefined {
  try {
    const maps = fs.readFileSync('/proc/self/maps', 'utf8');
    return maps.split('\n').map((l) => l.split(/\s+/).pop() ?? '').find((p) => p.endsWith(`/${name}`));
  } catch {
    return undefined;
  }
}

function cudaStatus(): string {
  if (torch.cuda.isAvailable()) return `available (${torch.cuda.deviceCount()} device(s); ${cudaLoadStatus})`;
  return `not available: ${cudaLoadStatus}`;
}

function selfTest(): string {
  const started = performance.now();
  torch.manualSeed(0);
  const { X, y } = torch.makeCircles(200, { noise: 0.05, randomState: 0 });
  const x = torch.tensor(X);
  const labels = torch.tensor(y, { dtype: torch.long });
  const model = new torch.nn.Sequential(new torch.nn.Linear(2, 16), new torch.nn.ReLU(), new torch.nn.Linear(16, 2));
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 0.05 });
  const history = torch.fit(model, { optimizer, criterion: new torch.nn.CrossEntropyLoss(), xTrain: x, yTrain: labels, epochs: 200 });
  const acc = history[history.length - 1]!.trainAccuracy ?? 0;
  const ms = performance.now() - started;
  if (acc < 0.9) throw new Error(`self-test trained to accuracy ${acc.toFixed(3)} only`);
  return `ok (200 epochs of a 2-16-2 MLP, accuracy ${acc.toFixed(3)}, ${ms.toFixed(0)} ms)`;
}

export function doctorCommand(version: string): number {
  const rows: [string, string][] = [
    ['torchts', version],
    ['libtorch', `${torch.LIBTORCH_VERSION} (CPU libraries${torch.cuda.isAvailable() ? ' + CUDA' : ''})`],
    ['node', `${process.version} (N-API ${process.versions.napi}, ${process.platform}-${process.arch})`],
    ['libtorch_cpu', loadedLibrary('libtorch_cpu.so') ?? 'not found in this process'],
    ['found via', libtorchLocation ? `${libtorchLocation.source} (${libtorchLocation.libDir})` : 'unknown'],
    ['threads', `${torch.getNumThreads()} (torch.setNumThreads to change)`],
    ['cuda', cudaStatus()],
    ['mps', torch.backends.mps.isAvailable() ? 'available' : `not available (${process.platform === 'darwin' ? 'no MPS device' : 'MPS is macOS-only'})`],
  ];
  let status = 0;
  try {
    rows.push(['self-test', selfTest()]);
  } catch (err) {
    rows.push(['self-test', `FAILED: ${err instanceof Error ? err.message : String(err)}`]);
    status = 1;
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
  return status;
}
