import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../../kernel-lib/backend/select';
import { makeNoiseSchedule } from '../../../kernel-lib/diffusion/schedules';
import { createParams, disposeParams } from '../../../kernel-lib/nets/params';
import { UNetConfig } from '../../../kernel-lib/nets/unet';
import { TrainingBatch, batchLossAndGradients } from '../../../kernel-lib/train/diffusion-trainer';
import { NetworkDescription, buildNetwork } from '../../../kernel-lib/train/network-description';
import { GradientWorkerPool, GradientWorkerPoolOptions } from '../../../kernel-lib/train/parallel/gradient-worker-pool';
import { Random } from '../../../kernel-lib/util/random';
import { setLogLevel } from '../../../kernel-lib/util/log';

const UNET: UNetConfig = { widths: [4, 8], numResBlocks: 1, embeddingDim: 8, numClasses: 2, normGroups: 4, midAttention: true, inChannels: 1, outChannels: 1 };
const NETWORK: NetworkDescription = { kind: 'unet', config: UNET };
const SIZE = 8;
const BATCH = 7;
const SCHEDULE = makeNoiseSchedule({ numTrainTimesteps: 100 });

function poolOptions(overrides: Partial<GradientWorkerPoolOptions> = {}): GradientWorkerPoolOptions {
  return {
    network: NETWORK,
    numWorkers: 2,
    batchSize: BATCH,
    sampleShape: [SIZE, SIZE, 1],
    conditioning: 'labels',
    schedule: SCHEDULE,
    predictionType: 'epsilon',
    backend: 'wasm',
    ...overrides,
  };
}

/** Returns a batch drawn from `seed`, with labels 0, 1 and the null class 2. */
function randomBatch(seed: number): TrainingBatch {
  const rng = new Random(seed);
  return {
    size: BATCH,
    sampleShape: [SIZE, SIZE, 1],
    x0: rng.normalArray(BATCH * SIZE * SIZE),
    noise: rng.normalArray(BATCH * SIZE * SIZE),
    timesteps: Int32Array.from({ length: BATCH }, () => rng.int(100)),
    labels: Int32Array.from({ length: BATCH }, (_, i) => i % 3),
    contexts: null,
    contextDim: 0,
    dropMask: null,
  };
}

/** Returns the loss and flat gradient (spec order) of `batch`, computed on the main thread. */
function oneThreadGradient(params: Map<string, tf.Variable>, batch: TrainingBatch): { loss: number; gradients: Float32Array } {
  const network = buildNetwork(NETWORK);
  const { loss, grads } = batchLossAndGradients({ schedule: SCHEDULE, predictionType: 'epsilon', forward: network.forward }, params, batch);
  const gradients = Float32Array.from(network.paramSpecs.flatMap((spec) => Array.from((grads.get(spec.name) as tf.Tensor).dataSync())));
  tf.dispose(Array.from(grads.values()));
  return { loss, gradients };
}

test.before(async () => {
  setLogLevel('warn');
  await selectBackend({ backend: 'wasm' });
});

test('one worker matches the main thread exactly', () => {
  const params = createParams(buildNetwork(NETWORK).paramSpecs, new Random(3));
  const batch = randomBatch(11);
  const expected = oneThreadGradient(params, batch);
  const pool = new GradientWorkerPool(poolOptions({ numWorkers: 1 }));
  try {
    pool.setWeights(params);
    const result = pool.computeGradients(batch);
    assert.is(result.loss, expected.loss);
    assert.equal(Array.from(result.gradients), Array.from(expected.gradients));
  } finally {
    pool.dispose();
    disposeParams(params);
  }
});

test('two workers agree with one thread', () => {
  const params = createParams(buildNetwork(NETWORK).paramSpecs, new Random(3));
  const batch = randomBatch(12);
  const expected = oneThreadGradient(params, batch);
  const pool = new GradientWorkerPool(poolOptions());
  try {
    pool.setWeights(params);
    const before = tf.memory().numTensors;
    const result = pool.computeGradients(batch);
    assert.is(tf.memory().numTensors, before);

    // Tolerance: the two shards' sums round differently from the whole batch's sum. Elements
    // may differ by float32 rounding at the scale of the largest gradient: 1e-5 relative to it,
    // about a hundred float32 ulps. The measured difference was 4e-7.
    const scale = expected.gradients.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
    let worst = 0;
    for (let i = 0; i < expected.gradients.length; i++) worst = Math.max(worst, Math.abs(result.gradients[i] - expected.gradients[i]));
    assert.ok(scale > 0, 'the gradient is not all zeros');
    assert.ok(worst <= 1e-5 * scale, `largest difference ${worst}, largest gradient ${scale}`);
    assert.ok(Math.abs(result.loss - expected.loss) <= 1e-6 * expected.loss, `loss ${result.loss}, expected ${expected.loss}`);
  } finally {
    pool.dispose();
    disposeParams(params);
  }
});

test('two workers repeat exactly', () => {
  const params = createParams(buildNetwork(NETWORK).paramSpecs, new Random(3));
  const batch = randomBatch(13);
  const runs: { loss: number; gradients: number[] }[] = [];
  for (let run = 0; run < 2; run++) {
    const pool = new GradientWorkerPool(poolOptions());
    try {
      pool.setWeights(params);
      const result = pool.computeGradients(batch);
      runs.push({ loss: result.loss, gradients: Array.from(result.gradients) });
    } finally {
      pool.dispose();
    }
  }
  assert.is(runs[1].loss, runs[0].loss);
  assert.equal(runs[1].gradients, runs[0].gradients);
  disposeParams(params);
});

test('failed start names the worker', () => {
  assert.throws(
    () => new GradientWorkerPool(poolOptions({ numWorkers: 1, backend: 'node' })),
    /worker 0 of 1 failed \(start\): start-up failed: selectBackend: backend 'node' could not start/,
  );
});

test('failed step shuts the pool down', () => {
  const params = createParams(buildNetwork(NETWORK).paramSpecs, new Random(3));
  // The pool is built for an unconditional network, so the workers run a class-conditional
  // network without labels and unetForward throws inside them.
  const pool = new GradientWorkerPool(poolOptions({ conditioning: 'none' }));
  pool.setWeights(params);
  const batch = { ...randomBatch(14), labels: null };
  assert.throws(() => pool.computeGradients(batch), /worker 0 of 2 failed \(step 1\): step 1 failed: unetForward: this network is class-conditional/);
  assert.throws(() => pool.computeGradients(batch), /the pool is shut down/);
  pool.dispose();
  disposeParams(params);
});

test('invalid worker counts are rejected', () => {
  assert.throws(() => new GradientWorkerPool(poolOptions({ numWorkers: 0 })), /numWorkers must be an integer from 1 to the batch size \(7\), got 0/);
  assert.throws(() => new GradientWorkerPool(poolOptions({ numWorkers: 8 })), /got 8/);
});

test('batch of another size is rejected', () => {
  const pool = new GradientWorkerPool(poolOptions({ numWorkers: 1 }));
  try {
    const batch = { ...randomBatch(15), size: BATCH - 1 };
    assert.throws(() => pool.computeGradients(batch), /built for batches of 7 rows, got 6/);
  } finally {
    pool.dispose();
  }
});

test.run();
