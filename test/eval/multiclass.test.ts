import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { argmaxPredictions, multiclassConfusionMatrix, perClassMetrics } from '../../kernel-lib/eval/multiclass';
import { averagePrecision } from '../../kernel-lib/eval/precision-recall';
import { auroc } from '../../kernel-lib/eval/roc';

function assertClose(actual: number, expected: number, tolerance: number, name: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${name}: expected ${expected} ± ${tolerance}, but got ${actual}`);
}

// Hand case, 3 classes. Argmax predictions: 0, 1, 2, 1, 0, 0 (row 5 ties classes 0 and 1 and
// takes the lower id). Confusion matrix (rows true, columns predicted):
//   true 0: [2, 0, 0]
//   true 1: [1, 1, 0]
//   true 2: [0, 1, 1]
const labels = [0, 1, 2, 2, 1, 0];
const probabilities = [
  [0.7, 0.2, 0.1],
  [0.1, 0.6, 0.3],
  [0.2, 0.2, 0.6],
  [0.1, 0.5, 0.4],
  [0.5, 0.4, 0.1],
  [0.4, 0.4, 0.2],
];

test('argmax ties take the lowest class', () => {
  assert.equal(Array.from(argmaxPredictions(probabilities)), [0, 1, 2, 1, 0, 0]);
});

test('confusion matrix rows are true classes', () => {
  assert.equal(multiclassConfusionMatrix(labels, probabilities), [
    [2, 0, 0],
    [1, 1, 0],
    [0, 1, 1],
  ]);
});

test('one-vs-rest threshold metrics', () => {
  const [c0, c1, c2] = perClassMetrics(labels, probabilities);
  // Class 0: tp 2, fn 0, fp 1, tn 3.
  assert.is(c0.support, 2);
  assert.is(c0.sensitivity, 1);
  assert.is(c0.specificity, 0.75);
  assertClose(c0.ppv, 2 / 3, 1e-15, 'class 0 ppv');
  assertClose(c0.f1, 4 / 5, 1e-15, 'class 0 f1');
  // Class 1: tp 1, fn 1, fp 1, tn 3.
  assert.is(c1.sensitivity, 0.5);
  assert.is(c1.specificity, 0.75);
  assert.is(c1.ppv, 0.5);
  assert.is(c1.f1, 0.5);
  // Class 2: tp 1, fn 1, fp 0, tn 4.
  assert.is(c2.sensitivity, 0.5);
  assert.is(c2.specificity, 1);
  assert.is(c2.ppv, 1);
  assertClose(c2.f1, 2 / 3, 1e-15, 'class 2 f1');
});

test('one-vs-rest ranking metrics', () => {
  const [c0] = perClassMetrics(labels, probabilities);
  // Column 0: positives 0.7, 0.4; negatives 0.1, 0.2, 0.1, 0.5. 0.7 beats all 4 and 0.4 beats 3,
  // so AUROC = 7/8. Descending 0.7 +, 0.5 -, 0.4 +: AP = (1/2)(1) + (1/2)(2/3) = 5/6.
  assertClose(c0.auroc.value, 7 / 8, 1e-12, 'class 0 AUROC');
  assertClose(c0.averagePrecision.value, 5 / 6, 1e-12, 'class 0 AP');
});

test('per-class values match the binary functions', () => {
  const metrics = perClassMetrics(labels, probabilities);
  for (let c = 0; c < 3; c++) {
    const binaryLabels = labels.map((label) => (label === c ? 1 : 0));
    const column = probabilities.map((row) => row[c]);
    assert.is(metrics[c].auroc.value, auroc(binaryLabels, column).value, `class ${c} AUROC`);
    assert.is(metrics[c].averagePrecision.value, averagePrecision(binaryLabels, column).value, `class ${c} AP`);
  }
});

test('absent class is undefined, not 0', () => {
  const [, , c2] = perClassMetrics([0, 1, 0], [
    [0.6, 0.3, 0.1],
    [0.2, 0.7, 0.1],
    [0.5, 0.2, 0.3],
  ]);
  assert.is(c2.support, 0);
  assert.ok(Number.isNaN(c2.sensitivity), 'sensitivity of an absent class');
  assert.ok(Number.isNaN(c2.auroc.value), 'AUROC of an absent class');
  assert.match(c2.auroc.reason ?? '', /only negative examples/);
  assert.ok(Number.isNaN(c2.averagePrecision.value), 'AP of an absent class');
});

test('rejects bad labels and rows', () => {
  assert.throws(() => perClassMetrics([0, 3], [[0.5, 0.5], [0.2, 0.8]]), /perClassMetrics: `labels` must be integer class ids in \[0, 1\], got 3 at index 1/);
  assert.throws(() => multiclassConfusionMatrix([0, 1], [[0.5, 0.5], [0.2, 0.3, 0.5]]), /must have 2 classes like row 0, got 3 at row 1/);
  assert.throws(() => multiclassConfusionMatrix([0, 1], [[0.5, 0.5], [1.5, 0.5]]), /`probabilities\[1\]` must be probabilities in \[0, 1\], got 1.5 at index 0/);
  assert.throws(() => multiclassConfusionMatrix([0], [[1]]), /need at least 2 classes, got 1/);
  assert.throws(() => multiclassConfusionMatrix([0, 1], [[0.5, 0.5]]), /got 2 labels and 1 rows/);
});

test.run();
