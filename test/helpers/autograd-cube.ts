// One custom Function run, the same in the main thread and in a worker
// (test/helpers/autograd-worker.ts): x³ with a saved input, and a hook on x.
import * as torch from '../../ts/index';
import type { Tensor } from '../../ts/index';

class Cube extends torch.autograd.Function {
  static override forward(ctx: torch.autograd.FunctionCtx, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return x.pow(3);
  }

  static override backward(ctx: torch.autograd.FunctionCtx, grad: Tensor): Tensor {
    const [x] = ctx.savedTensors;
    return grad.mul(x!.pow(2).mul(3));
  }
}

export function cubeRun(): { grad: number[]; hooked: number[]; name: string } {
  const x = torch.tensor([1.0, 2.0, -0.5], { dtype: torch.float32, requiresGrad: true });
  const y = Cube.apply(x);
  y.sum().backward();
  const grad = Array.from(x.grad!.data(), Number);
  x.grad = null;
  const handle = x.registerHook((g) => g.mul(10));
  Cube.apply(x).sum().backward();
  handle.remove();
  return { grad, hooked: Array.from(x.grad!.data(), Number), name: y.gradFn!.name() };
}
