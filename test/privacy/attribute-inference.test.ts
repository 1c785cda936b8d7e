import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { attributeInference } from '../../kernel-lib/privacy/attribute-inference';
import { assertRejects, records } from './helpers';

test.before(async () => {
  await selectBackend({ backend: 'cpu' });
});

// Rows are [x, sensitive category]; the attack uses x only.
const description = { featureSpace: 'toy: one numeric feature and a category', scaling: 'none' };
const synthetic = records([[0, 1], [1, 1], [10, 2], [11, 2], [12, 0]]);
const reference = records([[0, 2], [10, 2], [20, 0]]);
const targets = records([[0.4, 1], [10.6, 2], [11.8, 0], [19, 0]]);

test('1-NN attack on a hand case', async () => {
  const report = await attributeInference({ ...description, synthetic, reference, targets, sensitiveColumn: 1, k: 1 });
  // Nearest synthetic x: 0 → 1, 11 → 2, 12 → 0, 12 → 0: all four right.
  assert.equal(Array.from(report.synthetic.predictions), [1, 2, 0, 0]);
  assert.is(report.synthetic.accuracy, 1);
  // Nearest reference x: 0 → 2, 10 → 2, 10 → 2, 20 → 0: the second and fourth are right.
  assert.equal(Array.from(report.reference.predictions), [2, 2, 2, 0]);
  assert.is(report.reference.accuracy, 0.5);
  // Reference categories [2, 2, 0]: majority 2, which one target of four has.
  assert.is(report.majorityCategory, 2);
  assert.is(report.majorityBaselineAccuracy, 0.25);
  assert.is(report.featureSpace, description.featureSpace);
});

test('vote ties go to the smallest category', async () => {
  const report = await attributeInference({ ...description, synthetic, reference, targets, sensitiveColumn: 1, k: 2 });
  // x = 11.8: neighbours 12 (category 0) and 11 (category 2) tie, so 0 wins. x = 19 likewise.
  assert.equal(Array.from(report.synthetic.predictions), [1, 2, 0, 0]);
  // Reference: x = 0.4 has neighbours 0 and 10, both category 2. Each other target has one
  // neighbour of category 2 (x = 10) and one of category 0 (x = 20), a tie that 0 wins.
  assert.equal(Array.from(report.reference.predictions), [2, 0, 0, 0]);
});

test('sensitive column may be any column', async () => {
  const swap = (rows: number[][]) => records(rows.map(([x, category]) => [category, x]));
  const report = await attributeInference({
    ...description,
    synthetic: swap([[0, 1], [1, 1], [10, 2], [11, 2], [12, 0]]),
    reference: swap([[0, 2], [10, 2], [20, 0]]),
    targets: swap([[0.4, 1], [10.6, 2], [11.8, 0], [19, 0]]),
    sensitiveColumn: 0,
    k: 1,
  });
  assert.is(report.synthetic.accuracy, 1);
  assert.is(report.reference.accuracy, 0.5);
});

test('rejects non-integer categories', async () => {
  await assertRejects(
    () => attributeInference({ ...description, synthetic: records([[0, 1.5]]), reference, targets, sensitiveColumn: 1, k: 1 }),
    /attributeInference: `synthetic` row 0 has 1.5 in the sensitive column 1; encode the sensitive attribute as integer category codes/,
  );
});

test('rejects a reference set that overlaps the targets', async () => {
  await assertRejects(
    () => attributeInference({ ...description, synthetic, reference: records([[19, 0], [3, 1]]), targets, sensitiveColumn: 1, k: 1 }),
    /`reference` overlaps `targets`: 1 of its 2 rows are identical to a targets row, the first reference row 0 = targets row 3/,
  );
});

test('rejects a bad column or k', async () => {
  await assertRejects(
    () => attributeInference({ ...description, synthetic, reference, targets, sensitiveColumn: 2 }),
    /`sensitiveColumn` must be an integer column index in \[0, 1\], got 2/,
  );
  await assertRejects(
    () => attributeInference({ ...description, synthetic, reference, targets, sensitiveColumn: 1, k: 4 }),
    /`k` must be an integer in \[1, 3\] \(the smaller of the synthetic and reference sizes\), got 4/,
  );
});

test.run();
