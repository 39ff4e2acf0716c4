// PyTorch's "Learning PyTorch with Examples" — PyTorch: optim
// (polynomial_optim.py), line for line: the optim package updates the
// weights (RMSprop). Both twins seed with torch.manualSeed(0) before building
// the model (the tutorial does not seed).
// Run: npx tsx examples/learning_pytorch/polynomial_optim.ts
import { pathToFileURL } from 'node:url';
import * as torch from 'torchts';
import type { PolynomialRun } from './polynomial_tensor';

export function polynomialOptim(iterations = 2000, print = false): PolynomialRun {
  torch.manualSeed(0);
  // Create Tensors to hold input and outputs.
  const x = torch.linspace(-Math.PI, Math.PI, 2000);
  const y = torch.sin(x);

  // Prepare the input tensor (x, x^2, x^3).
  const p = torch.tensor([1, 2, 3], { dtype: torch.int64 });
  const xx = x.unsqueeze(-1).pow(p);

  // Use the nn package to define our model and loss function.
  const model = new torch.nn.Sequential(new torch.nn.Linear(3, 1), new torch.nn.Flatten(0, 1));
  const lossFn = new torch.nn.MSELoss({ reduction: 'sum' });

  // Use the optim package to define an Optimizer that will update the weights
  // of the model for us. Here we will use RMSprop.
  const learningRate = 1e-3;
  const optimizer = new torch.optim.RMSprop(model.parameters(), { lr: learningRate });
  const losses: [number, number][] = [];
  for (let t = 0; t < iterations; t++) {
    // Forward pass: compute predicted y by passing x to the model.
    const yPred = model(xx);

    // Compute and print loss.
    const loss = lossFn(yPred, y);
    if (t % 100 === 99) {
      losses.push([t, loss.item()]);
      if (print) console.log(t, loss.item());
    }

    // Before the backward pass, zero all of the gradients of the variables
    // the optimizer will update (the learnable weights of the model).
    optimizer.zeroGrad();

    // Backward pass: compute gradient of the loss with respect to model parameters.
    loss.backward();

    // Calling the step function on an Optimizer makes an update to its parameters.
    optimizer.step();
  }

  const linearLayer = model.at(0);
  const { weight, bias } = linearLayer;
  if (bias === null) throw new Error('Linear(3, 1) has a bias');
  const coefficients = [bias.item(), weight.select(1, 0).item(), weight.select(1, 1).item(), weight.select(1, 2).item()];
  if (print) console.log(`Result: y = ${coefficients[0]} + ${coefficients[1]} x + ${coefficients[2]} x^2 + ${coefficients[3]} x^3`);
  return { losses, coefficients };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) polynomialOptim(2000, true);
