import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { bootstrapIndices } from '../../kernel-lib/eval/bootstrap';
import { evaluateModalitySubsets, formatModalityDropoutMarkdown, modalitySubsets, summariseOverSeeds } from '../../kernel-lib/multimodal/evaluate-subsets';
import { runModalityDropoutExperiment } from '../../kernel-lib/multimodal/modality-dropout-experiment';
import { disposeParams } from '../../kernel-lib/nets/params';
import { trainFusionModel } from '../../kernel-lib/multimodal/train-fusion';
import { Random } from '../../kernel-lib/util/random';
import { syntheticMultimodal } from './synthetic-multimodal';

const TRAIN = syntheticMultimodal(120, 11);
const VALIDATION = syntheticMultimodal(60, 12);
const TEST = syntheticMultimodal(80, 13);

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
});

test('modalitySubsets lists every non-empty subset', () => {
  assert.equal(modalitySubsets(), [['timeSeries', 'descriptors'], ['timeSeries'], ['descriptors']]);
  assert.equal(modalitySubsets(['descriptors']), [['descriptors']]);
});

test('evaluation covers every subset', () => {
  const before = tf.memory().numTensors;
  const model = trainFusionModel({ train: TRAIN, validation: VALIDATION, modalities: ['timeSeries'], embeddingDim: 4, hiddenDim: 8, maxEpochs: 2, seed: 0 });
  const results = evaluateModalitySubsets(model, TEST, bootstrapIndices(TEST.count, 50, new Random(0)));
  disposeParams(model.params);
  assert.equal(results.map((r) => r.available), modalitySubsets());
  // A time-series model scores the same with or without descriptors, and nothing without its modality.
  assert.is(results[0].value, results[1].value);
  assert.ok(results[0].lower <= results[0].value, JSON.stringify(results[0]));
  assert.ok(results[0].value <= results[0].upper, JSON.stringify(results[0]));
  assert.ok(Number.isNaN(results[2].value), `descriptors only: ${results[2].value}`);
  assert.match(results[2].reason ?? '', /reads none of descriptors/);
  assert.is(tf.memory().numTensors, before);
});

test('summariseOverSeeds gives mean and SD', () => {
  const subset = (value: number) => ({ available: ['timeSeries' as const], value, lower: value - 0.1, upper: value + 0.1, reason: null });
  const rows = summariseOverSeeds([
    { model: 'a', seed: 0, subsets: [subset(0.6)] },
    { model: 'a', seed: 1, subsets: [subset(0.8)] },
  ]);
  assert.is(rows.length, 1);
  assert.ok(Math.abs(rows[0].mean - 0.7) < 1e-12, `mean ${rows[0].mean}`);
  // Sample SD of {0.6, 0.8}: sqrt(2 · 0.1² / 1) = 0.1414…
  assert.ok(Math.abs(rows[0].sd - Math.SQRT2 * 0.1) < 1e-12, `sd ${rows[0].sd}`);
  assert.equal(rows[0].perSeed.map((s) => s.seed), [0, 1]);
});

test('experiment table has every arm and subset', () => {
  const before = tf.memory().numTensors;
  const result = runModalityDropoutExperiment({ train: TRAIN, validation: VALIDATION, test: TEST, seeds: [0, 1], dropout: 0.3, maxEpochs: 2, embeddingDim: 4, hiddenDim: 8, resamples: 30 });
  assert.is(tf.memory().numTensors, before);
  const keys = result.rows.map((r) => `${r.model}: ${r.available.join('+')}`);
  assert.equal(keys, [
    'fusion-dropout: timeSeries+descriptors',
    'fusion-dropout: timeSeries',
    'fusion-dropout: descriptors',
    'fusion-no-dropout: timeSeries+descriptors',
    'fusion-no-dropout: timeSeries',
    'fusion-no-dropout: descriptors',
    'timeSeries-only: timeSeries+descriptors',
    'timeSeries-only: timeSeries',
    'timeSeries-only: descriptors',
    'descriptors-only: timeSeries+descriptors',
    'descriptors-only: timeSeries',
    'descriptors-only: descriptors',
  ]);
  assert.ok(result.rows.every((r) => r.perSeed.length === 2));
  assert.is(result.training.length, 8);

  const markdown = formatModalityDropoutMarkdown(result.rows);
  const lines = markdown.trim().split('\n');
  assert.is(lines.length, 2 + 12);
  assert.is(lines[0], '| Model | Available | Seed 0: AUROC [95% CI] | Seed 1: AUROC [95% CI] | Mean ± SD |');
  assert.match(lines[2], /^\| fusion-dropout \| timeSeries \+ descriptors \| \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] \|/);
  assert.match(lines[10], /^\| timeSeries-only \| descriptors \| — \| — \| — \|$/);
});

test.run();
