import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RecordSet } from '../../kernel-lib/privacy/records';
import { imageFidelityChecks } from '../../kernel-lib/release/image-fidelity-check';
import { DEFAULT_RELEASE_POLICY } from '../../kernel-lib/release/policy';
import { Random } from '../../kernel-lib/util/random';

const POLICY = DEFAULT_RELEASE_POLICY.imageFidelity;

/** Draws `count` records of `numFeatures` values, each uniform in [offset, offset + 1). */
function uniformRecords(count: number, numFeatures: number, offset: number, seed: number): RecordSet {
  const random = new Random(seed);
  const data = new Float64Array(count * numFeatures);
  for (let i = 0; i < data.length; i++) data[i] = offset + random.uniform();
  return { data, numRecords: count, numFeatures };
}

const reference = uniformRecords(60, 4, 0, 1);
const train = uniformRecords(30, 4, 0, 2);

test('images like the real ones pass', () => {
  const result = imageFidelityChecks(uniformRecords(40, 4, 0, 3), train, reference, POLICY, 0);
  assert.ok(!('skipped' in result), 'expected the checks to run');
  if ('skipped' in result) return;
  assert.is(result.summary.setSize, 30);
  assert.equal(result.checks.map((check) => [check.name, check.passed]), [['image-precision', true], ['image-recall', true]]);
});

test('images off the real manifold fail precision', () => {
  const result = imageFidelityChecks(uniformRecords(40, 4, 5, 3), train, reference, POLICY, 0);
  if ('skipped' in result) throw new Error(result.skipped);
  assert.is(result.summary.syntheticPrecision, 0);
  assert.is(result.checks[0].passed, false);
  assert.match(result.checks[0].explanation, '0 of 30 synthetic images lie inside the manifold');
});

test('collapsed images fail recall', () => {
  // Thirty copies of one real-looking image cover almost none of the reference.
  const single = uniformRecords(1, 4, 0, 4);
  const data = new Float64Array(30 * 4);
  for (let i = 0; i < 30; i++) data.set(single.data, i * 4);
  const result = imageFidelityChecks({ data, numRecords: 30, numFeatures: 4 }, train, reference, POLICY, 0);
  if ('skipped' in result) throw new Error(result.skipped);
  assert.ok(result.summary.syntheticRecall < result.checks[1].threshold, `recall ${result.summary.syntheticRecall}`);
  assert.is(result.checks[1].passed, false);
});

test('same seed gives the same draw', () => {
  const synthetic = uniformRecords(50, 4, 0, 5);
  const a = imageFidelityChecks(synthetic, train, reference, POLICY, 7);
  const b = imageFidelityChecks(synthetic, train, reference, POLICY, 7);
  assert.equal(a, b);
});

test('too few images skip the check', () => {
  const result = imageFidelityChecks(uniformRecords(3, 4, 0, 3), train, reference, POLICY, 0);
  assert.ok('skipped' in result, 'expected a skip');
  if (!('skipped' in result)) return;
  assert.match(result.skipped, 'k = 3 needs at least 4 images in each set, got 3 synthetic');
});

test.run();
