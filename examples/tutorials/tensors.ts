// PyTorch "Learning the Basics": Tensors (tensorqs_tutorial.py), line for line.
// The tutorial draws random numbers without a seed; this port and its Python
// twin (test/fixtures/tutorials/tensors.py) seed 0 first, and run on one
// intra-op thread, so test/tutorials.test.ts can compare them bit for bit.
// Not ported: the NumPy bridge (torch.from_numpy, Tensor.numpy) and moving to
// an accelerator (CPU only).
// Run: npx tsx examples/tutorials/tensors.ts
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from 'torchts';
import type { Tensor } from 'torchts';

export interface TensorsReport {
  xData: Tensor;
  xRand: Tensor;
  randTensor: Tensor;
  shape: number[];
  dtype: string;
  device: string;
  tensor: Tensor;
  y: Tensor[];
  z: Tensor[];
  aggItem: number;
  tensorAfterAdd: Tensor;
  nextDraw: Tensor;
  /** The lines Python prints with tensors in them (shape/item lines are in the fields above). */
  prints: string[];
}

export function tensorsTutorial(print: (line: string) => void = () => {}): TensorsReport {
  torch.setNumThreads(1);
  torch.manualSeed(0);
  const prints: string[] = [];
  const out = (s: string) => {
    print(s);
    prints.push(s);
  };

  // Initializing a Tensor: directly from data. Python's ints make int64;
  // the dtype is spelled out so that the port does not depend on how a JS
  // number is read.
  const data = [[1, 2], [3, 4]];
  const xData = torch.tensor(data, { dtype: torch.int64 });

  // From another tensor
  const xOnes = torch.onesLike(xData); // retains the properties of xData
  out(`Ones Tensor: \n ${xOnes} \n`);

  const xRand = torch.randLike(xData, { dtype: torch.float }); // overrides the datatype of xData
  out(`Random Tensor: \n ${xRand} \n`);

  // With random or constant values
  const shape = [2, 3];
  const randTensor = torch.rand(shape);
  const onesTensor = torch.ones(shape);
  const zerosTensor = torch.zeros(shape);

  out(`Random Tensor: \n ${randTensor} \n`);
  out(`Ones Tensor: \n ${onesTensor} \n`);
  out(`Zeros Tensor: \n ${zerosTensor}`);

  // Attributes of a Tensor
  let tensor = torch.rand(3, 4);
  const random34 = tensor;

  print(`Shape of tensor: ${tensor.shape}`);
  print(`Datatype of tensor: ${tensor.dtype}`);
  print(`Device tensor is stored on: ${tensor.device}`);

  // Standard numpy-like indexing and slicing
  tensor = torch.ones(4, 4);
  out(`First row: ${tensor.select(0, 0)}`); // tensor[0]
  out(`First column: ${tensor.select(1, 0)}`); // tensor[:, 0]
  out(`Last column: ${tensor.select(-1, -1)}`); // tensor[..., -1]
  tensor.select(1, 1).fill_(0); // tensor[:, 1] = 0
  out(String(tensor));

  // Joining tensors
  const t1 = torch.cat([tensor, tensor, tensor], 1);
  out(String(t1));

  // Arithmetic operations: matrix multiplication (y1, y2, y3 have the same value)
  const y1 = tensor.matmul(tensor.t()); // tensor @ tensor.T
  const y2 = tensor.matmul(tensor.t());

  const y3 = torch.randLike(y1);
  y3.copy_(torch.matmul(tensor, tensor.t())); // torch.matmul(tensor, tensor.T, out=y3)

  // element-wise product (z1, z2, z3 have the same value)
  const z1 = tensor.mul(tensor); // tensor * tensor
  const z2 = tensor.mul(tensor);

  const z3 = torch.randLike(tensor);
  z3.copy_(torch.mul(tensor, tensor)); // torch.mul(tensor, tensor, out=z3)

  // Single-element tensors
  const agg = tensor.sum();
  const aggItem = agg.item();
  print(`${aggItem} ${typeof aggItem}`);

  // In-place operations
  out(`${tensor} \n`);
  // Python's tensor.add_(5): add_ takes only a tensor here (TorchError: add_(): argument 'other' must be Tensor, not 5).
  tensor.add_(torch.tensor(5));
  out(String(tensor));

  return {
    xData, xRand, randTensor,
    shape: random34.shape,
    dtype: String(random34.dtype),
    device: String(random34.device),
    tensor: random34,
    y: [y1, y2, y3],
    z: [z1, z2, z3],
    aggItem,
    tensorAfterAdd: tensor,
    nextDraw: torch.rand(3),
    prints,
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) tensorsTutorial(console.log);
