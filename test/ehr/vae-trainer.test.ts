import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { HourlyGrid } from '../../kernel-lib/ehr/hourly-grid';
import { vaeLoss } from '../../kernel-lib/ehr/vae-loss';
import { EhrVaeConfig, vaeParamSpecs } from '../../kernel-lib/ehr/vae-network';
import { EhrVaeTrainingOptions, decodeLatents, encodeGrid, loadEhrVae, trainEhrVae } from '../../kernel-lib/ehr/vae-trainer';
import { createParams, disposeParams } from '../../kernel-lib/nets/params';
import { saveSafetensors, loadSafetensors } from '../../kernel-lib/train/safetensors';
import { Random } from '../../kernel-lib/util/random';
import { HOURS, VARIABLES, structuredGrid } from './vae-fixtures';

// The training step runs on the wasm backend, the backend medsynth trains on.
test.before(async () => {
  await selectBackend({ backend: 'wasm' });
});

const TINY: EhrVaeConfig = { hours: HOURS, variables: VARIABLES, latentDim: 2, hiddenDim: 6, numLayers: 1 };

function options(overrides: Partial<EhrVaeTrainingOptions> = {}): EhrVaeTrainingOptions {
  return { grid: structuredGrid(16), config: TINY, batchSize: 4, numSteps: 6, learningRate: 1e-2, beta: 0.01, seed: 3, logEvery: 1, ...overrides };
}

function weightsOf(params: Map<string, tf.Tensor>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, value] of params) out[name] = Array.from(value.dataSync());
  return out;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-vae-'));
}

/** Copy of a grid whose arrays a test may change. */
function cloneGrid(grid: HourlyGrid): HourlyGrid {
  return { ...grid, values: grid.values.slice(), mask: grid.mask.slice(), shape: [...grid.shape] as HourlyGrid['shape'] };
}

test('wasm gradients reach every parameter', async () => {
  assert.is(tf.getBackend(), 'wasm');
  const rng = new Random(11);
  const mask = Float32Array.from({ length: 4 * HOURS * VARIABLES }, () => (rng.uniform() < 0.7 ? 1 : 0));
  const values = Float32Array.from(mask, (m) => (m === 1 ? rng.normal() : 0));
  const epsilon = rng.normalArray(4 * TINY.latentDim);
  const gradientsOn = async (backend: string) => {
    await tf.setBackend(backend);
    const params = createParams(vaeParamSpecs(TINY), new Random(5));
    const result = tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () =>
          vaeLoss({
            config: TINY,
            params,
            values: tf.tensor3d(values, [4, HOURS, VARIABLES]),
            mask: tf.tensor3d(mask, [4, HOURS, VARIABLES]),
            epsilon: tf.tensor2d(epsilon, [4, TINY.latentDim]),
            beta: 0.5,
          }).total,
        Array.from(params.values()),
      );
      const out: Record<string, number[]> = {};
      for (const [name, variable] of params) out[name] = grads[variable.name] ? Array.from(grads[variable.name].dataSync()) : [];
      return out;
    });
    disposeParams(params);
    return result;
  };
  const onCpu = await gradientsOn('cpu');
  const onWasm = await gradientsOn('wasm');
  for (const spec of vaeParamSpecs(TINY)) {
    const grad = onWasm[spec.name];
    assert.is(grad.length, spec.shape.reduce((a, b) => a * b, 1), `${spec.name}: gradient size`);
    assert.ok(grad.every(Number.isFinite), `${spec.name}: gradient is finite`);
    assert.ok(grad.some((g) => g !== 0), `${spec.name}: gradient is not all zero`);
    const worst = Math.max(...grad.map((g, i) => Math.abs(g - onCpu[spec.name][i]) / (1e-4 + Math.abs(onCpu[spec.name][i]))));
    assert.ok(worst < 1e-3, `${spec.name}: wasm gradient differs from cpu by relative ${worst}`);
  }
});

test('training leaves no tensors per step', () => {
  const before = tf.memory().numTensors;
  const short = trainEhrVae(options({ numSteps: 1 }));
  const afterShort = tf.memory().numTensors;
  disposeParams(short.params);
  const long = trainEhrVae(options({ numSteps: 5 }));
  const afterLong = tf.memory().numTensors;
  disposeParams(long.params);
  // Only the returned weights remain, whatever the number of steps.
  assert.is(afterShort - before, vaeParamSpecs(TINY).length);
  assert.is(afterLong - before, vaeParamSpecs(TINY).length);
  assert.is(tf.memory().numTensors, before);
});

test('training beats the trivial predictor', () => {
  const grid = structuredGrid(16);
  const config: EhrVaeConfig = { hours: HOURS, variables: VARIABLES, latentDim: 4, hiddenDim: 32, numLayers: 1 };
  const progress: number[] = [];
  const result = trainEhrVae({ grid, config, batchSize: 8, numSteps: 200, learningRate: 1e-2, beta: 1e-3, seed: 1, onProgress: (p) => progress.push(p.step) });
  assert.is(progress.length, 200);
  assert.is(result.step, 200);
  assert.equal(result.lossHistory.map((r) => r.step).slice(0, 3), [1, 10, 20]);

  // Trivial predictor: the mean of the measured values of each (hour, variable), and for
  // the mask the majority of each (hour, variable).
  const [patients] = grid.shape;
  const cells = HOURS * VARIABLES;
  const sums = new Float64Array(cells);
  const counts = new Float64Array(cells);
  for (let p = 0; p < patients; p++) {
    for (let c = 0; c < cells; c++) {
      if (grid.mask[p * cells + c] === 1) {
        sums[c] += grid.values[p * cells + c];
        counts[c]++;
      }
    }
  }
  const latents = encodeGrid(result, grid);
  const decoded = decodeLatents(result, latents, patients);
  let trivialSquared = 0;
  let vaeSquared = 0;
  let measured = 0;
  let trivialMaskHits = 0;
  let vaeMaskHits = 0;
  for (let p = 0; p < patients; p++) {
    for (let c = 0; c < cells; c++) {
      const i = p * cells + c;
      const majority = counts[c] * 2 >= patients ? 1 : 0;
      if (majority === grid.mask[i]) trivialMaskHits++;
      if ((decoded.maskProbability[i] >= 0.5 ? 1 : 0) === grid.mask[i]) vaeMaskHits++;
      if (grid.mask[i] !== 1) continue;
      measured++;
      trivialSquared += (grid.values[i] - sums[c] / counts[c]) ** 2;
      vaeSquared += (grid.values[i] - decoded.values[i]) ** 2;
    }
  }
  const trivialMse = trivialSquared / measured;
  const vaeMse = vaeSquared / measured;
  assert.ok(vaeMse < 0.1 * trivialMse, `VAE MSE ${vaeMse.toFixed(4)} should be below a tenth of the trivial ${trivialMse.toFixed(4)}`);
  assert.ok(vaeMaskHits > trivialMaskHits, `mask hits: VAE ${vaeMaskHits}, trivial ${trivialMaskHits} of ${patients * cells}`);
  const first = result.lossHistory[0].valueMse;
  const last = result.lossHistory[result.lossHistory.length - 1].valueMse;
  assert.ok(last < first, `value MSE fell from ${first} to ${last}`);
  disposeParams(result.params);
});

test('same seed gives the same weights', () => {
  const a = trainEhrVae(options({ numSteps: 3 }));
  const b = trainEhrVae(options({ numSteps: 3 }));
  const c = trainEhrVae(options({ numSteps: 3, seed: 4 }));
  assert.equal(weightsOf(a.params), weightsOf(b.params));
  assert.not.equal(weightsOf(a.params), weightsOf(c.params));
  [a, b, c].forEach((r) => disposeParams(r.params));
});

test('resume reproduces an uninterrupted run', () => {
  const dir = tempDir();
  const checkpointPath = path.join(dir, 'vae.safetensors');
  const straight = trainEhrVae(options({ numSteps: 6 }));

  const first = trainEhrVae(options({ numSteps: 3, checkpointPath }));
  assert.is(first.step, 3);
  disposeParams(first.params);
  const second = trainEhrVae(options({ numSteps: 6, checkpointPath, resume: true }));
  assert.is(second.step, 6);
  assert.equal(weightsOf(second.params), weightsOf(straight.params));
  assert.equal(second.lossHistory, straight.lossHistory);

  // The final checkpoint contains the final weights.
  const loaded = loadEhrVae(checkpointPath);
  assert.equal(weightsOf(loaded.params), weightsOf(straight.params));
  [straight, second, loaded].forEach((r) => disposeParams(r.params));
  fs.rmSync(dir, { recursive: true });
});

test('resume rejects other settings', () => {
  const dir = tempDir();
  const checkpointPath = path.join(dir, 'vae.safetensors');
  disposeParams(trainEhrVae(options({ numSteps: 2, checkpointPath })).params);
  assert.throws(() => trainEhrVae(options({ numSteps: 4, checkpointPath, resume: true, seed: 9 })), /trainEhrVae: checkpoint .* was trained with seed 3, not 9/);
  assert.throws(() => trainEhrVae(options({ numSteps: 4, checkpointPath, resume: true, batchSize: 2 })), /with batchSize 4, not 2/);
  assert.throws(() => trainEhrVae(options({ numSteps: 4, checkpointPath, resume: true, config: { ...TINY, hiddenDim: 5 } })), /trained with config/);
  fs.rmSync(dir, { recursive: true });
});

test('checkpoint round trip', () => {
  const dir = tempDir();
  const checkpointPath = path.join(dir, 'nested', 'vae.safetensors');
  const trained = trainEhrVae(options({ numSteps: 5, checkpointPath, checkpointEvery: 2 }));

  const { tensors, metadata } = loadSafetensors(checkpointPath);
  const state = JSON.parse(metadata.medsynth);
  assert.is(state.format, 'medsynth-ehr-vae-checkpoint');
  assert.is(state.step, 5);
  assert.is(state.adamStep, 5);
  assert.equal(state.config, TINY);
  assert.is(state.lossHistory.length, 5);
  assert.equal(Object.keys(state.epsilonRng), ['s', 'spareNormal']);
  for (const spec of vaeParamSpecs(TINY)) {
    for (const prefix of ['params/', 'adam.m/', 'adam.v/']) assert.equal(tensors.get(prefix + spec.name)?.shape, spec.shape, prefix + spec.name);
  }
  // No temporary files are left beside the checkpoint.
  assert.equal(fs.readdirSync(path.dirname(checkpointPath)), ['vae.safetensors']);

  const loaded = loadEhrVae(checkpointPath);
  assert.equal(loaded.config, TINY);
  assert.equal(weightsOf(loaded.params), weightsOf(trained.params));
  const grid = structuredGrid(16);
  assert.equal(Array.from(encodeGrid(loaded, grid)), Array.from(encodeGrid(trained, grid)));
  [trained, loaded].forEach((r) => disposeParams(r.params));
  fs.rmSync(dir, { recursive: true });
});

test('loadEhrVae rejects missing and foreign files', () => {
  const dir = tempDir();
  assert.throws(() => loadEhrVae(path.join(dir, 'absent.safetensors')), /loadEhrVae: checkpoint not found: .*absent\.safetensors/);
  const foreign = path.join(dir, 'foreign.safetensors');
  saveSafetensors(foreign, new Map([['w', { shape: [1], data: new Float32Array([1]) }]]), { medsynth: JSON.stringify({ format: 'medsynth-training-checkpoint' }) });
  assert.throws(() => loadEhrVae(foreign), /loadEhrVae: .*foreign\.safetensors is not an EHR VAE checkpoint \(format medsynth-training-checkpoint\)/);
  fs.rmSync(dir, { recursive: true });
});

test('encode and decode in batches', () => {
  const grid = structuredGrid(10);
  const params = createParams(vaeParamSpecs(TINY), new Random(8));
  const vae = { config: TINY, params };
  const before = tf.memory().numTensors;
  const whole = encodeGrid(vae, grid);
  const batched = encodeGrid(vae, grid, 3);
  assert.is(whole.length, 10 * TINY.latentDim);
  for (let i = 0; i < whole.length; i++) assert.ok(Math.abs(whole[i] - batched[i]) < 1e-5, `latent ${i}: ${whole[i]} vs ${batched[i]}`);

  const decoded = decodeLatents(vae, whole, 10, 4);
  assert.is(decoded.values.length, 10 * HOURS * VARIABLES);
  assert.is(decoded.maskProbability.length, 10 * HOURS * VARIABLES);
  assert.ok(decoded.maskProbability.every((p) => p > 0 && p < 1), 'mask probabilities lie in (0, 1)');
  // Patient 7 decoded alone equals its row of the batched decode.
  const alone = decodeLatents(vae, whole.slice(7 * TINY.latentDim, 8 * TINY.latentDim), 1);
  const row = decoded.values.slice(7 * HOURS * VARIABLES, 8 * HOURS * VARIABLES);
  for (let i = 0; i < row.length; i++) assert.ok(Math.abs(alone.values[i] - row[i]) < 1e-5, `cell ${i}`);
  assert.is(tf.memory().numTensors, before);
  disposeParams(params);
});

test('unmeasured cells do not reach the encoder', () => {
  const grid = structuredGrid(4);
  const params = createParams(vaeParamSpecs(TINY), new Random(8));
  const vae = { config: TINY, params };
  // Forward-filled grids keep a finite value under mask 0; the encoder must see 0 there, as for NaN.
  const filledLow = cloneGrid(grid);
  const filledHigh = cloneGrid(grid);
  for (let i = 0; i < grid.values.length; i++) {
    if (grid.mask[i] === 1) continue;
    filledLow.values[i] = -5;
    filledHigh.values[i] = 123;
  }
  const fromNaN = Array.from(encodeGrid(vae, grid));
  assert.ok(fromNaN.every(Number.isFinite), 'latents are finite');
  assert.equal(Array.from(encodeGrid(vae, filledLow)), fromNaN);
  assert.equal(Array.from(encodeGrid(vae, filledHigh)), fromNaN);
  disposeParams(params);
});

test('invalid inputs are rejected', () => {
  const grid = structuredGrid(16);
  assert.throws(() => trainEhrVae(options({ config: { ...TINY, hours: 5 } })), /trainEhrVae: grid shape \[16, 4, 3\] does not match the VAE config \(hours 5, variables 3\)/);
  const short = { ...cloneGrid(grid), values: grid.values.slice(1) };
  assert.throws(() => trainEhrVae(options({ grid: short })), /trainEhrVae: grid shape \[16, 4, 3\] needs 192 cells, but values has 191 and mask 192/);

  const withNaN = cloneGrid(grid);
  // Patient 2, hour 1, variable 0 is always measured.
  withNaN.values[(2 * HOURS + 1) * VARIABLES + 0] = NaN;
  assert.throws(() => trainEhrVae(options({ grid: withNaN })), /trainEhrVae: measured normalised value is NaN at patient 2, hour 1, variable Albumin/);
  const badMask = cloneGrid(grid);
  badMask.mask[5] = 0.5;
  assert.throws(() => trainEhrVae(options({ grid: badMask })), /trainEhrVae: mask must contain only 0 and 1, got 0\.5/);

  assert.throws(() => trainEhrVae(options({ batchSize: 0 })), /trainEhrVae: batchSize must be an integer >= 1, got 0/);
  assert.throws(() => trainEhrVae(options({ batchSize: 17 })), /trainEhrVae: batchSize 17 exceeds the 16 patients/);
  assert.throws(() => trainEhrVae(options({ numSteps: -2 })), /trainEhrVae: numSteps must be an integer >= 1, got -2/);
  assert.throws(() => trainEhrVae(options({ learningRate: 0 })), /trainEhrVae: learningRate must be a positive number, got 0/);
  assert.throws(() => trainEhrVae(options({ beta: NaN })), /trainEhrVae: beta must be a finite number >= 0, got NaN/);
  assert.throws(() => trainEhrVae(options({ resume: true })), /trainEhrVae: resume needs a checkpointPath/);

  const params = createParams(vaeParamSpecs(TINY), new Random(8));
  const vae = { config: TINY, params };
  assert.throws(() => encodeGrid(vae, grid, 0), /encodeGrid: batchSize must be an integer >= 1, got 0/);
  assert.throws(() => encodeGrid(vae, withNaN), /encodeGrid: measured normalised value is NaN/);
  assert.throws(() => decodeLatents(vae, new Float32Array(5), 3), /decodeLatents: latents must be a Float32Array of count × latentDim = 3 × 2 = 6 numbers, got 5/);
  assert.throws(() => decodeLatents(vae, new Float32Array(6), 3, -1), /decodeLatents: batchSize must be an integer >= 1, got -1/);
  assert.throws(() => decodeLatents(vae, new Float32Array([0, 0, NaN, 0]), 2), /decodeLatents: latent 1 has the value NaN at dimension 0/);
  assert.throws(() => encodeGrid({ config: { ...TINY, latentDim: 3 }, params }, grid), /encodeGrid: parameter 'encoder.mean.weight' has shape \[6, 2\], expected \[6, 3\]/);
  disposeParams(params);
});

test.run();
