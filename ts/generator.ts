// torch.Generator on the CPU: a generator of its own for the random ops that
// take `{ generator }` (rand, randn, randint, randperm, multinomial) and for
// torch.utils.data's samplers and randomSplit. libtorch's own generator
// (crates/core/src/generator.rs), so every draw is PyTorch's.
import { native, type NativeGenerator } from './native';
import { argumentError } from './errors';
import { describe } from './validate';
import { Tensor, expectTensor } from './tensor';
import { Device } from './device';

const UINT64_MASK = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);

/** A seed as PyTorch takes it: an integer in [-2**63, 2**64); negatives wrap into uint64. */
function seedArg(seed: unknown): bigint {
  if (!((typeof seed === 'number' && Number.isSafeInteger(seed)) || typeof seed === 'bigint')) {
    throw argumentError(`manualSeed expects an integer seed, got ${describe(seed)}`);
  }
  const value = BigInt(seed);
  if (value < INT64_MIN || value > UINT64_MASK) {
    throw argumentError('Overflow when unpacking long long');
  }
  return value & UINT64_MASK;
}

/**
 * `torch.Generator()`: seeded with PyTorch's default seed until `manualSeed`.
 *
 * @example
 * const g = new torch.Generator().manualSeed(42);
 * torch.randperm(10, { generator: g });  // [2, 6, 1, 8, 4, 5, 0, 9, 3, 7], as in Python
 */
export class Generator {
  /** @internal */
  readonly _g: NativeGenerator;

  constructor(opts: { device?: string } = {}) {
    const device = opts.device ?? 'cpu';
    if (device !== 'cpu') throw argumentError(`Generator: only the CPU generator is supported, got device ${describe(device)}`);
    this._g = new native.Generator();
  }

  get device(): Device {
    return new Device('cpu');
  }

  /** `g.manual_seed(seed)`: re-seeds in place and returns the generator. */
  manualSeed(seed: number | bigint): this {
    this._g.manualSeed(seedArg(seed));
    return this;
  }

  /** `g.seed()`: a non-deterministic seed, set and returned. */
  seed(): bigint {
    return this._g.seed();
  }

  /** `g.initial_seed()`: the seed last set (a bigint: seeds reach 2**64). */
  initialSeed(): bigint {
    return this._g.initialSeed();
  }

  /** `g.get_state()`: a uint8 tensor that `setState` restores. */
  getState(): Tensor {
    return new Tensor(this._g.getState());
  }

  setState(state: Tensor): this {
    this._g.setState(expectTensor('set_state', 'new_state', state)._n);
    return this;
  }
}

/** The native generator of a `{ generator }` option, checked. */
export function generatorArg(op: string, generator: unknown): NativeGenerator | undefined {
  if (generator === undefined || generator === null) return undefined;
  if (!(generator instanceof Generator)) throw argumentError(`${op}(): generator must be a torch.Generator, got ${describe(generator)}`);
  return generator._g;
}
