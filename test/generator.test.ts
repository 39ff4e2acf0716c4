// torch.Generator: random ops drawing from a generator of their own, with
// PyTorch 2.11's numbers (recorded from Python below), and the global
// generator left alone.
//   g = torch.Generator().manual_seed(42)
//   torch.randperm(10, generator=g); torch.rand(3, generator=g); torch.randn(2, 2, generator=g)
//   torch.randint(3, 9, (5,), generator=g)
//   torch.multinomial(torch.tensor([0.1, 0.0, 0.5, 0.4], dtype=torch.float64), 3, generator=g)
//   torch.multinomial(torch.tensor([0.1, 0.0, 0.5, 0.4]), 6, replacement=True, generator=g)
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';

const float32 = (values: number[]) => Array.from(new Float32Array(values));

describe('torch.Generator', () => {
  it('draws what Python draws from Generator().manual_seed(42), op after op', () => {
    const g = new torch.Generator().manualSeed(42);
    expect(torch.randperm(10, { generator: g }).tolist()).toEqual([2, 6, 1, 8, 4, 5, 0, 9, 3, 7]);
    expect(torch.rand(3, { generator: g }).tolist()).toEqual(float32([0.13318592309951782, 0.9345980882644653, 0.5935796499252319]));
    expect(torch.randn(2, 2, { generator: g }).flatten().tolist()).toEqual(float32([2.2082014083862305, -0.637997031211853, 0.46165722608566284, 0.2673508822917938]));
    expect(torch.randint(3, 9, [5], { generator: g }).tolist()).toEqual([4, 5, 4, 8, 8]);
    const weights = torch.tensor([0.1, 0.0, 0.5, 0.4], { dtype: torch.float64 });
    expect(torch.multinomial(weights, 3, { generator: g }).tolist()).toEqual([2, 0, 3]);
    expect(torch.multinomial(weights.float(), 6, { replacement: true, generator: g }).tolist()).toEqual([3, 2, 2, 3, 3, 2]);
  });

  it("starts from PyTorch's default seed, wraps negative seeds, and leaves the global generator alone", () => {
    torch.manualSeed(3);
    const g = new torch.Generator();
    expect(g.initialSeed()).toBe(67280421310721n);
    expect(torch.randperm(5, { generator: g }).tolist()).toEqual([0, 1, 4, 3, 2]);
    expect(torch.rand(2).tolist()).toEqual(float32([0.004263520240783691, 0.10556936264038086]));
    expect(new torch.Generator().manualSeed(-1).initialSeed()).toBe(2n ** 64n - 1n);
    expect(typeof g.seed()).toBe('bigint');
  });

  it('getState/setState replay the same draws', () => {
    const g = new torch.Generator().manualSeed(7);
    const state = g.getState();
    expect(state.dtype.name).toBe('uint8');
    const first = torch.randn(4, { generator: g }).tolist();
    g.setState(state);
    expect(torch.randn(4, { generator: g }).tolist()).toEqual(first);
  });

  it('bad generators and seeds are clear errors', () => {
    expect(() => torch.randperm(3, { generator: {} as torch.Generator })).toThrow('randperm(): generator must be a torch.Generator, got');
    expect(() => new torch.Generator().manualSeed(1.5)).toThrow('manualSeed expects an integer seed, got 1.5');
    expect(() => new torch.Generator().manualSeed(2n ** 64n)).toThrow('Overflow when unpacking long long');
    expect(() => new torch.Generator({ device: 'cuda' })).toThrow('Generator: only the CPU generator is supported');
    expect(() => torch.randint(5, 1, [2], { generator: new torch.Generator() })).toThrow("random_ expects 'from' to be less than 'to', but got from=5 >= to=1");
  });
});
