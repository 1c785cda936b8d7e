import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootstrapDifference, bootstrapIndices, bootstrapMetric, percentileInterval } from '../../kernel-lib/eval/bootstrap';
import { brierScore } from '../../kernel-lib/eval/calibration';
import { auroc } from '../../kernel-lib/eval/roc';
import { Random } from '../../kernel-lib/util/random';

function assertClose(actual: number, expected: number, tolerance: number, name: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${name}: expected ${expected} ± ${tolerance}, but got ${actual}`);
}

const aurocValue = (labels: Float64Array, scores: Float64Array): number => auroc(labels, scores).value;

/** n examples, 40% positive, scores in [0, 1] whose classes overlap (expected AUROC 1 - (4/7)^2 / 2 ≈ 0.84). */
function sampleData(seed: number, n: number): { labels: number[]; scores: number[] } {
  const rng = new Random(seed);
  const labels = Array.from({ length: n }, () => (rng.uniform() < 0.4 ? 1 : 0));
  const scores = labels.map((label) => 0.3 * label + 0.7 * rng.uniform());
  return { labels, scores };
}

test('index sets have shape and range', () => {
  const sets = bootstrapIndices(7, 5, new Random(1));
  assert.is(sets.length, 5);
  for (const set of sets) {
    assert.is(set.length, 7);
    for (const index of set) assert.ok(index >= 0 && index < 7, `index ${index} outside [0, 6]`);
  }
});

test('same seed gives same index sets', () => {
  const a = bootstrapIndices(20, 10, new Random(3));
  const b = bootstrapIndices(20, 10, new Random(3));
  assert.equal(a.map((set) => Array.from(set)), b.map((set) => Array.from(set)));
});

test('different seeds give different index sets', () => {
  const a = bootstrapIndices(20, 10, new Random(3)).map((set) => Array.from(set));
  const b = bootstrapIndices(20, 10, new Random(4)).map((set) => Array.from(set));
  assert.not.equal(a, b);
});

test('percentiles use linear interpolation', () => {
  // numpy.percentile(range(1, 11), [2.5, 97.5]) with the default linear method:
  // h = 9 * 0.025 = 0.225 -> 1 + 0.225 = 1.225, h = 9 * 0.975 = 8.775 -> 9 + 0.775 = 9.775.
  const values = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6];
  const interval = percentileInterval(values);
  assertClose(interval.lower, 1.225, 1e-12, 'lower');
  assertClose(interval.upper, 9.775, 1e-12, 'upper');
  assert.is(interval.level, 0.95);
  // numpy.percentile(range(101), [5, 95]) = [5, 95] for level 0.9.
  const wide = percentileInterval(Array.from({ length: 101 }, (_, i) => i), 0.9);
  assertClose(wide.lower, 5, 1e-12, 'lower at 0.9');
  assertClose(wide.upper, 95, 1e-12, 'upper at 0.9');
});

test('NaN values are ignored and counted', () => {
  const interval = percentileInterval([NaN, 1, 2, NaN, 3]);
  assert.is(interval.nanCount, 2);
  assert.is(interval.validCount, 3);
  // Over [1, 2, 3]: 1 + 2 * 0.025 and 1 + 2 * 0.975.
  assertClose(interval.lower, 1.05, 1e-12, 'lower');
  assertClose(interval.upper, 2.95, 1e-12, 'upper');
});

test('all NaN gives NaN bounds', () => {
  const interval = percentileInterval([NaN, NaN]);
  assert.ok(Number.isNaN(interval.lower));
  assert.ok(Number.isNaN(interval.upper));
  assert.is(interval.validCount, 0);
  assert.is(interval.nanCount, 2);
});

test('same seed gives same interval', () => {
  const data = sampleData(5, 60);
  const a = bootstrapMetric(data, aurocValue, bootstrapIndices(60, 200, new Random(9)));
  const b = bootstrapMetric(data, aurocValue, bootstrapIndices(60, 200, new Random(9)));
  assert.is(a.lower, b.lower);
  assert.is(a.upper, b.upper);
});

test('different seed gives different interval', () => {
  const data = sampleData(5, 60);
  const a = bootstrapMetric(data, aurocValue, bootstrapIndices(60, 200, new Random(9)));
  const b = bootstrapMetric(data, aurocValue, bootstrapIndices(60, 200, new Random(10)));
  assert.ok(a.lower !== b.lower || a.upper !== b.upper, `expected different intervals, both [${a.lower}, ${a.upper}]`);
});

test('interval contains the point estimate', () => {
  const data = sampleData(6, 200);
  const indices = bootstrapIndices(200, 300, new Random(2));
  for (const [name, metric] of [
    ['AUROC', aurocValue],
    ['Brier', brierScore],
  ] as const) {
    const estimate = bootstrapMetric(data, metric, indices);
    assert.ok(estimate.lower < estimate.value, `${name}: lower ${estimate.lower} should be below ${estimate.value}`);
    assert.ok(estimate.value < estimate.upper, `${name}: upper ${estimate.upper} should be above ${estimate.value}`);
    assert.is(estimate.nanCount, 0, `${name} NaN resamples`);
  }
});

test('point value is the metric on full data', () => {
  const data = sampleData(7, 50);
  const estimate = bootstrapMetric(data, aurocValue, bootstrapIndices(50, 20, new Random(1)));
  assert.is(estimate.value, auroc(data.labels, data.scores).value);
  assert.is(estimate.resampleValues.length, 20);
});

test('difference of an arm with itself is 0', () => {
  const data = sampleData(8, 80);
  const indices = bootstrapIndices(80, 200, new Random(4));
  for (const [name, metric] of [
    ['AUROC', aurocValue],
    ['Brier', brierScore],
  ] as const) {
    const difference = bootstrapDifference(data, { labels: data.labels, scores: [...data.scores] }, metric, indices);
    assert.is(difference.value, 0, `${name} point difference`);
    for (let r = 0; r < difference.resampleValues.length; r++) {
      assert.is(difference.resampleValues[r], 0, `${name} difference on resample ${r}`);
    }
    assert.is(difference.lower, 0);
    assert.is(difference.upper, 0);
  }
});

test('difference is paired on the same resamples', () => {
  const reference = sampleData(9, 80);
  const arm = { labels: reference.labels, scores: reference.scores.map((s, i) => (i % 3 === 0 ? 1 - s : s)) };
  const indices = bootstrapIndices(80, 50, new Random(5));
  const difference = bootstrapDifference(reference, arm, brierScore, indices);
  const armAlone = bootstrapMetric(arm, brierScore, indices);
  const referenceAlone = bootstrapMetric(reference, brierScore, indices);
  for (let r = 0; r < 50; r++) {
    const expected = armAlone.resampleValues[r] - referenceAlone.resampleValues[r];
    assert.is(difference.resampleValues[r], expected, `resample ${r}`);
  }
  assert.is(difference.value, armAlone.value - referenceAlone.value);
});

test('NaN resamples are counted', () => {
  // One positive in 5: a resample misses it with probability (4/5)^5 ≈ 0.33, and then AUROC is NaN.
  const data = { labels: [1, 0, 0, 0, 0], scores: [0.9, 0.2, 0.4, 0.1, 0.3] };
  const estimate = bootstrapMetric(data, aurocValue, bootstrapIndices(5, 200, new Random(12)));
  const nanResamples = Array.from(estimate.resampleValues).filter(Number.isNaN).length;
  assert.ok(nanResamples > 0, 'expected some resamples without a positive');
  assert.is(estimate.nanCount, nanResamples);
  assert.is(estimate.validCount, 200 - nanResamples);
  assert.is(estimate.value, 1);
});

test('rejects unpaired arms', () => {
  const indices = bootstrapIndices(3, 2, new Random(1));
  const reference = { labels: [1, 0, 1], scores: [0.2, 0.3, 0.4] };
  assert.throws(
    () => bootstrapDifference(reference, { labels: [1, 1, 0], scores: [0.2, 0.3, 0.4] }, brierScore, indices),
    /bootstrapDifference: arms must be scored on the same test examples in the same order, but labels differ at index 1 \(reference 0, arm 1\)/,
  );
});

test('rejects bad index sets and settings', () => {
  const data = { labels: [1, 0, 1], scores: [0.2, 0.3, 0.4] };
  assert.throws(() => bootstrapMetric(data, brierScore, bootstrapIndices(4, 2, new Random(1))), /index set 0 has 4 indices but the data has 3 examples/);
  assert.throws(() => bootstrapMetric(data, brierScore, []), /`indices` must be a non-empty array/);
  assert.throws(() => bootstrapMetric(data, brierScore, bootstrapIndices(3, 2, new Random(1)), 1.5), /`level` must be a number in \(0, 1\) such as 0.95, got 1.5/);
  assert.throws(() => bootstrapIndices(0, 10, new Random(1)), /bootstrapIndices: `n` must be an integer >= 1/);
  assert.throws(() => bootstrapIndices(5, 0, new Random(1)), /`resamples` must be an integer >= 1 \(default 1000\), got 0/);
});

test.run();
