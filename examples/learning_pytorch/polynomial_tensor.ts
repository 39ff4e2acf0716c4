// PyTorch's "Learning PyTorch with Examples" — PyTorch: Tensors
// (polynomial_tensor.py), line for line: fit y = sin(x) with a third order
// polynomial, forward pass, loss and backward pass computed by hand.
// One change: the tutorial draws a, b, c, d unseeded; both twins call
// torch.manualSeed(0) first so the run can be compared with Python's.
// Run: npx tsx examples/learning_pytorch/polynomial_tensor.ts
import { pathToFileURL } from 'node:url';
import * as torch from 'torchts';

export interface PolynomialRun {
  /** `[t, loss]` every 100 iterations, as the tutorial prints them. */
  losses: [number, number][];
  /** The fitted coefficients a, b, c, d. */
  coefficients: number[];
}

export function polynomialTensor(iterations = 2000, print = false): PolynomialRun {
  torch.manualSeed(0);
  const dtype = torch.float32;
  const device = torch.device('cpu');

  // Create random input and output data
  const x = torch.linspace(-Math.PI, Math.PI, 2000, { device, dtype });
  const y = torch.sin(x);

  // Randomly initialize weights
  const a = torch.randn([], { device, dtype });
  const b = torch.randn([], { device, dtype });
  const c = torch.randn([], { device, dtype });
  const d = torch.randn([], { device, dtype });

  const losses: [number, number][] = [];
  const learningRate = 1e-6;
  for (let t = 0; t < iterations; t++) {
    torch.tidy(() => {
      // Forward pass: compute predicted y
      const yPred = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));

      // Compute and print loss
      const loss = yPred.sub(y).pow(2).sum().item();
      if (t % 100 === 99) {
        losses.push([t, loss]);
        if (print) console.log(t, loss);
      }

      // Backprop to compute gradients of a, b, c, d with respect to loss
      const gradYPred = yPred.sub(y).mul(2.0);
      const gradA = gradYPred.sum();
      const gradB = gradYPred.mul(x).sum();
      const gradC = gradYPred.mul(x.pow(2)).sum();
      const gradD = gradYPred.mul(x.pow(3)).sum();

      // Update weights
      a.sub_(gradA.mul(learningRate));
      b.sub_(gradB.mul(learningRate));
      c.sub_(gradC.mul(learningRate));
      d.sub_(gradD.mul(learningRate));
    });
  }
  const coefficients = [a.item(), b.item(), c.item(), d.item()];
  if (print) console.log(`Result: y = ${coefficients[0]} + ${coefficients[1]} x + ${coefficients[2]} x^2 + ${coefficients[3]} x^3`);
  return { losses, coefficients };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) polynomialTensor(2000, true);
