import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PhysionetDescriptors } from '../../kernel-lib/ehr/physionet-record';
import {
  AGE_RANGE,
  NUM_STATIC_FEATURES,
  STATIC_FEATURE_NAMES,
  StaticStats,
  decodeStaticFeatures,
  encodeStaticFeatures,
  fitStaticStats,
} from '../../kernel-lib/ehr/static-features';

function descriptor(Age: number | null, Gender: number | null, ICUType: number | null): PhysionetDescriptors {
  return { Age, Gender, Height: 170, ICUType, Weight: 80 };
}

const STATS: StaticStats = { ageMean: 60, ageStd: 10 };

function assertClose(actual: number, expected: number, label: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-6, `${label}: ${actual} vs ${expected}`);
}

test('feature layout', () => {
  assert.is(NUM_STATIC_FEATURES, 6);
  assert.equal([...STATIC_FEATURE_NAMES], ['Age', 'Gender', 'ICUType=1', 'ICUType=2', 'ICUType=3', 'ICUType=4']);
});

test('fitStaticStats uses population std', () => {
  const stats = fitStaticStats([descriptor(50, 1, 1), descriptor(70, 0, 2)]);
  assert.is(stats.ageMean, 60);
  assert.is(stats.ageStd, 10);
});

test('fitStaticStats skips unknown ages', () => {
  const stats = fitStaticStats([descriptor(40, 1, 1), descriptor(null, 0, 2), descriptor(NaN, 0, 2), descriptor(80, 1, 3)]);
  assert.is(stats.ageMean, 60);
  assert.is(stats.ageStd, 20);
});

test('fitStaticStats gives std 1 for one age', () => {
  const stats = fitStaticStats([descriptor(45, 1, 1), descriptor(45, 0, 4)]);
  assert.is(stats.ageMean, 45);
  assert.is(stats.ageStd, 1);
});

test('fitStaticStats rejects no known age', () => {
  assert.throws(() => fitStaticStats([descriptor(null, 1, 1)]), /^fitStaticStats: no training patient has a known Age/);
  assert.throws(() => fitStaticStats([]), /^fitStaticStats: /);
});

test('encode age 70 gives z 1', () => {
  const features = encodeStaticFeatures([descriptor(70, 1, 3)], STATS);
  assert.is(features.length, NUM_STATIC_FEATURES);
  assert.is(features[0], 1);
});

test('encode sex as plus or minus one', () => {
  const features = encodeStaticFeatures([descriptor(60, 1, 1), descriptor(60, 0, 1), descriptor(60, null, 1)], STATS);
  assert.is(features[1], 1);
  assert.is(features[NUM_STATIC_FEATURES + 1], -1);
  assert.is(features[2 * NUM_STATIC_FEATURES + 1], 0);
});

test('encode ICU type 3 one-hot', () => {
  const features = encodeStaticFeatures([descriptor(60, 1, 3)], STATS);
  assert.equal(Array.from(features.subarray(2)), [-1, -1, 1, -1]);
});

test('encode unknown age and ICU type', () => {
  const features = encodeStaticFeatures([descriptor(null, 0, null)], STATS);
  assert.equal(Array.from(features), [0, -1, -1, -1, -1, -1]);
});

test('encode rows follow patient order', () => {
  const features = encodeStaticFeatures([descriptor(50, 0, 1), descriptor(85, 1, 4)], STATS);
  assert.equal(Array.from(features), [-1, -1, 1, -1, -1, -1, 2.5, 1, -1, -1, -1, 1]);
});

test('decode inverts encode', () => {
  const input = [descriptor(70, 1, 3), descriptor(42, 0, 1), descriptor(88, 1, 4), descriptor(55, 0, 2)];
  const decoded = decodeStaticFeatures(encodeStaticFeatures(input, STATS), input.length, STATS);
  assert.is(decoded.length, input.length);
  decoded.forEach((d, i) => {
    assert.is(d.Age, input[i].Age, `row ${i} Age`);
    assert.is(d.Gender, input[i].Gender, `row ${i} Gender`);
    assert.is(d.ICUType, input[i].ICUType, `row ${i} ICUType`);
    assert.is(d.Height, null, `row ${i} Height`);
    assert.is(d.Weight, null, `row ${i} Weight`);
  });
});

test('decode rounds and clips age', () => {
  const rows = new Float32Array([
    0.26, 1, 1, -1, -1, -1,
    -10, 1, 1, -1, -1, -1,
    10, 1, 1, -1, -1, -1,
  ]);
  const decoded = decodeStaticFeatures(rows, 3, STATS);
  assert.is(decoded[0].Age, 63);
  assert.is(decoded[1].Age, AGE_RANGE[0]);
  assert.is(decoded[2].Age, AGE_RANGE[1]);
});

test('decode sex by sign', () => {
  const rows = new Float32Array([
    0, 0.3, 1, -1, -1, -1,
    0, -0.01, 1, -1, -1, -1,
    0, 0, 1, -1, -1, -1,
  ]);
  const decoded = decodeStaticFeatures(rows, 3, STATS);
  assert.is(decoded[0].Gender, 1);
  assert.is(decoded[1].Gender, 0);
  assert.is(decoded[2].Gender, null);
});

test('decode ICU type by largest entry', () => {
  const rows = new Float32Array([
    0, 1, -0.9, 0.2, 0.1, -0.5,
    0, 1, -0.9, -0.8, -0.7, -0.6,
    0, 1, 0.4, -1, -1, -1,
    0, 1, -1, -1, -1, -1,
  ]);
  const decoded = decodeStaticFeatures(rows, 4, STATS);
  assertClose(decoded[0].Age ?? NaN, 60, 'row 0 Age');
  assert.is(decoded[0].ICUType, 2);
  assert.is(decoded[1].ICUType, 4);
  assert.is(decoded[2].ICUType, 1);
  // All four entries equal: the first ICU type wins.
  assert.is(decoded[3].ICUType, 1);
});

test('decode rejects wrong length', () => {
  assert.throws(
    () => decodeStaticFeatures(new Float32Array(NUM_STATIC_FEATURES * 2 - 1), 2, STATS),
    /^decodeStaticFeatures: 11 values do not make 2 rows of 6/,
  );
});

test.run();
