import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  accuracy,
  binaryMetrics,
  confusionCounts,
  f1Score,
  falsePositiveRate,
  negativePredictiveValue,
  positivePredictiveValue,
  sensitivity,
  specificity,
} from '../../kernel-lib/eval/binary';

function assertClose(actual: number, expected: number, tolerance: number, name: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${name}: expected ${expected} ± ${tolerance}, but got ${actual}`);
}

// Hand case: threshold 0.5 predicts positive for 0.9, 0.5, 0.5 and 0.7, so
// tp = 2 (0.9, 0.5), fp = 2 (0.5, 0.7), tn = 1 (0.2), fn = 1 (0.3).
const labels = [1, 1, 0, 0, 1, 0];
const scores = [0.9, 0.5, 0.5, 0.2, 0.3, 0.7];

test('confusion counts at a threshold', () => {
  const counts = confusionCounts(labels, scores, 0.5);
  assert.is(counts.tp, 2);
  assert.is(counts.fp, 2);
  assert.is(counts.tn, 1);
  assert.is(counts.fn, 1);
});

test('score equal to threshold is positive', () => {
  const counts = confusionCounts([1, 0], [0.5, 0.5], 0.5);
  assert.is(counts.tp, 1);
  assert.is(counts.fp, 1);
  assert.is(counts.tn + counts.fn, 0);
});

test('rates of the hand case', () => {
  const counts = confusionCounts(labels, scores, 0.5);
  // Exact ratios of the counts above; 1e-15 allows the last bit of each division.
  assertClose(sensitivity(counts), 2 / 3, 1e-15, 'sensitivity');
  assertClose(specificity(counts), 1 / 3, 1e-15, 'specificity');
  assertClose(positivePredictiveValue(counts), 1 / 2, 1e-15, 'ppv');
  assertClose(negativePredictiveValue(counts), 1 / 2, 1e-15, 'npv');
  assertClose(f1Score(counts), 4 / 7, 1e-15, 'f1 = 2tp / (2tp + fp + fn)');
  assertClose(falsePositiveRate(counts), 2 / 3, 1e-15, 'fpr');
  assertClose(accuracy(counts), 3 / 6, 1e-15, 'accuracy');
});

test('f1 is the harmonic mean of ppv and sensitivity', () => {
  const counts = { tp: 7, fp: 3, tn: 11, fn: 5 };
  const precision = positivePredictiveValue(counts);
  const recall = sensitivity(counts);
  assertClose(f1Score(counts), (2 * precision * recall) / (precision + recall), 1e-15, 'f1');
});

test('zero denominators give NaN, not 0', () => {
  const noPositives = { tp: 0, fp: 2, tn: 3, fn: 0 };
  assert.ok(Number.isNaN(sensitivity(noPositives)), 'sensitivity without positives');
  assert.ok(Number.isNaN(f1Score({ tp: 0, fp: 0, tn: 3, fn: 0 })), 'f1 with tp + fp + fn = 0');
  assert.ok(Number.isNaN(specificity({ tp: 1, fp: 0, tn: 0, fn: 1 })), 'specificity without negatives');
  assert.ok(Number.isNaN(positivePredictiveValue({ tp: 0, fp: 0, tn: 3, fn: 1 })), 'ppv with no predicted positive');
  assert.ok(Number.isNaN(accuracy({ tp: 0, fp: 0, tn: 0, fn: 0 })), 'accuracy of empty counts');
  assert.is(specificity(noPositives), 0.6);
});

test('binaryMetrics names each undefined metric', () => {
  const metrics = binaryMetrics({ tp: 0, fp: 0, tn: 4, fn: 0 });
  assert.ok(Number.isNaN(metrics.sensitivity));
  assert.ok(Number.isNaN(metrics.ppv));
  assert.ok(Number.isNaN(metrics.f1));
  assert.is(metrics.specificity, 1);
  assert.equal(metrics.undefinedReasons, [
    'sensitivity: no positive examples (tp + fn = 0)',
    'ppv: no example predicted positive (tp + fp = 0)',
    'f1: no positive example and none predicted positive (tp + fp + fn = 0)',
  ]);
});

test('binaryMetrics lists nothing when all defined', () => {
  assert.equal(binaryMetrics({ tp: 1, fp: 1, tn: 1, fn: 1 }).undefinedReasons, []);
});

test('rejects bad input with index and value', () => {
  assert.throws(() => confusionCounts([1, 0], [0.5], 0.5), /confusionCounts: `labels` and `scores` must have the same length, got 2 labels and 1 scores/);
  assert.throws(() => confusionCounts([], [], 0.5), /confusionCounts: needs at least one example/);
  assert.throws(() => confusionCounts([1, 2, 0], [0.1, 0.2, 0.3], 0.5), /got 2 at index 1; map class ids to 0\/1 first/);
  assert.throws(() => confusionCounts([1, 0], [0.1, NaN], 0.5), /`scores` must be finite numbers, got NaN at index 1/);
  assert.throws(() => confusionCounts([1, 0], [0.1, 0.2], NaN), /`threshold` must be a number, got NaN/);
});

test.run();
