import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import {
  generateImageFromReport,
  generateImagesFromContexts,
  loadReportImageModel,
  trainReportImageDiffusion,
  TrainReportImageDiffusionOptions,
} from '../../kernel-lib/pipelines/report-image-diffusion';
import { Random } from '../../kernel-lib/util/random';

const SIZE = 8;
const DIM = 4;
const COUNT = 12;

/** Encodes texts as word count, length and two letter frequencies, [texts, 4]: a stand-in text encoder. */
function toyEncoder(reports: string[]): Float32Array {
  const out = new Float32Array(reports.length * DIM);
  reports.forEach((text, i) => {
    out.set([text.split(/\s+/).length / 10, text.length / 100, (text.match(/e/g) ?? []).length / 10, (text.match(/o/g) ?? []).length / 10], i * DIM);
  });
  return out;
}

function setup(): { root: string; options: TrainReportImageDiffusionOptions } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-report-image-'));
  const encoderDir = path.join(root, 'encoder');
  fs.mkdirSync(encoderDir);
  fs.writeFileSync(path.join(encoderDir, 'weights.bin'), Buffer.from([1, 2, 3, 4]));
  const rng = new Random(4);
  const images = Uint8Array.from({ length: COUNT * SIZE * SIZE }, () => rng.int(256));
  const reports = Array.from({ length: COUNT }, (_, i) => (i % 2 === 0 ? 'The lungs are clear.' : 'Right lower lobe opacity, concerning for pneumonia.'));
  return {
    root,
    options: {
      pairs: { images, height: SIZE, width: SIZE, contexts: toyEncoder(reports), contextDim: DIM },
      modelDir: path.join(root, 'model'),
      encoderDir,
      encoderWeightsFile: 'weights.bin',
      dataset: { name: 'toy', source: 'generated in the test', pairing: 'two templated reports by row parity' },
      unet: { widths: [4, 8], embeddingDim: 8, normGroups: 4, midAttention: false },
      schedule: { numTrainTimesteps: 50 },
      training: { batchSize: 4, numSteps: 3, checkpointEvery: 2, conditionDropout: 0.2 },
    },
  };
}

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
});

test('trains, reloads and samples images for a report, the same for one seed', () => {
  const { root, options } = setup();
  const result = trainReportImageDiffusion(options);
  assert.is(result.steps, 3);
  assert.is(result.model.context.dim, DIM);
  const loaded = loadReportImageModel(options.modelDir, toyEncoder, path.join(options.encoderDir, 'weights.bin'));
  const before = tf.memory().numTensors;
  const sampling = { guidanceScale: 2, numSamples: 3, seed: 7, numInferenceSteps: 4 };
  const a = generateImageFromReport(loaded, 'Small left pleural effusion.', sampling);
  const b = generateImageFromReport(loaded, 'Small left pleural effusion.', sampling);
  assert.is(a.length, 3 * SIZE * SIZE);
  assert.ok(a.every((v) => Number.isFinite(v) && v >= -1 && v <= 1), 'pixels are finite and in [−1, 1]');
  assert.equal(Array.from(a), Array.from(b), 'same seed, same images');
  const other = generateImageFromReport(loaded, 'Small left pleural effusion.', { ...sampling, seed: 8 });
  assert.not.equal(Array.from(a), Array.from(other), 'another seed, other images');
  assert.is(tf.memory().numTensors, before, 'sampling leaks no tensors');
  loaded.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});

test('several reports: images come in report order, numSamples each', () => {
  const { root, options } = setup();
  trainReportImageDiffusion(options);
  const loaded = loadReportImageModel(options.modelDir, toyEncoder);
  const contexts = toyEncoder(['The lungs are clear.', 'Right lower lobe opacity.']);
  const sampling = { guidanceScale: 3, numSamples: 2, seed: 1, numInferenceSteps: 3, batchSize: 3 };
  const both = generateImagesFromContexts(loaded, contexts, sampling);
  assert.is(both.length, 4 * SIZE * SIZE);
  // Guidance at scale 0 ignores the report: two different reports give the same images.
  const unconditionalA = generateImagesFromContexts(loaded, contexts.slice(0, DIM), { ...sampling, guidanceScale: 0 });
  const unconditionalB = generateImagesFromContexts(loaded, contexts.slice(DIM), { ...sampling, guidanceScale: 0 });
  assert.equal(Array.from(unconditionalA), Array.from(unconditionalB));
  loaded.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});

test('an empty report, a changed encoder and mismatched pairs are rejected', () => {
  const { root, options } = setup();
  assert.throws(
    () => trainReportImageDiffusion({ ...options, pairs: { ...options.pairs, contexts: options.pairs.contexts.slice(DIM) } }),
    /12 images need 12 report embeddings of size 4, got 44 values/,
  );
  assert.throws(() => trainReportImageDiffusion({ ...options, encoderWeightsFile: 'missing.bin' }), /missing\.bin not found/);
  trainReportImageDiffusion(options);
  const loaded = loadReportImageModel(options.modelDir, toyEncoder);
  assert.throws(() => generateImageFromReport(loaded, '   ', { guidanceScale: 1, numSamples: 1, seed: 0 }), /the report is empty/);
  loaded.dispose();
  fs.writeFileSync(path.join(options.encoderDir, 'weights.bin'), Buffer.from([9]));
  assert.throws(() => loadReportImageModel(options.modelDir, toyEncoder, path.join(options.encoderDir, 'weights.bin')), /is not the one the model .* was trained with/);
  fs.rmSync(root, { recursive: true, force: true });
});

test.run();
