// The random draws the data utilities make, each exactly as PyTorch makes it,
// from either libtorch's global generator (no generator given) or a torchts
// `Generator`. Draws from the global generator go through libtorch itself, so
// they consume its stream the way Python does and interleave correctly with
// everything else seeded by `torch.manualSeed`.
import { randint as nativeRandint, randperm as nativeRandperm } from '../../creation';
import { argumentError } from '../../errors';
import type { Tensor } from '../../tensor';
import type { Generator } from './generator';

/** A generator argument: a torchts `Generator`, or null/undefined for libtorch's default one. */
export type GeneratorArg = Generator | null | undefined;

const TWO_POW_62 = 2 ** 62;
const TWO_POW_63 = 1n << 63n;
const LOW_53_BITS = (1n << 53n) - 1n;
const TWO_POW_53 = 2 ** 53;
// randperm's Fisher–Yates switches to 64-bit draws from here on (UINT32_MAX / 20).
const RANDPERM_32_BIT_LIMIT = Math.floor(0xffffffff / 20);

function int64Values(t: Tensor): BigInt64Array {
  try {
    return t.data() as BigInt64Array;
  } finally {
    t.dispose();
  }
}

/**
 * `count` draws of libtorch's `random64() % 2**63`: what `random_()` on an
 * int64 tensor returns, and enough bits for the 53-bit doubles of
 * `uniform_real_distribution`. From the global generator they come through
 * `randint(-2**62, 2**62)`: its range is 2**63, so it takes one `random64()`
 * per element and returns `random64() % 2**63 - 2**62`.
 */
export function random64(count: number, generator: GeneratorArg): bigint[] {
  if (generator) return Array.from({ length: count }, () => generator._random64() % TWO_POW_63);
  if (count === 0) return [];
  return Array.from(int64Values(nativeRandint(-TWO_POW_62, TWO_POW_62, [count])), (v) => v + (1n << 62n));
}

/** `int(torch.empty((), dtype=torch.int64).random_(generator=g).item())`: a seed in [0, 2**63). */
export function randomSeed(generator: GeneratorArg): bigint {
  return random64(1, generator)[0]!;
}

/** `torch.randperm(n, generator=g).tolist()`. */
export function randperm(n: number, generator: GeneratorArg): number[] {
  if (!generator) return Array.from(int64Values(nativeRandperm(n)), Number);
  const out = Array.from({ length: n }, (_, i) => i);
  if (n < RANDPERM_32_BIT_LIMIT) {
    // libtorch's forward Fisher–Yates: swap i with i + random() % (n - i).
    for (let i = 0; i < n - 1; i++) {
      const z = i + (generator._random() % (n - i));
      const saved = out[i]!;
      out[i] = out[z]!;
      out[z] = saved;
    }
    return out;
  }
  // Huge n: the "inside-out" variant with 64-bit draws, as libtorch does.
  for (let i = 0; i < n; i++) {
    const z = Number(generator._random64() % BigInt(i + 1));
    out[i] = out[z]!;
    out[z] = i;
  }
  return out;
}

/** `torch.randint(high, (count,), generator=g).tolist()`: int64 draws in [0, high). */
export function randint(high: number, count: number, generator: GeneratorArg): number[] {
  if (count === 0) return [];
  if (!generator) return Array.from(int64Values(nativeRandint(0, high, [count])), Number);
  // libtorch: `random() % range` below 2**32, `random64() % range` from there.
  if (high < 2 ** 32) return Array.from({ length: count }, () => generator._random() % high);
  const range = BigInt(high);
  return Array.from({ length: count }, () => Number(generator._random64() % range));
}

function checkNonNegativeFinite(weights: Float64Array): void {
  for (const w of weights) {
    if (!(w >= 0 && w < Infinity)) throw argumentError('probability tensor contains either `inf`, `nan` or element < 0');
  }
}

function sumOf(weights: Float64Array): number {
  let sum = 0;
  for (const w of weights) sum += w;
  return sum;
}

/**
 * `torch.multinomial(weights, numSamples, replacement, generator=g).tolist()`
 * for a 1-d float64 `weights`, as libtorch's CPU kernels compute it: without
 * replacement (or for one sample) the largest `w / q` with `q ~ Exp(1)` drawn
 * as `-log1p(-u)`; with replacement a binary search of the normalised
 * cumulative sum for each uniform draw.
 */
export function multinomial(weights: Float64Array, numSamples: number, replacement: boolean, generator: GeneratorArg): number[] {
  const n = weights.length;
  if (numSamples <= 0) throw argumentError('cannot sample n_sample <= 0 samples');
  if (!replacement && numSamples > n) throw argumentError('cannot sample n_sample > prob_dist.size(-1) samples without replacement');
  if (n > 2 ** 24) throw argumentError('number of categories cannot exceed 2^24');
  if (!replacement || numSamples === 1) {
    checkNonNegativeFinite(weights);
    if (sumOf(weights) === 0) throw argumentError('invalid multinomial distribution (sum of probabilities <= 0)');
    const scores = random64(n, generator).map((r, i) => {
      const u = Number(r & LOW_53_BITS) / TWO_POW_53;
      return weights[i]! / -Math.log1p(-u);
    });
    // topk(largest, sorted); ties (only zero weights, in practice) go to the lower index.
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => scores[b]! - scores[a]! || a - b);
    return order.slice(0, numSamples);
  }
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const w = weights[j]!;
    if (w < 0) throw argumentError('invalid multinomial distribution (encountering probability entry < 0)');
    if (!Number.isFinite(w)) throw argumentError('invalid multinomial distribution (encountering probability entry = infinity or NaN)');
    sum += w;
    cumulative[j] = sum;
  }
  if (!(sum > 0)) throw argumentError('invalid multinomial distribution (sum of probabilities <= 0)');
  for (let j = 0; j < n; j++) cumulative[j] /= sum;
  cumulative[n - 1] = 1;
  return random64(numSamples, generator).map((r) => {
    const u = Number(r & LOW_53_BITS) / TWO_POW_53;
    let left = 0;
    let right = n;
    while (right - left > 0) {
      const mid = left + Math.floor((right - left) / 2);
      if (cumulative[mid]! < u) left = mid + 1;
      else right = mid;
    }
    return left;
  });
}
