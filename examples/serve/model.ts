// The circles MLP (Linear → ReLU → … → Linear) that train_circles.ts and
// train_circles.py train, and what the server rebuilds from a state dict.
import * as torch from 'torchts';

const { nn } = torch;

/** `nn.Sequential(Linear(2, h0), ReLU(), Linear(h0, h1), ReLU(), …, Linear(hn, 2))`: Python's state-dict keys are `0.weight`, `0.bias`, `2.weight`, … */
export function circlesMlp(hidden: readonly number[] = [256, 256], inFeatures = 2, classes = 2): torch.nn.Sequential {
  const widths = [inFeatures, ...hidden, classes];
  const layers: torch.nn.Module[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    if (i > 0) layers.push(new nn.ReLU());
    layers.push(new nn.Linear(widths[i]!, widths[i + 1]!));
  }
  return new nn.Sequential(...layers);
}

/**
 * The widths of the MLP a state dict holds, read from its `N.weight` shapes
 * ([out, in]) at N = 0, 2, 4, …: `{ inFeatures: 2, hidden: [256, 256], classes: 2 }`.
 */
export function mlpShape(state: Map<string, torch.Tensor>): { inFeatures: number; hidden: number[]; classes: number } {
  const weights: number[][] = [];
  for (let i = 0; state.has(`${i}.weight`); i += 2) weights.push(state.get(`${i}.weight`)!.shape);
  if (weights.length === 0) {
    const keys = [...state.keys()].slice(0, 4).join(', ');
    throw new Error(`not the state dict of an nn.Sequential of Linear/ReLU layers: no '0.weight' (keys: ${keys || 'none'})`);
  }
  for (const [i, shape] of weights.entries()) {
    if (shape.length !== 2) throw new Error(`'${2 * i}.weight' has shape [${shape.join(', ')}], expected a Linear weight [out, in]`);
    if (i > 0 && shape[1] !== weights[i - 1]![0]) throw new Error(`'${2 * i}.weight' takes ${shape[1]} features but the layer before gives ${weights[i - 1]![0]}`);
  }
  return { inFeatures: weights[0]![1]!, hidden: weights.slice(0, -1).map((s) => s[0]!), classes: weights.at(-1)![0]! };
}
