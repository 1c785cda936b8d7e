import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { makeNoiseSchedule } from '../../kernel-lib/diffusion/schedules';
import { unetForward, unetParamSpecs, UNetConfig } from '../../kernel-lib/nets/unet';
import { DiffusionTrainer, TrainingData } from '../../kernel-lib/train/diffusion-trainer';
import { Random } from '../../kernel-lib/util/random';

// The smallest U-Net that still has every block kind (residual, attention, down/up sampling).
const UNET: UNetConfig = { widths: [4, 4], numResBlocks: 1, embeddingDim: 4, numClasses: 2, normGroups: 2, midAttention: true, inChannels: 1, outChannels: 1 };
const SIZE = 4;
const STEPS = 2000;
const CHECK_EVERY = 100;

function toyData(count: number): TrainingData {
  const images = new Random(3).normalArray(count * SIZE * SIZE);
  return {
    count,
    sampleShape: [SIZE, SIZE, 1],
    labels: Int32Array.from({ length: count }, (_, i) => i % 2),
    fillBatch(indices, out) {
      indices.forEach((row, i) => out.set(images.subarray(row * SIZE * SIZE, (row + 1) * SIZE * SIZE), i * SIZE * SIZE));
    },
  };
}

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
});

test(`tensor count stays flat over ${STEPS} training steps with checkpoints`, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-long-run-'));
  const trainer = new DiffusionTrainer({
    schedule: makeNoiseSchedule({ numTrainTimesteps: 50 }),
    predictionType: 'epsilon',
    paramSpecs: unetParamSpecs(UNET),
    forward: (params, xt, t, y) => unetForward(UNET, params, xt as tf.Tensor4D, t, y),
    data: toyData(12),
    nullClass: 2,
    batchSize: 2,
    numSteps: STEPS,
    learningRate: 1e-3,
    emaDecay: 0.99,
    conditionDropout: 0.1,
    gradClipNorm: 1,
    seed: 11,
    checkpointPath: path.join(dir, 'checkpoint.safetensors'),
  });
  try {
    // The first step creates the Adam moments; from then on every step must free what it makes.
    trainer.trainStep();
    const baseline = tf.memory().numTensors;
    const baselineBytes = tf.memory().numBytes;
    const counts: number[] = [];
    while (trainer.step < STEPS) {
      trainer.trainStep();
      if (trainer.step % 500 === 0) trainer.saveCheckpoint();
      if (trainer.step % CHECK_EVERY === 0) counts.push(tf.memory().numTensors);
    }
    assert.is(counts.length, Math.floor(STEPS / CHECK_EVERY));
    assert.equal(counts, counts.map(() => baseline), `tensor counts drifted from ${baseline}: ${counts.join(', ')}`);
    assert.is(tf.memory().numBytes, baselineBytes);
    assert.is(trainer.step, STEPS);
  } finally {
    trainer.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
