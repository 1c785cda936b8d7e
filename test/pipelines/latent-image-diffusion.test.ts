import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { makeDemoDataset } from '../../kernel-lib/data/demo';
import {
  generateLatentImages,
  latentScaleFactor,
  loadLatentImageDiffusionModel,
  readLatentModelFile,
  trainLatentImageDiffusion,
} from '../../kernel-lib/pipelines/latent-image-diffusion';
import { setLogLevel } from '../../kernel-lib/util/log';

const DATASET = makeDemoDataset({ seed: 1, size: 16, counts: { train: [8, 4], val: [1, 1], test: [1, 1] } });
const OPTIONS = {
  dataset: DATASET,
  autoencoder: { factor: 4, widths: [8, 8], latentChannels: 2, normGroups: 4 },
  autoencoderTraining: { numSteps: 3, batchSize: 4, cropSize: 8 },
  unet: { widths: [8, 8], embeddingDim: 8, normGroups: 4 },
  training: { numSteps: 3, batchSize: 4, checkpointEvery: 2 },
};
let root = '';
let modelDir = '';

test.before(async () => {
  setLogLevel('warn');
  await selectBackend({ backend: 'wasm' });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-latent-'));
  modelDir = path.join(root, 'model');
  trainLatentImageDiffusion({ ...OPTIONS, modelDir });
});

test.after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

test('model directory holds model.json and both checkpoints', () => {
  assert.equal(fs.readdirSync(modelDir).sort(), ['autoencoder.safetensors', 'checkpoint.safetensors', 'model.json']);
  const model = readLatentModelFile(modelDir);
  assert.equal(model.image, { height: 16, width: 16 });
  assert.is(model.latent.height, 4);
  assert.is(model.latent.channels, 2);
  assert.ok(model.latent.scaleFactor !== null, 'scale factor missing');
  assert.ok((model.latent.scaleFactor as number) > 0, `scale factor ${model.latent.scaleFactor}`);
});

test('samples are images of the pixel size in [-1, 1]', () => {
  const loaded = loadLatentImageDiffusionModel(modelDir);
  const before = tf.memory().numTensors;
  for (const sampler of ['ddim', 'dpmsolver++']) {
    const images = generateLatentImages(loaded, { classIndex: 1, count: 3, guidanceScale: 2, sampler, numInferenceSteps: 3, seed: 1, batchSize: 2 });
    assert.is(images.length, 3 * 16 * 16, sampler);
    assert.ok(images.every((v) => v >= -1 && v <= 1), `${sampler}: pixels clipped to [-1, 1]`);
  }
  assert.is(tf.memory().numTensors, before);
  loaded.dispose();
});

test('same seed gives the same images', () => {
  const loaded = loadLatentImageDiffusionModel(modelDir);
  const run = (seed: number) => generateLatentImages(loaded, { classIndex: 0, count: 2, guidanceScale: 3, sampler: 'ddim', numInferenceSteps: 3, seed });
  const a = run(7);
  assert.equal(Array.from(a), Array.from(run(7)));
  assert.not.equal(Array.from(a), Array.from(run(8)));
  loaded.dispose();
});

test('same training seed gives the same weights', () => {
  const otherDir = path.join(root, 'again');
  trainLatentImageDiffusion({ ...OPTIONS, modelDir: otherDir });
  assert.equal(readLatentModelFile(otherDir).latent.scaleFactor, readLatentModelFile(modelDir).latent.scaleFactor);
  assert.ok(
    fs.readFileSync(path.join(otherDir, 'checkpoint.safetensors')).equals(fs.readFileSync(path.join(modelDir, 'checkpoint.safetensors'))),
    'U-Net checkpoints differ',
  );
});

test('resume trains only the missing steps', () => {
  let autoencoderSteps = 0;
  const result = trainLatentImageDiffusion({
    ...OPTIONS,
    modelDir,
    training: { ...OPTIONS.training, numSteps: 4 },
    onAutoencoderProgress: () => autoencoderSteps++,
  });
  assert.is(result.steps, 4);
  assert.is(autoencoderSteps, 0, 'the finished autoencoder was trained again');
});

test('resume with another autoencoder is rejected', () => {
  assert.throws(
    () => trainLatentImageDiffusion({ ...OPTIONS, modelDir, autoencoder: { ...OPTIONS.autoencoder, latentChannels: 3 } }),
    /was written with other settings/,
  );
});

test('image side not divisible by the factor is rejected', () => {
  const odd = makeDemoDataset({ seed: 1, size: 28, counts: { train: [2, 2], val: [1, 1], test: [1, 1] } });
  assert.throws(
    () => trainLatentImageDiffusion({ ...OPTIONS, dataset: odd, modelDir: path.join(root, 'odd'), autoencoder: { factor: 8, widths: [8, 8, 8], normGroups: 4 } }),
    /image sides 28×28 are not multiples of the autoencoder factor 8; pad or resize the images to a multiple of 8 \(e.g. 32×32\)/,
  );
});

test('bad options are rejected with the fix', () => {
  const dir = path.join(root, 'bad');
  assert.throws(() => trainLatentImageDiffusion({ ...OPTIONS, modelDir: dir, autoencoder: { factor: 2 } }), /autoencoder options: factor: must be one of 4, 8 \(got 2\)/);
  assert.throws(() => trainLatentImageDiffusion({ ...OPTIONS, modelDir: dir, autoencoder: { factor: 4, widths: [8] } }), /factor 4 needs 2 widths/);
  assert.throws(
    () => trainLatentImageDiffusion({ ...OPTIONS, modelDir: dir, autoencoderTraining: { cropSize: 6 } }),
    /cropSize must be a multiple of the factor 4 no larger than 16, got 6/,
  );
  assert.throws(
    () => trainLatentImageDiffusion({ ...OPTIONS, modelDir: dir, training: { privacy: { noiseMultiplier: 1, sampleRate: 0.5 } } }),
    /DP-SGD \(`training.privacy`\) is not supported for latent models/,
  );
  assert.not.ok(fs.existsSync(dir), 'a rejected call wrote files');
});

test('unknown class index is rejected', () => {
  const loaded = loadLatentImageDiffusionModel(modelDir);
  assert.throws(
    () => generateLatentImages(loaded, { classIndex: 2, count: 1, guidanceScale: 1, sampler: 'ddim', numInferenceSteps: 2, seed: 0 }),
    /class index 2 is not one of 0 … 1 \(normal, lesion\)/,
  );
  loaded.dispose();
});

test('latent scale factor is one over the standard deviation', () => {
  // Values ±2 around mean 1: population standard deviation 2, so the factor is 0.5.
  assert.is(latentScaleFactor(Float32Array.from([-1, 3, -1, 3])), 0.5);
  assert.throws(() => latentScaleFactor(Float32Array.from([1, 1, 1])), /standard deviation 0; the autoencoder collapsed/);
});

test.run();
