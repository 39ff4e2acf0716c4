// PyTorch's "Learning PyTorch with Examples" — PyTorch: Control Flow +
// Weight Sharing (dynamic_net.py), line for line: each forward pass adds a
// random number (0, 1 or 2) of higher-order terms, reusing one parameter e.
// Two changes, made in both twins so the runs compare: torch.manualSeed(0)
// before building the model, and the random count drawn from torch's
// generator (`torch.randint(4, 7, [])`) instead of Python's `random` module,
// which JavaScript does not have.
// Run: npx tsx examples/learning_pytorch/dynamic_net.ts
import { pathToFileURL } from 'node:url';
import * as torch from 'torchts';
import type { Tensor } from 'torchts';
import type { PolynomialRun } from './polynomial_tensor';

class DynamicNet extends torch.nn.Module {
  // Five parameters, assigned as members.
  a = new torch.nn.Parameter(torch.randn([]));
  b = new torch.nn.Parameter(torch.randn([]));
  c = new torch.nn.Parameter(torch.randn([]));
  d = new torch.nn.Parameter(torch.randn([]));
  e = new torch.nn.Parameter(torch.randn([]));

  /**
   * For the forward pass of the model, we randomly choose either 4, 5 or 6
   * and reuse the e parameter to compute the contribution of these orders.
   * Since each forward pass builds a dynamic computation graph, we can use
   * normal control-flow operators like loops when defining the forward pass.
   * It is also safe to reuse the same parameter many times.
   */
  override forward(x: Tensor): Tensor {
    let y = this.a.add(this.b.mul(x)).add(this.c.mul(x.pow(2))).add(this.d.mul(x.pow(3)));
    const last = torch.randint(4, 7, []).item();
    for (let exp = 4; exp < last; exp++) y = y.add(this.e.mul(x.pow(exp)));
    return y;
  }

  string(): string {
    return `y = ${this.a.item()} + ${this.b.item()} x + ${this.c.item()} x^2 + ${this.d.item()} x^3 + ${this.e.item()} x^4 ? + ${this.e.item()} x^5 ?`;
  }
}

export function dynamicNet(iterations = 30000, print = false): PolynomialRun {
  torch.manualSeed(0);
  // Create Tensors to hold input and outputs.
  const x = torch.linspace(-Math.PI, Math.PI, 2000);
  const y = torch.sin(x);

  // Construct our model by instantiating the class defined above.
  const model = new DynamicNet();

  // Construct our loss function and an Optimizer. Training this strange model
  // with vanilla stochastic gradient descent is tough, so we use momentum.
  const criterion = new torch.nn.MSELoss({ reduction: 'sum' });
  const optimizer = new torch.optim.SGD(model.parameters(), { lr: 1e-8, momentum: 0.9 });
  const losses: [number, number][] = [];
  for (let t = 0; t < iterations; t++) {
    // Forward pass: compute predicted y by passing x to the model.
    const yPred = model(x);

    // Compute and print loss.
    const loss = criterion(yPred, y);
    if (t % 2000 === 1999) {
      losses.push([t, loss.item()]);
      if (print) console.log(t, loss.item());
    }

    // Zero gradients, perform a backward pass, and update the weights.
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }
  if (print) console.log(`Result: ${model.string()}`);
  return { losses, coefficients: [model.a.item(), model.b.item(), model.c.item(), model.d.item(), model.e.item()] };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) dynamicNet(30000, true);
