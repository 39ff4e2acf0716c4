// fit() plans: which (model, loss, optimizer) the engine trains whole, and
// that the engine's loop gives the eager loop's numbers bit for bit for every
// built-in layer and loss it accepts (both run the same libtorch ops in the
// same order, random draws included).
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import type { EpochRecord, Tensor } from '../ts/index';
import type { Module } from '../ts/nn';

const { nn, optim } = torch;

type Case = {
  name: string;
  model: () => Module;
  criterion: () => InstanceType<typeof nn.Loss>;
  targets: (x: Tensor) => Tensor;
  batchSize?: number;
};

const classes = (x: Tensor) => x.select(1, 0).gt(0).to(torch.long);
const cases: Case[] = [
  {
    name: 'Linear, ReLU, Linear with CrossEntropyLoss (label smoothing, class weights), minibatches',
    model: () => new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2)),
    criterion: () => new nn.CrossEntropyLoss({ labelSmoothing: 0.1, weight: torch.tensor([1, 2], { dtype: torch.float32 }) }),
    targets: classes,
    batchSize: 7,
  },
  {
    name: 'Linear, Tanh, Dropout, Linear without bias, LogSoftmax with NLLLoss',
    model: () => new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Dropout(0.3), new nn.Linear(8, 3, { bias: false }), new nn.LogSoftmax(1)),
    criterion: () => new nn.NLLLoss(),
    targets: classes,
  },
  {
    name: 'Flatten, Linear, Sigmoid, Identity, Softmax with MSELoss, shuffled minibatches',
    model: () => new nn.Sequential(new nn.Flatten(), new nn.Linear(4, 3), new nn.Sigmoid(), new nn.Identity(), new nn.Softmax(1)),
    criterion: () => new nn.MSELoss({ reduction: 'sum' }),
    targets: (x) => x.narrow(1, 0, 3).softmax(1),
    batchSize: 5,
  },
  {
    name: 'nested Sequential with BCEWithLogitsLoss',
    model: () => new nn.Sequential(new nn.Sequential(new nn.Linear(4, 4), new nn.ReLU()), new nn.Linear(4, 1)),
    criterion: () => new nn.BCEWithLogitsLoss(),
    targets: (x) => x.narrow(1, 0, 1).gt(0).to(torch.float32),
  },
];

function train(c: Case, mode: 'eager' | 'fused'): { history: EpochRecord[]; params: number[][] } {
  torch.manualSeed(3);
  const x = torch.randn(23, 4);
  const y = c.targets(x);
  const model = c.model();
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.05 });
  const history = torch.fit(model, { optimizer, criterion: c.criterion(), xTrain: x, yTrain: y, xTest: x.narrow(0, 0, 9), yTest: y.narrow(0, 0, 9), epochs: 6, batchSize: c.batchSize, mode });
  return { history, params: model.parameters().map((p: Tensor) => [...(p.flatten().tolist() as number[])]) };
}

describe('the engine trains every built-in layer and loss as the eager loop does', () => {
  for (const c of cases) {
    it(c.name, () => {
      const eager = train(c, 'eager');
      const fused = train(c, 'fused');
      expect(fused.history).toEqual(eager.history);
      expect(fused.params).toEqual(eager.params);
      expect(eager.history).toHaveLength(6);
      expect(eager.history[5]!.trainLoss).toBeLessThan(eager.history[0]!.trainLoss);
    });
  }
});

describe('what cannot be fused runs eagerly, and mode "fused" names why', () => {
  const x = torch.randn(8, 4);
  const y = classes(x);
  const fitWith = (model: Module, criterion: InstanceType<typeof nn.Loss>, mode: 'auto' | 'fused') =>
    torch.fit(model, { optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), criterion, xTrain: x, yTrain: y, epochs: 1, mode });

  it('a loss subclass with its own forward: its forward runs', () => {
    class DoubledLoss extends nn.CrossEntropyLoss {
      calls = 0;
      override forward(input: Tensor, target: Tensor): Tensor {
        this.calls++;
        return super.forward(input, target).mul(2);
      }
    }
    const criterion = new DoubledLoss();
    const model = new nn.Linear(4, 2);
    const [record] = fitWith(model, criterion, 'auto');
    expect(criterion.calls).toBeGreaterThan(0);
    const plain = torch.noGrad(() => new nn.CrossEntropyLoss().forward(model.forward(x), y).item() as number);
    expect(record!.trainLoss).toBeCloseTo(2 * plain, 6);
    expect(() => fitWith(new nn.Linear(4, 2), new DoubledLoss(), 'fused')).toThrow('fit: cannot fuse this model: DoubledLoss cannot be fused');
  });

  it('a layer subclass with its own forward, and BCE with weights', () => {
    class Shifted extends nn.Linear {
      override forward(input: Tensor): Tensor {
        return super.forward(input).add(1);
      }
    }
    expect(() => fitWith(new nn.Sequential(new Shifted(4, 2)), new nn.CrossEntropyLoss(), 'fused')).toThrow('fit: cannot fuse this model: Shifted is not a built-in layer');
    const bce = new nn.BCEWithLogitsLoss({ posWeight: torch.tensor([2]) });
    expect(() => torch.fit(new nn.Linear(4, 1), { optimizer: new optim.SGD(new nn.Linear(4, 1).parameters()), criterion: bce, xTrain: x, yTrain: y.unsqueeze(1).to(torch.float32), epochs: 1, mode: 'fused' })).toThrow(
      'fit: cannot fuse this model: BCEWithLogitsLoss with weights cannot be fused',
    );
  });
});

describe('a model written in JavaScript runs the engine loop through callbacks', () => {
  class TwoLayer extends nn.Module {
    first = new nn.Linear(4, 8);
    second = new nn.Linear(8, 2);
    override forward(x: Tensor): Tensor {
      return this.second.forward(this.first.forward(x).relu());
    }
  }

  it('gives the fused numbers of the same network, shuffled minibatches and test split included', () => {
    const run = (build: () => Module) => {
      torch.manualSeed(5);
      const x = torch.randn(30, 4);
      const y = classes(x);
      const model = build();
      const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
      const history = torch.fit(model, { optimizer, criterion: new nn.CrossEntropyLoss(), xTrain: x, yTrain: y, xTest: x.narrow(0, 0, 10), yTest: y.narrow(0, 0, 10), epochs: 5, batchSize: 8 });
      return { history, params: model.parameters().map((p: Tensor) => [...(p.flatten().tolist() as number[])]) };
    };
    const custom = run(() => new TwoLayer());
    const fused = run(() => new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2)));
    expect(custom.history).toEqual(fused.history);
    expect(custom.params).toEqual(fused.params);
    expect(custom.history[4]!.testAccuracy).toBeGreaterThan(0.5);
  });

  it('rethrows what forward throws, as thrown, and names a forward that returns no tensor', () => {
    const x = torch.randn(6, 4);
    const y = classes(x);
    const fitModel = (forward: (x: Tensor) => unknown) => {
      class Broken extends nn.Module {
        layer = new nn.Linear(4, 2);
        override forward(input: Tensor): unknown {
          return forward.call(this, input);
        }
      }
      const model = new Broken();
      return () => torch.fit(model, { optimizer: new optim.Adam(model.parameters()), criterion: new nn.CrossEntropyLoss(), xTrain: x, yTrain: y, epochs: 2 });
    };
    let thrown: unknown;
    try {
      fitModel(() => {
        throw 'a plain string';
      })();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBe('a plain string');
    expect(fitModel(() => 42)).toThrow("fit: the model's forward must return a Tensor, got 42");
  });
});
