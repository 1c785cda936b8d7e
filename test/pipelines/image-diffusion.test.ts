import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { makeDemoDataset } from '../../kernel-lib/data/demo';
import { generateImages, loadImageDiffusionModel, trainImageDiffusion } from '../../kernel-lib/pipelines/image-diffusion';
import { setLogLevel } from '../../kernel-lib/util/log';

const DATASET = makeDemoDataset({ seed: 1, size: 8, counts: { train: [12, 4], val: [2, 2], test: [2, 2] } });
const TINY = { widths: [8, 8], embeddingDim: 8, normGroups: 4 };
let modelDir = '';

test.before(async () => {
  setLogLevel('warn');
  await selectBackend({ backend: 'wasm' });
  modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-model-'));
  trainImageDiffusion({ dataset: DATASET, modelDir, unet: TINY, training: { numSteps: 3, batchSize: 4, checkpointEvery: 2 } });
});

test.after(() => {
  fs.rmSync(modelDir, { recursive: true, force: true });
});

test('model directory holds model.json and the checkpoint', () => {
  assert.equal(fs.readdirSync(modelDir).sort(), ['checkpoint.safetensors', 'model.json']);
  const model = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
  assert.equal(model.classNames, ['normal', 'lesion']);
  assert.equal(model.image, { height: 8, width: 8 });
});

test('same seed gives the same images', () => {
  const loaded = loadImageDiffusionModel(modelDir);
  const run = (seed: number) => generateImages(loaded, { classIndex: 1, count: 3, guidanceScale: 3, sampler: 'ddim', numInferenceSteps: 4, seed });
  const a = run(7);
  const b = run(7);
  const c = run(8);
  assert.equal(Array.from(a), Array.from(b));
  assert.not.equal(Array.from(a), Array.from(c));
  loaded.dispose();
});

test('guidance interval of generateImages', () => {
  const loaded = loadImageDiffusionModel(modelDir);
  const run = (guidanceScale: number, guidanceInterval?: [number, number]) =>
    Array.from(generateImages(loaded, { classIndex: 1, count: 2, guidanceScale, guidanceInterval, sampler: 'dpmsolver++', numInferenceSteps: 4, seed: 5 }));
  const guided = run(3);
  const unguided = run(1);
  // The 4 'leading' timesteps are 750, 500, 250 and 0.
  assert.equal(run(3, [0, 999]), guided, 'an interval over every timestep must change nothing');
  assert.equal(run(3, [1000, 2000]), unguided, 'an interval beyond every timestep must equal guidance scale 1');
  const partial = run(3, [200, 600]);
  assert.not.equal(partial, guided);
  assert.not.equal(partial, unguided);
  loaded.dispose();
});

test('sampling leaves no tensors', () => {
  const loaded = loadImageDiffusionModel(modelDir);
  const before = tf.memory().numTensors;
  for (const sampler of ['ddim', 'ddpm', 'dpmsolver++']) {
    const images = generateImages(loaded, { classIndex: 0, count: 3, guidanceScale: 2, sampler, numInferenceSteps: 3, seed: 1, batchSize: 2 });
    assert.is(images.length, 3 * 8 * 8, sampler);
    assert.ok(images.every((v) => v >= -1 && v <= 1), `${sampler}: pixels clipped to [-1, 1]`);
  }
  assert.is(tf.memory().numTensors, before);
  loaded.dispose();
});

test('resume with other settings is rejected', () => {
  assert.throws(
    () => trainImageDiffusion({ dataset: DATASET, modelDir, unet: { ...TINY, widths: [8, 16] }, training: { numSteps: 4, batchSize: 4 } }),
    /was written with other settings/,
  );
});

test('resume trains only the missing steps', () => {
  const result = trainImageDiffusion({ dataset: DATASET, modelDir, unet: TINY, training: { numSteps: 4, batchSize: 4, checkpointEvery: 2 } });
  assert.is(result.steps, 4);
});

test('one-thread model.json has no workers key', () => {
  const model = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
  assert.is('workers' in model.training, false);
});

test('two workers train and resume', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-model-'));
  try {
    const first = trainImageDiffusion({ dataset: DATASET, modelDir: dir, unet: TINY, training: { numSteps: 2, batchSize: 4, workers: 2 } });
    assert.is(first.steps, 2);
    assert.ok(Number.isFinite(first.finalLoss), `final loss ${first.finalLoss}`);
    const model = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    assert.is(model.training.workers, 2);

    // The worker count may change on resume; the other settings may not.
    const resumed = trainImageDiffusion({ dataset: DATASET, modelDir: dir, unet: TINY, training: { numSteps: 3, batchSize: 4, workers: 1 } });
    assert.is(resumed.steps, 3);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('workers with DP-SGD are rejected', () => {
  const training = { numSteps: 2, workers: 2, privacy: { noiseMultiplier: 1, sampleRate: 0.2 } };
  assert.throws(
    () => trainImageDiffusion({ dataset: DATASET, modelDir: path.join(modelDir, 'dp'), unet: TINY, training }),
    /DP-SGD training runs on one thread; workers 2 is not supported with privacy settings, set workers to 1/,
  );
});

test('empty class is rejected', () => {
  const lonely = makeDemoDataset({ seed: 1, size: 8, counts: { train: [6, 0], val: [1, 1], test: [1, 1] } });
  assert.throws(() => trainImageDiffusion({ dataset: lonely, modelDir: path.join(modelDir, 'x'), unet: TINY }), /class 'lesion' has no training images/);
});

test('unknown class index is rejected', () => {
  const loaded = loadImageDiffusionModel(modelDir);
  assert.throws(
    () => generateImages(loaded, { classIndex: 2, count: 1, guidanceScale: 1, sampler: 'ddim', numInferenceSteps: 2, seed: 0 }),
    /class index 2 is not one of 0 … 1 \(normal, lesion\)/,
  );
  loaded.dispose();
});

test('missing model directory names the path', () => {
  assert.throws(() => loadImageDiffusionModel('/nonexistent/model'), /\/nonexistent\/model\/model.json does not exist/);
});

test.run();
