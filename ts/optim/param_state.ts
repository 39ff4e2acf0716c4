// Reading one parameter's entry of a loaded optimizer state dict, which may
// come from torchts (numbers) or from PyTorch (0-dim tensors for step,
// mu_product).
import { argumentError } from '../errors';
import { Tensor } from '../tensor';

export type ParamState = Record<string, Tensor | number>;

/** A scalar entry such as `step`: a number or a one-element tensor. */
export function stateNumber(op: string, state: ParamState, key: string): number {
  const v = state[key];
  if (typeof v === 'number') return v;
  if (v instanceof Tensor) return Number(v.item());
  throw argumentError(`${op} state needs ${key}`);
}

/** A tensor entry such as `exp_avg`. */
export function stateTensor(op: string, state: ParamState, key: string): Tensor {
  const v = state[key];
  if (v instanceof Tensor) return v;
  throw argumentError(`${op} state needs ${key} (a tensor)`);
}

/** A tensor entry that only some settings create (`momentum_buffer` with momentum > 0). */
export function optionalStateTensor(state: ParamState, key: string): Tensor | undefined {
  const v = state[key];
  return v instanceof Tensor ? v : undefined;
}
