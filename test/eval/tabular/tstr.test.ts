import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ageBand } from '../../../kernel-lib/eval/tabular/age-bands';
import { Table } from '../../../kernel-lib/eval/tabular/table';
import { compareTstrTrtr, evaluateTrainTest } from '../../../kernel-lib/eval/tabular/tstr';

function assertClose(actual: number, expected: number, tolerance: number, name: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${name}: expected ${expected} ± ${tolerance}, but got ${actual}`);
}

function ageWardTable(ages: number[], wards: string[]): Table {
  return { numeric: { age: Float64Array.from(ages) }, categorical: { ward: wards }, rows: ages.length };
}

// Synthetic training rows (age, ward, label) and real test rows.
const synthetic = ageWardTable([40, 50, 42, 55], ['A', 'B', 'A', 'B']);
const syntheticLabels = [0, 1, 0, 1];
const real = ageWardTable([41, 56, 60], ['A', 'B', 'C']);
const realLabels = [0, 1, 1];

test('unseen ward is scored and noted', () => {
  const result = evaluateTrainTest({ train: synthetic, trainLabels: syntheticLabels, test: real, testLabels: realLabels });
  assert.is(result.status, 'ok');
  assert.is(result.reason, undefined);
  assert.is(result.testRows, 3);
  assert.is(result.scoredRows, 3);
  assert.is(result.unseenCategoryRows, 1);
  assert.ok(
    result.notes.some((note) => /^1 of 3 test rows had a category unseen in training \(ward=C in 1\)/.test(note)),
    result.notes.join(' | '),
  );
  // Label 1 goes with higher age and ward B in training, so the weight of ward=A is negative and
  // the age weight positive: (60, C) with an all-zero ward scores above (41, A), and so does (56, B).
  // Both positives rank above the one negative, so AUROC = 1 and average precision = 1.
  assert.equal(result.auroc, { value: 1, reason: null });
  assert.equal(result.auprc, { value: 1, reason: null });
});

test('one-class synthetic labels cannot train', () => {
  const result = evaluateTrainTest({ train: synthetic, trainLabels: [1, 1, 1, 1], test: real, testLabels: realLabels });
  assert.is(result.status, 'cannot-train');
  assert.match(result.reason as string, /^cannot train: one class \(all 4 training labels are 1\)/);
  assert.ok(Number.isNaN(result.auroc.value));
  assert.match(result.auroc.reason as string, /cannot train: one class/);
  assert.ok(Number.isNaN(result.auprc.value));
  assert.is(result.scoredRows, 0);
  assert.is(result.testRows, 3);
});

test('one-class test labels pass the reason through', () => {
  const result = evaluateTrainTest({ train: synthetic, trainLabels: syntheticLabels, test: real, testLabels: [1, 1, 1] });
  assert.is(result.status, 'ok');
  assert.ok(Number.isNaN(result.auroc.value));
  assert.match(result.auroc.reason as string, /only positive examples \(3 positives, 0 negatives\)/);
  // Average precision is defined with positives only: every precision is 1.
  assert.equal(result.auprc, { value: 1, reason: null });
});

// Training ages and labels rise together, so the fitted weight of age is positive and the test
// scores are ordered as the test ages.
const ageOnlyTrain: Table = { numeric: { age: Float64Array.from([30, 40, 50, 60, 70, 80]) }, categorical: {}, rows: 6 };
const ageOnlyLabels = [0, 0, 1, 0, 1, 1];
const testAges = [35, 45, 65, 75, 55, 62, 85, 50];
const testLabels = [0, 1, 0, 1, 1, 0, 1, 0];
const testSex = ['female', 'female', 'female', 'female', 'male', 'male', 'male', null];
const ageOnlyTest: Table = { numeric: { age: Float64Array.from(testAges) }, categorical: {}, rows: 8 };
const sexSubgroup = { name: 'sex', groupOf: (row: number) => testSex[row] };

test('overall metrics from test age order', () => {
  const result = evaluateTrainTest({ train: ageOnlyTrain, trainLabels: ageOnlyLabels, test: ageOnlyTest, testLabels });
  // Positives 45, 75, 55, 85 against negatives 35, 65, 62, 50 win 1 + 4 + 2 + 4 = 11 of 16 pairs.
  assertClose(result.auroc.value, 11 / 16, 1e-12, 'AUROC');
  // Descending: 85+ 75+ 65- 62- 55+ 50- 45+ 35-, so AP = (1 + 1 + 3/5 + 4/7) / 4.
  assertClose(result.auprc.value, (1 + 1 + 3 / 5 + 4 / 7) / 4, 1e-12, 'AUPRC');
});

test('subgroup metrics and unassigned rows', () => {
  const result = evaluateTrainTest({
    train: ageOnlyTrain,
    trainLabels: ageOnlyLabels,
    test: ageOnlyTest,
    testLabels,
    subgroups: [sexSubgroup],
  });
  assert.is(result.subgroups.length, 1);
  const sex = result.subgroups[0];
  assert.is(sex.name, 'sex');
  assert.is(sex.unassignedRows, 1);
  assert.equal(sex.groups.map((g) => g.group), ['female', 'male']);

  const [female, male] = sex.groups;
  assert.is(female.n, 4);
  assert.is(female.positives, 2);
  // Female positives 45, 75 against negatives 35, 65: 3 of 4 pairs ordered.
  assertClose(female.auroc.value, 0.75, 1e-12, 'female AUROC');
  // Descending: 75+ 65- 45+ 35-, so AP = (1 + 2/3) / 2.
  assertClose(female.auprc.value, (1 + 2 / 3) / 2, 1e-12, 'female AUPRC');
  assert.is(female.note, undefined);

  assert.is(male.n, 3);
  assert.is(male.positives, 2);
  // Male positives 55, 85 against negative 62: 1 of 2 pairs ordered.
  assertClose(male.auroc.value, 0.5, 1e-12, 'male AUROC');
});

test('one-class subgroup gets a reason and note', () => {
  const result = evaluateTrainTest({
    train: ageOnlyTrain,
    trainLabels: ageOnlyLabels,
    test: ageOnlyTest,
    testLabels,
    subgroups: [{ name: 'age band', groupOf: (row: number) => ageBand(testAges[row]) }],
  });
  const groups = result.subgroups[0].groups;
  assert.equal(groups.map((g) => g.group), ['<50', '65-79', '50-64', '>=80']);
  const oldest = groups[3];
  assert.is(oldest.n, 1);
  assert.ok(Number.isNaN(oldest.auroc.value));
  assert.match(oldest.auroc.reason as string, /only positive examples/);
  assert.match(oldest.note as string, /AUROC undefined: only positive examples/);
});

test('cannot-train subgroups carry the reason', () => {
  const result = evaluateTrainTest({
    train: ageOnlyTrain,
    trainLabels: [0, 0, 0, 0, 0, 0],
    test: ageOnlyTest,
    testLabels,
    subgroups: [sexSubgroup],
  });
  const female = result.subgroups[0].groups[0];
  assert.is(female.n, 4);
  assert.match(female.auroc.reason as string, /cannot train: one class \(all 6 training labels are 0\)/);
});

test('evaluateTrainTest validates its input', () => {
  assert.throws(
    () => evaluateTrainTest({ train: synthetic, trainLabels: [0, 1], test: real, testLabels: realLabels }),
    /evaluateTrainTest: `trainLabels` has 2 labels but `train` has 4 rows/,
  );
  assert.throws(
    () => evaluateTrainTest({ train: synthetic, trainLabels: syntheticLabels, test: real, testLabels: [0, 1, 3] }),
    /`testLabels` must contain only 0 and 1, got 3 at index 2/,
  );
  assert.throws(
    () => evaluateTrainTest({ train: synthetic, trainLabels: syntheticLabels, test: ageOnlyTest, testLabels }),
    /evaluateTrainTest: categorical columns of `test` differ from those of `train`: missing \[ward\]/,
  );
  assert.throws(
    () =>
      evaluateTrainTest({
        train: synthetic,
        trainLabels: syntheticLabels,
        test: real,
        testLabels: realLabels,
        subgroups: [{ name: 'bad', groupOf: () => 3 as unknown as string }],
      }),
    /subgroup 'bad' returned 3 for test row 0; groupOf must return a string or null/,
  );
});

test('compareTstrTrtr gap from reversed labels', () => {
  // Synthetic labels fall with age, so TSTR scores reverse the test age order. Without ties,
  // TSTR AUROC = 1 - TRTR AUROC, and the gap is 2 TRTR - 1.
  const comparison = compareTstrTrtr({
    realTrain: ageOnlyTrain,
    realTrainLabels: ageOnlyLabels,
    syntheticTrain: ageOnlyTrain,
    syntheticTrainLabels: ageOnlyLabels.map((label) => 1 - label),
    realTest: ageOnlyTest,
    realTestLabels: testLabels,
    subgroups: [sexSubgroup],
  });
  assertClose(comparison.trtr.auroc.value, 11 / 16, 1e-12, 'TRTR AUROC');
  assertClose(comparison.tstr.auroc.value, 5 / 16, 1e-12, 'TSTR AUROC');
  assertClose(comparison.aurocGap.value, 11 / 16 - 5 / 16, 1e-12, 'gap');
  assert.is(comparison.aurocGap.reason, null);

  const groups = comparison.subgroups[0].groups;
  assert.equal(groups.map((g) => g.group), ['female', 'male']);
  assertClose(groups[0].aurocGap.value, 0.75 - 0.25, 1e-12, 'female gap');
  assertClose(groups[1].aurocGap.value, 0, 1e-12, 'male gap');
});

test('compareTstrTrtr fits separate encoders', () => {
  // Ward C is in the synthetic training rows only, so only the TRTR run reports it as unseen.
  const comparison = compareTstrTrtr({
    realTrain: ageWardTable([40, 50, 42, 55], ['A', 'B', 'A', 'B']),
    realTrainLabels: [0, 1, 0, 1],
    syntheticTrain: ageWardTable([40, 50, 42, 58], ['A', 'B', 'A', 'C']),
    syntheticTrainLabels: [0, 1, 0, 1],
    realTest: real,
    realTestLabels: realLabels,
  });
  assert.is(comparison.trtr.unseenCategoryRows, 1);
  assert.is(comparison.tstr.unseenCategoryRows, 0);
  assert.ok(comparison.trtr.notes.some((note) => /1 of 3 real test rows had a category unseen in real training/.test(note)));
});

test('compareTstrTrtr gap undefined without TSTR model', () => {
  const comparison = compareTstrTrtr({
    realTrain: synthetic,
    realTrainLabels: syntheticLabels,
    syntheticTrain: synthetic,
    syntheticTrainLabels: [0, 0, 0, 0],
    realTest: real,
    realTestLabels: realLabels,
  });
  assert.is(comparison.tstr.status, 'cannot-train');
  assert.match(comparison.tstr.reason as string, /cannot train: one class \(all 4 synthetic training labels are 0\)/);
  assert.is(comparison.trtr.status, 'ok');
  assert.ok(Number.isNaN(comparison.aurocGap.value));
  assert.match(comparison.aurocGap.reason as string, /^TSTR AUROC undefined: cannot train: one class/);
});

test.run();
