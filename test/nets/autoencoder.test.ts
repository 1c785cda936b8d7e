import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import {
  AutoencoderConfig,
  autoencoderParamCount,
  autoencoderParamSpecs,
  decodeLatents,
  encodeDistribution,
  klDivergence,
  samplePosterior,
} from '../../kernel-lib/nets/autoencoder';
import { createParams, disposeParams } from '../../kernel-lib/nets/params';
import { setLogLevel } from '../../kernel-lib/util/log';
import { Random } from '../../kernel-lib/util/random';

const TINY: AutoencoderConfig = { factor: 4, widths: [8, 8], latentChannels: 3, normGroups: 4 };

test.before(async () => {
  setLogLevel('warn');
  await selectBackend({ backend: 'wasm' });
});

test('encoder and decoder shapes, factor 4 and 8', () => {
  for (const config of [TINY, { factor: 8, widths: [8, 8, 8], latentChannels: 2, normGroups: 4 }]) {
    const params = createParams(autoencoderParamSpecs(config), new Random(0));
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([2, 16, 24, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
    const distribution = encodeDistribution(config, params, x);
    const side = config.factor;
    assert.equal(distribution.mean.shape, [2, 16 / side, 24 / side, config.latentChannels]);
    assert.equal(distribution.logVariance.shape, distribution.mean.shape);
    const decoded = decodeLatents(config, params, distribution.mean);
    assert.equal(decoded.shape, [2, 16, 24, 1]);
    tf.dispose([x, distribution.mean, distribution.logVariance, decoded]);
    assert.is(tf.memory().numTensors, before, `factor ${side}: tensors left behind`);
    disposeParams(params);
  }
});

test('parameter count matches the specs', () => {
  const total = autoencoderParamSpecs(TINY).reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0);
  assert.is(autoencoderParamCount(TINY), total);
  // The encoder's last convolution emits mean and log-variance: 2 · latentChannels maps.
  const encoderOut = autoencoderParamSpecs(TINY).find((spec) => spec.name === 'encoder.output.conv.weight');
  assert.equal(encoderOut?.shape, [3, 3, 8, 6]);
});

test('KL divergence against a hand-computed value', () => {
  // Image 0: μ = (0.5, −1), log σ² = (0, ln 2): ½(0.25 + 1 − 1 − 0) + ½(1 + 2 − 1 − ln 2) = 0.125 + 0.65343.
  // Image 1: μ = 0, log σ² = 0 contributes 0. The mean over the batch of 2 is half the sum.
  const mean = tf.tensor4d([0.5, -1, 0, 0], [2, 1, 1, 2]);
  const logVariance = tf.tensor4d([0, Math.log(2), 0, 0], [2, 1, 1, 2]);
  const kl = klDivergence({ mean, logVariance });
  const expected = (0.125 + 0.5 * (2 - Math.log(2))) / 2;
  assert.ok(Math.abs(kl.dataSync()[0] - expected) < 1e-6, `KL ${kl.dataSync()[0]}, expected ${expected} (tolerance 1e-6)`);
  tf.dispose([mean, logVariance, kl]);
});

test('posterior sample is mean plus sigma times noise', () => {
  const mean = tf.tensor4d([1, 2], [1, 1, 1, 2]);
  const logVariance = tf.tensor4d([Math.log(4), 0], [1, 1, 1, 2]);
  const noise = tf.tensor4d([0.5, -1], [1, 1, 1, 2]);
  const z = samplePosterior({ mean, logVariance }, noise);
  const values = Array.from(z.dataSync());
  assert.ok(Math.abs(values[0] - 2) < 1e-6, `z[0] = ${values[0]}, expected 1 + 2 · 0.5`);
  assert.ok(Math.abs(values[1] - 1) < 1e-6, `z[1] = ${values[1]}, expected 2 + 1 · (−1)`);
  tf.dispose([mean, logVariance, noise, z]);
});

test('image side not divisible by the factor is rejected', () => {
  const params = createParams(autoencoderParamSpecs({ ...TINY, factor: 8, widths: [8, 8, 8] }), new Random(0));
  const x = tf.zeros([1, 28, 28, 1]) as tf.Tensor4D;
  assert.throws(
    () => encodeDistribution({ ...TINY, factor: 8, widths: [8, 8, 8] }, params, x),
    (err: Error) => /28×28 are not multiples of the autoencoder factor 8/.test(err.message) && /32×32/.test(err.message),
  );
  x.dispose();
  disposeParams(params);
});

test('invalid configurations name the field', () => {
  assert.throws(() => autoencoderParamSpecs({ ...TINY, factor: 2 }), /factor must be one of 4, 8, got 2/);
  assert.throws(() => autoencoderParamSpecs({ ...TINY, factor: 8 }), /factor 8 needs 3 widths/);
  assert.throws(() => autoencoderParamSpecs({ ...TINY, widths: [8, 6] }), /positive multiple of normGroups \(4\), got 6/);
  assert.throws(() => autoencoderParamSpecs({ ...TINY, latentChannels: 0 }), /latentChannels must be an integer >= 1, got 0/);
});

test('wrong latent channels are rejected', () => {
  const params = createParams(autoencoderParamSpecs(TINY), new Random(0));
  const z = tf.zeros([1, 2, 2, 4]) as tf.Tensor4D;
  assert.throws(() => decodeLatents(TINY, params, z), /expected latents \[batch, height, width, 3\], got \[1,2,2,4\]/);
  z.dispose();
  disposeParams(params);
});

test.run();
