// Seeding libtorch's default generator: same seed, same numbers as Python.
import { native } from './native';
import { argumentError } from './errors';
import { describe } from './validate';

/** `torch.manual_seed(seed)`: seeds the CPU (and CUDA) generators. */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw argumentError(`manualSeed expects an integer seed, got ${describe(seed)}`);
  native.manualSeed(seed);
}
