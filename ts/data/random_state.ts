// numpy's legacy `np.random.RandomState`, draw for draw.
//
// scikit-learn turns an int `random_state` into a RandomState, so matching
// sklearn's datasets and splits bit for bit means matching this generator:
// MT19937 seeded by `init_genrand` (or `init_by_array` for array seeds),
// 53-bit doubles from two 32-bit words, the polar Box–Muller normal that keeps
// its second value, and bounded integers by masked rejection.
//
// Written here, not taken from a package: MT19937 packages give the raw words
// (and some the same 53-bit doubles), but the legacy normal with its cached
// value and numpy's rejection-bounded shuffle are numpy's own, and every draw
// of the stream has to match.

const N = 624;
const M = 397;
// Constants above 2**31 are stored as int32 (`| 0`) so V8 keeps the bit
// twiddling in int32 registers instead of converting doubles on every use.
const MATRIX_A = 0x9908b0df | 0;
const UPPER_MASK = 0x80000000 | 0;
const LOWER_MASK = 0x7fffffff;
const TEMPER_B = 0x9d2c5680 | 0;
const TEMPER_C = 0xefc60000 | 0;
const TWO_POW_32 = 4294967296;

/** Anything that can seed a RandomState: an int in [0, 2**32 - 1] or an array of such ints. */
export type Seed = number | readonly number[];

/** What sklearn calls `random_state`: a seed, an existing generator, or nothing (fresh entropy). */
export type RandomStateLike = Seed | RandomState | null | undefined;

/** A writable array-like whose elements can be swapped in place (JS arrays and typed arrays). */
export interface MutableArrayLike<T> {
  readonly length: number;
  [index: number]: T;
}

/**
 * numpy's legacy Mersenne Twister generator (`np.random.RandomState`).
 *
 * With the same seed it yields exactly numpy's numbers: `randomSample`,
 * `randint`, `shuffle` and `permutation` are bit-identical; `standardNormal`
 * and `normal` may differ by an ulp where V8's `Math.log` rounds differently
 * from the C library's.
 *
 * @example
 * const rng = new RandomState(42);
 * rng.randomSample();   // 0.3745401188473625, as np.random.RandomState(42).random_sample()
 * rng.permutation(5);   // same order as np.random.RandomState(42) would give next
 */
export class RandomState {
  // Int32Array, not Uint32Array: words above 2**31 would leave V8's int32 fast path.
  private readonly mt = new Int32Array(N);
  private index = N;
  private hasGauss = false;
  private gauss = 0;

  /**
   * @param seed an int in [0, 2**32 - 1] (numpy's `init_genrand`), an array of
   *   such ints (`init_by_array`), or nothing to seed from OS entropy.
   */
  constructor(seed?: Seed | null) {
    this.seed(seed);
  }

  /** Re-seeds in place, like `RandomState.seed(seed)`; also forgets a cached normal. */
  seed(seed?: Seed | null): void {
    if (seed === undefined || seed === null) {
      this.initByArray(entropyWords(N));
    } else if (typeof seed === 'number') {
      checkSeedWord(seed);
      this.initGenrand(seed);
    } else {
      if (seed.length === 0) throw new RangeError('Seed must be non-empty');
      seed.forEach(checkSeedWord);
      this.initByArray(seed);
    }
    this.hasGauss = false;
    this.gauss = 0;
  }

  private initGenrand(seed: number): void {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      // 1812433253 * prev + i, modulo 2**32 (Math.imul keeps the low 32 bits).
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = N;
  }

  private initByArray(key: readonly number[] | Uint32Array): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000; // MSB is 1, assuring a non-zero initial state
    this.index = N;
  }

  // Regenerates all 624 words at once, as the reference implementation does;
  // `-(y & 1) & MATRIX_A` instead of a branch (unpredictable, 3x slower in V8).
  private twist(): void {
    const mt = this.mt;
    let kk = 0;
    for (; kk < N - M; kk++) {
      const y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; kk < N - 1; kk++) {
      const y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = mt[kk + (M - N)]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    const y = (mt[N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK);
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.index = 0;
  }

  /** The next raw 32-bit output as an unsigned int (numpy's `next_uint32`). */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & TEMPER_B;
    y ^= (y << 15) & TEMPER_C;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * A double in [0, 1) with 53 random bits, like `random_sample()`.
   * @returns `((a >>> 5) * 2**26 + (b >>> 6)) / 2**53` from two 32-bit draws.
   */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * A standard normal draw, like `standard_normal()` (numpy's `legacy_gauss`):
   * the polar Box–Muller method makes two values per accepted pair and returns
   * the second one on the next call.
   */
  standardNormal(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const cached = this.gauss;
      this.gauss = 0;
      return cached;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomSample() - 1;
      x2 = 2 * this.randomSample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /**
   * Fills `out` with standard normal draws, the same values `out.length` calls
   * of {@link standardNormal} would give (the cache carries over both ways),
   * with the generator inlined: the fast path for millions of draws.
   * @returns `out`
   */
  standardNormalFill(out: Float64Array): Float64Array {
    const n = out.length;
    let i = 0;
    if (n > 0 && this.hasGauss) out[i++] = this.standardNormal();
    const mt = this.mt;
    let index = this.index;
    // The tempered output and the 53-bit double of randomSample, inlined.
    const nextDouble = (): number => {
      if (index >= N) {
        this.twist();
        index = 0;
      }
      let a = mt[index++]!;
      a ^= a >>> 11;
      a ^= (a << 7) & TEMPER_B;
      a ^= (a << 15) & TEMPER_C;
      a ^= a >>> 18;
      if (index >= N) {
        this.twist();
        index = 0;
      }
      let b = mt[index++]!;
      b ^= b >>> 11;
      b ^= (b << 7) & TEMPER_B;
      b ^= (b << 15) & TEMPER_C;
      b ^= b >>> 18;
      return ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992;
    };
    for (; i < n; i += 2) {
      let x1: number;
      let x2: number;
      let r2: number;
      do {
        x1 = 2 * nextDouble() - 1;
        x2 = 2 * nextDouble() - 1;
        r2 = x1 * x1 + x2 * x2;
      } while (r2 >= 1 || r2 === 0);
      const f = Math.sqrt((-2 * Math.log(r2)) / r2);
      out[i] = f * x2;
      if (i + 1 < n) {
        out[i + 1] = f * x1;
      } else {
        this.gauss = f * x1;
        this.hasGauss = true;
      }
    }
    this.index = index;
    return out;
  }

  /**
   * A normal draw `loc + scale * standardNormal()`, like `normal(loc, scale)`.
   * @param loc mean (default 0)
   * @param scale standard deviation, must be >= 0 (default 1)
   */
  normal(loc = 0, scale = 1): number {
    if (!(scale >= 0)) throw new RangeError(`scale < 0 (got ${scale})`);
    return loc + scale * this.standardNormal();
  }

  /**
   * A uniform draw in [low, high), like `uniform(low, high)`: `low + (high - low) * randomSample()`.
   * @param low lower bound (default 0)
   * @param high upper bound (default 1)
   */
  uniform(low = 0, high = 1): number {
    const range = high - low;
    if (!Number.isFinite(range)) throw new RangeError('Range exceeds valid bounds');
    return low + range * this.randomSample();
  }

  /**
   * A uniform int in [0, max] by masked rejection (numpy's `random_interval`),
   * the draw behind `shuffle`, `permutation` and legacy `randint`.
   * @param max inclusive upper bound, an int in [0, 2**53 - 1]
   */
  randomInterval(max: number): number {
    if (max === 0) return 0;
    if (max <= 0xffffffff) {
      const mask = smallestMask32(max);
      let value: number;
      do value = (this.nextUint32() & mask) >>> 0;
      while (value > max);
      return value;
    }
    if (!Number.isSafeInteger(max)) throw new RangeError(`randomInterval bound must be a safe integer, got ${max}`);
    // numpy draws a 64-bit word (high half first) and masks it; above 2**32
    // the low half's mask is all ones, so only the high half needs masking.
    const maskHigh = smallestMask32(Math.floor(max / TWO_POW_32));
    let value: number;
    do {
      const high = (this.nextUint32() & maskHigh) >>> 0;
      const low = this.nextUint32();
      value = high * TWO_POW_32 + low;
    } while (value > max);
    return value;
  }

  /**
   * A uniform int in [low, high), like legacy `randint(low, high)`;
   * `randint(high)` draws from [0, high).
   * @example new RandomState(0).randint(10) // 5, as np.random.RandomState(0).randint(10)
   */
  randint(low: number, high?: number): number {
    if (high === undefined) {
      high = low;
      low = 0;
    }
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
      throw new TypeError(`randint bounds must be integers, got low=${low}, high=${high}`);
    }
    if (low >= high) throw new RangeError('low >= high');
    return low + this.randomInterval(high - low - 1);
  }

  /**
   * Shuffles in place like legacy `shuffle(x)`: a reverse Fisher–Yates whose
   * swap index comes from `randomInterval`. Works on JS arrays and typed arrays.
   * @returns the same array, shuffled.
   */
  shuffle<A extends MutableArrayLike<unknown>>(array: A): A {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.randomInterval(i);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /**
   * Like legacy `permutation(n)`: a shuffled `[0, 1, …, n-1]`. Given an array,
   * returns a shuffled copy of it instead.
   * @example new RandomState(42).permutation(5)
   */
  permutation(n: number): number[];
  permutation<T>(array: readonly T[]): T[];
  permutation<T>(arg: number | readonly T[]): number[] | T[] {
    if (typeof arg !== 'number') return this.shuffle(arg.slice());
    if (!Number.isSafeInteger(arg) || arg < 0) throw new RangeError(`permutation size must be a non-negative integer, got ${arg}`);
    const out = new Array<number>(arg);
    for (let i = 0; i < arg; i++) out[i] = i;
    return this.shuffle(out);
  }

  /**
   * `permutation(n)` into an Int32Array (or Float64Array above 2**31), the fast
   * path for large n.
   */
  permutationTyped(n: number): Int32Array | Float64Array {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`permutation size must be a non-negative integer, got ${n}`);
    const out = n <= 0x7fffffff ? new Int32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }
}

function checkSeedWord(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`Seed must be between 0 and 2**32 - 1, got ${seed}`);
  }
}

function smallestMask32(max: number): number {
  let mask = max >>> 0;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  return mask >>> 0;
}

// Unpredictable seed words, like numpy's seeding from OS entropy when the seed is None.
function entropyWords(count: number): Uint32Array {
  const words = new Uint32Array(count);
  const webCrypto = (globalThis as { crypto?: { getRandomValues?(a: Uint32Array): Uint32Array } }).crypto;
  if (webCrypto?.getRandomValues) {
    webCrypto.getRandomValues(words);
  } else {
    for (let i = 0; i < count; i++) words[i] = Math.floor(Math.random() * TWO_POW_32) >>> 0;
  }
  return words;
}

let globalRandomState: RandomState | undefined;

/**
 * sklearn's `check_random_state`: an int or int array seeds a new RandomState,
 * a RandomState is used as is (and advanced), and null/undefined means a
 * process-wide generator seeded from entropy (numpy's global `np.random`).
 */
export function checkRandomState(randomState: RandomStateLike): RandomState {
  if (randomState instanceof RandomState) return randomState;
  if (randomState === undefined || randomState === null) {
    globalRandomState ??= new RandomState();
    return globalRandomState;
  }
  if (typeof randomState === 'number' || Array.isArray(randomState)) return new RandomState(randomState);
  throw new TypeError(`${String(randomState)} cannot be used to seed a RandomState instance`);
}
