// Modules are called as in Python (`model(x)`), typed from their forward, and
// containers keep their element types: tutorial code needs no casts.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import { nn, Tensor } from '../ts/index';
import { thrownTorchError } from './helpers/errors';
import { bits } from './helpers/tensor_bits';

class TwoLayer extends nn.Module {
  layer1 = new nn.Linear(2, 5);
  layer2 = new nn.Linear(5, 1);
  // A field named like a function's own property: the module must not shadow
  // it. TypeScript asks for `override`, as a callable type has Function's members.
  override name = 'two-layer';

  override forward(x: Tensor): Tensor {
    return this.layer2(this.layer1(x).relu());
  }
}

describe('callable modules', () => {
  it('model(x) is model.call(x): the same tensor as forward, bit for bit, and autograd through it', () => {
    torch.manualSeed(0);
    const model = new TwoLayer();
    const x = torch.randn([4, 2]);
    const called: Tensor = model(x);
    expect(bits(called)).toEqual(bits(model.forward(x)));
    called.sum().backward();
    expect(model.layer1.weight.grad?.shape).toEqual([5, 2]);
  });

  it('runs forward pre-hooks and hooks, as Python __call__ does; forward alone runs none', () => {
    const model = new nn.Linear(3, 2);
    const x = torch.ones([1, 3]);
    const seen: string[] = [];
    model.registerForwardPreHook(() => void seen.push('pre'));
    model.registerForwardHook((_m, _args, out) => {
      seen.push('post');
      return (out as Tensor).mul(0);
    });
    expect(model(x).abs().sum().item()).toBe(0);
    expect(seen).toEqual(['pre', 'post']);
    expect(model.forward(x).abs().sum().item()).toBeGreaterThan(0);
    expect(seen).toEqual(['pre', 'post']);
  });

  it('is an ordinary instance otherwise: fields, instanceof, keys, repr, state dict', () => {
    const model = new TwoLayer();
    expect(model instanceof nn.Module).toBe(true);
    expect(model instanceof TwoLayer).toBe(true);
    expect(model.name).toBe('two-layer');
    model.name = 'renamed';
    expect(model.name).toBe('renamed');
    expect(Object.keys(model)).not.toContain('length');
    expect([...model.stateDict().keys()]).toEqual(['layer1.weight', 'layer1.bias', 'layer2.weight', 'layer2.bias']);
    expect(inspect(model)).toBe(
      'TwoLayer(\n  (layer1): Linear(in_features=2, out_features=5, bias=True)\n  (layer2): Linear(in_features=5, out_features=1, bias=True)\n)',
    );
    const list = new nn.ModuleList([new nn.ReLU(), new nn.Tanh(), new nn.ReLU()]);
    expect(list.length).toBe(3);
  });

  it('messages name a module by its class, not as a function', () => {
    const model = new nn.ReLU();
    // @ts-expect-error a module is not a tensor
    const { message } = thrownTorchError(() => torch.add(model, 1));
    expect(message).toContain('ReLU');
    expect(message).not.toContain('function');
  });

  it('containers keep element types: at(), iteration and get() give the layer class', () => {
    const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(3, 1));
    const first: nn.Linear = seq.at(0);
    expect(first.outFeatures).toBe(3);
    const features: number[] = [];
    for (const layer of seq) features.push(layer.inFeatures);
    expect(features).toEqual([2, 3]);
    const heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), reg: new nn.Linear(8, 1) });
    expect(heads.get('reg').outFeatures).toBe(1);
    const out: Tensor = seq(torch.zeros([5, 2]));
    expect(out.shape).toEqual([5, 1]);
    // Built from a list, each literal index has its layer's own type.
    const mixed = new nn.Sequential(new nn.Linear(3, 1), new nn.Flatten(0, 1));
    const linear: nn.Linear = mixed.at(0);
    const flatten: nn.Flatten = mixed.at(1);
    expect([linear.inFeatures, flatten.startDim]).toEqual([3, 0]);
    const last: nn.Linear | nn.Flatten = mixed.at(-1);
    expect(last).toBe(flatten);
    // A typed Sequential is still a Sequential (what functions declare they return).
    const plain: nn.Sequential = mixed;
    expect(plain.length).toBe(2);
  });

  it('item() is a number for every dtype: a bool tensor gives 1 or 0', () => {
    const total: number = torch.tensor([1.5, 2.5]).sum().item();
    expect(total).toBe(4);
    expect(torch.tensor([1, 2]).eq(torch.tensor([1, 2])).all().item()).toBe(1);
    expect(torch.tensor([1, 2]).eq(torch.tensor([1, 3])).all().item()).toBe(0);
  });

  it('a TransformerEncoder copies its layer as callable modules with separate parameters', () => {
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0 });
    const encoder = new nn.TransformerEncoder(layer, 2);
    const copy = encoder.layers.at(1);
    expect(typeof copy).toBe('function');
    expect(copy.linear1.weight === layer.linear1.weight).toBe(false);
    expect(copy(torch.zeros([3, 1, 4])).shape).toEqual([3, 1, 4]);
  });
});
