import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { makeNoiseSchedule } from '../../kernel-lib/diffusion/schedules';
import { unetForward, unetParamSpecs, UNetConfig } from '../../kernel-lib/nets/unet';
import { DiffusionTrainer, DiffusionTrainerOptions, TrainingData } from '../../kernel-lib/train/diffusion-trainer';
import { Random } from '../../kernel-lib/util/random';

const UNET: UNetConfig = { widths: [4, 8], numResBlocks: 1, embeddingDim: 8, numClasses: 2, normGroups: 4, midAttention: true, inChannels: 1, outChannels: 1 };
const SIZE = 8;

function toyData(count: number): TrainingData {
  const rng = new Random(99);
  const images = rng.normalArray(count * SIZE * SIZE);
  const labels = Int32Array.from({ length: count }, (_, i) => i % 2);
  return {
    count,
    sampleShape: [SIZE, SIZE, 1],
    labels,
    fillBatch(indices, out) {
      indices.forEach((row, i) => out.set(images.subarray(row * SIZE * SIZE, (row + 1) * SIZE * SIZE), i * SIZE * SIZE));
    },
  };
}

function options(overrides: Partial<DiffusionTrainerOptions> = {}): DiffusionTrainerOptions {
  return {
    schedule: makeNoiseSchedule({ numTrainTimesteps: 100 }),
    predictionType: 'epsilon',
    paramSpecs: unetParamSpecs(UNET),
    forward: (params, xt, t, y) => unetForward(UNET, params, xt as tf.Tensor4D, t, y),
    data: toyData(10),
    nullClass: 2,
    batchSize: 4,
    numSteps: 4,
    learningRate: 1e-3,
    emaDecay: 0.9,
    conditionDropout: 0.2,
    seed: 5,
    ...overrides,
  };
}

function weightsOf(trainer: DiffusionTrainer): number[] {
  return Array.from(trainer.params.values()).flatMap((v) => Array.from(v.dataSync()));
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-train-'));
}

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
});

test('training step leaves the tensor count unchanged', () => {
  const trainer = new DiffusionTrainer(options());
  trainer.trainStep(); // creates the Adam moments
  const before = tf.memory().numTensors;
  trainer.trainStep();
  trainer.trainStep();
  assert.is(tf.memory().numTensors, before);
  trainer.dispose();
});

test('loss decreases on a fixed batch', () => {
  const trainer = new DiffusionTrainer(options({ data: toyData(4), learningRate: 3e-3, conditionDropout: 0, numSteps: 40 }));
  const losses: number[] = [];
  for (let i = 0; i < 40; i++) losses.push(trainer.trainStep());
  const first = (losses[0] + losses[1] + losses[2] + losses[3]) / 4;
  const last = (losses[36] + losses[37] + losses[38] + losses[39]) / 4;
  assert.ok(last < first, `expected the loss to fall, first steps ${first.toFixed(4)}, last steps ${last.toFixed(4)}`);
  trainer.dispose();
});

test('same seed gives the same weights', () => {
  const a = new DiffusionTrainer(options());
  const b = new DiffusionTrainer(options());
  for (let i = 0; i < 3; i++) {
    a.trainStep();
    b.trainStep();
  }
  assert.equal(weightsOf(a), weightsOf(b));
  a.dispose();
  b.dispose();
});

test('resume continues the same run', () => {
  const dir = tempDir();
  const checkpointPath = path.join(dir, 'checkpoint.safetensors');

  const straight = new DiffusionTrainer(options({ numSteps: 4 }));
  straight.run();
  const expected = weightsOf(straight);
  const expectedEma = Array.from(straight.ema.shadow.values()).flatMap((v) => Array.from(v.dataSync()));
  straight.dispose();

  const first = new DiffusionTrainer(options({ numSteps: 2, checkpointPath }));
  first.run();
  first.dispose();
  const second = new DiffusionTrainer(options({ numSteps: 4, checkpointPath, resume: true }));
  assert.is(second.step, 2, 'resumed at the saved step');
  second.run();
  assert.equal(weightsOf(second), expected);
  assert.equal(Array.from(second.ema.shadow.values()).flatMap((v) => Array.from(v.dataSync())), expectedEma);
  second.dispose();
  fs.rmSync(dir, { recursive: true });
});

test('checkpoints are written every N steps', () => {
  const dir = tempDir();
  const checkpointPath = path.join(dir, 'checkpoint.safetensors');
  const saved: number[] = [];
  const trainer = new DiffusionTrainer(options({ numSteps: 5, checkpointPath, checkpointEvery: 2, onCheckpoint: (step) => saved.push(step) }));
  trainer.run();
  assert.equal(saved, [2, 4, 5]);
  trainer.dispose();
  fs.rmSync(dir, { recursive: true });
});

test('progress reports every step', () => {
  const seen: number[] = [];
  const trainer = new DiffusionTrainer(
    options({
      numSteps: 3,
      onProgress: (p) => {
        assert.is(p.total, 3);
        assert.ok(Number.isFinite(p.loss), `expected a finite loss, got ${p.loss}`);
        assert.ok(p.msPerStep >= 0, `expected msPerStep >= 0, got ${p.msPerStep}`);
        seen.push(p.step);
      },
    }),
  );
  trainer.run();
  assert.equal(seen, [1, 2, 3]);
  trainer.dispose();
});

test('resume with another seed is rejected', () => {
  const dir = tempDir();
  const checkpointPath = path.join(dir, 'checkpoint.safetensors');
  const trainer = new DiffusionTrainer(options({ numSteps: 1, checkpointPath }));
  trainer.run();
  trainer.dispose();
  assert.throws(() => new DiffusionTrainer(options({ seed: 6, checkpointPath, resume: true })), /trained with seed 5, not 6/);
  fs.rmSync(dir, { recursive: true });
});

test('bad options are rejected with the value', () => {
  assert.throws(() => new DiffusionTrainer(options({ batchSize: 0 })), /`batchSize` must be an integer >= 1, got 0/);
  assert.throws(() => new DiffusionTrainer(options({ predictionType: 'x0' })), /x0/);
  assert.throws(() => new DiffusionTrainer(options({ conditionDropout: 1 })), /`conditionDropout` must be in \[0, 1\), got 1/);
  assert.throws(() => new DiffusionTrainer(options({ data: { ...toyData(4), count: 0, labels: new Int32Array(0) } })), /dataset is empty/);
});

test.run();
