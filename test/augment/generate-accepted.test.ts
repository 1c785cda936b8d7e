import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { makeDemoDataset } from '../../kernel-lib/data/demo';
import { loadImageDiffusionModel, trainImageDiffusion, LoadedImageModel } from '../../kernel-lib/pipelines/image-diffusion';
import { generateAcceptedImages } from '../../kernel-lib/augment/generate-accepted';
import { makeSyntheticFilter } from '../../kernel-lib/augment/synthetic-filter';
import { setLogLevel } from '../../kernel-lib/util/log';

const DATASET = makeDemoDataset({ seed: 2, size: 8, counts: { train: [10, 6], val: [1, 1], test: [1, 1] } });
let modelDir = '';
let loaded: LoadedImageModel;

test.before(async () => {
  setLogLevel('warn');
  await selectBackend({ backend: 'wasm' });
  modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-augment-'));
  trainImageDiffusion({ dataset: DATASET, modelDir, unet: { widths: [8, 8], embeddingDim: 8, normGroups: 4 }, training: { numSteps: 2, batchSize: 4 } });
  loaded = loadImageDiffusionModel(modelDir);
});

test.after(() => {
  loaded.dispose();
  fs.rmSync(modelDir, { recursive: true, force: true });
});

const BASE = { classIndex: 1, guidanceScale: 2, sampler: 'ddim', numInferenceSteps: 2, seed: 3, roundSize: 4 };

test('accept-all filter reaches the target', () => {
  const filter = makeSyntheticFilter({ classIndex: 1, minProbability: 0, predictProbabilities: null, numClasses: 2, trainImages: DATASET.splits.train.images, size: 64, memorizationDistance: 0 });
  const result = generateAcceptedImages(loaded, { ...BASE, targetCount: 6, maxGenerated: 20, filter });
  assert.is(result.accepted, 6);
  assert.is(result.generated, 8, 'two rounds of 4');
  assert.is(result.reachedTarget, true);
  assert.is(result.images.length, 6 * 64);
});

test('reject-all filter stops at the attempt limit', () => {
  const filter = makeSyntheticFilter({
    classIndex: 1,
    minProbability: 0.9,
    predictProbabilities: (_images, count) => new Float64Array(count * 2).fill(0.5),
    numClasses: 2,
    trainImages: DATASET.splits.train.images,
    size: 64,
    memorizationDistance: 0,
  });
  const result = generateAcceptedImages(loaded, { ...BASE, targetCount: 3, maxGenerated: 10, filter });
  assert.is(result.accepted, 0);
  assert.is(result.generated, 10);
  assert.is(result.reachedTarget, false);
  assert.is(result.rejected['low-confidence'], 10);
  assert.is(result.examples['low-confidence'].length, 8);
});

test('near-copies are rejected as memorised', () => {
  // A huge memorisation distance marks every image as a copy.
  const filter = makeSyntheticFilter({ classIndex: 1, minProbability: 0, predictProbabilities: null, numClasses: 2, trainImages: DATASET.splits.train.images, size: 64, memorizationDistance: 100 });
  const result = generateAcceptedImages(loaded, { ...BASE, targetCount: 2, maxGenerated: 4, filter });
  assert.is(result.rejected.memorised, 4);
  assert.is(result.accepted, 0);
});

test('same options give the same images', () => {
  const filter = makeSyntheticFilter({ classIndex: 1, minProbability: 0, predictProbabilities: null, numClasses: 2, trainImages: DATASET.splits.train.images, size: 64, memorizationDistance: 0 });
  const a = generateAcceptedImages(loaded, { ...BASE, targetCount: 3, maxGenerated: 8, filter });
  const b = generateAcceptedImages(loaded, { ...BASE, targetCount: 3, maxGenerated: 8, filter });
  assert.equal(Array.from(a.images), Array.from(b.images));
});

test('bad limits are rejected', () => {
  const filter = () => [];
  assert.throws(() => generateAcceptedImages(loaded, { ...BASE, targetCount: 0, maxGenerated: 4, filter }), /targetCount must be an integer >= 1, got 0/);
  assert.throws(() => generateAcceptedImages(loaded, { ...BASE, targetCount: 5, maxGenerated: 4, filter }), /maxGenerated must be an integer >= targetCount \(5\), got 4/);
});

test.run();
