import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EhrVaeConfig, createEhrVaeConfig, vaeDecode, vaeEncode, vaeParamSpecs } from '../../kernel-lib/ehr/vae-network';
import { countParams, createParams, disposeParams } from '../../kernel-lib/nets/params';
import { Random } from '../../kernel-lib/util/random';

test.before(async () => {
  await tf.setBackend('cpu');
});

const CONFIG: EhrVaeConfig = { hours: 4, variables: 3, latentDim: 5, hiddenDim: 7, numLayers: 2 };

test('config defaults', () => {
  const config = createEhrVaeConfig({ hours: 24, variables: 37 });
  assert.equal(config, { hours: 24, variables: 37, latentDim: 64, hiddenDim: 512, numLayers: 2 });
});

test('config rejects invalid fields', () => {
  assert.throws(() => createEhrVaeConfig({ hours: 0, variables: 3 }), /createEhrVaeConfig: config\.hours must be an integer >= 1, got 0/);
  assert.throws(() => createEhrVaeConfig({ hours: 4, variables: 3, latentDim: 2.5 }), /config\.latentDim must be an integer >= 1, got 2\.5/);
  assert.throws(() => createEhrVaeConfig({ hours: 4, variables: 3, numLayers: -1 }), /config\.numLayers must be an integer >= 0, got -1/);
  assert.throws(() => vaeParamSpecs({ ...CONFIG, hiddenDim: NaN }), /vaeParamSpecs: config\.hiddenDim must be an integer >= 1, got NaN/);
});

test('param specs shapes and count', () => {
  const specs = vaeParamSpecs(CONFIG);
  const shapes = Object.fromEntries(specs.map((s) => [s.name, s.shape]));
  // Encoder input: 4 hours × (3 values + 3 mask entries) = 24 features.
  assert.equal(shapes['encoder.hidden0.weight'], [24, 7]);
  assert.equal(shapes['encoder.hidden1.weight'], [7, 7]);
  assert.equal(shapes['encoder.mean.weight'], [7, 5]);
  assert.equal(shapes['encoder.logVar.bias'], [5]);
  assert.equal(shapes['decoder.hidden0.weight'], [5, 7]);
  assert.equal(shapes['decoder.values.weight'], [7, 12]);
  assert.equal(shapes['decoder.maskLogits.bias'], [12]);
  // Encoder 24·7+7 + 7·7+7 + 2·(7·5+5) = 311; decoder 5·7+7 + 7·7+7 + 2·(7·12+12) = 290.
  assert.is(countParams(specs), 601);
});

test('encode and decode shapes', () => {
  const params = createParams(vaeParamSpecs(CONFIG), new Random(1));
  const values = tf.randomNormal([16, 4, 3]) as tf.Tensor3D;
  const mask = tf.ones([16, 4, 3]) as tf.Tensor3D;
  const { mean, logVar } = vaeEncode(CONFIG, params, values, mask);
  assert.equal(mean.shape, [16, 5]);
  assert.equal(logVar.shape, [16, 5]);
  const decoded = vaeDecode(CONFIG, params, mean);
  assert.equal(decoded.values.shape, [16, 4, 3]);
  assert.equal(decoded.maskLogits.shape, [16, 4, 3]);
  tf.dispose([values, mask, mean, logVar, decoded.values, decoded.maskLogits]);
  disposeParams(params);
});

test('encoder input is values then mask per hour', () => {
  // With no hidden layers, mean = x · W + b, so a one-hot column of W picks one input feature.
  const config: EhrVaeConfig = { hours: 2, variables: 3, latentDim: 2, hiddenDim: 4, numLayers: 0 };
  const params = createParams(vaeParamSpecs(config), new Random(2));
  const weight = new Float32Array(12 * 2);
  // Feature of hour 1, value of variable 2: 1·6 + 2 = 8. Hour 1, mask of variable 0: 1·6 + 3 + 0 = 9.
  weight[8 * 2 + 0] = 1;
  weight[9 * 2 + 1] = 1;
  params.get('encoder.mean.weight')!.assign(tf.tensor2d(weight, [12, 2]));
  params.get('encoder.mean.bias')!.assign(tf.zeros([2]));
  const values = tf.tensor3d([[[1, 2, 3], [4, 5, 6]]]);
  const mask = tf.tensor3d([[[0, 0, 1], [1, 0, 0]]]);
  const { mean, logVar } = vaeEncode(config, params, values, mask);
  assert.equal(Array.from(mean.dataSync()), [6, 1]);
  tf.dispose([values, mask, mean, logVar]);
  disposeParams(params);
});

test('encoder clips the log-variance', () => {
  const config: EhrVaeConfig = { hours: 1, variables: 1, latentDim: 1, hiddenDim: 2, numLayers: 0 };
  const params = createParams(vaeParamSpecs(config), new Random(3));
  params.get('encoder.logVar.weight')!.assign(tf.zeros([2, 1]));
  params.get('encoder.logVar.bias')!.assign(tf.tensor1d([100]));
  const values = tf.zeros([1, 1, 1]) as tf.Tensor3D;
  const { mean, logVar } = vaeEncode(config, params, values, values);
  assert.equal(Array.from(logVar.dataSync()), [20]);
  tf.dispose([values, mean, logVar]);
  disposeParams(params);
});

test('decoder output is hour-major', () => {
  // With no hidden layers and zero weights, the output is the head bias, cell h·variables + v.
  const config: EhrVaeConfig = { hours: 2, variables: 3, latentDim: 1, hiddenDim: 2, numLayers: 0 };
  const params = createParams(vaeParamSpecs(config), new Random(4));
  params.get('decoder.values.weight')!.assign(tf.zeros([1, 6]));
  params.get('decoder.values.bias')!.assign(tf.tensor1d([0, 1, 2, 10, 11, 12]));
  const z = tf.zeros([1, 1]) as tf.Tensor2D;
  const decoded = vaeDecode(config, params, z);
  assert.equal(decoded.values.arraySync(), [[[0, 1, 2], [10, 11, 12]]]);
  tf.dispose([z, decoded.values, decoded.maskLogits]);
  disposeParams(params);
});

test('encode rejects shape mismatches', () => {
  const params = createParams(vaeParamSpecs(CONFIG), new Random(5));
  const good = tf.zeros([2, 4, 3]) as tf.Tensor3D;
  const fewVariables = tf.zeros([2, 4, 2]) as tf.Tensor3D;
  const otherBatch = tf.zeros([3, 4, 3]) as tf.Tensor3D;
  assert.throws(() => vaeEncode(CONFIG, params, good, fewVariables), /vaeEncode: mask must have shape \[batch >= 1, 4, 3\].*got \[2, 4, 2\]/);
  assert.throws(() => vaeEncode(CONFIG, params, fewVariables, good), /vaeEncode: values must have shape/);
  assert.throws(() => vaeEncode(CONFIG, params, good, otherBatch), /vaeEncode: values and mask must have the same batch size, got 2 and 3/);
  tf.dispose([good, fewVariables, otherBatch]);
  disposeParams(params);
});

test('decode rejects a wrong latent size', () => {
  const params = createParams(vaeParamSpecs(CONFIG), new Random(6));
  const z = tf.zeros([2, 4]) as tf.Tensor2D;
  assert.throws(() => vaeDecode(CONFIG, params, z), /vaeDecode: z must have shape \[batch >= 1, 5\].*got \[2, 4\]/);
  z.dispose();
  disposeParams(params);
});

test('forward passes leave no tensors', () => {
  const params = createParams(vaeParamSpecs(CONFIG), new Random(7));
  const values = tf.zeros([2, 4, 3]) as tf.Tensor3D;
  const before = tf.memory().numTensors;
  const { mean, logVar } = vaeEncode(CONFIG, params, values, values);
  const decoded = vaeDecode(CONFIG, params, mean);
  tf.dispose([mean, logVar, decoded.values, decoded.maskLogits]);
  assert.is(tf.memory().numTensors, before);
  values.dispose();
  disposeParams(params);
});

test.run();
