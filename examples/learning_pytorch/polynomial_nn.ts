// PyTorch's "Learning PyTorch with Examples" — PyTorch: nn
// (polynomial_nn.py), line for line: the nn package defines the model and
// the loss; the weights are updated by hand. Both twins seed with
// torch.manualSeed(0) before building the model (the tutorial does not seed).
// Run: npx tsx examples/learning_pytorch/polynomial_nn.ts
import { pathToFileURL } from 'node:url';
import * as torch from 'torchts';
import type { PolynomialRun } from './polynomial_tensor';

export function polynomialNn(iterations = 2000, print = false): PolynomialRun {
  torch.manualSeed(0);
  // Create Tensors to hold input and outputs.
  const x = torch.linspace(-Math.PI, Math.PI, 2000);
  const y = torch.sin(x);

  // The output y is a linear function of (x, x^2, x^3): a linear layer
  // prepares the tensor (x, x^2, x^3) of shape (2000, 3).
  const p = torch.tensor([1, 2, 3], { dtype: torch.int64 });
  const xx = x.unsqueeze(-1).pow(p);

  // The model: a Linear layer computing output from input with a linear
  // function, then Flatten so the output is a 1D tensor matching y's shape.
  const model = new torch.nn.Sequential(new torch.nn.Linear(3, 1), new torch.nn.Flatten(0, 1));

  // The loss function: Mean Squared Error, summed.
  const lossFn = new torch.nn.MSELoss({ reduction: 'sum' });

  const losses: [number, number][] = [];
  const learningRate = 1e-6;
  for (let t = 0; t < iterations; t++) {
    // Forward pass: compute predicted y by passing x to the model.
    const yPred = model(xx);

    // Compute and print loss.
    const loss = lossFn(yPred, y);
    if (t % 100 === 99) {
      losses.push([t, loss.item()]);
      if (print) console.log(t, loss.item());
    }

    // Zero the gradients before running the backward pass.
    model.zeroGrad();

    // Backward pass: compute the gradient of the loss with respect to all
    // the learnable parameters of the model.
    loss.backward();

    // Update the weights using gradient descent.
    torch.noGrad(() => {
      for (const param of model.parameters()) {
        if (param.grad === null) throw new Error('backward() did not reach every parameter');
        param.sub_(param.grad.mul(learningRate));
      }
    });
  }

  // You can access the first layer of `model` like accessing the first item of a list
  const linearLayer = model.at(0);
  const { weight, bias } = linearLayer;
  if (bias === null) throw new Error('Linear(3, 1) has a bias');
  const coefficients = [bias.item(), weight.select(1, 0).item(), weight.select(1, 1).item(), weight.select(1, 2).item()];
  if (print) console.log(`Result: y = ${coefficients[0]} + ${coefficients[1]} x + ${coefficients[2]} x^2 + ${coefficients[3]} x^3`);
  return { losses, coefficients };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) polynomialNn(2000, true);
