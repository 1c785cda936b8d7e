import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HourlyGrid } from '../../kernel-lib/ehr/hourly-grid';
import { NormalisationStats } from '../../kernel-lib/ehr/normalisation';
import { vaeReconstructionError } from '../../kernel-lib/ehr/vae-evaluation';
import { EhrVaeConfig, vaeParamSpecs } from '../../kernel-lib/ehr/vae-network';
import { createParams, disposeParams } from '../../kernel-lib/nets/params';
import { Random } from '../../kernel-lib/util/random';

test.before(async () => {
  await tf.setBackend('cpu');
});

const CONFIG: EhrVaeConfig = { hours: 2, variables: 2, latentDim: 2, hiddenDim: 3, numLayers: 1 };
const STATS: NormalisationStats = { variables: ['Albumin', 'ALP'], mean: [3, 100], std: [0.5, 20], count: [10, 10] };

/**
 * Returns a normalised grid, 2 patients × 2 hours × [Albumin, ALP]:
 * patient 0: hour 0 [0, —], hour 1 [1, 1]; patient 1: hour 0 [−1, 0.5], hour 1 [—, 2].
 */
function grid(): HourlyGrid {
  return {
    values: Float32Array.from([0, NaN, 1, 1, -1, 0.5, NaN, 2]),
    mask: Float32Array.from([1, 0, 1, 1, 1, 1, 0, 1]),
    shape: [2, 2, 2],
    recordIds: [1, 2],
    variables: ['Albumin', 'ALP'],
  };
}

/**
 * Builds a VAE whose decoder ignores z: zero head weights, so every patient decodes to the head
 * biases. Normalised values [[0.5, −1], [0, 2]]; mask logits [[3, −3], [3, 3]], so the
 * reconstructed mask is [[1, 0], [1, 1]].
 */
function constantVae(): { config: EhrVaeConfig; params: Map<string, tf.Variable> } {
  const params = createParams(vaeParamSpecs(CONFIG), new Random(1));
  params.get('decoder.values.weight')!.assign(tf.zeros([3, 4]));
  params.get('decoder.values.bias')!.assign(tf.tensor1d([0.5, -1, 0, 2]));
  params.get('decoder.maskLogits.weight')!.assign(tf.zeros([3, 4]));
  params.get('decoder.maskLogits.bias')!.assign(tf.tensor1d([3, -3, 3, 3]));
  return { config: CONFIG, params };
}

function assertClose(actual: number, expected: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `${label}: expected ${expected}, got ${actual}`);
}

test('per-variable errors in clinical units', () => {
  const vae = constantVae();
  const report = vaeReconstructionError(vae, grid(), STATS);
  const [albumin, alp] = report.variables;

  // Albumin (std 0.5): measured errors in z 0.5, −1, 1.5, so 0.25, −0.5, 0.75 g/dL.
  assert.is(albumin.variable, 'Albumin');
  assert.is(albumin.measuredCells, 3);
  assertClose(albumin.rmse, Math.sqrt((0.0625 + 0.25 + 0.5625) / 3), 'Albumin RMSE');
  assertClose(albumin.mae, 0.5, 'Albumin MAE');
  // Input mask [1, 1, 1, 0] against reconstructed [1, 1, 1, 1].
  assertClose(albumin.maskAccuracy, 0.75, 'Albumin mask accuracy');
  assertClose(albumin.measuredRate, 0.75, 'Albumin measured rate');
  assertClose(albumin.reconstructedMeasuredRate, 1, 'Albumin reconstructed rate');
  assertClose(albumin.measuredRateDifference, 0.25, 'Albumin rate difference');

  // ALP (std 20): measured errors in z 1, −1.5, 0, so 20, −30, 0 IU/L.
  assert.is(alp.measuredCells, 3);
  assertClose(alp.rmse, Math.sqrt((400 + 900) / 3), 'ALP RMSE');
  assertClose(alp.mae, 50 / 3, 'ALP MAE');
  // Input mask [0, 1, 1, 1] against reconstructed [0, 1, 0, 1].
  assertClose(alp.maskAccuracy, 0.75, 'ALP mask accuracy');
  assertClose(alp.measuredRate, 0.75, 'ALP measured rate');
  assertClose(alp.reconstructedMeasuredRate, 0.5, 'ALP reconstructed rate');
  assertClose(alp.measuredRateDifference, -0.25, 'ALP rate difference');
  disposeParams(vae.params);
});

test('overall figures pool all cells', () => {
  const vae = constantVae();
  const { overall } = vaeReconstructionError(vae, grid(), STATS);
  assert.is(overall.measuredCells, 6);
  // Normalised errors 0.5, 1, 1.5 (Albumin) and 1, 1.5, 0 (ALP).
  assertClose(overall.normalisedRmse, Math.sqrt(6.75 / 6), 'normalised RMSE');
  assertClose(overall.normalisedMae, 5.5 / 6, 'normalised MAE');
  assertClose(overall.maskAccuracy, 6 / 8, 'mask accuracy');
  assertClose(overall.measuredRate, 6 / 8, 'measured rate');
  assertClose(overall.reconstructedMeasuredRate, 6 / 8, 'reconstructed rate');
  assertClose(overall.meanAbsoluteMeasuredRateDifference, 0.25, 'mean absolute rate difference');
  disposeParams(vae.params);
});

test('variable never measured gets NaN errors', () => {
  const vae = constantVae();
  const input = grid();
  for (let cell = 1; cell < 8; cell += 2) {
    input.mask[cell] = 0;
    input.values[cell] = NaN;
  }
  const [, alp] = vaeReconstructionError(vae, input, STATS).variables;
  assert.is(alp.measuredCells, 0);
  assert.ok(Number.isNaN(alp.rmse), `RMSE ${alp.rmse}`);
  assert.ok(Number.isNaN(alp.mae), `MAE ${alp.mae}`);
  assertClose(alp.measuredRate, 0, 'measured rate');
  disposeParams(vae.params);
});

test('evaluation rejects invalid inputs', () => {
  const vae = constantVae();
  const otherStats = { ...STATS, variables: ['Albumin', 'ALT'] as NormalisationStats['variables'] };
  assert.throws(() => vaeReconstructionError(vae, grid(), otherStats), /vaeReconstructionError: stats must contain mean and std for the grid's 2 variables \(Albumin, ALP\), got variables Albumin, ALT/);
  assert.throws(() => vaeReconstructionError(vae, grid(), { ...STATS, std: [0.5, 0] }), /vaeReconstructionError: stats\.std of ALP is 0/);
  const nanGrid = grid();
  nanGrid.values[0] = NaN;
  assert.throws(() => vaeReconstructionError(vae, nanGrid, STATS), /vaeReconstructionError: measured normalised value is NaN at patient 0, hour 0, variable Albumin/);
  const wideGrid = { ...grid(), shape: [2, 2, 3] as HourlyGrid['shape'] };
  assert.throws(() => vaeReconstructionError(vae, wideGrid, STATS), /vaeReconstructionError: grid shape \[2, 2, 3\] does not match the VAE config/);
  assert.throws(() => vaeReconstructionError(vae, grid(), STATS, 0), /vaeReconstructionError: batchSize must be an integer >= 1, got 0/);
  disposeParams(vae.params);
});

test.run();
