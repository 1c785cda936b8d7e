import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CONTEXT_NULL_PARAM, unetForward, unetParamSpecs, UNetConfig, validateUNetConfig } from '../../kernel-lib/nets/unet';
import { createParams, disposeParams } from '../../kernel-lib/nets/params';
import { makeNoiseSchedule } from '../../kernel-lib/diffusion/schedules';
import { DiffusionTrainer } from '../../kernel-lib/train/diffusion-trainer';
import { selectBackend } from '../../kernel-lib/backend/select';
import { Random } from '../../kernel-lib/util/random';

const CONTEXT_DIM = 6;
const NET: UNetConfig = { widths: [4, 8], numResBlocks: 1, embeddingDim: 8, numClasses: 0, contextDim: CONTEXT_DIM, normGroups: 4, midAttention: false, inChannels: 1, outChannels: 1 };
const SIZE = 8;

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
});

test('context network parameter shapes', () => {
  const specs = unetParamSpecs(NET);
  assert.equal(specs.find((s) => s.name === CONTEXT_NULL_PARAM)?.shape, [1, CONTEXT_DIM]);
  assert.equal(specs.find((s) => s.name === 'context.linear1.weight')?.shape, [CONTEXT_DIM, 8]);
  assert.is(specs.find((s) => s.name === 'label.table'), undefined);
  const withoutContext = unetParamSpecs({ ...NET, contextDim: 0 }).map((s) => s.name);
  assert.ok(!withoutContext.some((name) => name.startsWith('context.')), 'contextDim 0 adds no parameters');
});

test('labels and a context together are rejected', () => {
  assert.throws(() => validateUNetConfig({ ...NET, numClasses: 2 }), /labels \(numClasses 2\) or a context vector \(contextDim 6\), not both/);
});

test('context changes output; dropped row uses null vector', () => {
  const rng = new Random(3);
  const params = createParams(unetParamSpecs(NET), rng);
  // A non-zero null vector, so "dropped" and "zero context" differ.
  const nullVector = rng.normalArray(CONTEXT_DIM);
  (params.get(CONTEXT_NULL_PARAM) as tf.Variable).assign(tf.tensor2d(nullVector, [1, CONTEXT_DIM]));
  const before = tf.memory().numTensors;
  const [differs, dropGap, keepGap] = tf.tidy(() => {
    const x = tf.tensor4d(rng.normalArray(2 * SIZE * SIZE), [2, SIZE, SIZE, 1]);
    const t = tf.tensor1d([10, 10], 'int32');
    const contexts = tf.tensor2d(rng.normalArray(2 * CONTEXT_DIM), [2, CONTEXT_DIM]);
    const plain = unetForward(NET, params, x, t, contexts);
    const swapped = unetForward(NET, params, x, t, tf.reverse(contexts, 0));
    const nullRows = tf.tensor2d([...nullVector, ...nullVector], [2, CONTEXT_DIM]);
    const viaNull = unetForward(NET, params, x, t, nullRows);
    // Mask: first row dropped, second kept.
    const masked = unetForward(NET, params, x, t, contexts, tf.tensor1d([1, 0]));
    const rowGap = (a: tf.Tensor, b: tf.Tensor, row: number) => tf.max(tf.abs(tf.sub(a, b)).slice([row], [1])).dataSync()[0];
    return [rowGap(plain, swapped, 0), rowGap(masked, viaNull, 0), rowGap(masked, plain, 1)];
  });
  assert.ok(differs > 1e-4, `another context changes the prediction (gap ${differs})`);
  assert.ok(dropGap < 1e-5, `a dropped row is predicted as with the null vector (gap ${dropGap})`);
  assert.ok(keepGap < 1e-5, `a kept row is predicted as without a mask (gap ${keepGap})`);
  assert.is(tf.memory().numTensors, before, 'no tensors leaked');
  disposeParams(params);
});

test('a context of the wrong width is rejected with the expected shape', () => {
  const params = createParams(unetParamSpecs(NET), new Random(0));
  const x = tf.zeros([1, SIZE, SIZE, 1]) as tf.Tensor4D;
  const t = tf.tensor1d([0], 'int32');
  assert.throws(() => unetForward(NET, params, x, t, tf.zeros([1, 4])), /context vectors \[batch, 6\], got \[1,4\]/);
  assert.throws(() => unetForward(NET, params, x, t, null), /context vectors \[batch, 6\], got none/);
  tf.dispose([x, t]);
  disposeParams(params);
});

function contextTrainer(conditionDropout: number, values?: Float32Array): DiffusionTrainer {
  const count = 8;
  const rng = new Random(11);
  const images = rng.normalArray(count * SIZE * SIZE);
  return new DiffusionTrainer({
    schedule: makeNoiseSchedule({ numTrainTimesteps: 50 }),
    predictionType: 'epsilon',
    paramSpecs: unetParamSpecs(NET),
    forward: (params, xt, t, condition, mask) => unetForward(NET, params, xt as tf.Tensor4D, t, condition, mask ?? null),
    data: {
      count,
      sampleShape: [SIZE, SIZE, 1],
      labels: null,
      contexts: { dim: CONTEXT_DIM, values: values ?? rng.normalArray(count * CONTEXT_DIM) },
      fillBatch(indices, out) {
        indices.forEach((row, i) => out.set(images.subarray(row * SIZE * SIZE, (row + 1) * SIZE * SIZE), i * SIZE * SIZE));
      },
    },
    batchSize: 4,
    numSteps: 3,
    learningRate: 1e-2,
    emaDecay: 0.9,
    conditionDropout,
    seed: 2,
  });
}

test('condition dropout trains the null vector', () => {
  const nullNorm = (conditionDropout: number) => {
    const trainer = contextTrainer(conditionDropout);
    trainer.run();
    const values = (trainer.params.get(CONTEXT_NULL_PARAM) as tf.Tensor).dataSync();
    trainer.dispose();
    return Math.hypot(...values);
  };
  assert.ok(nullNorm(0.5) > 1e-3, 'dropped rows train the null vector');
  assert.is(nullNorm(0), 0, 'no dropped rows: the null vector gets no gradient');
});

test('context training is deterministic for one seed', () => {
  const weights = () => {
    const trainer = contextTrainer(0.3);
    trainer.run();
    const all = Array.from(trainer.params.values()).flatMap((v) => Array.from(v.dataSync()));
    trainer.dispose();
    return all;
  };
  assert.equal(weights(), weights());
});

test('a non-finite context vector is rejected naming its row', () => {
  const values = new Float32Array(8 * CONTEXT_DIM);
  values[3 * CONTEXT_DIM + 2] = NaN;
  assert.throws(() => contextTrainer(0.1, values), /context vector of row 3 holds NaN/);
});

test.run();
