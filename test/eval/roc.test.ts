import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { auroc, rocCurve, sensitivityAtSpecificity, thresholdCounts, youdenThreshold } from '../../kernel-lib/eval/roc';
import { Random } from '../../kernel-lib/util/random';

function assertClose(actual: number, expected: number, tolerance: number, name: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${name}: expected ${expected} ± ${tolerance}, but got ${actual}`);
}

// Hand case: of the 4 (positive, negative) pairs, (0.9, 0.6), (0.9, 0.1) and (0.4, 0.1) are
// ordered correctly and (0.4, 0.6) is not, so AUROC = 3/4. scikit-learn's roc_auc_score gives
// the same value for this input.
const labels = [1, 1, 0, 0];
const scores = [0.9, 0.4, 0.6, 0.1];

/** O(n^2) Mann-Whitney count over all (positive, negative) pairs, ties 1/2. */
function pairwiseAuroc(y: number[], s: number[]): number {
  let won = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    for (let j = 0; j < y.length; j++) {
      if (y[i] !== 1 || y[j] !== 0) continue;
      pairs++;
      if (s[i] > s[j]) won += 1;
      else if (s[i] === s[j]) won += 0.5;
    }
  }
  return won / pairs;
}

/** Random labels and scores rounded to 1 decimal, so that many scores tie. */
function tiedData(seed: number, n: number): { y: number[]; s: number[] } {
  const rng = new Random(seed);
  const y = Array.from({ length: n }, () => (rng.uniform() < 0.4 ? 1 : 0));
  const s = y.map((label) => Math.round((0.3 * label + 0.7 * rng.uniform()) * 10) / 10);
  return { y, s };
}

test('auroc of the hand case is 0.75', () => {
  const result = auroc(labels, scores);
  assertClose(result.value, 0.75, 1e-12, 'auroc');
  assert.is(result.reason, null);
});

test('tied pair counts one half', () => {
  // Pairs: (0.8, 0.8) tie 1/2, (0.8, 0.3) won, (0.3, 0.8) lost, (0.3, 0.3) tie 1/2: 2/4.
  assertClose(auroc([1, 0, 1, 0], [0.8, 0.8, 0.3, 0.3]).value, 0.5, 1e-12, 'auroc with ties');
  assertClose(auroc([1, 0], [0.5, 0.5]).value, 0.5, 1e-12, 'auroc of one tied pair');
});

test('auroc matches the pairwise count with ties', () => {
  for (const seed of [1, 2, 3]) {
    const { y, s } = tiedData(seed, 60);
    // Both are sums of halves divided by the same count; 1e-12 covers the division.
    assertClose(auroc(y, s).value, pairwiseAuroc(y, s), 1e-12, `auroc for seed ${seed}`);
  }
});

test('auroc equals the trapezoidal ROC area', () => {
  const { y, s } = tiedData(4, 80);
  const curve = rocCurve(y, s);
  let area = 0;
  for (let i = 1; i < curve.fpr.length; i++) {
    area += ((curve.fpr[i] - curve.fpr[i - 1]) * (curve.tpr[i] + curve.tpr[i - 1])) / 2;
  }
  assertClose(auroc(y, s).value, area, 1e-12, 'auroc vs trapezoid');
});

test('auroc is undefined with one class', () => {
  const positivesOnly = auroc([1, 1, 1], [0.2, 0.5, 0.9]);
  assert.ok(Number.isNaN(positivesOnly.value), `expected NaN, got ${positivesOnly.value}`);
  assert.match(positivesOnly.reason ?? '', /only positive examples \(3 positives, 0 negatives\)/);
  const negativesOnly = auroc([0, 0], [0.2, 0.5]);
  assert.ok(Number.isNaN(negativesOnly.value));
  assert.match(negativesOnly.reason ?? '', /only negative examples/);
});

test('roc curve of the hand case', () => {
  // Descending scores 0.9 (+), 0.6 (-), 0.4 (+), 0.1 (-); scikit-learn's
  // roc_curve(..., drop_intermediate=False) returns the same three arrays.
  const curve = rocCurve(labels, scores);
  assert.equal(Array.from(curve.thresholds), [Infinity, 0.9, 0.6, 0.4, 0.1]);
  assert.equal(Array.from(curve.fpr), [0, 0, 0.5, 0.5, 1]);
  assert.equal(Array.from(curve.tpr), [0, 0.5, 0.5, 1, 1]);
});

test('equal scores share one roc point', () => {
  const curve = rocCurve([1, 0, 1, 0, 1], [0.8, 0.8, 0.3, 0.3, 0.1]);
  assert.equal(Array.from(curve.thresholds), [Infinity, 0.8, 0.3, 0.1]);
  assert.equal(Array.from(curve.fpr), [0, 0.5, 1, 1]);
  assert.equal(Array.from(curve.tpr), [0, 1 / 3, 2 / 3, 1]);
});

test('roc does not depend on example order', () => {
  const { y, s } = tiedData(5, 40);
  const order = Array.from(new Random(6).permutation(y.length));
  const shuffled = rocCurve(order.map((i) => y[i]), order.map((i) => s[i]));
  const original = rocCurve(y, s);
  assert.equal(Array.from(shuffled.fpr), Array.from(original.fpr));
  assert.equal(Array.from(shuffled.tpr), Array.from(original.tpr));
});

test('threshold counts are cumulative', () => {
  const counts = thresholdCounts(labels, scores);
  assert.equal(Array.from(counts.truePositives), [1, 1, 2, 2]);
  assert.equal(Array.from(counts.falsePositives), [0, 1, 1, 2]);
  assert.is(counts.positives, 2);
  assert.is(counts.negatives, 2);
});

test('youden picks the unique maximum', () => {
  // Descending: 0.8 +, 0.7 +, 0.65 -, 0.6 +, 0.5 +, 0.3 -, 0.2 -, 0.1 -.
  // J at 0.7 = 2/4 + 4/4 - 1 = 0.5; at 0.5 = 4/4 + 3/4 - 1 = 0.75 (the maximum); at 0.3 = 0.5.
  const point = youdenThreshold([0, 0, 0, 0, 1, 1, 1, 1], [0.1, 0.2, 0.3, 0.65, 0.5, 0.6, 0.7, 0.8]);
  assert.is(point.threshold, 0.5);
  assert.is(point.sensitivity, 1);
  assert.is(point.specificity, 0.75);
  assertClose(point.youdenIndex, 0.75, 1e-15, 'J');
});

test('youden tie goes to the highest threshold', () => {
  // Hand case: J = 0.5 at both 0.9 (sens 1/2, spec 1) and 0.4 (sens 1, spec 1/2).
  const point = youdenThreshold(labels, scores);
  assert.is(point.threshold, 0.9);
  assert.is(point.sensitivity, 0.5);
  assert.is(point.specificity, 1);
});

test('youden rejects one class', () => {
  assert.throws(() => youdenThreshold([1, 1], [0.3, 0.4]), /youdenThreshold: needs both classes in the validation labels, got only positive examples/);
});

// Sensitivity at specificity hand case: 10 negatives and 5 positives. Descending scores:
// 0.9 +, 0.85 -, 0.8 +, 0.6 +, 0.55 +, 0.5 -, 0.45 -, … and 0.3 has one example of each class.
// Specificity stays 9/10 from 0.85 down to 0.55 (tpr 4/5 there) and drops to 8/10 at 0.5.
const specLabels = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
const specScores = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.85, 0.9, 0.8, 0.6, 0.55, 0.3];

test('sensitivity at 90% specificity', () => {
  const result = sensitivityAtSpecificity(specLabels, specScores, 0.9);
  assert.is(result.value, 0.8);
  assert.is(result.threshold, 0.55);
  assert.is(result.specificity, 0.9);
  assert.is(result.reason, null);
});

test('sensitivity at stricter targets', () => {
  // Only the point at 0.9 (tpr 1/5, specificity 1) reaches specificity 0.95 or 1.
  assert.is(sensitivityAtSpecificity(specLabels, specScores, 0.95).value, 0.2);
  assert.is(sensitivityAtSpecificity(specLabels, specScores, 1).threshold, 0.9);
  // Target 0 admits every point; the lowest threshold gives tpr 1.
  assert.is(sensitivityAtSpecificity(specLabels, specScores, 0).value, 1);
});

test('only the start point qualifies', () => {
  // The top score is a negative, so every real threshold has specificity 0 or 1/2 < 0.9.
  const result = sensitivityAtSpecificity([0, 1, 0], [0.9, 0.5, 0.1], 0.9);
  assert.is(result.value, 0);
  assert.is(result.threshold, Infinity);
  assert.is(result.specificity, 1);
});

test('sensitivity at specificity needs both classes', () => {
  const result = sensitivityAtSpecificity([0, 0], [0.1, 0.2], 0.9);
  assert.ok(Number.isNaN(result.value));
  assert.match(result.reason ?? '', /only negative examples/);
});

test('rejects a target outside [0, 1]', () => {
  assert.throws(() => sensitivityAtSpecificity(labels, scores, 90), /sensitivityAtSpecificity: `targetSpecificity` must be a number in \[0, 1\], got 90/);
});

test('rejects infinite scores', () => {
  assert.throws(() => auroc([1, 0], [Infinity, 0.1]), /auroc: `scores` must be finite numbers, got Infinity at index 0/);
});

test.run();
