import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FeatureRows } from '../../../kernel-lib/eval/fidelity/feature-rows';
import { kthNeighbourDistances, kthNeighbourRadii, manifoldPrecisionRecall } from '../../../kernel-lib/eval/fidelity/precision-recall';

function rows(values: number[][]): FeatureRows {
  return { data: Float64Array.from(values.flat()), count: values.length, numFeatures: values[0].length };
}

test('1-D, k = 1: precision 1/2, recall 1', () => {
  // Real {0, 1, 2, 3}: every radius is 1, so the real manifold is [−1, 4]; 0.5 and 3.9 are in it.
  // Generated radii: 0.5 → 3.4, 3.9 → 0.6, 4.5 → 0.6, 10 → 5.5; the ball of 0.5 covers [−2.9, 3.9].
  const result = manifoldPrecisionRecall(rows([[0], [1], [2], [3]]), rows([[0.5], [3.9], [4.5], [10]]), 1);
  assert.is(result.precision, 0.5);
  assert.is(result.recall, 1);
  assert.equal(Array.from(result.generatedInsideReal), [1, 1, 0, 0]);
});

test('1-D, k = 2: precision 3/5', () => {
  // Real {0, …, 4}: radii 2, 1, 1, 1, 2, so the manifold is [−2, 6]; 5.5, −1 and 2.2 are in it.
  const result = manifoldPrecisionRecall(rows([[0], [1], [2], [3], [4]]), rows([[5.5], [6.5], [-1], [10], [2.2]]), 2);
  assert.is(result.precision, 0.6);
  assert.equal(Array.from(result.generatedInsideReal), [1, 0, 1, 0, 1]);
});

test('2-D, k = 1: precision 3/4, recall 1/4', () => {
  // Real radii are all 1; (5, 5) is 5√2 from (0, 0) and (10, 10), outside every ball.
  // Generated radii²: (0.5, 0.5) → 0.25, (0, 0.9) → 0.41, (5, 5) → 40.5, (0.2, 0.1) → 0.25.
  // Only real (0, 0) is covered (distance² 0.05 to (0.2, 0.1)); (1, 0) is 41 > 40.5 from (5, 5).
  const real = rows([[0, 0], [1, 0], [10, 10], [10, 11]]);
  const generated = rows([[0.5, 0.5], [0, 0.9], [5, 5], [0.2, 0.1]]);
  const result = manifoldPrecisionRecall(real, generated, 1);
  assert.is(result.precision, 0.75);
  assert.is(result.recall, 0.25);
  assert.equal(Array.from(result.realInsideGenerated), [1, 0, 0, 0]);
});

test('ball boundary counts as inside', () => {
  // Real {0, 1} have radius 1; generated 2 lies exactly on the ball of 1.
  const result = manifoldPrecisionRecall(rows([[0], [1]]), rows([[2], [2]]), 1);
  assert.is(result.precision, 1);
});

test('radius skips the row itself but not duplicates', () => {
  // Rows 0 and 1 are equal: each is the other's nearest neighbour at distance 0.
  assert.equal(Array.from(kthNeighbourRadii(rows([[0], [0], [3]]), 1)), [0, 0, 3]);
});

test('outlier score is the k-th nearest reference distance', () => {
  // Query 10 against {0, 1, 2}: distances 10, 9, 8; the 2nd nearest is 9.
  assert.equal(Array.from(kthNeighbourDistances(rows([[10]]), rows([[0], [1], [2]]), 2)), [9]);
});

test('rejects k not below the set size', () => {
  assert.throws(() => manifoldPrecisionRecall(rows([[0], [1], [2]]), rows([[0], [1], [2], [3]]), 3), /manifoldPrecisionRecall: `real` has 3 rows, but this metric needs at least 4/);
});

test('rejects k = 0', () => {
  assert.throws(() => kthNeighbourRadii(rows([[0], [1]]), 0), /`k` must be an integer >= 1 \(default 3\), got 0/);
});

test.run();
