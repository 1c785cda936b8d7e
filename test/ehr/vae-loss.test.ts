import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gaussianKlDivergence, maskBinaryCrossEntropy, maskedMeanSquaredError, reparameterise, vaeLoss } from '../../kernel-lib/ehr/vae-loss';
import { EhrVaeConfig, vaeDecode, vaeEncode, vaeParamSpecs } from '../../kernel-lib/ehr/vae-network';
import { createParams, disposeParams } from '../../kernel-lib/nets/params';
import { Random } from '../../kernel-lib/util/random';

test.before(async () => {
  await tf.setBackend('cpu');
});

function scalar(t: tf.Tensor): number {
  const value = t.dataSync()[0];
  t.dispose();
  return value;
}

function assertClose(actual: number, expected: number, tolerance: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label}: expected ${expected}, got ${actual}`);
}

test('KL of the standard normal is 0', () => {
  const mean = tf.zeros([3, 4]) as tf.Tensor2D;
  const logVar = tf.zeros([3, 4]) as tf.Tensor2D;
  assert.is(scalar(gaussianKlDivergence(mean, logVar)), 0);
  tf.dispose([mean, logVar]);
});

test('KL matches hand computation', () => {
  // Patient 1: −½[(1 + 0 − 1 − 1) + (1 + ln 2 − 0 − 2)] = 1 − ln(2)/2.
  // Patient 2: −½[(1 + 0 − 0 − 1) + (1 + 0 − 4 − 1)] = 2. Mean over patients.
  const mean = tf.tensor2d([[1, 0], [0, 2]]);
  const logVar = tf.tensor2d([[0, Math.LN2], [0, 0]]);
  const expected = (1 - Math.LN2 / 2 + 2) / 2;
  assertClose(scalar(gaussianKlDivergence(mean, logVar)), expected, 1e-6, 'KL');
  tf.dispose([mean, logVar]);
});

test('masked MSE ignores unmeasured cells', () => {
  const mask = tf.tensor1d([1, 1, 1, 0]);
  const predicted = tf.tensor1d([1, 2, 3, 4]);
  const target = tf.tensor1d([0, 2, 5, 100]);
  // (1² + 0² + 2²) / 3 measured cells.
  assertClose(scalar(maskedMeanSquaredError(predicted, target, mask)), 5 / 3, 1e-6, 'masked MSE');

  const otherTarget = tf.tensor1d([0, 2, 5, -7]);
  const otherPredicted = tf.tensor1d([1, 2, 3, 1e6]);
  assert.is(scalar(maskedMeanSquaredError(predicted, otherTarget, mask)), scalar(maskedMeanSquaredError(predicted, target, mask)));
  assert.is(scalar(maskedMeanSquaredError(otherPredicted, target, mask)), scalar(maskedMeanSquaredError(predicted, target, mask)));
  tf.dispose([mask, predicted, target, otherTarget, otherPredicted]);
});

test('masked MSE of an unmeasured batch is 0', () => {
  const zeros = tf.zeros([2, 3]);
  const ones = tf.ones([2, 3]);
  assert.is(scalar(maskedMeanSquaredError(ones, zeros, zeros)), 0);
  tf.dispose([zeros, ones]);
});

test('BCE matches hand computation', () => {
  const logits = [0, 2, -1, 30, -30];
  const mask = [1, 0, 1, 1, 0];
  const sigmoid = (l: number) => 1 / (1 + Math.exp(-l));
  let expected = 0;
  for (let i = 0; i < logits.length; i++) {
    const p = sigmoid(logits[i]);
    expected -= mask[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  expected /= logits.length;
  // ln 2, 2 + ln(1 + e⁻²), 1 + ln(1 + e⁻¹), ~0, ~0: about 4.1333 / 5.
  assertClose(expected, (Math.LN2 + 2 + Math.log1p(Math.exp(-2)) + 1 + Math.log1p(Math.exp(-1))) / 5, 1e-9, 'hand value');
  const l = tf.tensor1d(logits);
  const m = tf.tensor1d(mask);
  assertClose(scalar(maskBinaryCrossEntropy(l, m)), expected, 1e-6, 'BCE');
  tf.dispose([l, m]);
});

test('BCE gradient is (sigmoid − mask) / cells', () => {
  const logits = [0, 2, -1, 80, -80];
  const mask = [1, 0, 1, 1, 1];
  const l = tf.tensor1d(logits);
  const m = tf.tensor1d(mask);
  const grad = tf.grad((x: tf.Tensor) => maskBinaryCrossEntropy(x, m))(l);
  const values = grad.dataSync();
  for (let i = 0; i < logits.length; i++) {
    const expected = (1 / (1 + Math.exp(-logits[i])) - mask[i]) / logits.length;
    assertClose(values[i], expected, 1e-6, `gradient of logit ${logits[i]}`);
  }
  // A confident wrong logit (−80 with mask 1) costs about 80 / 5 and stays finite.
  const large = tf.tensor1d([-80]);
  const one = tf.tensor1d([1]);
  assertClose(scalar(maskBinaryCrossEntropy(large, one)), 80, 1e-4, 'BCE of logit −80 with mask 1');
  tf.dispose([l, m, grad, large, one]);
});

test('reparameterisation uses exp(logVar / 2)', () => {
  const mean = tf.tensor2d([[1, -1]]);
  const logVar = tf.tensor2d([[Math.log(4), 0]]);
  const epsilon = tf.tensor2d([[0.5, 2]]);
  const z = reparameterise(mean, logVar, epsilon);
  // 1 + 2·0.5 = 2; −1 + 1·2 = 1.
  const values = Array.from(z.dataSync());
  assertClose(values[0], 2, 1e-6, 'z[0]');
  assertClose(values[1], 1, 1e-6, 'z[1]');
  tf.dispose([mean, logVar, epsilon, z]);
});

const CONFIG: EhrVaeConfig = { hours: 4, variables: 3, latentDim: 2, hiddenDim: 8, numLayers: 1 };

function batch(): { values: tf.Tensor3D; mask: tf.Tensor3D; epsilon: tf.Tensor2D } {
  const rng = new Random(9);
  const mask = Float32Array.from({ length: 2 * 12 }, () => (rng.uniform() < 0.6 ? 1 : 0));
  const values = Float32Array.from(mask, (m) => (m === 1 ? rng.normal() : 0));
  return {
    values: tf.tensor3d(values, [2, 4, 3]),
    mask: tf.tensor3d(mask, [2, 4, 3]),
    epsilon: tf.tensor2d(rng.normalArray(4), [2, 2]),
  };
}

test('vaeLoss total is the weighted sum of its terms', () => {
  const params = createParams(vaeParamSpecs(CONFIG), new Random(1));
  const { values, mask, epsilon } = batch();
  const terms = vaeLoss({ config: CONFIG, params, values, mask, epsilon, beta: 0.25 });
  const [total, valueMse, maskBce, kl] = [terms.total, terms.valueMse, terms.maskBce, terms.kl].map(scalar);
  assertClose(total, valueMse + maskBce + 0.25 * kl, 1e-5, 'total');

  // The same terms from the building blocks.
  const { mean, logVar } = vaeEncode(CONFIG, params, values, mask);
  const z = reparameterise(mean, logVar, epsilon);
  const decoded = vaeDecode(CONFIG, params, z);
  assertClose(valueMse, scalar(maskedMeanSquaredError(decoded.values, values, mask)), 1e-6, 'value MSE');
  assertClose(maskBce, scalar(maskBinaryCrossEntropy(decoded.maskLogits, mask)), 1e-6, 'mask BCE');
  assertClose(kl, scalar(gaussianKlDivergence(mean, logVar)), 1e-6, 'KL');
  tf.dispose([values, mask, epsilon, mean, logVar, z, decoded.values, decoded.maskLogits]);
  disposeParams(params);
});

test('vaeLoss rejects invalid beta and epsilon', () => {
  const params = createParams(vaeParamSpecs(CONFIG), new Random(1));
  const { values, mask, epsilon } = batch();
  assert.throws(() => vaeLoss({ config: CONFIG, params, values, mask, epsilon, beta: -1 }), /vaeLoss: beta must be a finite number >= 0, got -1/);
  const wrongEpsilon = tf.zeros([2, 3]) as tf.Tensor2D;
  assert.throws(() => vaeLoss({ config: CONFIG, params, values, mask, epsilon: wrongEpsilon, beta: 1 }), /vaeLoss: epsilon must have shape \[2, 2\].*got \[2, 3\]/);
  tf.dispose([values, mask, epsilon, wrongEpsilon]);
  disposeParams(params);
});

test('loss functions reject shape mismatches', () => {
  const a = tf.zeros([2, 3]);
  const b = tf.zeros([3, 2]);
  assert.throws(() => maskedMeanSquaredError(a, b, a), /maskedMeanSquaredError: predicted \[2, 3\] and target \[3, 2\] must have the same shape/);
  assert.throws(() => maskBinaryCrossEntropy(a, b), /maskBinaryCrossEntropy: logits \[2, 3\] and mask \[3, 2\]/);
  assert.throws(() => gaussianKlDivergence(a as tf.Tensor2D, b as tf.Tensor2D), /gaussianKlDivergence: mean \[2, 3\] and logVar \[3, 2\]/);
  tf.dispose([a, b]);
});

test.run();
