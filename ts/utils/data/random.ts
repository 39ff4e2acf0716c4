// The random draws the data utilities make, each through libtorch as PyTorch
// makes it, from either libtorch's global generator (no generator given) or
// a `torch.Generator`: the same calls Python's samplers make, so the same
// numbers, and the global stream is consumed exactly as Python consumes it.
import { multinomial as nativeMultinomial, randint as nativeRandint, randperm as nativeRandperm, tensor } from '../../creation';
import type { Generator } from '../../generator';
import type { Tensor } from '../../tensor';

/** A generator argument: a `torch.Generator`, or null/undefined for libtorch's default one. */
export type GeneratorArg = Generator | null | undefined;

const TWO_POW_62 = 2 ** 62;

function int64Values(t: Tensor): BigInt64Array {
  try {
    return t.data() as BigInt64Array;
  } finally {
    t.dispose();
  }
}

/**
 * `int(torch.empty((), dtype=torch.int64).random_(generator=g).item())`: a
 * seed in [0, 2**63). libtorch draws it as `random64() % 2**63`; so does
 * `randint(-2**62, 2**62)` (its range is 2**63), less 2**62.
 */
export function randomSeed(generator: GeneratorArg): bigint {
  const [draw] = int64Values(nativeRandint(-TWO_POW_62, TWO_POW_62, [1], { generator }));
  return draw! + (1n << 62n);
}

/** `torch.randperm(n, generator=g).tolist()`. */
export function randperm(n: number, generator: GeneratorArg): number[] {
  return Array.from(int64Values(nativeRandperm(n, { generator })), Number);
}

/** `torch.randint(high, (count,), generator=g).tolist()`: int64 draws in [0, high). */
export function randint(high: number, count: number, generator: GeneratorArg): number[] {
  if (count === 0) return [];
  return Array.from(int64Values(nativeRandint(0, high, [count], { generator })), Number);
}

/** `torch.multinomial(weights, numSamples, replacement, generator=g).tolist()` for 1-d float64 weights. */
export function multinomial(weights: Float64Array, numSamples: number, replacement: boolean, generator: GeneratorArg): number[] {
  const probabilities = tensor(weights, { dtype: 'float64' });
  try {
    return Array.from(int64Values(nativeMultinomial(probabilities, numSamples, { replacement, generator })), Number);
  } finally {
    probabilities.dispose();
  }
}
