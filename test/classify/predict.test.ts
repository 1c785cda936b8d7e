import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { ClassifierConfig, classifierForward, classifierParamSpecs } from '../../kernel-lib/classify/cnn';
import { predictProbabilities, toModelRange } from '../../kernel-lib/classify/predict';
import { createParams, disposeParams } from '../../kernel-lib/nets/params';
import { Random } from '../../kernel-lib/util/random';
import { TOY_SIZE, toyImages } from './toy-images';

const CONFIG: ClassifierConfig = { widths: [4, 8], numClasses: 3 };
const ROW = TOY_SIZE * TOY_SIZE;

let params: Map<string, tf.Variable>;

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
  params = createParams(classifierParamSpecs(CONFIG), new Random(6));
});

test.after(() => disposeParams(params));

test('probabilities have one row per image summing to 1', () => {
  const { pixels } = toyImages(5, 1);
  const probabilities = predictProbabilities(CONFIG, params, { pixels, height: TOY_SIZE, width: TOY_SIZE }, 2);
  assert.is(probabilities.length, 5 * 3);
  for (let i = 0; i < 5; i++) {
    const row = Array.from(probabilities.subarray(i * 3, i * 3 + 3));
    const sum = row.reduce((a, b) => a + b);
    // Softmax in float32: rows sum to 1 within 1e−6.
    assert.ok(Math.abs(sum - 1) < 1e-6, `row ${i} sums to ${sum}`);
    assert.ok(row.every((p) => p > 0 && p < 1), `row ${i} = ${row}`);
  }
});

test('probabilities equal the softmax of the logits', () => {
  const { pixels } = toyImages(4, 2);
  const probabilities = predictProbabilities(CONFIG, params, { pixels, height: TOY_SIZE, width: TOY_SIZE });
  const expected = tf.tidy(() => {
    const x = tf.tensor4d(toModelRange(pixels), [4, TOY_SIZE, TOY_SIZE, 1]);
    return Array.from(tf.softmax(classifierForward(CONFIG, params, x)).dataSync());
  });
  expected.forEach((p, i) => assert.ok(Math.abs(probabilities[i] - p) < 1e-7, `entry ${i}: expected ${p}, got ${probabilities[i]}`));
});

test('batch size does not change probabilities', () => {
  const { pixels } = toyImages(7, 3);
  const rows = { pixels, height: TOY_SIZE, width: TOY_SIZE };
  const one = predictProbabilities(CONFIG, params, rows, 1);
  const all = predictProbabilities(CONFIG, params, rows, 64);
  // Same arithmetic per image; 1e−6 allows for a different summation order in batched kernels.
  one.forEach((p, i) => assert.ok(Math.abs(all[i] - p) < 1e-6, `entry ${i}: ${p} vs ${all[i]}`));
});

test('bytes and their float scaling agree', () => {
  const { pixels } = toyImages(3, 4);
  const fromBytes = predictProbabilities(CONFIG, params, { pixels, height: TOY_SIZE, width: TOY_SIZE });
  const fromFloats = predictProbabilities(CONFIG, params, { pixels: toModelRange(pixels), height: TOY_SIZE, width: TOY_SIZE });
  assert.equal(Array.from(fromFloats), Array.from(fromBytes));
});

test('toModelRange maps 0 to −1 and 255 to 1', () => {
  assert.equal(Array.from(toModelRange(Uint8Array.from([0, 255]))), [-1, 1]);
});

test('prediction leaves the tensor count unchanged', () => {
  const { pixels } = toyImages(9, 5);
  const before = tf.memory().numTensors;
  predictProbabilities(CONFIG, params, { pixels, height: TOY_SIZE, width: TOY_SIZE }, 4);
  assert.is(tf.memory().numTensors, before);
});

test('prediction rejects invalid input', () => {
  const rows = (pixels: Uint8Array | Float32Array) => ({ pixels, height: TOY_SIZE, width: TOY_SIZE });
  const withNaN = new Float32Array(2 * ROW);
  withNaN[ROW + 3] = NaN;
  assert.throws(() => predictProbabilities(CONFIG, params, rows(withNaN)), /predictProbabilities: images pixel 67 \(image 1\) is NaN/);
  const bytesAsFloats = new Float32Array(ROW).fill(200);
  assert.throws(() => predictProbabilities(CONFIG, params, rows(bytesAsFloats)), /pixel 0 \(image 0\) is 200, outside \[−1, 1\]/);
  assert.throws(() => predictProbabilities(CONFIG, params, rows(new Uint8Array(ROW + 1))), /65 pixels, which is not a whole number of 8 × 8 images/);
  assert.throws(() => predictProbabilities(CONFIG, params, rows(new Uint8Array(ROW)), 0), /`batchSize` must be an integer >= 1, got 0/);
  const twoClasses: ClassifierConfig = { widths: [4, 8], numClasses: 2 };
  assert.throws(() => predictProbabilities(twoClasses, params, rows(new Uint8Array(ROW))), /parameter 'head.weight' has shape \[8,3\], expected \[8,2\]/);
});

test.run();
