// scikit-learn's toy dataset generators (make_circles, make_moons, make_blobs),
// reproducing sklearn's output for the same int `randomState`: labels and row
// order exactly, coordinates to within an ulp or two (libm's cos/sin/log vs V8's).
//
// Each generator works on Float64Arrays in sklearn's order of operations and
// only builds the `number[][]` rows at the end, so a million points stay fast.

import { checkRandomState, type RandomState, type RandomStateLike } from './random_state';
import { checkOptions } from '../validate';

/** A generated dataset: rows of features and one integer label per row. */
export interface Dataset {
  /** Samples, one `[x0, x1, …]` row each (sklearn's `X`, shape `(nSamples, nFeatures)`). */
  X: number[][];
  /** Integer class labels (sklearn's `y`). */
  y: number[];
}

/** Options of {@link makeCircles}, sklearn's keyword arguments in camelCase. */
export interface MakeCirclesOptions {
  /** Shuffle the rows (default true). */
  shuffle?: boolean;
  /** Standard deviation of Gaussian noise added to the coordinates (default none). */
  noise?: number | null;
  /** An int seed for reproducible output, a RandomState, or none for fresh randomness. */
  randomState?: RandomStateLike;
  /** Inner circle radius relative to the outer one, in [0, 1) (default 0.8). */
  factor?: number;
}

/** Options of {@link makeMoons}. */
export interface MakeMoonsOptions {
  /** Shuffle the rows (default true). */
  shuffle?: boolean;
  /** Standard deviation of Gaussian noise added to the coordinates (default none). */
  noise?: number | null;
  /** An int seed for reproducible output, a RandomState, or none for fresh randomness. */
  randomState?: RandomStateLike;
}

/** Options of {@link makeBlobs}. */
export interface MakeBlobsOptions {
  /** Number of features per sample (default 2; taken from `centers` when those are given as rows). */
  nFeatures?: number;
  /** How many centers to draw, or the center rows themselves (default 3 when `nSamples` is a number). */
  centers?: number | readonly (readonly number[])[] | null;
  /** Standard deviation of every cluster, or one per cluster (default 1). */
  clusterStd?: number | readonly number[];
  /** Bounding box `[min, max]` for randomly drawn centers (default [-10, 10]). */
  centerBox?: readonly [number, number];
  /** Shuffle the rows (default true). */
  shuffle?: boolean;
  /** An int seed for reproducible output, a RandomState, or none for fresh randomness. */
  randomState?: RandomStateLike;
}

/** {@link makeBlobs}'s result: the dataset plus the centers used. */
export interface BlobsDataset extends Dataset {
  /** The cluster centers, one row per cluster (sklearn's `return_centers=True` output). */
  centers: number[][];
}

/**
 * A large circle containing a smaller circle in 2-D, like
 * `sklearn.datasets.make_circles`.
 *
 * @param nSamples total points (the outer circle gets `floor(n/2)`, the inner
 *   the rest), or `[nOuter, nInner]`. Default 100.
 * @param options `noise`, `randomState`, `factor` (default 0.8), `shuffle` (default true).
 * @returns `{ X, y }`: `X` rows `[x, y]`, `y` 0 for the outer circle, 1 for the inner.
 * @throws RangeError for a negative or non-integer count, `factor` outside [0, 1), negative noise.
 * @example
 * const { X, y } = makeCircles(1000, { noise: 0.03, randomState: 42 });
 */
export function makeCircles(nSamples: number | readonly [number, number] = 100, options: MakeCirclesOptions = {}): Dataset {
  const { shuffle = true, noise = null, randomState, factor = 0.8 } = checkOptions('makeCircles', options);
  const [nOut, nIn] = splitTwoGroups('makeCircles', nSamples, 0);
  checkBoolean('makeCircles', 'shuffle', shuffle);
  checkNoise('makeCircles', noise);
  if (typeof factor !== 'number' || !(factor >= 0 && factor < 1)) {
    throw new RangeError(`makeCircles: factor must be a float in the range [0, 1), got ${String(factor)}`);
  }
  const rng = checkRandomState(randomState);

  const n = nOut + nIn;
  const points = new Float64Array(2 * n);
  // np.linspace(0, 2π, k, endpoint=False) is i * (2π / k); cos/sin of that.
  const stepOut = (2 * Math.PI) / nOut;
  for (let i = 0; i < nOut; i++) {
    const t = i * stepOut;
    points[2 * i] = Math.cos(t);
    points[2 * i + 1] = Math.sin(t);
  }
  const stepIn = (2 * Math.PI) / nIn;
  for (let i = 0; i < nIn; i++) {
    const t = i * stepIn;
    points[2 * (nOut + i)] = Math.cos(t) * factor;
    points[2 * (nOut + i) + 1] = Math.sin(t) * factor;
  }
  return finishTwoClassDataset(points, nOut, shuffle, noise, rng);
}

/**
 * Two interleaving half circles, like `sklearn.datasets.make_moons`.
 *
 * @param nSamples total points (first moon `floor(n/2)`, second the rest), or
 *   `[nFirst, nSecond]`. Default 100, at least 1.
 * @param options `noise`, `randomState`, `shuffle` (default true).
 * @returns `{ X, y }` with labels 0 (upper moon) and 1 (lower moon).
 * @example
 * const { X, y } = makeMoons(200, { noise: 0.2, randomState: 42 });
 */
export function makeMoons(nSamples: number | readonly [number, number] = 100, options: MakeMoonsOptions = {}): Dataset {
  const { shuffle = true, noise = null, randomState } = checkOptions('makeMoons', options);
  const [nOut, nIn] = splitTwoGroups('makeMoons', nSamples, 1);
  checkBoolean('makeMoons', 'shuffle', shuffle);
  checkNoise('makeMoons', noise);
  const rng = checkRandomState(randomState);

  const n = nOut + nIn;
  const points = new Float64Array(2 * n);
  const outer = linspaceWithEndpoint(0, Math.PI, nOut);
  for (let i = 0; i < nOut; i++) {
    points[2 * i] = Math.cos(outer[i]!);
    points[2 * i + 1] = Math.sin(outer[i]!);
  }
  const inner = linspaceWithEndpoint(0, Math.PI, nIn);
  for (let i = 0; i < nIn; i++) {
    points[2 * (nOut + i)] = 1 - Math.cos(inner[i]!);
    points[2 * (nOut + i) + 1] = 1 - Math.sin(inner[i]!) - 0.5;
  }
  return finishTwoClassDataset(points, nOut, shuffle, noise, rng);
}

/**
 * Isotropic Gaussian blobs for clustering, like `sklearn.datasets.make_blobs`
 * (with `return_centers=True`: the centers come back too).
 *
 * @param nSamples total points, split as evenly as possible between centers
 *   (the first ones get one more), or the count for each center. Default 100.
 * @param options `nFeatures` (2), `centers` (count or rows; 3 by default),
 *   `clusterStd` (1, or one per center), `centerBox` ([-10, 10]),
 *   `shuffle` (true), `randomState`.
 * @returns `{ X, y, centers }`, `y[i]` the index of the center that made row i.
 * @example
 * const { X, y } = makeBlobs(10, { centers: 3, randomState: 0 });
 * // y = [0, 0, 1, 0, 2, 2, 2, 1, 1, 0], as in sklearn's docstring
 */
export function makeBlobs(nSamples: number | readonly number[] = 100, options: MakeBlobsOptions = {}): BlobsDataset {
  const { shuffle = true, randomState, centerBox = [-10, 10] } = checkOptions('makeBlobs', options);
  let { nFeatures = 2, centers = null, clusterStd = 1 } = options;
  checkBoolean('makeBlobs', 'shuffle', shuffle);
  if (!Number.isSafeInteger(nFeatures) || nFeatures < 1) {
    throw new RangeError(`makeBlobs: nFeatures must be an int in the range [1, inf), got ${String(nFeatures)}`);
  }
  if (!Array.isArray(centerBox) || centerBox.length !== 2) {
    throw new TypeError('makeBlobs: centerBox must be a [min, max] pair');
  }
  if (typeof clusterStd === 'number' && !(clusterStd >= 0)) {
    throw new RangeError(`makeBlobs: clusterStd must be a float in the range [0, inf), got ${clusterStd}`);
  }
  if (centers !== null && typeof centers === 'number' && (!Number.isSafeInteger(centers) || centers < 1)) {
    throw new RangeError(`makeBlobs: centers must be an int in the range [1, inf) or an array of rows, got ${centers}`);
  }
  const rng = checkRandomState(randomState);

  let perCenter: number[];
  let centerRows: number[][];
  if (typeof nSamples === 'number') {
    if (!Number.isSafeInteger(nSamples) || nSamples < 1) {
      throw new RangeError(`makeBlobs: nSamples must be an int in the range [1, inf) or an array of counts, got ${nSamples}`);
    }
    centers ??= 3;
    if (typeof centers === 'number') {
      centerRows = uniformCenters(rng, centers, nFeatures, centerBox);
    } else {
      centerRows = checkCenterRows(centers);
      nFeatures = centerRows[0]!.length;
    }
    const nCenters = centerRows.length;
    // Equal shares, the first `n % k` centers one sample more.
    perCenter = new Array<number>(nCenters).fill(Math.floor(nSamples / nCenters));
    for (let i = 0; i < nSamples % nCenters; i++) perCenter[i]! += 1;
  } else {
    if (!Array.isArray(nSamples)) throw new TypeError('makeBlobs: nSamples must be a number or an array of counts');
    perCenter = nSamples.map((count) => {
      if (!Number.isSafeInteger(count) || count < 0) {
        throw new RangeError(`makeBlobs: each count in nSamples must be a non-negative int, got ${count}`);
      }
      return count;
    });
    if (centers === null) {
      centerRows = uniformCenters(rng, perCenter.length, nFeatures, centerBox);
    } else if (typeof centers === 'number') {
      throw new TypeError(`makeBlobs: Parameter \`centers\` must be array-like when nSamples is an array. Got ${centers} instead`);
    } else {
      if (centers.length !== perCenter.length) {
        throw new RangeError(
          `makeBlobs: Length of \`nSamples\` not consistent with number of centers. Got nSamples = [${perCenter.join(', ')}] and ${centers.length} centers`,
        );
      }
      centerRows = checkCenterRows(centers);
    }
    nFeatures = centerRows[0]!.length;
  }
  const nCenters = centerRows.length;

  let stds: number[];
  if (typeof clusterStd === 'number') {
    stds = new Array<number>(nCenters).fill(clusterStd);
  } else {
    if (clusterStd.length !== nCenters) {
      throw new RangeError(
        `makeBlobs: Length of \`clusterStd\` not consistent with number of centers. Got ${nCenters} centers and ${clusterStd.length} standard deviations`,
      );
    }
    stds = clusterStd.map((std) => {
      if (!(std >= 0)) throw new RangeError(`makeBlobs: every clusterStd must be >= 0, got ${std}`);
      return std;
    });
  }

  const n = perCenter.reduce((a, b) => a + b, 0);
  // generator.normal(loc=center, scale=std, size=(count, nFeatures)) per center, row-major:
  // one stream of standard normals, each scaled and shifted in place.
  const values = rng.standardNormalFill(new Float64Array(n * nFeatures));
  const labels = new Int32Array(n);
  let row = 0;
  for (let c = 0; c < nCenters; c++) {
    const center = centerRows[c]!;
    const std = stds[c]!;
    for (let r = 0; r < perCenter[c]!; r++, row++) {
      labels[row] = c;
      for (let f = 0; f < nFeatures; f++) values[row * nFeatures + f] = center[f]! + std * values[row * nFeatures + f]!;
    }
  }
  const order = shuffle ? rng.permutationTyped(n) : null;

  const X = new Array<number[]>(n);
  const y = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const src = order ? order[i]! : i;
    const rowValues = new Array<number>(nFeatures);
    for (let f = 0; f < nFeatures; f++) rowValues[f] = values[src * nFeatures + f]!;
    X[i] = rowValues;
    y[i] = labels[src]!;
  }
  return { X, y, centers: centerRows };
}

// Shared tail of makeCircles and makeMoons: `points` holds the rows
// interleaved ([x0, y0, x1, y1, …], so a shuffled read touches one cache line),
// rows 0..nFirst-1 are class 0, the rest class 1; sklearn shuffles the rows
// first, then adds noise row-major.
function finishTwoClassDataset(
  points: Float64Array,
  nFirst: number,
  shuffle: boolean,
  noise: number | null,
  rng: RandomState,
): Dataset {
  const n = points.length / 2;
  const order = shuffle ? rng.permutationTyped(n) : null;
  // X += generator.normal(scale=noise, size=X.shape): row-major draws, loc 0 so 0 + noise * g.
  const gauss = noise !== null ? rng.standardNormalFill(new Float64Array(2 * n)) : null;
  const X = new Array<number[]>(n);
  const y = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const src = order ? order[i]! : i;
    if (gauss !== null) {
      X[i] = [points[2 * src]! + noise! * gauss[2 * i]!, points[2 * src + 1]! + noise! * gauss[2 * i + 1]!];
    } else {
      X[i] = [points[2 * src]!, points[2 * src + 1]!];
    }
    y[i] = src < nFirst ? 0 : 1;
  }
  return { X, y };
}

// np.linspace(start, stop, num) with endpoint=True: i * step + start, last = stop.
function linspaceWithEndpoint(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

// An int n splits into floor(n/2) and the rest; a pair is taken as given.
function splitTwoGroups(fn: string, nSamples: number | readonly [number, number], min: number): [number, number] {
  if (typeof nSamples === 'number') {
    if (!Number.isSafeInteger(nSamples) || nSamples < min) {
      throw new RangeError(
        `${fn}: nSamples must be an int in the range [${min}, inf) or a two-element array, got ${nSamples}`,
      );
    }
    const nOut = Math.floor(nSamples / 2);
    return [nOut, nSamples - nOut];
  }
  if (!Array.isArray(nSamples)) {
    throw new TypeError(`${fn}: nSamples must be an int or a two-element array, got ${String(nSamples)}`);
  }
  if (nSamples.length !== 2) {
    throw new RangeError(`${fn}: When an array, nSamples must have exactly two elements, got ${nSamples.length}`);
  }
  for (const count of nSamples) {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(`${fn}: the counts in nSamples must be non-negative ints, got [${nSamples.join(', ')}]`);
    }
  }
  return [nSamples[0], nSamples[1]];
}

function checkNoise(fn: string, noise: number | null): void {
  if (noise !== null && (typeof noise !== 'number' || !(noise >= 0))) {
    throw new RangeError(`${fn}: noise must be a float in the range [0, inf) or null, got ${String(noise)}`);
  }
}

function checkBoolean(fn: string, name: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new TypeError(`${fn}: ${name} must be a boolean, got ${String(value)}`);
}

// generator.uniform(box[0], box[1], size=(k, nFeatures)), row-major.
function uniformCenters(rng: RandomState, k: number, nFeatures: number, box: readonly [number, number]): number[][] {
  const rows: number[][] = [];
  for (let c = 0; c < k; c++) {
    const row = new Array<number>(nFeatures);
    for (let f = 0; f < nFeatures; f++) row[f] = rng.uniform(box[0], box[1]);
    rows.push(row);
  }
  return rows;
}

// sklearn's check_array on centers: a non-empty 2-D array of finite numbers.
function checkCenterRows(centers: readonly (readonly number[])[]): number[][] {
  if (!Array.isArray(centers) || centers.length === 0) {
    throw new RangeError('makeBlobs: centers must be a positive count or a non-empty array of rows');
  }
  const width = Array.isArray(centers[0]) ? centers[0].length : -1;
  if (width < 1) throw new RangeError('makeBlobs: centers must be a 2-D array with at least one feature');
  return centers.map((row, i) => {
    if (!Array.isArray(row) || row.length !== width) {
      throw new RangeError(`makeBlobs: center rows must all have ${width} features; row ${i} does not`);
    }
    return row.map((value) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new RangeError(`makeBlobs: centers must be finite numbers, got ${String(value)}`);
      }
      return value;
    });
  });
}
