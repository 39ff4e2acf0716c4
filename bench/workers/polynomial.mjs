// W4 in torchts: the four polynomial programs of PyTorch's "Learning PyTorch
// with Examples" (bench/workers/polynomial.py is the Python twin, line for
// line). Each fits y = sin(x) on 2000 points in [-π, π] with
// y = a + b x + c x² + d x³, on the CPU in float32, after manualSeed(0).
//
// A program is built (data, seed, initial parameters, model), then returns
// `step(t)`: one iteration of the tutorial's loop, giving the loss the
// tutorial reads with .item() (every iteration in `tensor`, every 100th in the
// others) and undefined otherwise.
import { performance } from 'node:perf_hooks';
import * as torch from 'torchts';

const { nn, optim } = torch;
const LEARNING_RATE = 1e-6;

function sinData() {
  const x = torch.linspace(-Math.PI, Math.PI, 2000, { dtype: torch.float });
  return [x, torch.sin(x)];
}

/** a, b, c, d: four standard-normal scalars, drawn after manualSeed(0). */
function randomCoefficients(opts = {}) {
  torch.manualSeed(0);
  return Array.from({ length: 4 }, () => torch.randn([], { dtype: torch.float, ...opts }));
}

const cubic = (x, [a, b, c, d]) => a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));

/** `p -= learning_rate * grad` (torchts has add_, not sub_: a + (-g) is a - g exactly). */
const descend = (p, grad, lr = LEARNING_RATE) => p.add_(grad.mul(-lr));

/** The tutorial prints loss.item() every 100 iterations. */
const lossAt = (t, loss) => (t % 100 === 99 ? loss.item() : undefined);

/** "PyTorch: Tensors": forward pass, loss and gradients by hand. */
function tensorProgram() {
  const [x, y] = sinData();
  const coefficients = randomCoefficients();
  return () => {
    const yPred = cubic(x, coefficients);
    const loss = yPred.sub(y).pow(2).sum().item();
    const gradYPred = yPred.sub(y).mul(2.0);
    const grads = [gradYPred.sum(), gradYPred.mul(x).sum(), gradYPred.mul(x.pow(2)).sum(), gradYPred.mul(x.pow(3)).sum()];
    coefficients.forEach((p, i) => descend(p, grads[i]));
    return loss;
  };
}

/** "PyTorch: Tensors and autograd": loss.backward(), update under noGrad, grad = null. */
function autogradProgram() {
  const [x, y] = sinData();
  const coefficients = randomCoefficients({ requiresGrad: true });
  return (t) => {
    const yPred = cubic(x, coefficients);
    const loss = yPred.sub(y).pow(2).sum();
    const value = lossAt(t, loss);
    loss.backward();
    torch.noGrad(() => {
      for (const p of coefficients) {
        descend(p, p.grad);
        p.grad = null;
      }
    });
    return value;
  };
}

/** The nn programs' model: xx = [x, x², x³], Linear(3, 1), Flatten(0, 1), MSELoss(sum). */
function polynomialModel() {
  const [x, y] = sinData();
  const p = torch.tensor([1, 2, 3], { dtype: torch.long });
  const xx = x.unsqueeze(-1).pow(p);
  torch.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(3, 1), new nn.Flatten(0, 1));
  const lossFn = new nn.MSELoss({ reduction: 'sum' });
  return { xx, y, model, lossFn };
}

/** "PyTorch: nn": model.zeroGrad(), backward, manual update of the parameters under noGrad. */
function nnProgram() {
  const { xx, y, model, lossFn } = polynomialModel();
  return (t) => {
    const loss = lossFn.forward(model.forward(xx), y);
    const value = lossAt(t, loss);
    model.zeroGrad();
    loss.backward();
    torch.noGrad(() => {
      for (const param of model.parameters()) descend(param, param.grad);
    });
    return value;
  };
}

/** "PyTorch: optim", with Adam(lr 1e-3): torchts has no RMSprop (the tutorial's), so both languages use Adam. */
function optimProgram() {
  const { xx, y, model, lossFn } = polynomialModel();
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  return (t) => {
    const loss = lossFn.forward(model.forward(xx), y);
    const value = lossAt(t, loss);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    return value;
  };
}

const PROGRAMS = { tensor: tensorProgram, autograd: autogradProgram, nn: nnProgram, optim: optimProgram };

/** Builds `program`, then times `iterations` steps of it; the final loss is the last one read. */
export function runPolynomial(program, iterations) {
  if (!PROGRAMS[program]) throw new Error(`unknown W4 program ${program}`);
  const step = PROGRAMS[program]();
  let finalLoss = NaN;
  const t0 = performance.now();
  for (let t = 0; t < iterations; t++) finalLoss = step(t) ?? finalLoss;
  return { seconds: (performance.now() - t0) / 1000, iterations, finalLoss };
}
