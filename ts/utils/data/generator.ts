// A CPU random generator that draws exactly what libtorch's CPUGeneratorImpl
// draws: the samplers need a private generator (PyTorch's RandomSampler seeds
// a fresh `torch.Generator` every epoch), and the native layer has none yet.
// libtorch's CPU engine is the standard MT19937 seeded with the low 32 bits of
// the seed (`at::mt19937::init_with_uint32`), the same stream numpy's legacy
// RandomState gives for an int seed, so that class supplies the words.
import { argumentError } from '../../errors';
import { describe } from '../../validate';
import { RandomState } from '../../data/random_state';

// c10's default_rng_seed_val: what an unseeded torch.Generator() starts from.
const DEFAULT_SEED = 67280421310721n;
const UINT64_MASK = (1n << 64n) - 1n;

/**
 * `torch.Generator()` on the CPU, for the data utilities: the shuffles,
 * splits and weighted draws it drives are PyTorch's, number for number.
 *
 * @example
 * const g = new Generator().manualSeed(42);
 * torch.utils.data.randomSplit(dataset, [0.8, 0.2], g);  // Python's split with Generator().manual_seed(42)
 */
export class Generator {
  private engine = new RandomState(0);
  private seedValue = 0n;

  constructor() {
    this.manualSeed(DEFAULT_SEED);
  }

  /** `g.manual_seed(seed)`: re-seeds in place and returns the generator. */
  manualSeed(seed: number | bigint): this {
    if (typeof seed === 'number' && !Number.isSafeInteger(seed)) throw argumentError(`manualSeed expects an integer seed, got ${describe(seed)}`);
    if (typeof seed !== 'number' && typeof seed !== 'bigint') throw argumentError(`manualSeed expects an integer seed, got ${describe(seed)}`);
    // Python wraps negative seeds into uint64 the same way.
    this.seedValue = BigInt(seed) & UINT64_MASK;
    this.engine = new RandomState(Number(this.seedValue & 0xffffffffn));
    return this;
  }

  /** `g.initial_seed()`: the seed last given (a bigint: seeds reach 2**64). */
  initialSeed(): bigint {
    return this.seedValue;
  }

  /** @internal One 32-bit word, libtorch's `random()`. */
  _random(): number {
    return this.engine.nextUint32();
  }

  /** @internal Two words as one 64-bit value, high word first, libtorch's `random64()`. */
  _random64(): bigint {
    const high = BigInt(this.engine.nextUint32());
    const low = BigInt(this.engine.nextUint32());
    return (high << 32n) | low;
  }
}
