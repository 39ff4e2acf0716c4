// PyTorch's "Learning PyTorch with Examples" — PyTorch: Tensors and autograd
// (polynomial_autograd.py), line for line: autograd computes the backward
// pass. As in the tensor version, both twins seed with torch.manualSeed(0).
// Run: npx tsx examples/learning_pytorch/polynomial_autograd.ts
import { pathToFileURL } from 'node:url';
import * as torch from 'torchts';
import type { PolynomialRun } from './polynomial_tensor';

export function polynomialAutograd(iterations = 2000, print = false): PolynomialRun {
  torch.manualSeed(0);
  const dtype = torch.float32;
  const device = torch.device('cpu');

  // Create Tensors to hold input and outputs.
  const x = torch.linspace(-Math.PI, Math.PI, 2000, { device, dtype });
  const y = torch.sin(x);

  // Create random Tensors for weights; requiresGrad: true asks autograd to
  // compute gradients with respect to them during the backward pass.
  const a = torch.randn([], { device, dtype, requiresGrad: true });
  const b = torch.randn([], { device, dtype, requiresGrad: true });
  const c = torch.randn([], { device, dtype, requiresGrad: true });
  const d = torch.randn([], { device, dtype, requiresGrad: true });

  const losses: [number, number][] = [];
  const learningRate = 1e-6;
  for (let t = 0; t < iterations; t++) {
    // Forward pass: compute predicted y using operations on Tensors.
    const yPred = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));

    // Compute and print loss using operations on Tensors.
    const loss = yPred.sub(y).pow(2).sum();
    if (t % 100 === 99) {
      losses.push([t, loss.item()]);
      if (print) console.log(t, loss.item());
    }

    // Use autograd to compute the backward pass.
    loss.backward();

    // Manually update weights using gradient descent, without tracking it.
    torch.noGrad(() => {
      for (const p of [a, b, c, d]) {
        if (p.grad === null) throw new Error('backward() did not reach every weight');
        p.sub_(p.grad.mul(learningRate));
        // Manually zero the gradients after updating weights
        p.grad = null;
      }
    });
  }
  const coefficients = [a.item(), b.item(), c.item(), d.item()];
  if (print) console.log(`Result: y = ${coefficients[0]} + ${coefficients[1]} x + ${coefficients[2]} x^2 + ${coefficients[3]} x^3`);
  return { losses, coefficients };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) polynomialAutograd(2000, true);
