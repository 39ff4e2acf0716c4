// PyTorch's "Learning PyTorch with Examples": PyTorch: Defining New autograd
// Functions (polynomial_custom_function.py), line for line in TypeScript.
// y = a + b·P3(c + d·x) fits sin(x), where P3 is the Legendre polynomial of
// degree 3 written as a custom autograd Function.
// Run: npx tsx examples/polynomial_custom_function.ts   (after `npm run setup`)
import * as torch from 'torchts';
import type { Tensor } from 'torchts';

type FunctionCtx = torch.autograd.FunctionCtx;

class LegendrePolynomial3 extends torch.autograd.Function {
  // In the forward pass we receive a Tensor containing the input and return
  // a Tensor containing the output. ctx is a context object that can be used
  // to stash information for backward computation.
  static override forward(ctx: FunctionCtx, input: Tensor): Tensor {
    ctx.saveForBackward(input);
    return input.pow(3).mul(5).sub(input.mul(3)).mul(0.5);
  }

  // In the backward pass we receive a Tensor containing the gradient of the
  // loss with respect to the output, and we need to compute the gradient of
  // the loss with respect to the input.
  static override backward(ctx: FunctionCtx, gradOutput: Tensor): Tensor {
    const [input] = ctx.savedTensors;
    return gradOutput.mul(1.5).mul(input!.pow(2).mul(5).sub(1));
  }
}

const dtype = torch.float32;
const device = 'cpu';

// Tensors to hold input and outputs.
const x = torch.linspace(-Math.PI, Math.PI, 2000, { device, dtype });
const y = torch.sin(x);

// Weights: the initial values must be near the solution for convergence.
const a = torch.full([], 0.0, { device, dtype, requiresGrad: true });
const b = torch.full([], -1.0, { device, dtype, requiresGrad: true });
const c = torch.full([], 0.0, { device, dtype, requiresGrad: true });
const d = torch.full([], 0.3, { device, dtype, requiresGrad: true });

const learningRate = 5e-6;
for (let t = 0; t < 2000; t++) {
  torch.tidy(() => {
    // To apply our Function, we use Function.apply.
    const P3 = (v: Tensor) => LegendrePolynomial3.apply(v);
    const yPred = a.add(b.mul(P3(c.add(d.mul(x)))));
    const loss = yPred.sub(y).pow(2).sum();
    if (t % 100 === 99) console.log(t, loss.item());
    loss.backward();
    // Update the weights by gradient descent (a -= learning_rate * a.grad).
    torch.noGrad(() => {
      for (const p of [a, b, c, d]) p.add_(p.grad!.mul(-learningRate));
    });
    for (const p of [a, b, c, d]) p.grad = null;
  });
}
console.log(`Result: y = ${a.item()} + ${b.item()} * P3(${c.item()} + ${d.item()} x)`);
