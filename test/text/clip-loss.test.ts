import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { clipLoss, contrastiveTargets, l2NormalizeRows } from '../../kernel-lib/text/clip-loss';

test.before(async () => {
  await selectBackend({ backend: 'cpu' });
});

// Images e1, e2, e3; texts e1, e2 and [0, 2, 2], whose cosine with e2 and e3 is c = 1/√2.
// Cosine matrix S (rows images, columns texts): [[1, 0, 0], [0, 1, c], [0, 0, c]].
const IMAGES = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];
const TEXTS = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 2, 2],
];
const C = Math.SQRT1_2;
const E = Math.E;

function loss(logitScale: number, groups: number[] | null): number {
  return tf.tidy(() => clipLoss(tf.tensor2d(IMAGES), tf.tensor2d(TEXTS), tf.scalar(logitScale), groups).dataSync()[0]);
}

test('contrastive loss on 3×3 example', () => {
  // logitScale 0, so the logits are S. Image → text, −log softmax at the diagonal, row by row:
  const imageToText = [Math.log(E + 2) - 1, Math.log(1 + E + Math.exp(C)) - 1, Math.log(2 + Math.exp(C)) - C];
  // Text → image, over the columns of S: [1, 0, 0], [0, 1, 0], [0, c, c].
  const textToImage = [Math.log(E + 2) - 1, Math.log(E + 2) - 1, Math.log(1 + 2 * Math.exp(C)) - C];
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const expected = 0.5 * (mean(imageToText) + mean(textToImage));
  // float32 arithmetic: agreement to 1e-6.
  const actual = loss(0, null);
  assert.ok(Math.abs(actual - expected) < 1e-6, `expected ${expected}, but got ${actual}`);
  // Distinct groups are the same as no groups.
  assert.ok(Math.abs(loss(0, [7, 8, 9]) - expected) < 1e-6, 'distinct groups give the ungrouped loss');
});

test('shared text counts both rows as positives', () => {
  // Rows 1 and 2 share a text: targets of rows 1 and 2 are [0, ½, ½].
  const lse1 = Math.log(1 + E + Math.exp(C));
  const lse2 = Math.log(2 + Math.exp(C));
  const imageToText = [Math.log(E + 2) - 1, lse1 - (1 + C) / 2, lse2 - C / 2];
  const textToImage = [Math.log(E + 2) - 1, Math.log(E + 2) - 1 / 2, Math.log(1 + 2 * Math.exp(C)) - C];
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const expected = 0.5 * (mean(imageToText) + mean(textToImage));
  const actual = loss(0, [0, 1, 1]);
  assert.ok(Math.abs(actual - expected) < 1e-6, `expected ${expected}, but got ${actual}`);
});

test('logit scale multiplies the cosines', () => {
  // logitScale ln 2: logits 2S. Image → text row 0 is log(e² + 2) − 2, and so on.
  const imageToText = [Math.log(E * E + 2) - 2, Math.log(1 + E * E + Math.exp(2 * C)) - 2, Math.log(2 + Math.exp(2 * C)) - 2 * C];
  const textToImage = [Math.log(E * E + 2) - 2, Math.log(E * E + 2) - 2, Math.log(1 + 2 * Math.exp(2 * C)) - 2 * C];
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const expected = 0.5 * (mean(imageToText) + mean(textToImage));
  const actual = loss(Math.log(2), null);
  assert.ok(Math.abs(actual - expected) < 1e-6, `expected ${expected}, but got ${actual}`);
});

test('targets are uniform over each group', () => {
  assert.equal(Array.from(contrastiveTargets([5, 6, 5])), [0.5, 0, 0.5, 0, 1, 0, 0.5, 0, 0.5]);
});

test('l2NormalizeRows gives unit rows and keeps zero rows finite', () => {
  const out = tf.tidy(() => Array.from(l2NormalizeRows(tf.tensor2d([[3, 4], [0, 0]])).dataSync()));
  assert.ok(Math.abs(out[0] - 0.6) < 1e-6, `row 0 column 0: expected 0.6, got ${out[0]}`);
  assert.ok(Math.abs(out[1] - 0.8) < 1e-6, `row 0 column 1: expected 0.8, got ${out[1]}`);
  assert.equal(out.slice(2), [0, 0]);
});

test('rejects mismatched shapes and groups', () => {
  const a = tf.zeros([2, 3]) as tf.Tensor2D;
  const b = tf.zeros([3, 3]) as tf.Tensor2D;
  const scale = tf.scalar(0);
  assert.throws(() => clipLoss(a, b, scale, null), /must have the same shape/);
  assert.throws(() => clipLoss(a, a, scale, [1]), /textGroup has 1 entries for a batch of 2/);
  tf.dispose([a, b, scale]);
});

test('loss leaks no tensors', () => {
  const before = tf.memory().numTensors;
  loss(0.5, [0, 0, 1]);
  assert.is(tf.memory().numTensors, before);
});

test.run();
