import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { decode } from 'fast-png';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FidelityProgress, FidelityReport, FidelityReportOptions, fidelityReport } from '../../../kernel-lib/eval/fidelity/fidelity-report';
import { fileSystemIOHandler } from '../../../kernel-lib/eval/fidelity/file-system-io';
import { makeTempDir, uninterruptedTinyRun } from '../../experiment/tiny-experiment';

// The tiny experiment: classes 'no finding' and 'effusion' (rare) of the chest phantoms, 8 real
// rare training images kept of 40, 25 rare test images, generation seeds 0 and 1 with 8 accepted
// synthetic images each. The run is copied so that the shared run directory stays untouched.

const OPTIONS: FidelityReportOptions = {
  extractorTraining: { widths: [4, 8, 8], maxEpochs: 2 },
  bootstrapResamples: 20,
  kidSubsets: 10,
  galleryCount: 4,
};

let runDir: string;
let report: FidelityReport;
let phases: Set<string>;
let tensorsBefore: number;
let tensorsAfter: number;

async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  assert.unreachable('expected fidelityReport to be rejected');
  return '';
}

test.before(async () => {
  const original = await uninterruptedTinyRun();
  runDir = path.join(makeTempDir('medsynth-fidelity-'), 'run');
  fs.cpSync(original, runDir, { recursive: true });
  phases = new Set();
  tensorsBefore = tf.memory().numTensors;
  report = await fidelityReport(runDir, { ...OPTIONS, onProgress: (p: FidelityProgress) => phases.add(p.phase) });
  tensorsAfter = tf.memory().numTensors;
});

test('report has one result per class and seed', () => {
  assert.equal(
    report.results.map((result) => [result.className, result.seed]),
    [
      ['effusion', 0],
      ['effusion', 1],
    ],
  );
});

test('fidelity.json is the returned report', () => {
  const written = JSON.parse(fs.readFileSync(path.join(runDir, 'fidelity', 'fidelity.json'), 'utf8'));
  assert.equal(written, JSON.parse(JSON.stringify(report)));
});

test('counts describe the tiny run', () => {
  for (const result of report.results) {
    // multiplier 1 × 8 kept rare training images; chest-phantom test has 25 effusion images, train 40.
    assert.equal(result.counts, { synthetic: 8, realTest: 25, realTrainAll: 40, realTrainUsed: 8 });
    assert.is(result.sampleSize, 8);
  }
});

test('FID and floor have bootstrap intervals', () => {
  for (const result of report.results) {
    for (const [name, estimate] of [['fid', result.fid], ['fidFloor', result.fidFloor]] as const) {
      assert.ok(estimate, `expected ${name} for seed ${result.seed}`);
      assert.ok(estimate!.value >= 0, `expected ${name} >= 0, got ${estimate!.value}`);
      assert.ok(estimate!.lower <= estimate!.upper, `expected ${name} lower <= upper, got [${estimate!.lower}, ${estimate!.upper}]`);
      assert.is(estimate!.level, 0.95);
      assert.is(estimate!.resamples, 20);
    }
  }
});

test('KID, precision, recall and confidence are set', () => {
  for (const result of report.results) {
    assert.ok(result.kid, 'expected a KID');
    assert.is(result.kid!.subsetSize, 8);
    assert.ok(result.precision! >= 0, `expected precision >= 0, got ${result.precision}`);
    assert.ok(result.precision! <= 1, `expected precision <= 1, got ${result.precision}`);
    assert.ok(result.recall! >= 0, `expected recall >= 0, got ${result.recall}`);
    assert.ok(result.recall! <= 1, `expected recall <= 1, got ${result.recall}`);
    const confidence = result.classConfidence!;
    assert.ok(confidence.meanProbability >= 0, `expected a probability >= 0, got ${confidence.meanProbability}`);
    assert.ok(confidence.meanProbability <= 1, `expected a probability <= 1, got ${confidence.meanProbability}`);
    // Two classes: the score lies in [1, 2].
    assert.ok(confidence.inceptionScore >= 1, `expected a score >= 1, got ${confidence.inceptionScore}`);
    assert.ok(confidence.inceptionScore <= 2, `expected a score <= 2, got ${confidence.inceptionScore}`);
  }
});

test('feature space is the domain extractor', () => {
  assert.is(report.featureSpace.kind, 'domain-classifier');
  assert.is(report.featureSpace.numFeatures, 8);
  assert.is(report.featureSpace.trainedNow, true);
  assert.match(report.featureSpace.description, 'trained on all 640 real training images');
  assert.ok(fs.existsSync(path.join(runDir, 'fidelity', 'feature-extractor.safetensors')), 'expected the saved extractor');
});

test('accepted images respect the memorisation threshold', () => {
  // The generation stage rejected every image closer than memorizationDistance to a training image.
  for (const result of report.results) {
    const { memorizationDistance, closerThanMemorizationDistance, minPixelDistance } = result.memorisation;
    assert.type(memorizationDistance, 'number');
    assert.is(closerThanMemorizationDistance, 0);
    assert.ok(minPixelDistance! >= memorizationDistance!, `expected ${minPixelDistance} >= ${memorizationDistance}`);
  }
});

test('galleries are listed and written', () => {
  for (const result of report.results) {
    assert.equal(
      result.memorisation.galleries.map((gallery) => gallery.kind),
      ['closest-pixel', 'closest-feature', 'least-confident', 'outliers'],
    );
    for (const gallery of result.memorisation.galleries) {
      assert.is(gallery.items.length, 4);
      const png = decode(fs.readFileSync(path.join(runDir, 'fidelity', gallery.file)));
      assert.is(png.text.Synthetic, 'true', gallery.file);
    }
  }
});

test('closest pairs are ordered by distance', () => {
  const gallery = report.results[0].memorisation.galleries[0];
  const values = gallery.items.map((item) => item.value);
  assert.equal(values, [...values].sort((a, b) => a - b));
  assert.is(values[0], report.results[0].memorisation.minPixelDistance);
});

test('per-image records cover every image', () => {
  const file = report.results[0].memorisation.perImageFile!;
  const records = JSON.parse(fs.readFileSync(path.join(runDir, 'fidelity', file), 'utf8'));
  assert.is(records.images.length, 8);
  assert.equal(Object.keys(records.images[0]).sort(), ['intendedClassProbability', 'nearestFeature', 'nearestPixel', 'outlierScore', 'syntheticRow']);
});

test('progress covers every phase', () => {
  assert.equal([...phases].sort(), ['bootstrap', 'extractor', 'features', 'memorisation']);
});

test('report leaves no tensors', () => {
  assert.is(tensorsAfter, tensorsBefore);
});

test('second report reuses the extractor and seeds', async () => {
  const again = await fidelityReport(runDir, { ...OPTIONS, generationSeeds: [1], outDir: path.join(runDir, 'fidelity-seed1') });
  assert.is(again.featureSpace.trainedNow, false);
  // Subsets and resamples are seeded per class and generation seed, so seed 1 repeats exactly.
  assert.equal(again.results, [report.results[1]]);
  assert.ok(fs.existsSync(path.join(runDir, 'fidelity-seed1', 'fidelity.json')), 'expected fidelity.json in outDir');
});

test('missing run directory is rejected', async () => {
  const missing = path.join(runDir, 'no-such-run');
  const message = await errorOf(fidelityReport(missing));
  assert.match(message, `fidelityReport: run directory ${missing} does not exist`);
});

test('folder without a run is rejected', async () => {
  const empty = makeTempDir('medsynth-empty-');
  const message = await errorOf(fidelityReport(empty));
  assert.match(message, 'is not an experiment run directory (no manifest.json)');
});

test('run without synthetic images is rejected', async () => {
  const bare = makeTempDir('medsynth-bare-');
  fs.copyFileSync(path.join(runDir, 'manifest.json'), path.join(bare, 'manifest.json'));
  const message = await errorOf(fidelityReport(bare));
  assert.match(message, 'has no synthetic images');
  assert.match(message, `medsynth run --resume ${bare}`);
});

test('unknown generation seed is rejected', async () => {
  const message = await errorOf(fidelityReport(runDir, { generationSeeds: [7] }));
  assert.match(message, 'generation seed 7 has no synthetic images');
  assert.match(message, 'choose one of 0, 1');
});

test('missing extractor model is rejected', async () => {
  const missing = path.join(runDir, 'models', 'model.json');
  const message = await errorOf(fidelityReport(runDir, { extractorPath: missing }));
  assert.match(message, `model file not found: ${missing}`);
});

test('extractor with a wrong input shape is rejected', async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 4 })] });
  const file = path.join(makeTempDir('medsynth-dense-'), 'model.json');
  await model.save(fileSystemIOHandler(file));
  model.dispose();
  const message = await errorOf(fidelityReport(runDir, { extractorPath: file }));
  assert.match(message, 'expects input shape [null, 784]');
});

test('invalid option is rejected', async () => {
  const message = await errorOf(fidelityReport(runDir, { bootstrapResamples: 0 }));
  assert.match(message, 'fidelityReport: `bootstrapResamples` must be an integer >= 1, got 0');
});

test.run();
