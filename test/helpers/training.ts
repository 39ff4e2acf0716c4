// The tutorial's train step, as the layer tests replay PyTorch's short runs.
import type { Tensor } from '../../ts/tensor';

interface Trainable {
  forward(x: Tensor): unknown;
}

/** `steps` rounds of zero_grad, forward, loss, backward, step; returns each step's loss. */
export function trainSteps(
  model: Trainable,
  criterion: { forward(output: Tensor, target: Tensor): Tensor },
  optimizer: { zeroGrad(): void; step(): void },
  x: Tensor,
  y: Tensor,
  steps: number,
): number[] {
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    const loss = criterion.forward(model.forward(x) as Tensor, y);
    loss.backward();
    optimizer.step();
    losses.push(loss.item() as number);
  }
  return losses;
}
