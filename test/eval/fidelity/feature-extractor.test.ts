import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../../kernel-lib/backend/select';
import { ClassifierConfig, classifierForward, classifierParamSpecs } from '../../../kernel-lib/classify/cnn';
import { classifierFeatures } from '../../../kernel-lib/classify/features';
import { classifierFeatureExtractor, loadTfjsFeatureExtractor, openDomainFeatureExtractor } from '../../../kernel-lib/eval/fidelity/feature-extractor';
import { fileSystemIOHandler } from '../../../kernel-lib/eval/fidelity/file-system-io';
import { createParams, disposeParams } from '../../../kernel-lib/nets/params';
import { Random } from '../../../kernel-lib/util/random';
import { toyImages } from '../../classify/toy-images';
import { makeTempDir } from '../../experiment/tiny-experiment';

const CONFIG: ClassifierConfig = { widths: [4, 6, 5], numClasses: 3 };
let folder: string;

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
  folder = makeTempDir('medsynth-extractor-');
});

function randomBytes(count: number, size: number, seed: number): Uint8Array {
  const rng = new Random(seed);
  return Uint8Array.from({ length: count * size }, () => rng.int(256));
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${what}[${i}]: expected ${expected[i]}, got ${actual[i]}`);
  }
}

/** Saves a layers model: conv 'features' (5 filters) on [8, 8, 3], global average pool, dense 'head' (2 units). */
async function saveLayersModel(name: string, inputShape: number[] = [8, 8, 3]): Promise<{ model: tf.LayersModel; file: string }> {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape, filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', name: 'features', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.globalAveragePooling2d({ name: 'pool' }),
      tf.layers.dense({ units: 2, name: 'head', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  const file = path.join(folder, name, 'model.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await model.save(fileSystemIOHandler(file));
  return { model, file };
}

/** Writes a graph model by hand: input 'image' [-1, 8, 8, 1], 'doubled' = image + image, 'pooled' = mean over height and width. */
function saveGraphModel(name: string): string {
  const dir = path.join(folder, name);
  fs.mkdirSync(dir, { recursive: true });
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'feature-extractor.test.ts',
    convertedBy: null,
    modelTopology: {
      node: [
        { name: 'image', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '8' }, { size: '8' }, { size: '1' }] } } } },
        { name: 'axes', op: 'Const', attr: { value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '2' }] } } }, dtype: { type: 'DT_INT32' } } },
        { name: 'doubled', op: 'AddV2', input: ['image', 'image'], attr: { T: { type: 'DT_FLOAT' } } },
        { name: 'pooled', op: 'Mean', input: ['doubled', 'axes'], attr: { keep_dims: { b: false }, T: { type: 'DT_FLOAT' }, Tidx: { type: 'DT_INT32' } } },
      ],
      library: {},
      versions: { producer: 1 },
    },
    weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'axes', shape: [2], dtype: 'int32' }] }],
  };
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(new Int32Array([1, 2]).buffer));
  return path.join(dir, 'model.json');
}

test('classifier features have shape [count, last width]', () => {
  const params = createParams(classifierParamSpecs(CONFIG), new Random(1));
  const features = classifierFeatures(CONFIG, params, { pixels: randomBytes(7, 10 * 12, 2), height: 10, width: 12 });
  disposeParams(params);
  assert.is(features.length, 7 * 5);
  assert.ok(features instanceof Float64Array, 'expected a Float64Array');
});

test('classifier features feed the head to the logits', () => {
  const params = createParams(classifierParamSpecs(CONFIG), new Random(3));
  const pixels = randomBytes(5, 9 * 9, 4);
  const features = classifierFeatures(CONFIG, params, { pixels, height: 9, width: 9 });
  const [fromFeatures, logits] = tf.tidy(() => {
    // head(features) = features · W + b must equal the full forward pass.
    const headInput = tf.tensor2d(Float32Array.from(features), [5, 5]);
    const viaHead = tf.add(tf.matMul(headInput, params.get('head.weight') as tf.Tensor2D), params.get('head.bias') as tf.Tensor);
    const x = tf.tensor4d(Float32Array.from(pixels, (b) => b / 127.5 - 1), [5, 9, 9, 1]);
    return [viaHead.dataSync(), classifierForward(CONFIG, params, x).dataSync()];
  });
  disposeParams(params);
  assertClose(fromFeatures, logits, 1e-5, 'logits');
});

test('classifier features do not depend on batch size', () => {
  const params = createParams(classifierParamSpecs(CONFIG), new Random(5));
  const images = { pixels: randomBytes(9, 8 * 8, 6), height: 8, width: 8 };
  const whole = classifierFeatures(CONFIG, params, images, 64);
  const inThrees = classifierFeatures(CONFIG, params, images, 3);
  disposeParams(params);
  assertClose(inThrees, whole, 1e-6, 'features');
});

test('classifier features leave no tensors', () => {
  const params = createParams(classifierParamSpecs(CONFIG), new Random(7));
  const before = tf.memory().numTensors;
  classifierFeatures(CONFIG, params, { pixels: randomBytes(70, 8 * 8, 8), height: 8, width: 8 }, 32);
  const after = tf.memory().numTensors;
  disposeParams(params);
  assert.is(after, before);
});

test('classifier features reject mismatched weights', () => {
  const params = createParams(classifierParamSpecs({ widths: [4, 6], numClasses: 3 }), new Random(9));
  assert.throws(() => classifierFeatures(CONFIG, params, { pixels: randomBytes(1, 64, 1), height: 8, width: 8 }), /classifierFeatures: parameter 'conv2.weight' is missing/);
  disposeParams(params);
});

test('domain extractor is trained, saved and reused', () => {
  const file = path.join(folder, 'domain', 'extractor.safetensors');
  const options = {
    filePath: file,
    train: toyImages(40, 1),
    validation: toyImages(12, 2),
    numClasses: 2,
    training: { widths: [4, 6], maxEpochs: 1, seed: 3 },
  };
  const images = toyImages(6, 4).pixels as Uint8Array;
  const first = openDomainFeatureExtractor(options);
  const firstFeatures = first.extractor.extract(images, 8, 8);
  first.extractor.dispose();
  const second = openDomainFeatureExtractor(options);
  const secondFeatures = second.extractor.extract(images, 8, 8);
  second.extractor.dispose();

  assert.is(first.trained, true);
  assert.is(second.trained, false);
  assert.ok(fs.existsSync(file), `expected ${file}`);
  assert.is(second.extractor.numFeatures, 6);
  assert.equal(Array.from(secondFeatures), Array.from(firstFeatures));
});

test('domain extractor rejects a saved one of other classes', () => {
  const file = path.join(folder, 'domain-classes', 'extractor.safetensors');
  const options = { filePath: file, train: toyImages(20, 1), validation: toyImages(8, 2), numClasses: 2, training: { widths: [4], maxEpochs: 1, seed: 0 } };
  openDomainFeatureExtractor(options).extractor.dispose();
  assert.throws(() => openDomainFeatureExtractor({ ...options, numClasses: 3 }), /the saved extractor .* has 2 classes but the dataset has 3; delete the file/);
});

test('classifier extractor leaves no tensors', () => {
  const params = createParams(classifierParamSpecs(CONFIG), new Random(10));
  const extractor = classifierFeatureExtractor(CONFIG, params, 'test images');
  const before = tf.memory().numTensors;
  extractor.extract(randomBytes(3, 64, 11), 8, 8);
  assert.is(tf.memory().numTensors, before);
  extractor.dispose();
});

test('layers model features match a manual pipeline', async () => {
  // 16 × 16 images shrink to the model's 8 × 8 by 2 × 2 averaging (avgPool), are scaled to
  // [−1, 1] and are replicated to 3 channels. The features are the dense head's 2 units.
  const { model, file } = await saveLayersModel('layers');
  const extractor = await loadTfjsFeatureExtractor(file);
  const images = randomBytes(4, 16 * 16, 12);
  const features = extractor.extract(images, 16, 16);
  const expected = tf.tidy(() => {
    const x = tf.div(tf.tensor4d(Float32Array.from(images), [4, 16, 16, 1]), 127.5).sub(1) as tf.Tensor4D;
    const shrunk = tf.avgPool(x, 2, 2, 'valid');
    return (model.predict(tf.tile(shrunk, [1, 1, 1, 3])) as tf.Tensor).dataSync();
  });
  extractor.dispose();
  model.dispose();
  assert.is(extractor.numFeatures, 2);
  assert.is(extractor.kind, 'tfjs-layers');
  assertClose(features, expected, 1e-5, 'features');
});

test('named layer output is average-pooled', async () => {
  // The 'features' convolution has 5 filters: its [batch, 8, 8, 5] output pools to 5 features.
  const { model, file } = await saveLayersModel('layers-named');
  const extractor = await loadTfjsFeatureExtractor(`file://${file}`, { layer: 'features', inputRange: '[0,1]' });
  const images = randomBytes(3, 8 * 8, 13);
  const features = extractor.extract(images, 8, 8);
  const expected = tf.tidy(() => {
    const x = tf.tile(tf.tensor4d(Float32Array.from(images, (b) => b / 255), [3, 8, 8, 1]), [1, 1, 1, 3]);
    const conv = model.getLayer('features').apply(x) as tf.Tensor4D;
    return tf.mean(conv, [1, 2]).dataSync();
  });
  extractor.dispose();
  model.dispose();
  assert.is(extractor.numFeatures, 5);
  assertClose(features, expected, 1e-5, 'features');
});

test('tfjs extractor leaves no tensors', async () => {
  const { model, file } = await saveLayersModel('layers-memory');
  model.dispose();
  const beforeLoad = tf.memory().numTensors;
  const extractor = await loadTfjsFeatureExtractor(file, { layer: 'features' });
  const beforeExtract = tf.memory().numTensors;
  extractor.extract(randomBytes(70, 8 * 8, 14), 8, 8);
  const afterExtract = tf.memory().numTensors;
  extractor.dispose();
  assert.is(afterExtract, beforeExtract, 'expected extract to leave no tensors');
  assert.is(tf.memory().numTensors, beforeLoad, 'expected dispose to free the model weights');
});

test('graph model output and named node', async () => {
  // Output 'pooled' is the mean of 2x over height and width: one feature per image.
  const file = saveGraphModel('graph');
  const images = Uint8Array.from({ length: 2 * 64 }, (_, i) => (i < 64 ? 255 : 0));
  const output = await loadTfjsFeatureExtractor(file, { inputRange: '[0,1]' });
  const outputFeatures = output.extract(images, 8, 8);
  output.dispose();
  const named = await loadTfjsFeatureExtractor(path.dirname(file), { inputRange: '[0,1]', layer: 'doubled' });
  const namedFeatures = named.extract(images, 8, 8);
  named.dispose();

  assert.is(output.kind, 'tfjs-graph');
  assert.equal(Array.from(outputFeatures), [2, 0]);
  // 'doubled' is rank 4, [2, 8, 8, 1], so the extractor pools it to the same values.
  assert.equal(Array.from(namedFeatures), [2, 0]);
});

test('tfjs extractor rejects a non-image input', async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [16], units: 2 })] });
  const file = path.join(folder, 'dense', 'model.json');
  await model.save(fileSystemIOHandler(file));
  model.dispose();
  let message = '';
  await loadTfjsFeatureExtractor(file).catch((err: Error) => (message = err.message));
  assert.match(message, `loadTfjsFeatureExtractor: the model ${file} expects input shape [null, 16]`);
  assert.match(message, '[batch, height, width, 1 or 3]');
});

test('tfjs extractor rejects an unknown layer', async () => {
  const { model, file } = await saveLayersModel('layers-unknown');
  model.dispose();
  let message = '';
  await loadTfjsFeatureExtractor(file, { layer: 'pool5' }).catch((err: Error) => (message = err.message));
  assert.match(message, "has no layer 'pool5'; its layers are features, pool, head");
});

test('tfjs extractor rejects a missing file', async () => {
  const missing = path.join(folder, 'nowhere', 'model.json');
  let message = '';
  await loadTfjsFeatureExtractor(missing).catch((err: Error) => (message = err.message));
  assert.match(message, `model file not found: ${missing}`);
});

test.run();
