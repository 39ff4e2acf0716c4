// Classification metrics: the tutorial's accuracy on logits, and scikit-learn's
// confusion_matrix / precision_score / recall_score / f1_score with sklearn's
// label handling, averaging and zero-division results.

/** Something tensor-like that can pick the largest logit per row. */
export interface ArgmaxLike {
  argmax(dim: number): { toArray(): unknown };
}

/** Labels given as a plain array, a typed array, or a tensor-like with `toArray()`. */
export type LabelsInput = ArrayLike<number | bigint | boolean> | { toArray(): unknown };

/**
 * Fraction of rows whose largest logit is at the label's index, as the PyTorch
 * tutorial computes `(predicted == labels).sum().item() / labels.size(0)`.
 *
 * @param outputs logits, one row per sample (`number[][]`, or a tensor with
 *   `argmax(dim)`); a flat array (or 1-D tensor) is taken as already-predicted classes.
 * @param labels the true class index of each sample (array or tensor).
 * @returns correct / total, in [0, 1].
 * @throws RangeError when the counts differ or there are no samples.
 * @example
 * accuracy([[0.1, 2.0], [3.0, -1.0]], [1, 1]); // 0.5
 * accuracy(model.forward(xTest), yTest);      // tensors work too
 */
export function accuracy(outputs: readonly (readonly number[])[] | ArrayLike<number> | ArgmaxLike, labels: LabelsInput): number {
  const predicted = predictedClasses(outputs);
  const truth = flatNumbers(labels, 'labels');
  if (predicted.length !== truth.length) {
    throw new RangeError(`accuracy: outputs have ${predicted.length} rows but labels have ${truth.length}`);
  }
  if (truth.length === 0) throw new RangeError('accuracy: no samples (labels is empty)');
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) correct++;
  return correct / truth.length;
}

// argmax over dim 1 (first maximum wins; NaN counts as the maximum, as in torch).
function predictedClasses(outputs: unknown): number[] {
  if (typeof outputs === 'object' && outputs !== null && typeof (outputs as ArgmaxLike).argmax === 'function') {
    const shape = (outputs as { shape?: unknown }).shape;
    if (Array.isArray(shape) && shape.length === 1 && typeof (outputs as { toArray?: unknown }).toArray === 'function') {
      return flatNumbers(outputs as { toArray(): unknown }, 'outputs');
    }
    return flatNumbers((outputs as ArgmaxLike).argmax(1), 'outputs');
  }
  if (!Array.isArray(outputs) && !ArrayBuffer.isView(outputs)) {
    throw new TypeError('accuracy: outputs must be logits (rows of numbers) or a tensor with argmax()');
  }
  const rows = outputs as ArrayLike<unknown>;
  if (rows.length === 0 || !Array.isArray(rows[0])) return flatNumbers(rows as LabelsInput, 'outputs');
  return Array.from(rows, (row, i) => {
    if (!Array.isArray(row) || row.length === 0) throw new TypeError(`accuracy: outputs row ${i} is not a non-empty array of logits`);
    let best = 0;
    for (let k = 1; k < row.length; k++) {
      const value = row[k] as number;
      const bestValue = row[best] as number;
      if (Number.isNaN(bestValue)) break;
      if (value > bestValue || Number.isNaN(value)) best = k;
    }
    return best;
  });
}

function flatNumbers(values: LabelsInput, name: string): number[] {
  const raw: unknown =
    typeof (values as { toArray?: unknown }).toArray === 'function' ? (values as { toArray(): unknown }).toArray() : values;
  if (!Array.isArray(raw) && !ArrayBuffer.isView(raw)) throw new TypeError(`accuracy: ${name} must be an array or a tensor`);
  return Array.from(raw as ArrayLike<unknown>, (value) => {
    if (typeof value === 'number') return value;
    if (typeof value === 'bigint' || typeof value === 'boolean') return Number(value);
    throw new TypeError(`accuracy: ${name} must be a flat list of class indices, got an element of type ${typeof value}`);
  });
}

/** A class label: an integer or a string. */
export type Label = number | string;

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions<L extends Label = Label> {
  /** Labels in the order of the rows/columns (default: sorted labels of yTrue and yPred). */
  labels?: readonly L[];
}

/**
 * Confusion matrix like `sklearn.metrics.confusion_matrix`: entry `[i][j]`
 * counts samples whose true label is `labels[i]` and predicted label `labels[j]`.
 *
 * @param yTrue true labels
 * @param yPred predicted labels, same length
 * @param options `labels`: which labels to count and their order (default:
 *   the sorted labels present in either array); samples with other labels are ignored.
 * @returns a `labels.length × labels.length` matrix of counts
 * @example
 * confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]);
 * // [[2, 0, 0], [0, 0, 1], [1, 0, 2]]
 */
export function confusionMatrix<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options: ConfusionMatrixOptions<L> = {}): number[][] {
  checkTargets(yTrue, yPred);
  let labels: readonly Label[];
  if (options.labels === undefined) {
    labels = uniqueSorted([...yTrue, ...yPred]);
  } else {
    labels = options.labels;
    if (labels.length === 0) throw new RangeError("'labels' should contain at least one label.");
    if (yTrue.length > 0 && !yTrue.some((label) => labels.includes(label))) {
      throw new RangeError('At least one label specified must be in y_true');
    }
  }
  const position = new Map<Label, number>();
  labels.forEach((label, i) => {
    if (!position.has(label)) position.set(label, i);
  });
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const row = position.get(yTrue[i]!);
    const col = position.get(yPred[i]!);
    if (row !== undefined && col !== undefined) matrix[row]![col]! += 1;
  }
  return matrix;
}

/** How per-label scores are combined; `null` returns one score per label. */
export type Average = 'binary' | 'macro' | 'micro' | 'weighted';

/** Options of {@link precisionScore}, {@link recallScore} and {@link f1Score}. */
export interface ScoreOptions<L extends Label = Label> {
  /**
   * 'binary' (default): the score of `posLabel` only; 'micro': from the total
   * counts; 'macro': unweighted mean over labels; 'weighted': mean weighted by
   * each label's support; null: one score per label.
   */
  average?: Average | null;
  /** The positive class for average='binary' (default 1). */
  posLabel?: L;
  /** Labels to include when average is not 'binary' (default: all present, sorted). */
  labels?: readonly L[];
  /** Score where a ratio is 0/0: 'warn' (0, sklearn's default), 0, 1 or NaN. */
  zeroDivision?: 'warn' | 0 | 1 | number;
}

/**
 * Precision `tp / (tp + fp)`, like `sklearn.metrics.precision_score`.
 * @param yTrue true labels
 * @param yPred predicted labels
 * @param options `average` ('binary' by default), `posLabel` (1), `labels`, `zeroDivision`
 * @returns the score, or one per label when `average` is null
 * @example
 * precisionScore([0, 1, 1, 0], [1, 1, 0, 0]); // 0.5
 */
export function precisionScore<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options: ScoreOptions<L> & { average: null }): number[];
export function precisionScore<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options?: ScoreOptions<L>): number;
export function precisionScore<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options: ScoreOptions<L> = {}): number | number[] {
  return precisionRecallF(yTrue, yPred, options).precision;
}

/**
 * Recall `tp / (tp + fn)`, like `sklearn.metrics.recall_score`.
 * @param yTrue true labels
 * @param yPred predicted labels
 * @param options `average` ('binary' by default), `posLabel` (1), `labels`, `zeroDivision`
 * @returns the score, or one per label when `average` is null
 * @example
 * recallScore([0, 1, 1, 0], [1, 1, 0, 0]); // 0.5
 */
export function recallScore<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options: ScoreOptions<L> & { average: null }): number[];
export function recallScore<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options?: ScoreOptions<L>): number;
export function recallScore<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options: ScoreOptions<L> = {}): number | number[] {
  return precisionRecallF(yTrue, yPred, options).recall;
}

/**
 * F1 `2·tp / (2·tp + fp + fn)`, like `sklearn.metrics.f1_score`.
 * @param yTrue true labels
 * @param yPred predicted labels
 * @param options `average` ('binary' by default), `posLabel` (1), `labels`, `zeroDivision`
 * @returns the score, or one per label when `average` is null
 * @example
 * f1Score([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { average: 'macro' }); // 0.26666666666666666
 */
export function f1Score<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options: ScoreOptions<L> & { average: null }): number[];
export function f1Score<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options?: ScoreOptions<L>): number;
export function f1Score<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options: ScoreOptions<L> = {}): number | number[] {
  return precisionRecallF(yTrue, yPred, options).f1;
}

// sklearn's precision_recall_fscore_support with beta = 1.
function precisionRecallF<L extends Label>(
  yTrue: readonly L[],
  yPred: readonly L[],
  options: ScoreOptions<L>,
): { precision: number | number[]; recall: number | number[]; f1: number | number[] } {
  const { average = 'binary', posLabel = 1 as L, zeroDivision = 'warn' } = options;
  if (average !== null && !['binary', 'macro', 'micro', 'weighted'].includes(average)) {
    throw new RangeError(`average has to be one of [null, 'binary', 'micro', 'macro', 'weighted'], got '${String(average)}'`);
  }
  const zeroValue = zeroDivisionValue(zeroDivision);
  const yType = checkTargets(yTrue, yPred);
  const present = uniqueSorted([...yTrue, ...yPred]);

  let labels: readonly Label[] = options.labels ?? present;
  if (average === 'binary') {
    if (yType !== 'binary') {
      throw new RangeError(
        "Target is multiclass but average='binary'. Please choose another average setting, one of [null, 'micro', 'macro', 'weighted'].",
      );
    }
    if (!present.includes(posLabel) && present.length >= 2) {
      throw new RangeError(`pos_label=${JSON.stringify(posLabel)} is not a valid label. It should be one of ${JSON.stringify(present)}`);
    }
    labels = [posLabel];
  }

  // Per-label true positives, predicted counts and true counts (the multilabel confusion matrix).
  const position = new Map<Label, number>(labels.map((label, i) => [label, i]));
  let tp = new Array<number>(labels.length).fill(0);
  let predSum = new Array<number>(labels.length).fill(0);
  let trueSum = new Array<number>(labels.length).fill(0);
  for (let i = 0; i < yTrue.length; i++) {
    const t = position.get(yTrue[i]!);
    const p = position.get(yPred[i]!);
    if (t !== undefined) trueSum[t]! += 1;
    if (p !== undefined) predSum[p]! += 1;
    if (t !== undefined && yTrue[i] === yPred[i]) tp[t]! += 1;
  }
  if (average === 'micro') {
    tp = [numpySum(tp)];
    predSum = [numpySum(predSum)];
    trueSum = [numpySum(trueSum)];
  }

  const divide = (num: number[], den: number[]) => num.map((value, i) => (den[i] === 0 ? zeroValue : value / den[i]!));
  const precision = divide(tp, predSum);
  const recall = divide(tp, trueSum);
  const f1 = divide(
    tp.map((value) => 2 * value),
    trueSum.map((value, i) => value + predSum[i]!),
  );

  if (average === null) return { precision, recall, f1 };
  const weights = average === 'weighted' ? trueSum : null;
  return { precision: nanAverage(precision, weights), recall: nanAverage(recall, weights), f1: nanAverage(f1, weights) };
}

function zeroDivisionValue(zeroDivision: 'warn' | number): number {
  if (zeroDivision === 'warn' || zeroDivision === 0) return 0;
  if (zeroDivision === 1) return 1;
  if (Number.isNaN(zeroDivision)) return NaN;
  throw new RangeError(`zeroDivision must be 'warn', 0, 1 or NaN, got ${String(zeroDivision)}`);
}

// sklearn's _nanaverage: NaN scores are left out; all-zero weights mean a plain mean.
function nanAverage(values: number[], weights: number[] | null): number {
  if (values.length === 0) return NaN;
  const keep = values.map((value) => !Number.isNaN(value));
  if (!keep.includes(true)) return NaN;
  if (weights === null) return numpySum(values.map((value) => (Number.isNaN(value) ? 0 : value))) / keep.filter(Boolean).length;
  const kept = values.filter((_, i) => keep[i]);
  const keptWeights = weights.filter((_, i) => keep[i]);
  const weightSum = numpySum(keptWeights);
  if (weightSum === 0) return numpySum(kept) / kept.length;
  return numpySum(kept.map((value, i) => value * keptWeights[i]!)) / weightSum;
}

// np.sum's float order (pairwise summation), so averages match sklearn to the last bit.
function numpySum(values: readonly number[]): number {
  return pairwiseSum(values, 0, values.length);
}

function pairwiseSum(a: readonly number[], start: number, n: number): number {
  if (n < 8) {
    let res = -0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    const r = a.slice(start, start + 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += a[start + i + j]!;
    let res = (r[0]! + r[1]! + (r[2]! + r[3]!)) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(a, start, half) + pairwiseSum(a, start + half, n - half);
}

// sklearn's _check_targets for 1-D labels: same length, integer or string
// labels, 'binary' when at most two distinct values appear.
function checkTargets(yTrue: readonly Label[], yPred: readonly Label[]): 'binary' | 'multiclass' {
  if (!Array.isArray(yTrue) || !Array.isArray(yPred)) throw new TypeError('yTrue and yPred must be arrays of labels');
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`Found input variables with inconsistent numbers of samples: [${yTrue.length}, ${yPred.length}]`);
  }
  for (const label of [...yTrue, ...yPred]) {
    if (typeof label === 'number') {
      if (!Number.isInteger(label)) throw new RangeError(`Classification metrics can't handle continuous targets (got ${label})`);
    } else if (typeof label !== 'string') {
      throw new TypeError(`Labels must be integers or strings, got ${typeof label}`);
    }
  }
  return uniqueSorted([...yTrue, ...yPred]).length <= 2 ? 'binary' : 'multiclass';
}

function uniqueSorted<L extends Label>(values: readonly L[]): L[] {
  const unique = [...new Set(values)];
  const hasNumber = unique.some((v) => typeof v === 'number');
  const hasString = unique.some((v) => typeof v === 'string');
  if (hasNumber && hasString) throw new TypeError('Mix of label input types (string and number)');
  return unique.sort((a, b) => (typeof a === 'number' ? a - (b as number) : a < b ? -1 : a > b ? 1 : 0));
}
