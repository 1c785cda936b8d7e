import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { discriminativeScore } from '../../../kernel-lib/eval/tabular/discriminative';
import { Table } from '../../../kernel-lib/eval/tabular/table';
import { Random } from '../../../kernel-lib/util/random';

/** `rows` patients with a normal age (mean 60, sd 15) and a ward drawn uniformly from A, B, C. */
function patients(seed: number, rows: number): Table {
  const random = new Random(seed);
  const age = Float64Array.from({ length: rows }, () => 60 + 15 * random.normal());
  const ward = Array.from({ length: rows }, () => ['A', 'B', 'C'][random.int(3)]);
  return { numeric: { age }, categorical: { ward }, rows };
}

function ages(values: number[]): Table {
  return { numeric: { age: Float64Array.from(values) }, categorical: {}, rows: values.length };
}

// Copied rows bias accuracy below 0.5. In each fold the training real rows lack the fold's real
// rows R while their copies stay among the training synthetic rows, and the reverse holds for
// the fold's synthetic rows S. The model direction then follows mean(S) - mean(R), a vector of
// length about sqrt(2 d k / n) in standardised units for d free features (age and two of three
// wards: d = 3), k folds and n rows per class. R and S sit on opposite sides along it, so the
// expected accuracy is about Phi(-sqrt(2 d k / n) / 2): 0.476 for n = 2000 and 0.42 for n = 200.

test('identical tables score near chance', () => {
  // 2000 rows per class: the bias is about 0.024 and the sampling standard deviation of
  // accuracy over 4000 out-of-fold predictions about sqrt(0.25 / 4000) = 0.008, so 0.05 leaves
  // more than 3 standard deviations beyond the bias.
  const table = patients(1, 2000);
  const result = discriminativeScore(table, table, { seed: 5 });
  assert.ok(Math.abs(result.accuracy - 0.5) <= 0.05, `accuracy ${result.accuracy}`);
  assert.ok(result.score <= 0.05, `score ${result.score}`);
  assert.ok(Math.abs(result.auroc - 0.5) <= 0.06, `AUROC ${result.auroc}`);
  assert.is(result.rowsPerClass, 2000);
  assert.is(result.folds, 5);
});

test('copied rows push accuracy below chance', () => {
  // Expected accuracy about 0.42 at 200 rows per class; the mean of five seeds has a sampling
  // standard deviation of about sqrt(0.25 / 400) / sqrt(5) = 0.011, so 0.49 is 6 of them away.
  let sum = 0;
  for (let seed = 1; seed <= 5; seed++) {
    const table = patients(100 + seed, 200);
    sum += discriminativeScore(table, table, { seed }).accuracy;
  }
  const meanAccuracy = sum / 5;
  assert.ok(meanAccuracy < 0.49, `mean accuracy ${meanAccuracy}`);
});

test('independent samples score near chance', () => {
  // No copies, so no bias: 0.05 is 3 sampling standard deviations of sqrt(0.25 / 2000) = 0.011.
  const result = discriminativeScore(patients(2, 1000), patients(3, 1000), { seed: 9 });
  assert.ok(result.score <= 0.05, `score ${result.score}`);
});

test('separable tables score 0.5', () => {
  const real = ages(Array.from({ length: 20 }, (_, k) => 60 + k));
  const synthetic = ages(Array.from({ length: 20 }, (_, k) => 20 + k));
  const result = discriminativeScore(real, synthetic, { seed: 1 });
  assert.is(result.accuracy, 1);
  assert.is(result.score, 0.5);
  assert.is(result.auroc, 1);
});

test('larger side is subsampled', () => {
  const result = discriminativeScore(patients(4, 30), patients(5, 12), { seed: 2, folds: 3 });
  assert.is(result.rowsPerClass, 12);
  assert.is(result.folds, 3);
});

test('same seed gives the same score', () => {
  const real = patients(6, 60);
  const synthetic = patients(7, 80);
  const first = discriminativeScore(real, synthetic, { seed: 3 });
  const second = discriminativeScore(real, synthetic, { seed: 3 });
  assert.equal(first, second);
});

test('discriminativeScore validates its input', () => {
  const table = patients(8, 10);
  assert.throws(() => discriminativeScore(table, table, { seed: 1, folds: 1 }), /discriminativeScore: `folds` must be an integer >= 2, got 1/);
  assert.throws(
    () => discriminativeScore(table, patients(9, 4), { seed: 1 }),
    /needs at least 5 rows in each table for 5 folds, got 10 real and 4 synthetic rows/,
  );
  assert.throws(() => discriminativeScore(table, table, { seed: 1.5 }), /`seed` must be an integer, got 1.5/);
  assert.throws(() => discriminativeScore(table, ages([1, 2, 3, 4, 5]), { seed: 1 }), /categorical columns of `synthetic` differ from those of `real`/);
});

test.run();
