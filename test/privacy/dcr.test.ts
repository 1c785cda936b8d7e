import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { distanceToClosestRecord } from '../../kernel-lib/privacy/dcr';
import { assertClose, assertRejects, records } from './helpers';

test.before(async () => {
  await selectBackend({ backend: 'cpu' });
});

const description = { featureSpace: 'toy 2-D points', scaling: 'none' };
const training = records([[0, 0], [0, 0], [3, 4], [6, 8]]);
const synthetic = records([[0, 0], [3, 4.1], [10, 10]]);
const holdout = records([[0, 1], [6, 9]]);

// Hand-computed: distances are Euclidean in the plane, tolerance 1e-12 for float64 rounding
// (4.1 − 4 is not exact in binary).
test('synthetic DCR on the hand case', async () => {
  const report = await distanceToClosestRecord({ ...description, training, synthetic, holdout });
  const expected = [0, 0.1, Math.sqrt(20)];
  for (let i = 0; i < 3; i++) assertClose(report.synthetic.values[i], expected[i], 1e-12, `synthetic DCR ${i}`);
  assert.equal(Array.from(report.synthetic.nearestIndex), [0, 2, 3]);
  assertClose(report.synthetic.median, 0.1, 1e-12, 'median synthetic DCR');
  assert.is(report.synthetic.exactCopyShare, 1 / 3);
});

test('within-training distances count duplicates', async () => {
  const report = await distanceToClosestRecord({ ...description, training, synthetic, holdout });
  assert.equal(Array.from(report.withinTraining.values), [0, 0, 5, 5]);
  assert.is(report.withinTraining.median, 2.5);
  assert.is(report.withinTraining.percentile5, 0);
});

test('holdout baseline on the hand case', async () => {
  const report = await distanceToClosestRecord({ ...description, training, synthetic, holdout });
  assert.ok(report.holdout !== null, 'expected a holdout summary');
  assert.equal(Array.from(report.holdout.values), [1, 1]);
  assert.is(report.holdout.exactCopyShare, 0);
  assert.is(report.numHoldout, 2);
});

test('distance ratio on the hand case', async () => {
  const report = await distanceToClosestRecord({ ...description, training, synthetic, holdout });
  // (0, 0) has two training copies at distance 0, so its ratio is 0 by convention.
  // (3, 4.1): 0.1 / √24.21. (10, 10): √20 / √85. Holdout (0, 1): 1 / 1; (6, 9): 1 / √34.
  const ratios = Array.from(report.synthetic.distanceRatio.values);
  assert.is(ratios[0], 0);
  assertClose(ratios[1], 0.1 / Math.sqrt(24.21), 1e-12, 'ratio of (3, 4.1)');
  assertClose(ratios[2], Math.sqrt(20) / Math.sqrt(85), 1e-12, 'ratio of (10, 10)');
  const holdoutRatios = Array.from(report.holdout?.distanceRatio.values ?? []);
  assert.equal(holdoutRatios, [1, 1 / Math.sqrt(34)]);
});

test('near copies use the 5th percentile by default', async () => {
  const report = await distanceToClosestRecord({ ...description, training, synthetic, holdout });
  // The 5th percentile of [0, 0, 5, 5] is 0, so only the exact copy is a near copy.
  assert.is(report.nearCopyThreshold, 0);
  assert.is(report.synthetic.nearCopyShare, 1 / 3);
  assert.match(report.nearCopyRule, /percentile 5 of the within-training/);
});

test('a fixed near-copy threshold replaces the percentile', async () => {
  const report = await distanceToClosestRecord({ ...description, training, synthetic, holdout, nearCopyThreshold: 1 });
  assert.is(report.nearCopyThreshold, 1);
  assert.is(report.synthetic.nearCopyShare, 2 / 3);
  assert.is(report.holdout?.nearCopyShare, 1);
});

test('report carries the feature space and scaling', async () => {
  const report = await distanceToClosestRecord({ featureSpace: 'labs (12)', scaling: 'z-score on training', training, synthetic });
  assert.is(report.featureSpace, 'labs (12)');
  assert.is(report.scaling, 'z-score on training');
  assert.is(report.holdout, null);
  assert.is(report.numHoldout, null);
});

test('rejects a holdout that overlaps training', async () => {
  await assertRejects(
    () => distanceToClosestRecord({ ...description, training, synthetic, holdout: records([[1, 1], [3, 4], [0, 0]]) }),
    /distanceToClosestRecord: `holdout` overlaps `training`: 2 of its 3 rows are identical to a training row, the first holdout row 1 = training row 2/,
  );
});

test('rejects mismatched, empty or non-finite sets', async () => {
  await assertRejects(
    () => distanceToClosestRecord({ ...description, training, synthetic: records([[1, 2, 3]]) }),
    /`synthetic` has 3 features but `training` has 2/,
  );
  await assertRejects(
    () => distanceToClosestRecord({ ...description, training, synthetic: { data: new Float64Array(0), numRecords: 0, numFeatures: 2 } }),
    /`synthetic` is empty \(0 records\)/,
  );
  await assertRejects(
    () => distanceToClosestRecord({ ...description, training: records([[0, 0], [Infinity, 1]]), synthetic }),
    /`training` contains 1 non-finite value\(s\) \(NaN or ±Infinity\), the first Infinity at row 1, column 0/,
  );
  await assertRejects(
    () => distanceToClosestRecord({ ...description, featureSpace: '', training, synthetic }),
    /`featureSpace` must be a non-empty string/,
  );
  await assertRejects(
    () => distanceToClosestRecord({ ...description, training: records([[0, 0]]), synthetic }),
    /`training` needs at least 2 records for nearest and second-nearest distances, got 1/,
  );
});

test.run();
