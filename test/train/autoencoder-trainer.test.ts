import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { makeDemoDataset } from '../../kernel-lib/data/demo';
import { AutoencoderConfig, decodeLatents, encodeDistribution } from '../../kernel-lib/nets/autoencoder';
import { AutoencoderTrainer, AutoencoderTrainerOptions } from '../../kernel-lib/train/autoencoder-trainer';
import { setLogLevel } from '../../kernel-lib/util/log';

const CONFIG: AutoencoderConfig = { factor: 4, widths: [8, 8], latentChannels: 2, normGroups: 4 };
const DATASET = makeDemoDataset({ seed: 3, size: 8, counts: { train: [8, 8], val: [1, 1], test: [1, 1] } });
const TRAIN = DATASET.splits.train;
const DATA = { images: TRAIN.images, count: TRAIN.count, height: 8, width: 8 };
const BASE: AutoencoderTrainerOptions = { config: CONFIG, data: DATA, batchSize: 8, numSteps: 4, learningRate: 3e-3, beta: 1e-6, reconstructionLoss: 'l1', seed: 5 };

let dir = '';

test.before(async () => {
  setLogLevel('warn');
  await selectBackend({ backend: 'wasm' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-autoencoder-'));
});

test.after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Mean absolute error of decode(mean(encode(x))) over the whole toy set, pixels in [−1, 1]. */
function roundTripError(trainer: AutoencoderTrainer): number {
  return tf.tidy(() => {
    const x = tf.sub(tf.div(tf.tensor4d(Float32Array.from(DATA.images), [DATA.count, 8, 8, 1]), 127.5), 1) as tf.Tensor4D;
    const reconstruction = decodeLatents(CONFIG, trainer.params, encodeDistribution(CONFIG, trainer.params, x).mean);
    return tf.mean(tf.abs(tf.sub(reconstruction, x))).dataSync()[0];
  });
}

test('round trip improves with training', () => {
  for (const reconstructionLoss of ['l1', 'l2']) {
    const trainer = new AutoencoderTrainer({ ...BASE, reconstructionLoss, numSteps: 40 });
    const before = roundTripError(trainer);
    trainer.run();
    const after = roundTripError(trainer);
    assert.ok(after < 0.6 * before, `${reconstructionLoss}: round-trip error ${before.toFixed(4)} → ${after.toFixed(4)}, expected a drop of 40% or more`);
    trainer.dispose();
  }
});

test('same seed gives the same losses', () => {
  const run = (seed: number) => {
    const trainer = new AutoencoderTrainer({ ...BASE, seed });
    const losses = [1, 2, 3].map(() => trainer.trainStep().loss);
    trainer.dispose();
    return losses;
  };
  const a = run(5);
  assert.equal(a, run(5));
  assert.not.equal(a, run(6));
});

test('resumed run matches an uninterrupted one', () => {
  const checkpointPath = path.join(dir, 'resume.safetensors');
  const whole = new AutoencoderTrainer({ ...BASE, numSteps: 4 });
  whole.run();
  const expected = roundTripError(whole);
  whole.dispose();

  const first = new AutoencoderTrainer({ ...BASE, numSteps: 2, checkpointPath });
  first.run();
  first.dispose();
  const second = new AutoencoderTrainer({ ...BASE, numSteps: 4, checkpointPath, resume: true });
  assert.is(second.step, 2);
  second.run();
  assert.is(roundTripError(second), expected);
  second.dispose();
});

test('random crops train on smaller tiles', () => {
  const trainer = new AutoencoderTrainer({ ...BASE, cropSize: 4 });
  const { loss, reconstruction } = trainer.trainStep();
  // With L1 the loss is the error summed over the 16 pixels of a 4×4 crop, plus a tiny KL term.
  assert.ok(Math.abs(loss - 16 * reconstruction) < 0.05 * loss, `loss ${loss} for per-pixel error ${reconstruction}`);
  trainer.dispose();
});

test('training leaves no tensors after dispose', () => {
  const before = tf.memory().numTensors;
  const trainer = new AutoencoderTrainer(BASE);
  trainer.run();
  trainer.dispose();
  assert.is(tf.memory().numTensors, before);
});

test('bad options are rejected with the fix', () => {
  assert.throws(() => new AutoencoderTrainer({ ...BASE, beta: -1 }), /`beta` must be a finite number >= 0 \(e.g. 1e-6\), got -1/);
  assert.throws(() => new AutoencoderTrainer({ ...BASE, reconstructionLoss: 'huber' }), /`reconstructionLoss` must be one of l1, l2, got 'huber'/);
  assert.throws(() => new AutoencoderTrainer({ ...BASE, cropSize: 6 }), /`cropSize` must be null or a multiple of the factor 4 between 4 and 8, got 6/);
  assert.throws(() => new AutoencoderTrainer({ ...BASE, data: { ...DATA, height: 6, width: 6 } }), /image sides 6×6 are not multiples of the autoencoder factor 4/);
  assert.throws(() => new AutoencoderTrainer({ ...BASE, data: { ...DATA, count: 3 } }), /data must hold 3 uint8 images of 8×8 \(192 values\), got 1024/);
});

test.run();
