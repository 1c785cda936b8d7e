import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { makeNoiseSchedule } from '../../kernel-lib/diffusion/schedules';
import { LatentMlpConfig, latentMlpForward, latentMlpParamSpecs } from '../../kernel-lib/nets/latent-mlp';
import { RdpAccountant } from '../../kernel-lib/privacy/rdp-accountant';
import { loadWeights } from '../../kernel-lib/train/checkpoint';
import { DiffusionTrainer, TrainingData } from '../../kernel-lib/train/diffusion-trainer';
import {
  DpDiffusionTrainer,
  DpDiffusionTrainerOptions,
  DpTrainingProgress,
  resolveNoiseMultiplier,
} from '../../kernel-lib/train/dp-diffusion-trainer';
import { setLogLevel } from '../../kernel-lib/util/log';
import { Random } from '../../kernel-lib/util/random';

const NET: LatentMlpConfig = { latentDim: 4, hiddenDim: 8, numBlocks: 1, numClasses: 2 };
const DELTA = 1e-5;

/** `count` rows of 4 standard normal values times `scale`, labels alternating 0, 1. */
function toyData(count: number, scale = 1): TrainingData {
  const values = new Random(99).normalArray(count * 4).map((x) => x * scale);
  return {
    count,
    sampleShape: [4],
    labels: Int32Array.from({ length: count }, (_, i) => i % 2),
    fillBatch(indices, out) {
      indices.forEach((row, i) => out.set(values.subarray(row * 4, (row + 1) * 4), i * 4));
    },
  };
}

function options(overrides: Partial<DpDiffusionTrainerOptions> = {}): DpDiffusionTrainerOptions {
  return {
    schedule: makeNoiseSchedule({ numTrainTimesteps: 50 }),
    predictionType: 'epsilon',
    paramSpecs: latentMlpParamSpecs(NET),
    forward: (params, xt, t, y) => latentMlpForward(NET, params, xt as tf.Tensor2D, t, y as tf.Tensor1D | null),
    data: toyData(10),
    nullClass: 2,
    numSteps: 4,
    learningRate: 1e-3,
    emaDecay: 0.9,
    conditionDropout: 0.2,
    seed: 5,
    privacy: { clipNorm: 1, noiseMultiplier: 1.1, sampleRate: 0.3, delta: DELTA },
    ...overrides,
  };
}

function weightsOf(params: Map<string, tf.Tensor>): number[] {
  return Array.from(params.values()).flatMap((v) => Array.from(v.dataSync()));
}

function globalNorm(grads: Map<string, tf.Tensor>): number {
  return tf.tidy(() => Math.sqrt(tf.addN(Array.from(grads.values()).map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
}

/** Runs one step and returns the L2 norm of the privatised gradient that Adam received. */
function privatizedNormOfOneStep(trainer: DpDiffusionTrainer): number {
  const apply = trainer.adam.apply.bind(trainer.adam);
  let norm = NaN;
  trainer.adam.apply = (variables, grads) => {
    norm = globalNorm(grads);
    return apply(variables, grads);
  };
  trainer.trainStep();
  return norm;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-dp-train-'));
}

test.before(async () => {
  setLogLevel('warn');
  await selectBackend({ backend: 'wasm' });
});

test('empty batch still counts as a step', () => {
  const progress: DpTrainingProgress[] = [];
  const trainer = new DpDiffusionTrainer(
    options({ numSteps: 1, privacy: { clipNorm: 1, noiseMultiplier: 1, sampleRate: 1e-4, delta: DELTA }, onProgress: (p) => progress.push(p) }),
  );
  const before = weightsOf(trainer.params);
  trainer.run();

  assert.is(trainer.lastBatchSize, 0, 'expected an empty batch at q = 1e-4 and N = 10');
  assert.is(trainer.step, 1);
  assert.is(progress.length, 1);
  assert.ok(Number.isNaN(progress[0].loss), `expected a NaN loss for an empty batch, got ${progress[0].loss}`);
  const reference = new RdpAccountant();
  reference.step(1e-4, 1);
  assert.ok(progress[0].epsilon > 0, 'the empty step was not accounted');
  assert.is(progress[0].epsilon, reference.epsilon(DELTA).epsilon);
  assert.not.equal(weightsOf(trainer.params), before, 'the noise of an empty batch must still move the weights');
  trainer.dispose();
});

test('epsilon grows and matches a fresh accountant', () => {
  const trainer = new DpDiffusionTrainer(options());
  assert.is(trainer.epsilon(), 0);
  const reference = new RdpAccountant();
  let previous = 0;
  for (let step = 1; step <= 4; step++) {
    trainer.trainStep();
    reference.step(0.3, 1.1);
    const epsilon = trainer.epsilon();
    assert.ok(epsilon > previous, `step ${step}: epsilon ${epsilon} did not grow from ${previous}`);
    assert.is(epsilon, reference.epsilon(DELTA).epsilon, `step ${step}`);
    previous = epsilon;
  }
  trainer.dispose();
});

test('epsilon at q = 1 matches the Gaussian mechanism formula', () => {
  // q = 1: RDP(α) = T α / (2σ²); improved conversion ε = min over α of
  // RDP(α) + ln(1 − 1/α) − (ln δ + ln α) / (α − 1). For T = 3, σ = 2, δ = 1e-5 the
  // minimum over the default orders is at α = 6.1, computed separately in float64.
  const trainer = new DpDiffusionTrainer(options({ privacy: { clipNorm: 1, noiseMultiplier: 2, sampleRate: 1, delta: DELTA } }));
  for (let i = 0; i < 3; i++) trainer.trainStep();
  assert.ok(Math.abs(trainer.epsilon() - 4.011321708510026) < 1e-9, `expected epsilon 4.011321708510026, got ${trainer.epsilon()}`);
  assert.is(trainer.privacySpent().order, 6.1);
  assert.is(trainer.privacySpent().conversion, 'improved');
  trainer.dispose();
});

test('calibrated noise keeps epsilon within the target', () => {
  const noiseMultiplier = resolveNoiseMultiplier({ targetEpsilon: 3, sampleRate: 0.25, numSteps: 5, delta: DELTA });
  const trainer = new DpDiffusionTrainer(options({ numSteps: 5, privacy: { clipNorm: 1, noiseMultiplier, sampleRate: 0.25, delta: DELTA } }));
  trainer.run();
  assert.is(trainer.step, 5);
  assert.ok(trainer.epsilon() <= 3, `epsilon ${trainer.epsilon()} exceeds the target 3`);
  assert.ok(trainer.epsilon() > 2.95, `epsilon ${trainer.epsilon()} is far below the target 3, so σ ${noiseMultiplier} is larger than needed`);
  assert.is(resolveNoiseMultiplier({ noiseMultiplier: 0.7, sampleRate: 0.25, numSteps: 5, delta: DELTA }), 0.7);
  trainer.dispose();
});

test('clipping bounds the privatised gradient', () => {
  // Rows scaled by 50 give per-example gradient norms far above C = 0.01. With σ = 1e-12 the
  // noise is negligible, so the gradient is Σ clipped g / (qN) and its norm is at most |B| C / (qN).
  const clipNorm = 0.01;
  const run = (count: number, clip: number) => {
    const trainer = new DpDiffusionTrainer(
      options({ data: toyData(count, 50), conditionDropout: 0, privacy: { clipNorm: clip, noiseMultiplier: 1e-12, sampleRate: 1, delta: DELTA } }),
    );
    const norm = privatizedNormOfOneStep(trainer);
    assert.is(trainer.lastBatchSize, count, 'q = 1 takes every row');
    trainer.dispose();
    return norm;
  };

  const unclipped = run(3, 1e6);
  assert.ok(unclipped > clipNorm, `the unclipped gradient norm ${unclipped} should exceed C = ${clipNorm}`);
  const clipped = run(3, clipNorm);
  assert.ok(clipped > 0, 'the clipped gradient is zero');
  assert.ok(clipped <= clipNorm * (1 + 1e-5), `norm ${clipped} exceeds |B| C / (qN) = ${clipNorm}`);
  // One row at q = 1: the gradient is that row's gradient clipped to exactly C.
  const single = run(1, clipNorm);
  assert.ok(Math.abs(single - clipNorm) < clipNorm * 1e-5, `expected norm ${clipNorm} for one clipped row, got ${single}`);
});

test('training step leaves the tensor count unchanged', () => {
  const trainer = new DpDiffusionTrainer(options({ numSteps: 6 }));
  trainer.trainStep(); // creates the Adam moments
  const before = tf.memory().numTensors;
  for (let i = 0; i < 4; i++) trainer.trainStep();
  assert.is(tf.memory().numTensors, before);
  trainer.epsilon();
  trainer.dispose();
});

test('resume reproduces an uninterrupted run', () => {
  const dir = tempDir();
  const checkpointPath = path.join(dir, 'checkpoint.safetensors');
  // q = 0.15 over 10 rows leaves some of the 6 batches empty, so a NaN loss goes through the checkpoint.
  const privacy = { clipNorm: 1, noiseMultiplier: 1.1, sampleRate: 0.15, delta: DELTA };
  const straight = new DpDiffusionTrainer(options({ numSteps: 6, logEvery: 1, privacy }));
  straight.run();
  assert.ok(straight.lossHistory.some((entry) => Number.isNaN(entry.loss)), 'expected an empty batch among the 6 steps');

  const first = new DpDiffusionTrainer(options({ numSteps: 3, logEvery: 1, privacy, checkpointPath }));
  first.run();
  first.dispose();
  const second = new DpDiffusionTrainer(options({ numSteps: 6, logEvery: 1, privacy, checkpointPath, resume: true }));
  assert.is(second.step, 3, 'resumed at the saved step');
  const reference = new RdpAccountant();
  reference.step(0.15, 1.1, 3);
  assert.is(second.epsilon(), reference.epsilon(DELTA).epsilon, 'resumed accountant');
  second.run();

  assert.equal(weightsOf(second.params), weightsOf(straight.params));
  assert.equal(weightsOf(second.ema.shadow), weightsOf(straight.ema.shadow));
  assert.is(second.epsilon(), straight.epsilon());
  assert.equal(second.lossHistory, straight.lossHistory);
  const ema = loadWeights(checkpointPath, 'ema');
  assert.equal(weightsOf(ema), weightsOf(straight.ema.shadow), 'loadWeights reads the EMA weights of a DP checkpoint');
  tf.dispose(Array.from(ema.values()));
  straight.dispose();
  second.dispose();
  fs.rmSync(dir, { recursive: true });
});

test('resume with other privacy settings is rejected', () => {
  const dir = tempDir();
  const checkpointPath = path.join(dir, 'checkpoint.safetensors');
  const trainer = new DpDiffusionTrainer(options({ numSteps: 1, checkpointPath }));
  trainer.run();
  trainer.dispose();
  assert.throws(
    () => new DpDiffusionTrainer(options({ checkpointPath, resume: true, privacy: { clipNorm: 1, noiseMultiplier: 1.5, sampleRate: 0.3, delta: DELTA } })),
    /^DpDiffusionTrainer: checkpoint .* was trained with noiseMultiplier 1.1, not 1.5; resume with the same privacy settings/,
  );
  assert.throws(() => new DpDiffusionTrainer(options({ checkpointPath, resume: true, data: toyData(12) })), /was trained on 10 rows, not 12/);
  fs.rmSync(dir, { recursive: true });
});

test('non-private checkpoint cannot be resumed with DP', () => {
  const dir = tempDir();
  const checkpointPath = path.join(dir, 'checkpoint.safetensors');
  const { privacy: _privacy, onProgress: _onProgress, ...shared } = options({ numSteps: 1, checkpointPath });
  const plain = new DiffusionTrainer({ ...shared, batchSize: 2 });
  plain.run();
  plain.dispose();
  assert.throws(() => new DpDiffusionTrainer(options({ checkpointPath, resume: true })), /has no DP state, so it was trained without DP-SGD/);
  fs.rmSync(dir, { recursive: true });
});

test('invalid privacy settings are rejected', () => {
  const withPrivacy = (privacy: Partial<DpDiffusionTrainerOptions['privacy']>) => () =>
    new DpDiffusionTrainer(options({ privacy: { clipNorm: 1, noiseMultiplier: 1, sampleRate: 0.5, delta: DELTA, ...privacy } }));
  assert.throws(withPrivacy({ noiseMultiplier: 0 }), /^DpDiffusionTrainer: `privacy.noiseMultiplier` must be a finite number > 0, got 0/);
  assert.throws(withPrivacy({ noiseMultiplier: -1 }), /`privacy.noiseMultiplier` must be a finite number > 0, got -1/);
  assert.throws(withPrivacy({ sampleRate: 0 }), /^DpDiffusionTrainer: `privacy.sampleRate` must be in \(0, 1\], got 0/);
  assert.throws(withPrivacy({ sampleRate: 1.5 }), /`privacy.sampleRate` must be in \(0, 1\], got 1.5/);
  assert.throws(withPrivacy({ delta: 0 }), /^DpDiffusionTrainer: `delta` must be in \(0, 1\), got 0/);
  assert.throws(withPrivacy({ delta: 1 }), /`delta` must be in \(0, 1\), got 1/);
  assert.throws(withPrivacy({ clipNorm: 0 }), /^DpDiffusionTrainer: `privacy.clipNorm` must be a finite number > 0, got 0/);
  assert.throws(() => new DpDiffusionTrainer({ ...options(), batchSize: 8 } as DpDiffusionTrainerOptions), /`batchSize` is not used, got 8/);
  assert.throws(() => new DpDiffusionTrainer({ ...options(), gradClipNorm: 1 } as DpDiffusionTrainerOptions), /`gradClipNorm` must be null or absent, got 1/);
  assert.throws(() => new DpDiffusionTrainer(options({ numSteps: 0 })), /`numSteps` must be an integer >= 1, got 0/);
});

test('resolveNoiseMultiplier needs exactly one of target and sigma', () => {
  const base = { sampleRate: 0.1, numSteps: 10, delta: DELTA };
  assert.throws(
    () => resolveNoiseMultiplier({ ...base, targetEpsilon: 1, noiseMultiplier: 1 }),
    /^resolveNoiseMultiplier: give exactly one of `targetEpsilon` and `noiseMultiplier`, got targetEpsilon 1 and noiseMultiplier 1/,
  );
  assert.throws(() => resolveNoiseMultiplier({ ...base, targetEpsilon: null, noiseMultiplier: null }), /give exactly one of `targetEpsilon` and `noiseMultiplier`, got targetEpsilon null/);
  assert.throws(() => resolveNoiseMultiplier(base), /give exactly one of/);
  assert.throws(() => resolveNoiseMultiplier({ ...base, noiseMultiplier: 0 }), /`noiseMultiplier` must be a finite number > 0, got 0/);
  assert.throws(() => resolveNoiseMultiplier({ ...base, targetEpsilon: -2 }), /`targetEpsilon` must be a finite number > 0, got -2/);
  assert.throws(() => resolveNoiseMultiplier({ ...base, noiseMultiplier: 1, sampleRate: 2 }), /`sampleRate` must be in \(0, 1\], got 2/);
  assert.throws(() => resolveNoiseMultiplier({ ...base, noiseMultiplier: 1, delta: 1 }), /`delta` must be in \(0, 1\), got 1/);
  assert.throws(() => resolveNoiseMultiplier({ ...base, noiseMultiplier: 1, numSteps: 0 }), /`numSteps` must be a positive integer, got 0/);
});

test.run();
