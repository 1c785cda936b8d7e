import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { groupNorm } from '../../kernel-lib/nets/layers';
import { selectBackend } from '../../kernel-lib/backend/select';
import { Random } from '../../kernel-lib/util/random';

/** Group normalisation composed of plain ops, differentiated by TensorFlow.js: the reference. */
function groupNormReference(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, groups: number): tf.Tensor {
  const [b, h, w, c] = x.shape;
  const grouped = tf.reshape(x, [b, h, w, groups, c / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
  const normalized = tf.reshape(tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, 1e-5))), [b, h, w, c]);
  return tf.add(tf.mul(normalized, gamma), beta);
}

test.before(async () => {
  await selectBackend({ backend: 'cpu' });
});

test('groupNorm value and gradients match autodiff', () => {
  const rng = new Random(4);
  const shape: [number, number, number, number] = [2, 5, 3, 8];
  const x = tf.tensor4d(rng.normalArray(2 * 5 * 3 * 8), shape);
  const gamma = tf.tensor1d(Array.from({ length: 8 }, () => 1 + 0.3 * rng.normal()));
  const beta = tf.tensor1d(Array.from({ length: 8 }, () => 0.3 * rng.normal()));
  const weights = tf.tensor4d(rng.normalArray(2 * 5 * 3 * 8), shape);
  const loss = (fn: (x: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) =>
    tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fn(xx as tf.Tensor4D, g, b), weights)));
  const ours = (xx: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor) => groupNorm(new Map([['n.gamma', g], ['n.beta', b]]), 'n', xx, 4);
  const reference = (xx: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor) => groupNormReference(xx, g, b, 4);

  const value = ours(x, gamma, beta).dataSync();
  const expectedValue = reference(x, gamma, beta).dataSync();
  const actual = loss(ours)([x, gamma, beta]).map((t) => t.dataSync());
  const expected = loss(reference)([x, gamma, beta]).map((t) => t.dataSync());
  const names = ['dx', 'dgamma', 'dbeta'];
  // float32 on both sides: |difference| <= 1e-4 + 1e-3·|expected|.
  const check = (a: ArrayLike<number>, e: ArrayLike<number>, what: string) => {
    for (let i = 0; i < e.length; i++) {
      assert.ok(Math.abs(a[i] - e[i]) <= 1e-4 + 1e-3 * Math.abs(e[i]), `${what}[${i}]: expected ${e[i]}, but got ${a[i]}`);
    }
  };
  check(value, expectedValue, 'value');
  actual.forEach((a, i) => check(a, expected[i], names[i]));
});

test('groupNorm gradient leaves no tensors', () => {
  const x = tf.randomNormal([1, 4, 4, 4]) as tf.Tensor4D;
  const gamma = tf.ones([4]);
  const beta = tf.zeros([4]);
  const before = tf.memory().numTensors;
  const grads = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(groupNorm(new Map([['n.gamma', g], ['n.beta', b]]), 'n', xx as tf.Tensor4D, 2)))([x, gamma, beta]);
  tf.dispose(grads);
  assert.is(tf.memory().numTensors, before);
  tf.dispose([x, gamma, beta]);
});

test('groupNorm rejects channels not divisible by groups', () => {
  const x = tf.zeros([1, 2, 2, 6]) as tf.Tensor4D;
  assert.throws(() => groupNorm(new Map([['n.gamma', tf.ones([6])], ['n.beta', tf.zeros([6])]]), 'n', x, 4), /6 channels cannot be split into 4 groups/);
});

test.run();
