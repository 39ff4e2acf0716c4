// PyTorch's "Learning PyTorch with Examples" — PyTorch: Custom nn Modules
// (polynomial_module.py), line for line: the model is a subclass of
// nn.Module with four Parameters. Both twins seed with torch.manualSeed(0)
// before building the model (the tutorial does not seed).
// Run: npx tsx examples/learning_pytorch/polynomial_module.ts
import { pathToFileURL } from 'node:url';
import * as torch from 'torchts';
import type { Tensor } from 'torchts';
import type { PolynomialRun } from './polynomial_tensor';

class Polynomial3 extends torch.nn.Module {
  // Four parameters, assigned as member parameters.
  a = new torch.nn.Parameter(torch.randn([]));
  b = new torch.nn.Parameter(torch.randn([]));
  c = new torch.nn.Parameter(torch.randn([]));
  d = new torch.nn.Parameter(torch.randn([]));

  // In the forward function we accept a Tensor of input data and we must
  // return a Tensor of output data.
  override forward(x: Tensor): Tensor {
    return this.a.add(this.b.mul(x)).add(this.c.mul(x.pow(2))).add(this.d.mul(x.pow(3)));
  }

  /** Just like any method in TypeScript, you can also define custom methods on modules. */
  string(): string {
    return `y = ${this.a.item()} + ${this.b.item()} x + ${this.c.item()} x^2 + ${this.d.item()} x^3`;
  }
}

export function polynomialModule(iterations = 2000, print = false): PolynomialRun {
  torch.manualSeed(0);
  // Create Tensors to hold input and outputs.
  const x = torch.linspace(-Math.PI, Math.PI, 2000);
  const y = torch.sin(x);

  // Construct our model by instantiating the class defined above.
  const model = new Polynomial3();

  // Construct our loss function and an Optimizer. The call to
  // model.parameters() contains the learnable parameters of the model.
  const criterion = new torch.nn.MSELoss({ reduction: 'sum' });
  const optimizer = new torch.optim.SGD(model.parameters(), { lr: 1e-6 });
  const losses: [number, number][] = [];
  for (let t = 0; t < iterations; t++) {
    // Forward pass: compute predicted y by passing x to the model.
    const yPred = model(x);

    // Compute and print loss.
    const loss = criterion(yPred, y);
    if (t % 100 === 99) {
      losses.push([t, loss.item()]);
      if (print) console.log(t, loss.item());
    }

    // Zero gradients, perform a backward pass, and update the weights.
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }
  if (print) console.log(`Result: ${model.string()}`);
  return { losses, coefficients: [model.a.item(), model.b.item(), model.c.item(), model.d.item()] };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) polynomialModule(2000, true);
