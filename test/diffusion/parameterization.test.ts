import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  addNoise,
  diffusionLoss,
  minSnrLossWeights,
  noiseLevelAt,
  predictEpsilon,
  predictOriginalSample,
  trainingTarget,
} from '../../kernel-lib/diffusion/parameterization';
import { makeNoiseSchedule } from '../../kernel-lib/diffusion/schedules';
import { Random } from '../../kernel-lib/util/random';

test.before(async () => {
  await tf.setBackend('cpu');
});

const schedule = makeNoiseSchedule();
const zeroSnrSchedule = makeNoiseSchedule({ zeroTerminalSnr: true });

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, label = ''): void {
  assert.is(actual.length, expected.length, `${label} length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `${label}[${i}]: expected ${expected[i]} ± ${tolerance}, but got ${actual[i]}`,
    );
  }
}

/** x0 and noise `[2, 3, 2, 1]` from a fixed seed. */
function makePair(): { x0: tf.Tensor; noise: tf.Tensor } {
  const rng = new Random(11);
  return { x0: tf.tensor(rng.normalArray(12), [2, 3, 2, 1]), noise: tf.tensor(rng.normalArray(12), [2, 3, 2, 1]) };
}

test('addNoise applies each row its own timestep', () => {
  const { x0, noise } = makePair();
  const timesteps = new Int32Array([10, 700]);
  const xt = addNoise(schedule, x0, noise, timesteps);
  assert.equal(xt.shape, [2, 3, 2, 1]);
  const x0Values = x0.dataSync();
  const noiseValues = noise.dataSync();
  const expected = Array.from(x0Values, (value, i) => {
    const t = timesteps[Math.floor(i / 6)];
    return schedule.sqrtAlphasCumprod[t] * value + schedule.sqrtOneMinusAlphasCumprod[t] * noiseValues[i];
  });
  // float32 arithmetic on values of order 1.
  assertClose(xt.dataSync(), expected, 1e-6, 'x_t');
  tf.dispose([x0, noise, xt]);
});

test('addNoise leaves no tensors behind', () => {
  const { x0, noise } = makePair();
  const before = tf.memory().numTensors;
  const xt = addNoise(schedule, x0, noise, new Int32Array([0, 999]));
  assert.is(tf.memory().numTensors, before + 1);
  xt.dispose();
  const target = trainingTarget(schedule, x0, noise, new Int32Array([0, 999]), 'v_prediction');
  assert.is(tf.memory().numTensors, before + 1);
  target.dispose();
  const loss = diffusionLoss(x0, noise, new Float32Array([1, 2]));
  assert.is(tf.memory().numTensors, before + 1);
  loss.dispose();
  tf.dispose([x0, noise]);
});

test('trainingTarget for epsilon is the noise', () => {
  const { x0, noise } = makePair();
  const target = trainingTarget(schedule, x0, noise, new Int32Array([5, 500]), 'epsilon');
  assertClose(target.dataSync(), noise.dataSync(), 0, 'target');
  tf.dispose([x0, noise, target]);
});

test('trainingTarget for v is alpha eps - sigma x0', () => {
  const { x0, noise } = makePair();
  const timesteps = new Int32Array([5, 500]);
  const target = trainingTarget(schedule, x0, noise, timesteps, 'v_prediction');
  const x0Values = x0.dataSync();
  const noiseValues = noise.dataSync();
  const expected = Array.from(x0Values, (value, i) => {
    const t = timesteps[Math.floor(i / 6)];
    return schedule.sqrtAlphasCumprod[t] * noiseValues[i] - schedule.sqrtOneMinusAlphasCumprod[t] * value;
  });
  assertClose(target.dataSync(), expected, 1e-6, 'v');
  tf.dispose([x0, noise, target]);
});

test('predictions invert the forward process', () => {
  // Noising with one timestep per batch, then recovering x0 and eps from the exact targets.
  const { x0, noise } = makePair();
  for (const t of [0, 300, 999]) {
    const level = noiseLevelAt(schedule, t);
    const timesteps = new Int32Array([t, t]);
    const xt = addNoise(schedule, x0, noise, timesteps);
    for (const predictionType of ['epsilon', 'v_prediction']) {
      const target = trainingTarget(schedule, x0, noise, timesteps, predictionType);
      const x0Estimate = predictOriginalSample(level, xt, target, predictionType);
      const epsEstimate = predictEpsilon(level, xt, target, predictionType);
      // Dividing by alpha = 0.0064 at t = 999 amplifies float32 rounding of x_t (about 1e-7) to about 2e-5.
      const tolerance = predictionType === 'epsilon' && t === 999 ? 1e-4 : 1e-5;
      assertClose(x0Estimate.dataSync(), x0.dataSync(), tolerance, `${predictionType} x0 at t = ${t}`);
      assertClose(epsEstimate.dataSync(), noise.dataSync(), 1e-5, `${predictionType} eps at t = ${t}`);
      tf.dispose([target, x0Estimate, epsEstimate]);
    }
    xt.dispose();
  }
  tf.dispose([x0, noise]);
});

test('zero terminal SNR: x0 from v at the last step is -v', () => {
  const level = noiseLevelAt(zeroSnrSchedule, 999);
  assert.is(level.alpha, 0);
  assert.is(level.sigma, 1);
  const xt = tf.tensor([0.3, -1.2, 2.0], [1, 3]);
  const v = tf.tensor([0.7, 0.1, -0.4], [1, 3]);
  const x0 = predictOriginalSample(level, xt, v, 'v_prediction');
  // alpha = 0 and sigma = 1 are exact, so x0 is -v bit for bit.
  assertClose(x0.dataSync(), Array.from(v.dataSync(), (value) => -value), 0, 'x0');
  // eps = sigma x_t + alpha v = x_t: at zero SNR the sample is pure noise.
  const eps = predictEpsilon(level, xt, v, 'v_prediction');
  assertClose(eps.dataSync(), xt.dataSync(), 0, 'eps');
  tf.dispose([xt, v, x0, eps]);
});

test('zero terminal SNR: epsilon cannot give x0 at the last step', () => {
  const level = noiseLevelAt(zeroSnrSchedule, 999);
  const xt = tf.zeros([1, 2]);
  assert.throws(() => predictOriginalSample(level, xt, xt, 'epsilon'), /alphaBar = 0.*'v_prediction'/);
  xt.dispose();
});

test('zero terminal SNR: loss weights stay finite', () => {
  const timesteps = new Int32Array([0, 1, 500, 998, 999]);
  for (const predictionType of ['epsilon', 'v_prediction']) {
    const weights = minSnrLossWeights(zeroSnrSchedule, timesteps, predictionType);
    for (let i = 0; i < weights.length; i++) {
      assert.ok(Number.isFinite(weights[i]), `${predictionType} weight at t = ${timesteps[i]} is ${weights[i]}`);
    }
  }
  const vWeights = minSnrLossWeights(zeroSnrSchedule, timesteps, 'v_prediction');
  // SNR = 0 at t = 999: min(0, 5) / (0 + 1) = 0.
  assert.is(vWeights[4], 0);
  const epsWeights = minSnrLossWeights(zeroSnrSchedule, timesteps, 'epsilon');
  assert.is(epsWeights[4], 1);
  // SNR_0 = 0.9999 / 0.0001 = 9999 >> 5, so v gets 5 / 10000 and epsilon 5 / 9999.
  assert.ok(Math.abs(vWeights[0] - 5 / 10000) < 1e-9, `v weight at t = 0: ${vWeights[0]}`);
  assert.ok(Math.abs(epsWeights[0] - 5 / 9999) < 1e-9, `epsilon weight at t = 0: ${epsWeights[0]}`);

  const { x0, noise } = makePair();
  const pair = new Int32Array([998, 999]);
  const target = trainingTarget(zeroSnrSchedule, x0, noise, pair, 'v_prediction');
  const loss = diffusionLoss(tf.zerosLike(target), target, minSnrLossWeights(zeroSnrSchedule, pair, 'v_prediction'));
  const value = loss.dataSync()[0];
  assert.ok(Number.isFinite(value), `loss ${value}`);
  assert.ok(value > 0, `loss ${value}`);
  tf.dispose([x0, noise, target, loss]);
});

test('diffusionLoss is the weighted mean of row MSEs', () => {
  const prediction = tf.tensor([1, 2, 3, 4, 0, 0, 0, 0], [2, 2, 2]);
  const target = tf.tensor([1, 2, 3, 6, 1, 1, 1, 1], [2, 2, 2]);
  // Row MSEs: (0 + 0 + 0 + 4) / 4 = 1 and (1 + 1 + 1 + 1) / 4 = 1.
  const plain = diffusionLoss(prediction, target);
  assert.is(plain.dataSync()[0], 1);
  const weighted = diffusionLoss(prediction, target, new Float32Array([3, 0.5]));
  assert.is(weighted.dataSync()[0], (3 * 1 + 0.5 * 1) / 2);
  assert.equal(weighted.shape, []);
  tf.dispose([prediction, target, plain, weighted]);
});

test('diffusionLoss is differentiable', () => {
  const target = tf.tensor([1, 3], [2, 1]);
  const prediction = tf.variable(tf.tensor([0, 0], [2, 1]));
  const { grads, value } = tf.variableGrads(() => diffusionLoss(prediction, target, new Float32Array([1, 2])));
  // d/dp of mean_rows(w_i (p_i - y_i)^2) = w_i (p_i - y_i) for a batch of 2.
  assertClose(grads[prediction.name].dataSync(), [-1, -6], 1e-6, 'gradient');
  assert.is(value.dataSync()[0], (1 * 1 + 2 * 9) / 2);
  tf.dispose([target, prediction, value, ...Object.values(grads)]);
});

test('rejects unknown prediction types, listing valid names', () => {
  const { x0, noise } = makePair();
  const timesteps = new Int32Array([1, 2]);
  const pattern = /unknown `predictionType` 'sample'; use one of epsilon, v_prediction/;
  assert.throws(() => trainingTarget(schedule, x0, noise, timesteps, 'sample'), pattern);
  assert.throws(() => predictOriginalSample({ alpha: 1, sigma: 0 }, x0, noise, 'sample'), pattern);
  assert.throws(() => predictEpsilon({ alpha: 1, sigma: 0 }, x0, noise, 'sample'), pattern);
  assert.throws(() => minSnrLossWeights(schedule, timesteps, 'sample'), pattern);
  tf.dispose([x0, noise]);
});

test('rejects mismatched shapes, timesteps and weights', () => {
  const { x0, noise } = makePair();
  assert.throws(() => addNoise(schedule, x0, noise, new Int32Array([1])), /one timestep per row.*got 1 timesteps/);
  assert.throws(() => addNoise(schedule, x0, noise, new Int32Array([1, 1000])), /\[0, 999\], got 1000/);
  const other = tf.zeros([2, 6]);
  assert.throws(() => addNoise(schedule, x0, other, new Int32Array([1, 2])), /same shape, got \[2,3,2,1\] and \[2,6\]/);
  assert.throws(() => diffusionLoss(x0, other), /same shape/);
  assert.throws(() => diffusionLoss(x0, noise, new Float32Array([1])), /expected 2 weights .*got 1/);
  assert.throws(() => diffusionLoss(x0, noise, new Float32Array([1, NaN])), /finite, got NaN at row 1/);
  tf.dispose([x0, noise, other]);
});

test.run();
