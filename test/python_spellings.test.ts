// Python spellings a ported program uses: t.T, t.type(), dims as keywords
// ({ dim: 1 }), nn.Softmax({ dim }), and the optimizer type without a parameter.
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import { nn, optim } from '../ts/index';
import { thrownTorchError } from './helpers/errors';

describe('Python spellings', () => {
  const x = torch.arange(24, { dtype: torch.float32 }).reshape([2, 3, 4]);

  it('t.T reverses the dims (a view), as Python; a matrix gets t()', () => {
    expect(x.T.shape).toEqual([4, 3, 2]);
    expect(x.T.index(3, 2, 1).item()).toBe(x.index(1, 2, 3).item());
    const m = x.index(0);
    expect(m.T.tolist()).toEqual(m.t().tolist());
    expect(torch.tensor(5).T.item()).toBe(5);
  });

  it("t.type() names the tensor type as Python's torch.typename; t.type(dtype) converts", () => {
    expect(x.type()).toBe('torch.FloatTensor');
    expect(torch.tensor([1, 2]).type()).toBe('torch.LongTensor');
    expect(torch.tensor([true]).type()).toBe('torch.BoolTensor');
    const d = x.type(torch.float64);
    expect(d.dtype.name).toBe('float64');
    expect(d.tolist()).toEqual(x.tolist());
  });

  it('dims given as keywords equal the positional form', () => {
    expect(torch.cat([x, x], { dim: 1 }).tolist()).toEqual(torch.cat([x, x], 1).tolist());
    expect(torch.stack([x, x], { dim: 2 }).shape).toEqual(torch.stack([x, x], 2).shape);
    expect(torch.argmax(x, { dim: 1 }).tolist()).toEqual(torch.argmax(x, 1).tolist());
    expect(x.argmin({ dim: 2, keepdim: true }).tolist()).toEqual(x.argmin(2, { keepdim: true }).tolist());
    expect(x.softmax({ dim: 1 }).tolist()).toEqual(x.softmax(1).tolist());
    expect(torch.logSoftmax(x, { dim: 0, dtype: torch.float64 }).dtype.name).toBe('float64');
    expect(new nn.Softmax({ dim: 1 })(x).tolist()).toEqual(new nn.Softmax(1)(x).tolist());
    expect(new nn.LogSoftmax({ dim: 1 }).dim).toBe(1);
    expect(thrownTorchError(() => x.softmax({} as { dim: number })).message).toBe("softmax(): argument 'dim' must be an integer, got undefined");
  });

  it('a function form refuses arguments past its last instead of dropping them (out= included)', () => {
    const a = torch.ones([2, 2]);
    const y = torch.zeros([2, 2]);
    const call = torch.matmul as unknown as (...args: unknown[]) => unknown;
    expect(thrownTorchError(() => call(a, a, { out: y })).message).toBe(
      'matmul() takes at most 2 arguments (3 given); out= is not supported: use the returned tensor (or copy_ it into yours)',
    );
    expect(y.sum().item()).toBe(0);
    expect(torch.matmul(a, a).sum().item()).toBe(8);
  });

  it('a DataLoader keeps its dataset type: a map-style dataset has a number length, batches stay typed', () => {
    const ds = new torch.utils.data.TensorDataset(torch.arange(12, { dtype: torch.float32 }).reshape([6, 2]), torch.arange(6));
    const loader = new torch.utils.data.DataLoader(ds, { batchSize: 4 });
    const n: number = loader.dataset.length;
    expect(n).toBe(6);
    const shapes: number[][] = [];
    for (const [x, y] of loader) shapes.push(x.shape, y.shape);
    expect(shapes).toEqual([[4, 2], [4], [2, 2], [2]]);
  });

  it('optim.Optimizer needs no type argument', () => {
    const model = new nn.Linear(2, 1);
    const opt: optim.Optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
  });
});
