import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../../kernel-lib/backend/select';
import { resizeImages } from '../../../kernel-lib/eval/fidelity/resize';

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
});

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${what}[${i}]: expected ${expected[i]}, got ${actual[i]}`);
  }
}

test('4×4 to 2×2 averages 2×2 blocks', () => {
  // prettier-ignore
  const image = Float32Array.from([
    0, 2, 10, 20,
    4, 6, 30, 40,
    1, 1, 100, 0,
    1, 1, 0, 0,
  ]);
  assert.equal(Array.from(resizeImages(image, 1, 4, 4, 2, 2)), [3, 25, 1, 25]);
});

test('3 to 2 weights pixels by overlap', () => {
  // Output pixels cover [0, 1.5) and [1.5, 3): (0 + 3 / 2) / 1.5 = 1 and (3 / 2 + 6) / 1.5 = 5.
  assertClose(resizeImages(Float32Array.from([0, 3, 6]), 1, 1, 3, 1, 2), [1, 5], 1e-6, 'row');
});

test('constant image stays constant', () => {
  for (const [outHeight, outWidth] of [[11, 11], [13, 5], [28, 28], [40, 17]]) {
    const resized = resizeImages(new Float32Array(28 * 28).fill(0.37), 1, 28, 28, outHeight, outWidth);
    assertClose(resized, new Float32Array(outHeight * outWidth).fill(0.37), 1e-6, `${outHeight}×${outWidth}`);
  }
});

test('enlarging matches tf resizeBilinear', () => {
  // tf.image.resizeBilinear with halfPixelCenters uses the same sampling positions.
  const image = Float32Array.from({ length: 2 * 5 * 3 * 2 }, (_, i) => (i * 37) % 11);
  const expected = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(image, [2, 5, 3, 2]), [9, 7], false, true).dataSync());
  assertClose(resizeImages(image, 2, 5, 3, 9, 7, 2), expected, 1e-5, 'resized');
});

test('channels are resized separately', () => {
  // Channel 0 is 1 everywhere, channel 1 is 0 everywhere.
  const image = Float32Array.from({ length: 6 * 6 * 2 }, (_, i) => (i % 2 === 0 ? 1 : 0));
  const resized = resizeImages(image, 1, 6, 6, 4, 4, 2);
  assertClose(resized, Float32Array.from({ length: 4 * 4 * 2 }, (_, i) => (i % 2 === 0 ? 1 : 0)), 1e-6, 'channels');
});

test('rejects a wrong pixel count', () => {
  assert.throws(() => resizeImages(new Float32Array(10), 1, 4, 4, 2, 2), /resizeImages: `images` has 10 values, but count × height × width × channels = 1 × 4 × 4 × 1 = 16/);
});

test.run();
