// PyTorch "Learning the Basics": Automatic Differentiation with torch.autograd
// (autogradqs_tutorial.py), line for line. The tutorial draws w and b without
// a seed; this port and its Python twin (test/fixtures/tutorials/autograd.py)
// seed 0 first, so test/tutorials.test.ts can compare them bit for bit.
// Run: npx tsx examples/tutorials/autograd.ts
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from 'torchts';
import type { Tensor } from 'torchts';

export interface AutogradReport {
  w: Tensor;
  b: Tensor;
  z: Tensor;
  loss: number;
  zGradFn: string | undefined;
  lossGradFn: string | undefined;
  wGrad: Tensor | null;
  bGrad: Tensor | null;
  requiresGrad: boolean[];
  inpGrads: Tensor[];
  /** The lines Python prints with tensors in them. */
  prints: string[];
}

export function autogradTutorial(print: (line: string) => void = () => {}): AutogradReport {
  torch.setNumThreads(1);
  torch.manualSeed(0);
  const prints: string[] = [];
  const out = (s: string) => {
    print(s);
    prints.push(s);
  };

  const x = torch.ones(5); // input tensor
  const y = torch.zeros(3); // expected output
  const w = torch.randn([5, 3], { requiresGrad: true });
  const b = torch.randn([3], { requiresGrad: true });
  let z = torch.matmul(x, w).add(b);
  const loss = torch.nn.functional.binaryCrossEntropyWithLogits(z, y);
  const firstZ = z;

  print(`Gradient function for z = ${z.gradFn}`);
  print(`Gradient function for loss = ${loss.gradFn}`);

  // Computing Gradients
  loss.backward();
  out(String(w.grad));
  out(String(b.grad));

  // Disabling Gradient Tracking
  const requiresGrad: boolean[] = [];
  z = torch.matmul(x, w).add(b);
  print(String(z.requiresGrad));
  requiresGrad.push(z.requiresGrad);

  z = torch.noGrad(() => torch.matmul(x, w).add(b));
  print(String(z.requiresGrad));
  requiresGrad.push(z.requiresGrad);

  z = torch.matmul(x, w).add(b);
  const zDet = z.detach();
  print(String(zDet.requiresGrad));
  requiresGrad.push(zDet.requiresGrad);

  // Optional Reading: Tensor Gradients and Jacobian Products
  const inp = torch.eye(4, 5, { requiresGrad: true });
  const output = inp.add(1).pow(2).t();
  output.backward(torch.onesLike(output), { retainGraph: true });
  out(`First call\n${inp.grad}`);
  const first = inp.grad!.clone();
  output.backward(torch.onesLike(output), { retainGraph: true });
  out(`\nSecond call\n${inp.grad}`);
  const second = inp.grad!.clone();
  inp.grad!.zero_();
  output.backward(torch.onesLike(output), { retainGraph: true });
  out(`\nCall after zeroing gradients\n${inp.grad}`);

  return {
    w, b, z: firstZ,
    loss: loss.item(),
    zGradFn: firstZ.gradFn?.name(),
    lossGradFn: loss.gradFn?.name(),
    wGrad: w.grad,
    bGrad: b.grad,
    requiresGrad,
    inpGrads: [first, second, inp.grad!.clone()],
    prints,
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) autogradTutorial(console.log);
