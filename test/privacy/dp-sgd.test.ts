import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { dpSgdStep, poissonSample, privatizeGradients } from '../../kernel-lib/privacy/dp-sgd';
import { RdpAccountant } from '../../kernel-lib/privacy/rdp-accountant';
import { Random } from '../../kernel-lib/util/random';
import { assertClose } from './helpers';

test.before(async () => {
  await selectBackend({ backend: 'cpu' });
});

// A linear model loss(i) = w · x_i + b has per-example gradient (∂w, ∂b) = (x_i, 1).
// Example 0: (3, 4, 1), norm √26 > C = 2, clipped by 2/√26. Example 1: (0.6, 0, 1), norm √1.36 < 2.
const inputs = [
  [3, 4],
  [0.6, 0],
];

function linearModel() {
  const params = new Map<string, tf.Variable>([
    ['w', tf.variable(tf.tensor1d([0.5, -0.5]))],
    ['b', tf.variable(tf.scalar(0.1))],
  ]);
  // No tf.tidy here: dpSgdStep must release the loss's intermediate tensors itself.
  const perExampleLoss = (example: number) =>
    tf.add(tf.sum(tf.mul(params.get('w') as tf.Variable, tf.tensor1d(inputs[example]))), params.get('b') as tf.Variable) as tf.Scalar;
  return { params, perExampleLoss };
}

test('Poisson sampling keeps each example with rate q', () => {
  const batch = poissonSample(20_000, 0.1, new Random(1));
  // Binomial(20000, 0.1): mean 2000, standard deviation √1800 ≈ 42; tolerance 4 standard deviations.
  assertClose(batch.length, 2000, 170, 'batch size');
  assert.ok(batch.every((index, i) => i === 0 || index > batch[i - 1]), 'expected increasing indices');
  assert.equal(Array.from(poissonSample(50, 0.3, new Random(5))), Array.from(poissonSample(50, 0.3, new Random(5))));
});

test('Poisson sampling may return an empty batch', () => {
  // Random(2) draws three uniforms above 0.01 here, so no example is sampled.
  const batch = poissonSample(3, 0.01, new Random(2));
  assert.is(batch.length, 0);
});

test('clips the joint gradient norm exactly', () => {
  const { params, perExampleLoss } = linearModel();
  const before = tf.memory().numTensors;
  // q = 1 samples both examples; σ = 1e-9 makes the noise (about 2e-9) negligible next to float32.
  const result = dpSgdStep({ params, perExampleLoss, datasetSize: 2, sampleRate: 1, clipNorm: 2, noiseMultiplier: 1e-9, random: new Random(3) });
  assert.equal(Array.from(result.batch), [0, 1]);
  assertClose(result.perExampleNorms[0], Math.sqrt(26), 1e-5, 'norm of example 0');
  assertClose(result.perExampleNorms[1], Math.sqrt(1.36), 1e-5, 'norm of example 1');
  assert.is(result.clippedCount, 1);

  // (clipped example 0 + example 1) / (q N = 2).
  const scale = 2 / Math.sqrt(26);
  const w = Array.from((result.gradients.get('w') as tf.Tensor).dataSync());
  const b = (result.gradients.get('b') as tf.Tensor).dataSync()[0];
  assertClose(w[0], (3 * scale + 0.6) / 2, 1e-6, 'gradient of w[0]');
  assertClose(w[1], (4 * scale) / 2, 1e-6, 'gradient of w[1]');
  assertClose(b, (scale + 1) / 2, 1e-6, 'gradient of b');

  tf.dispose(Array.from(result.gradients.values()));
  assert.is(tf.memory().numTensors, before);
  tf.dispose(Array.from(params.values()));
});

test('privatizeGradients clips given gradients', () => {
  const parameters = new Map<string, tf.Tensor>([['w', tf.zeros([2])], ['b', tf.scalar(0)]]);
  const examples = inputs.map((x) => new Map<string, tf.Tensor>([['w', tf.tensor1d(x)], ['b', tf.scalar(1)]]));
  const before = tf.memory().numTensors;
  const result = privatizeGradients(examples, parameters, { clipNorm: 2, noiseMultiplier: 1e-9, sampleRate: 0.5, datasetSize: 4, random: new Random(6) });
  assert.is(result.batchSize, 2);
  assert.is(result.clippedCount, 1);

  // Same sums as the dpSgdStep case, divided by q N = 0.5 · 4 = 2.
  const scale = 2 / Math.sqrt(26);
  const w = Array.from((result.gradients.get('w') as tf.Tensor).dataSync());
  assertClose(w[0], (3 * scale + 0.6) / 2, 1e-6, 'gradient of w[0]');
  assertClose(w[1], (4 * scale) / 2, 1e-6, 'gradient of w[1]');
  assertClose((result.gradients.get('b') as tf.Tensor).dataSync()[0], (scale + 1) / 2, 1e-6, 'gradient of b');

  tf.dispose(Array.from(result.gradients.values()));
  assert.is(tf.memory().numTensors, before);
  tf.dispose([...parameters.values(), ...examples.flatMap((example) => Array.from(example.values()))]);
});

test('empty batch gives pure noise over q N', () => {
  const { params, perExampleLoss } = linearModel();
  const before = tf.memory().numTensors;
  const settings = { datasetSize: 3, sampleRate: 0.01, clipNorm: 2, noiseMultiplier: 1.5 };
  const result = dpSgdStep({ params, perExampleLoss, ...settings, random: new Random(2) });
  assert.is(result.batch.length, 0);
  assert.is(result.batchSize, 0);

  // The same generator: three uniforms for the sampling, then normals for 'b', then 'w' (sorted names).
  const twin = new Random(2);
  for (let i = 0; i < 3; i++) twin.uniform();
  const scale = (1.5 * 2) / (0.01 * 3);
  const expectedB = scale * twin.normal();
  const expectedW = [scale * twin.normal(), scale * twin.normal()];
  assertClose((result.gradients.get('b') as tf.Tensor).dataSync()[0], expectedB, 1e-4 * Math.abs(expectedB), 'noise of b');
  const w = (result.gradients.get('w') as tf.Tensor).dataSync();
  assertClose(w[0], expectedW[0], 1e-4 * Math.abs(expectedW[0]), 'noise of w[0]');
  assertClose(w[1], expectedW[1], 1e-4 * Math.abs(expectedW[1]), 'noise of w[1]');

  tf.dispose(Array.from(result.gradients.values()));
  assert.is(tf.memory().numTensors, before);
  tf.dispose(Array.from(params.values()));
});

test('noise has standard deviation σ C / (q N)', () => {
  const parameters = new Map([['weights', tf.zeros([20_000])]]);
  const result = privatizeGradients([], parameters, { clipNorm: 2, noiseMultiplier: 1.5, sampleRate: 0.01, datasetSize: 1000, random: new Random(4) });
  const values = (result.gradients.get('weights') as tf.Tensor).dataSync();
  let sum = 0;
  let sumOfSquares = 0;
  for (const value of values) {
    sum += value;
    sumOfSquares += value * value;
  }
  const mean = sum / values.length;
  const deviation = Math.sqrt(sumOfSquares / values.length - mean * mean);
  // Expected deviation 1.5 · 2 / 10 = 0.3. Standard errors with 20,000 draws: 0.3/√20000 ≈ 0.0021
  // for the mean, 0.3/√40000 = 0.0015 for the deviation; tolerances are about 4.5 of them.
  assertClose(mean, 0, 0.01, 'noise mean');
  assertClose(deviation, 0.3, 0.007, 'noise standard deviation');
  tf.dispose([...result.gradients.values(), ...parameters.values()]);
});

test('same seed gives the same gradient', () => {
  const { params, perExampleLoss } = linearModel();
  const step = () => dpSgdStep({ params, perExampleLoss, datasetSize: 2, sampleRate: 0.7, clipNorm: 1, noiseMultiplier: 1, random: new Random(9) });
  const first = step();
  const second = step();
  assert.equal(Array.from(first.batch), Array.from(second.batch));
  assert.equal(Array.from((first.gradients.get('w') as tf.Tensor).dataSync()), Array.from((second.gradients.get('w') as tf.Tensor).dataSync()));
  tf.dispose([...first.gradients.values(), ...second.gradients.values(), ...params.values()]);
});

test('step is recorded in the accountant', () => {
  const { params, perExampleLoss } = linearModel();
  const accountant = new RdpAccountant();
  const result = dpSgdStep({ params, perExampleLoss, datasetSize: 2, sampleRate: 0.5, clipNorm: 1, noiseMultiplier: 1.1, random: new Random(1), accountant });
  assert.equal(accountant.history(), [{ sampleRate: 0.5, noiseMultiplier: 1.1, steps: 1 }]);
  tf.dispose([...result.gradients.values(), ...params.values()]);
});

test('rejects invalid settings and shapes', () => {
  const parameters = new Map([['w', tf.zeros([2])]]);
  const valid = { clipNorm: 1, noiseMultiplier: 1, sampleRate: 0.1, datasetSize: 10, random: new Random(1) };
  assert.throws(() => privatizeGradients([], parameters, { ...valid, clipNorm: 0 }), /privatizeGradients: `clipNorm` must be a finite number > 0, got 0/);
  assert.throws(() => privatizeGradients([], parameters, { ...valid, noiseMultiplier: 0 }), /`noiseMultiplier` must be a finite number > 0, got 0/);
  assert.throws(() => privatizeGradients([], parameters, { ...valid, sampleRate: 0 }), /`sampleRate` must be in \(0, 1\], got 0/);
  const wrong = tf.zeros([3]);
  assert.throws(
    () => privatizeGradients([new Map([['w', wrong]])], parameters, valid),
    /privatizeGradients: example 0 has shape \[3\] for parameter 'w', expected shape \[2\]/,
  );
  assert.throws(() => poissonSample(0, 0.5, new Random(1)), /poissonSample: `datasetSize` must be a positive integer, got 0/);
  tf.dispose([wrong, ...parameters.values()]);
});

test.run();
