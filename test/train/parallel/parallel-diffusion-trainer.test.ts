import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../../kernel-lib/backend/select';
import { makeNoiseSchedule } from '../../../kernel-lib/diffusion/schedules';
import { UNetConfig } from '../../../kernel-lib/nets/unet';
import { DiffusionTrainer, TrainingData } from '../../../kernel-lib/train/diffusion-trainer';
import { NetworkDescription, buildNetwork } from '../../../kernel-lib/train/network-description';
import { ParallelDiffusionTrainer, ParallelDiffusionTrainerOptions } from '../../../kernel-lib/train/parallel/parallel-diffusion-trainer';
import { setLogLevel } from '../../../kernel-lib/util/log';
import { Random } from '../../../kernel-lib/util/random';

const UNET: UNetConfig = { widths: [4, 8], numResBlocks: 1, embeddingDim: 8, numClasses: 2, normGroups: 4, midAttention: true, inChannels: 1, outChannels: 1 };
const NETWORK: NetworkDescription = { kind: 'unet', config: UNET };
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

function options(overrides: Partial<ParallelDiffusionTrainerOptions> = {}): ParallelDiffusionTrainerOptions {
  return {
    schedule: makeNoiseSchedule({ numTrainTimesteps: 100 }),
    predictionType: 'epsilon',
    network: NETWORK,
    workers: 2,
    data: toyData(10),
    nullClass: 2,
    batchSize: 5,
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

function emaOf(trainer: DiffusionTrainer): number[] {
  return Array.from(trainer.ema.shadow.values()).flatMap((v) => Array.from(v.dataSync()));
}

test.before(async () => {
  setLogLevel('warn');
  await selectBackend({ backend: 'wasm' });
});

test('one worker reproduces the one-thread trainer', () => {
  const { network, workers, ...rest } = options({ workers: 1 });
  const single = new DiffusionTrainer({ ...rest, ...buildNetwork(network) });
  const parallel = new ParallelDiffusionTrainer({ ...rest, network, workers });
  try {
    for (let step = 0; step < 3; step++) assert.is(parallel.trainStep(), single.trainStep());
    assert.equal(weightsOf(parallel), weightsOf(single));
    assert.equal(emaOf(parallel), emaOf(single));
  } finally {
    single.dispose();
    parallel.dispose();
  }
});

test('two workers repeat exactly', () => {
  const runs = [0, 1].map(() => {
    const trainer = new ParallelDiffusionTrainer(options());
    try {
      const losses = [trainer.trainStep(), trainer.trainStep()];
      return { losses, weights: weightsOf(trainer) };
    } finally {
      trainer.dispose();
    }
  });
  assert.equal(runs[1].losses, runs[0].losses);
  assert.equal(runs[1].weights, runs[0].weights);
});

test('two workers track the one-thread loss', () => {
  const { network, workers, ...rest } = options();
  const single = new DiffusionTrainer({ ...rest, ...buildNetwork(network) });
  const parallel = new ParallelDiffusionTrainer({ ...rest, network, workers });
  try {
    // The first step starts from the same weights and batch, so the losses differ by
    // float32 rounding of the shard sums only (relative 1e-6, about ten float32 ulps).
    const expected = single.trainStep();
    const loss = parallel.trainStep();
    assert.ok(Math.abs(loss - expected) <= 1e-6 * expected, `loss ${loss}, one thread ${expected}`);
  } finally {
    single.dispose();
    parallel.dispose();
  }
});

test('resumed run matches an uninterrupted one', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-parallel-'));
  try {
    const straight = new ParallelDiffusionTrainer(options());
    straight.run();
    const expected = weightsOf(straight);
    straight.dispose();

    const checkpointPath = path.join(dir, 'checkpoint.safetensors');
    const first = new ParallelDiffusionTrainer(options({ numSteps: 2, checkpointPath }));
    first.run();
    first.dispose();
    const second = new ParallelDiffusionTrainer(options({ checkpointPath, resume: true }));
    assert.is(second.step, 2);
    second.run();
    assert.is(second.step, 4);
    assert.equal(weightsOf(second), expected);
    second.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('training step leaves the tensor count unchanged', () => {
  const trainer = new ParallelDiffusionTrainer(options());
  try {
    trainer.trainStep();
    const before = tf.memory().numTensors;
    trainer.trainStep();
    assert.is(tf.memory().numTensors, before);
  } finally {
    trainer.dispose();
  }
});

test('dispose frees the trainer tensors', () => {
  const before = tf.memory().numTensors;
  const trainer = new ParallelDiffusionTrainer(options());
  trainer.trainStep();
  trainer.dispose();
  assert.is(tf.memory().numTensors, before);
});

test('worker count above the batch size is rejected', () => {
  const before = tf.memory().numTensors;
  assert.throws(() => new ParallelDiffusionTrainer(options({ workers: 6 })), /numWorkers must be an integer from 1 to the batch size \(5\), got 6/);
  assert.is(tf.memory().numTensors, before);
});

test.run();
