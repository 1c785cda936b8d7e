import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { confusionCounts, positivePredictiveValue, sensitivity } from '../../kernel-lib/eval/binary';
import { averagePrecision, precisionRecallCurve } from '../../kernel-lib/eval/precision-recall';
import { Random } from '../../kernel-lib/util/random';

function assertClose(actual: number, expected: number, tolerance: number, name: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${name}: expected ${expected} ± ${tolerance}, but got ${actual}`);
}

// Hand case, descending scores 0.9 (+), 0.6 (-), 0.4 (+), 0.1 (-):
//   threshold 0.9: P = 1,   R = 1/2
//   threshold 0.6: P = 1/2, R = 1/2
//   threshold 0.4: P = 2/3, R = 1
//   threshold 0.1: P = 1/2, R = 1
// AP = (1/2)(1) + 0 + (1/2)(2/3) + 0 = 5/6 = 0.8333…, as scikit-learn's average_precision_score
// computes from its precision_recall_curve.
const labels = [1, 1, 0, 0];
const scores = [0.9, 0.4, 0.6, 0.1];

test('average precision of the hand case', () => {
  const result = averagePrecision(labels, scores);
  assertClose(result.value, 5 / 6, 1e-12, 'AP');
  assert.is(result.reason, null);
});

test('precision-recall curve of the hand case', () => {
  const curve = precisionRecallCurve(labels, scores);
  assert.equal(Array.from(curve.thresholds), [0.9, 0.6, 0.4, 0.1]);
  assert.equal(Array.from(curve.recall), [0.5, 0.5, 1, 1]);
  assert.equal(Array.from(curve.precision), [1, 0.5, 2 / 3, 0.5]);
});

test('tied scores form one step', () => {
  // One threshold at 0.8 (P = 1/2, R = 1/2) and one at 0.3 (P = 1/2, R = 1): AP = 1/4 + 1/4.
  assertClose(averagePrecision([1, 0, 1, 0], [0.8, 0.8, 0.3, 0.3]).value, 0.5, 1e-12, 'AP with ties');
});

test('perfect ranking gives 1', () => {
  assertClose(averagePrecision([0, 1, 0, 1, 1], [0.1, 0.7, 0.2, 0.9, 0.8]).value, 1, 1e-12, 'AP');
});

test('positives only give 1', () => {
  assertClose(averagePrecision([1, 1, 1], [0.1, 0.5, 0.5]).value, 1, 1e-12, 'AP');
});

test('no positives is undefined, not 0', () => {
  const result = averagePrecision([0, 0, 0], [0.1, 0.5, 0.9]);
  assert.ok(Number.isNaN(result.value), `expected NaN, got ${result.value}`);
  assert.match(result.reason ?? '', /no positive examples \(3 negatives, 0 positives\)/);
});

test('matches the step sum from confusion counts', () => {
  // Independent path: precision and recall recounted from scratch at each distinct score.
  const rng = new Random(11);
  const y = Array.from({ length: 50 }, () => (rng.uniform() < 0.3 ? 1 : 0));
  const s = y.map((label) => Math.round((0.4 * label + 0.6 * rng.uniform()) * 20) / 20);
  const distinct = Array.from(new Set(s)).sort((a, b) => b - a);
  let expected = 0;
  let previousRecall = 0;
  for (const threshold of distinct) {
    const counts = confusionCounts(y, s, threshold);
    expected += (sensitivity(counts) - previousRecall) * positivePredictiveValue(counts);
    previousRecall = sensitivity(counts);
  }
  assertClose(averagePrecision(y, s).value, expected, 1e-12, 'AP');
});

test('rejects mismatched lengths', () => {
  assert.throws(() => averagePrecision([1, 0, 1], [0.2, 0.3]), /averagePrecision: `labels` and `scores` must have the same length, got 3 labels and 2 scores/);
});

test.run();
