// accuracy, confusionMatrix, precision/recall/F1 against scikit-learn's values
// (test/fixtures/sklearn.json, written by test/fixtures/sklearn_fixtures.py).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accuracy, confusionMatrix, f1Score, precisionScore, recallScore, type Average, type Label } from '../ts/metrics';

interface ScoreSet {
  precision: number;
  recall: number;
  f1: number;
}

interface MetricsCase {
  name: string;
  y_true: Label[];
  y_pred: Label[];
  accuracy: number;
  confusion_matrix: number[][];
  scores: Record<string, ScoreSet | { error: string } | { precision: number[]; recall: number[]; f1: number[] }>;
  pos_label?: Label;
  default_pos_label_error?: string;
  confusion_matrix_labels?: { labels: Label[]; matrix: number[][] };
  macro_with_labels?: { labels: Label[]; f1: number; precision: number };
}

interface Fixture {
  metrics: {
    cases: MetricsCase[];
  };
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/sklearn.json', import.meta.url), 'utf8')) as Fixture;
const regularCases = fixture.metrics.cases.filter((c) => c.confusion_matrix !== undefined);
const zeroDivisionCase = fixture.metrics.cases.find((c) => c.name === 'zero_division_1') as unknown as {
  y_true: number[];
  y_pred: number[];
  precision_macro_zd1: number;
  precision_none_zd1: number[];
};

describe('accuracy', () => {
  it('computes correct / total from logit rows', () => {
    const logits = [
      [0.1, 2.0],
      [3.0, -1.0],
      [0.5, 0.4],
      [-2, -1],
    ];
    expect(accuracy(logits, [1, 1, 0, 1])).toBe(0.75);
    expect(accuracy(logits, [0, 1, 1, 0])).toBe(0);
  });

  it('takes the first maximum on ties and handles more than two classes', () => {
    expect(accuracy([[1, 1, 0]], [0])).toBe(1);
    expect(accuracy([[0, 5, 9], [7, 1, 2], [0, 3, 1]], [2, 0, 0])).toBeCloseTo(2 / 3, 15);
  });

  it('accepts tensor-likes with argmax(dim).toArray() and labels with toArray()', () => {
    const calls: number[] = [];
    const outputs = {
      shape: [3, 2],
      argmax(dim: number) {
        calls.push(dim);
        return { toArray: () => [1, 0, 1] };
      },
    };
    const labels = { toArray: () => [1, 1, 1] };
    expect(accuracy(outputs, labels)).toBeCloseTo(2 / 3, 15);
    expect(calls).toEqual([1]);
    expect(accuracy(outputs, BigInt64Array.from([1n, 0n, 1n]) as unknown as number[])).toBe(1);
  });

  it('matches sklearn accuracy_score when given predicted classes', () => {
    for (const c of regularCases.filter((k) => typeof k.y_true[0] === 'number')) {
      expect(accuracy(c.y_pred as number[], c.y_true as number[])).toBe(c.accuracy);
    }
  });

  it('rejects mismatched or empty inputs', () => {
    expect(() => accuracy([[1, 0]], [0, 1])).toThrow(/outputs have 1 rows but labels have 2/);
    expect(() => accuracy([], [])).toThrow(/no samples/);
  });
});

describe('confusionMatrix', () => {
  for (const c of regularCases) {
    it(`matches sklearn confusion_matrix (${c.name})`, () => {
      expect(confusionMatrix(c.y_true, c.y_pred)).toEqual(c.confusion_matrix);
      if (c.confusion_matrix_labels) {
        expect(confusionMatrix(c.y_true, c.y_pred, { labels: c.confusion_matrix_labels.labels })).toEqual(c.confusion_matrix_labels.matrix);
      }
    });
  }

  it("reproduces sklearn's docstring example", () => {
    expect(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2])).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
  });

  it('validates like sklearn', () => {
    expect(() => confusionMatrix([0, 1], [0])).toThrow('Found input variables with inconsistent numbers of samples: [2, 1]');
    expect(() => confusionMatrix([0, 1], [0, 1], { labels: [] })).toThrow("'labels' should contain at least one label.");
    expect(() => confusionMatrix([0, 1], [0, 1], { labels: [5] })).toThrow('At least one label specified must be in y_true');
    expect(() => confusionMatrix([0.5, 1], [0, 1])).toThrow(/continuous/);
    expect(() => confusionMatrix<Label>([0, 'a'], [0, 1])).toThrow(/Mix of label input types/);
  });
});

describe('precisionScore / recallScore / f1Score', () => {
  for (const c of regularCases) {
    for (const [average, expected] of Object.entries(c.scores)) {
      it(`match sklearn for ${c.name}, average=${average}`, () => {
        const options = {
          average: average === 'None' ? null : (average as Average),
          ...(average === 'binary' && c.pos_label !== undefined ? { posLabel: c.pos_label } : {}),
        };
        if ('error' in expected) {
          const message = expected.error.replace('[None,', '[null,');
          expect(() => f1Score(c.y_true, c.y_pred, options)).toThrow(message);
          expect(() => precisionScore(c.y_true, c.y_pred, options)).toThrow(message);
          return;
        }
        // Exact: same float operations in the same order as numpy.
        expect(precisionScore(c.y_true, c.y_pred, options)).toEqual(expected.precision);
        expect(recallScore(c.y_true, c.y_pred, options)).toEqual(expected.recall);
        expect(f1Score(c.y_true, c.y_pred, options)).toEqual(expected.f1);
      });
    }
  }

  it('use only the given labels when averaging', () => {
    for (const c of regularCases.filter((k) => k.macro_with_labels)) {
      const { labels, f1, precision } = c.macro_with_labels!;
      expect(f1Score(c.y_true, c.y_pred, { average: 'macro', labels })).toBe(f1);
      expect(precisionScore(c.y_true, c.y_pred, { average: 'macro', labels })).toBe(precision);
    }
  });

  it('default to average=binary with posLabel=1', () => {
    const binary = regularCases.find((c) => c.name === 'binary')!;
    const expected = binary.scores.binary as ScoreSet;
    expect(precisionScore(binary.y_true, binary.y_pred)).toBe(expected.precision);
    expect(recallScore(binary.y_true, binary.y_pred)).toBe(expected.recall);
    expect(f1Score(binary.y_true, binary.y_pred)).toBe(expected.f1);
  });

  it('return 0 where a ratio is 0/0 (zero_division="warn") and honour zeroDivision=1', () => {
    expect(precisionScore([0, 1, 1, 0, 1], [0, 0, 0, 0, 0])).toBe(0);
    expect(f1Score([0, 0, 0], [0, 0, 0])).toBe(0);
    const z = zeroDivisionCase;
    expect(precisionScore(z.y_true, z.y_pred, { average: 'macro', zeroDivision: 1 })).toBe(z.precision_macro_zd1);
    expect(precisionScore(z.y_true, z.y_pred, { average: null, zeroDivision: 1 })).toEqual(z.precision_none_zd1);
    expect(Number.isNaN(precisionScore([0, 1], [0, 0], { zeroDivision: NaN }))).toBe(true);
  });

  it('reject a posLabel that is not a label, like sklearn', () => {
    for (const c of regularCases.filter((k) => k.default_pos_label_error)) {
      // numpy prints arrays without commas; the message here names the labels as JSON.
      expect(() => f1Score(c.y_true, c.y_pred)).toThrow(/pos_label=1 is not a valid label. It should be one of/);
    }
    expect(() => f1Score([0, 1], [0, 1], { average: 'samples' as Average })).toThrow(/average has to be one of/);
  });
});
