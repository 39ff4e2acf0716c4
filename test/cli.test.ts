// The `torchts` command as a user runs it (dist/cli.cjs, built by `npm test`'s
// set-up step): the tutorial's numbers, its outputs, and its errors.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as torch from '../ts/index';

const cli = path.resolve(__dirname, '..', 'dist', 'cli.cjs');
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'nn.json'), 'utf8'));

interface PyEpoch { epoch: number; train_loss: number; train_acc: number; test_loss: number; test_acc: number }

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectSameHistory(history: torch.EpochRecord[], python: PyEpoch[]) {
  expect(history).toHaveLength(python.length);
  let worst = 0;
  history.forEach((r, i) => {
    const py = python[i]!;
    expect(r.epoch).toBe(py.epoch + 1); // Python's loop counts from 0
    worst = Math.max(worst, Math.abs(r.trainLoss - py.train_loss), Math.abs(r.testLoss! - py.test_loss));
    expect(r.trainAccuracy).toBe(py.train_acc);
    expect(r.testAccuracy).toBe(py.test_acc);
  });
  expect(worst).toBeLessThanOrEqual(1e-4);
  return worst;
}

describe('torchts circles', { timeout: 180_000 }, () => {
  it('with defaults reproduces Python\'s tutorial run and ends at test accuracy >= 0.95', () => {
    const r = run(['circles', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { history: torch.EpochRecord[]; config: { epochs: number } };
    expect(out.config.epochs).toBe(500);
    expectSameHistory(out.history, fixture.tutorial.runs.relu.history);
    expect(out.history[499]!.testAccuracy).toBeGreaterThanOrEqual(0.95);
    // the tutorial's progress lines go to stderr in --json mode
    expect(r.stderr).toContain('Epoch [50/500]');
    expect(r.stderr).toMatch(/Train Loss: \d\.\d{4}, Train Accuracy: \d\.\d{4}/);
    expect(r.stderr).toContain(fixture.tutorial.runs.relu.repr);
  });

  it('--activation none is the tutorial\'s linear model and stays near 50%', () => {
    const r = run(['circles', '--json', '--activation', 'none', '--mode', 'eager']);
    expect(r.status, r.stderr).toBe(0);
    const history = (JSON.parse(r.stdout) as { history: torch.EpochRecord[] }).history;
    expectSameHistory(history, fixture.tutorial.runs.linear.history);
    expect(history[499]!.testAccuracy).toBeGreaterThan(0.4);
    expect(history[499]!.testAccuracy).toBeLessThan(0.6);
  });

  it('prints the tutorial lines, writes plots and weights that load back', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchts-cli-'));
    const weights = path.join(dir, 'model.safetensors');
    const r = run(['circles', '--epochs', '50', '--log-interval', '25', '--plot', dir, '--save', weights]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Epoch [25/50]\nTrain Loss: ');
    expect(r.stdout).toMatch(/Test Loss: \d\.\d{4}, Test Accuracy: \d\.\d{4}\n/);
    expect(r.stdout).toMatch(/Final test accuracy: \d\.\d{4}/);
    const sizes: Record<string, [number, number]> = { circles: [640, 480], decision_boundary: [1200, 600] };
    for (const f of ['circles.svg', 'circles.png', 'decision_boundary.svg', 'decision_boundary.png']) {
      const bytes = fs.readFileSync(path.join(dir, f));
      const [width, height] = sizes[f.split('.')[0]!]!;
      if (f.endsWith('.png')) {
        // signature, then IHDR: width, height, 8-bit RGBA
        expect(bytes.subarray(1, 4).toString()).toBe('PNG');
        expect(bytes.toString('latin1', 12, 16)).toBe('IHDR');
        expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20), bytes[24], bytes[25]]).toEqual([width, height, 8, 6]);
      } else {
        expect(bytes.toString('utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
        expect(bytes.toString('utf8')).toContain(`width="${width}" height="${height}"`);
      }
    }
    const loaded = torch.load(weights);
    expect([...loaded.keys()].sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight', '4.bias', '4.weight']);
    expect(loaded.get('2.weight')!.shape).toEqual([4, 8]);
  });

  it('rejects bad options with a clear message and exit code 2', () => {
    const cases: [string[], RegExp][] = [
      [['circles', '--epochs', 'abc'], /--epochs must be an integer >= 1 \(got 'abc'\)/],
      [['circles', '--lr=-1'], /--lr must be a positive number/],
      [['circles', '--activation', 'gelu'], /--activation must be one of relu, none/],
      [['circles', '--hidden', '8,x'], /--hidden must be comma-separated positive integers/],
      [['circles', '--bogus'], /Unknown option '--bogus'/],
      [['nonsense'], /unknown command 'nonsense'/],
      [['install-libtorch', '--forse'], /Unknown option '--forse'/],
      [['doctor', '--verbose'], /Unknown option '--verbose'/],
      [['circles', '--device', 'cuda'], /CUDA is not available/],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')[0]!.startsWith('torchts: ')).toBe(true);
    }
  });

  it('has help for the tool and for each command', () => {
    const top = run(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/circles[\s\S]*doctor[\s\S]*install-libtorch/);
    const circles = run(['circles', '--help']);
    expect(circles.status).toBe(0);
    expect(circles.stdout).toMatch(/--samples N[\s\S]*--plot DIR[\s\S]*--json/);
  });

  it('doctor reports versions, libtorch, devices and a passing self-test', () => {
    const r = run(['doctor']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/libtorch\s+2\.11\.0/);
    expect(r.stdout).toMatch(/libtorch_cpu\s+\/.*libtorch_cpu\.so/);
    expect(r.stdout).toMatch(/cuda\s+(available|not available: .+)/);
    expect(r.stdout).toMatch(/self-test\s+ok/);
  });
});
