// Devices on a machine without a GPU: CUDA and MPS report unavailable and
// asking for them is a clear error, never a crash.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import * as torch from '../ts/index';

const hasNvidia = fs.existsSync('/proc/driver/nvidia/version');
const isAppleSilicon = process.platform === 'darwin' && process.arch === 'arm64';

describe('torch.device', () => {
  it('parses PyTorch spellings', () => {
    expect(String(torch.device('cpu'))).toBe('cpu');
    expect(String(torch.device('cuda:1'))).toBe('cuda:1');
    expect(torch.device('cuda', 0).index).toBe(0);
    expect(torch.device('mps').type).toBe('mps');
    expect(() => torch.device('tpu')).toThrow('Expected one of cpu, cuda, mps device type at start of device string: tpu');
    expect(String(torch.zeros(2).device)).toBe('cpu');
  });
});

describe.skipIf(hasNvidia)('CUDA on a machine without an NVIDIA GPU', () => {
  it('is unavailable, and using it throws a one-line TorchError', () => {
    expect(torch.cuda.isAvailable()).toBe(false);
    expect(torch.cuda.deviceCount()).toBe(0);
    torch.cuda.synchronize(); // a no-op without CUDA, as in PyTorch's lazy init path
    for (const make of [() => torch.zeros(2, { device: 'cuda' }), () => torch.ones(3).to('cuda'), () => new torch.nn.Linear(2, 2).to('cuda')]) {
      let caught: unknown;
      try {
        make();
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(torch.TorchError);
      expect((caught as Error).message).toMatch(/CUDA/);
      expect((caught as Error).message).not.toContain('\n');
    }
    expect(torch.ones(2).add(1).sum().item()).toBe(4); // the process lives on
  });
});

describe('MPS', () => {
  it.skipIf(isAppleSilicon)('is unavailable off Apple silicon and using it is a clear error', () => {
    expect(torch.backends.mps.isAvailable()).toBe(false);
    expect(() => torch.zeros(2, { device: 'mps' })).toThrow(/MPS backend is not available/);
  });
  // The MPS device itself needs a darwin-arm64 build of the addon; none is built on Linux CI.
  it.skipIf(!isAppleSilicon)('trains on mps (darwin-arm64 only: skipped elsewhere)', () => {
    const x = torch.randn(64, 2, { device: 'mps' });
    expect(x.device.type).toBe('mps');
  });
});
