import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AugmentTransform,
  augmentImage,
  drawAugmentation,
  inverseFrequencyWeights,
  oversampleIndices,
  transformImage,
  validateAugmentOptions,
} from '../../kernel-lib/classify/augment';
import { Random } from '../../kernel-lib/util/random';

const IDENTITY: AugmentTransform = { rotationDegrees: 0, shiftX: 0, shiftY: 0, brightnessFactor: 1, contrastFactor: 1 };

/** Returns a height × width image of the distinct values 0 … n − 1, row-major. */
function ramp(height: number, width: number): Float32Array {
  return Float32Array.from({ length: height * width }, (_, i) => i);
}

test('zero ranges leave images unchanged', () => {
  const image = Float32Array.from(new Random(1).normalArray(5 * 7), (v) => 128 + 40 * v);
  const out = augmentImage(image, 5, 7, {}, new Random(2));
  assert.equal(Array.from(out), Array.from(image));
  const bytes = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
  const zeroRanges = { maxRotationDegrees: 0, maxShiftPixels: 0, brightness: 0, contrast: 0 };
  assert.equal(Array.from(augmentImage(bytes, 3, 4, zeroRanges, new Random(3))), Array.from(bytes));
});

test('shift by +1 moves content one column right', () => {
  const image = ramp(3, 4);
  const out = transformImage(image, 3, 4, { ...IDENTITY, shiftX: 1 });
  for (let y = 0; y < 3; y++) {
    // Column 0 repeats the edge (edge fill); column x takes input column x − 1.
    assert.is(out[y * 4], image[y * 4], `row ${y}, column 0`);
    for (let x = 1; x < 4; x++) assert.is(out[y * 4 + x], image[y * 4 + x - 1], `row ${y}, column ${x}`);
  }
});

test('shift by +1 down moves content one row down', () => {
  const image = ramp(3, 4);
  const out = transformImage(image, 3, 4, { ...IDENTITY, shiftY: 1 });
  assert.equal(Array.from(out), [0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7]);
});

test('rotation by 90 degrees is counterclockwise', () => {
  // Expected: numpy.rot90 (counterclockwise) of [[0, 1, 2], [3, 4, 5], [6, 7, 8]], written out by hand.
  const out = transformImage(ramp(3, 3), 3, 3, { ...IDENTITY, rotationDegrees: 90 });
  const expected = [2, 5, 8, 1, 4, 7, 0, 3, 6];
  // cos(π/2) is 6e−17 in float64, so samples sit within 1e−5 of whole pixels.
  expected.forEach((value, i) => assert.ok(Math.abs(out[i] - value) < 1e-5, `pixel ${i}: expected ${value}, got ${out[i]}`));
});

test('small rotation interpolates bilinearly', () => {
  // A horizontal ramp v = x rotated counterclockwise by θ: the centre pixel stays, and the
  // pixel one row above the centre takes the content at angle 90° − θ, at x = c + sin θ,
  // so its value is 2 + sin θ (bilinear between columns 2 and 3).
  const image = Float32Array.from({ length: 25 }, (_, i) => i % 5);
  const out = transformImage(image, 5, 5, { ...IDENTITY, rotationDegrees: 10 });
  const sin10 = Math.sin((10 * Math.PI) / 180);
  assert.ok(Math.abs(out[12] - 2) < 1e-6, `centre: expected 2, got ${out[12]}`);
  assert.ok(Math.abs(out[7] - (2 + sin10)) < 1e-6, `above centre: expected ${2 + sin10}, got ${out[7]}`);
});

test('brightness scales and clips intensities', () => {
  // On [0, 255]: u = x/255, u ← 1.5·u clipped to [0, 1], back to 255·u.
  const out = transformImage(Float32Array.from([0, 100, 200, 255]), 2, 2, { ...IDENTITY, brightnessFactor: 1.5 });
  assert.equal(Array.from(out), [0, 150, 255, 255]);
});

test('contrast blends with the image mean', () => {
  // Mean of [0, 0.5, 0.5, 1] is 0.5; γ = 0.5 gives 0.5·u + 0.25 → [0.25, 0.5, 0.5, 0.75].
  const out = transformImage(Float32Array.from([-1, 0, 0, 1]), 2, 2, { ...IDENTITY, contrastFactor: 0.5 }, [-1, 1]);
  assert.equal(Array.from(out), [-0.5, 0, 0, 0.5]);
});

test('same seed gives same augmentation', () => {
  const options = { maxRotationDegrees: 15, maxShiftPixels: 2, brightness: 0.2, contrast: 0.2 };
  const image = ramp(6, 6);
  const a = augmentImage(image, 6, 6, options, new Random(11));
  const b = augmentImage(image, 6, 6, options, new Random(11));
  const c = augmentImage(image, 6, 6, options, new Random(12));
  assert.equal(Array.from(a), Array.from(b));
  assert.not.equal(Array.from(a), Array.from(c));
});

test('drawn shifts cover −max … max', () => {
  const rng = new Random(5);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const { shiftX, rotationDegrees } = drawAugmentation({ maxShiftPixels: 2, maxRotationDegrees: 10 }, rng);
    seen.add(shiftX);
    assert.ok(Math.abs(rotationDegrees) <= 10, `rotation ${rotationDegrees} outside ±10`);
  }
  assert.equal([...seen].sort(), [-1, -2, 0, 1, 2].sort());
});

test('augment options reject out-of-range values', () => {
  assert.throws(() => validateAugmentOptions({ maxShiftPixels: 1.5 }, 'f'), /f: `augment.maxShiftPixels` must be an integer >= 0, got 1.5/);
  assert.throws(() => validateAugmentOptions({ brightness: 1 }, 'f'), /`augment.brightness` must be in \[0, 1\), got 1/);
  assert.throws(() => validateAugmentOptions({ maxRotationDegrees: -5 }, 'f'), /must be in \[0, 180\], got -5/);
  assert.throws(() => validateAugmentOptions({ classes: [2] }, 'f', 2), /contains 2, which is not a class index in \[0, 2\)/);
});

test('oversampling draws every class equally often', () => {
  // 90 rows of class 0, 7 of class 1, 5 of class 2: each class appears exactly 90 times
  // per call (tolerance 0: the counts are fixed by construction, only the rows vary).
  const labels = Int32Array.from([...Array(90).fill(0), ...Array(7).fill(1), ...Array(5).fill(2)]);
  const indices = oversampleIndices(labels, new Random(4));
  const counts = [0, 0, 0];
  for (const row of indices) counts[labels[row]]++;
  assert.equal(counts, [90, 90, 90]);
});

test('oversampling repeats rare rows evenly', () => {
  // Class 1 has 7 rows and needs 90 draws: each row 12 times, plus 6 of the 7 rows once more.
  // Over 1,000 calls a row gets its extra draw Binomial(1000, 6/7) times: mean 857, sd 11;
  // the tolerance is ±5 sd = ±55.
  const labels = Int32Array.from([...Array(90).fill(0), ...Array(7).fill(1)]);
  const rng = new Random(8);
  const extras = new Array<number>(7).fill(0);
  for (let call = 0; call < 1000; call++) {
    const perRow = new Array<number>(labels.length).fill(0);
    for (const row of oversampleIndices(labels, rng)) perRow[row]++;
    for (let r = 0; r < 90; r++) assert.is(perRow[r], 1);
    for (let r = 0; r < 7; r++) {
      const count = perRow[90 + r];
      assert.ok(count === 12 || count === 13, `row ${90 + r} drawn ${count} times, expected 12 or 13`);
      if (count === 13) extras[r]++;
    }
  }
  extras.forEach((n, r) => assert.ok(Math.abs(n - 857) <= 55, `row ${90 + r}: ${n} extra draws, expected 857 ± 55`));
});

test('oversampling shuffles the classes together', () => {
  const labels = Int32Array.from([...Array(20).fill(0), ...Array(4).fill(1)]);
  const firstHalf = Array.from(oversampleIndices(labels, new Random(9)).subarray(0, 20), (row) => labels[row]);
  assert.ok(firstHalf.includes(0), `no class 0 in the first 20 draws: ${firstHalf}`);
  assert.ok(firstHalf.includes(1), `no class 1 in the first 20 draws: ${firstHalf}`);
});

test('inverse-frequency weights follow N / (K · n_k)', () => {
  // N = 4, K = 2, n = [3, 1]: w = [4/6, 4/2].
  const labels = Int32Array.from([0, 0, 1, 0]);
  const weights = inverseFrequencyWeights(labels, 2);
  assert.ok(Math.abs(weights[0] - 2 / 3) < 1e-12, `w0 = ${weights[0]}`);
  assert.ok(Math.abs(weights[1] - 2) < 1e-12, `w1 = ${weights[1]}`);
  const meanOverRows = Array.from(labels, (k) => weights[k]).reduce((a, b) => a + b) / labels.length;
  assert.ok(Math.abs(meanOverRows - 1) < 1e-12, `mean weight over rows ${meanOverRows}`);
});

test('inverse-frequency weights reject an empty class', () => {
  assert.throws(() => inverseFrequencyWeights(Int32Array.from([0, 0, 2]), 3), /class 1 has 0 rows among 3/);
  assert.throws(() => inverseFrequencyWeights(Int32Array.from([0, 5]), 3), /label 5 at row 1 is outside \[0, 3\)/);
});

test.run();
