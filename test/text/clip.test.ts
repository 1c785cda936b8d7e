import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { ClipModel, disposeClipModel, embedImages, embedTexts, embedTokenIds, loadClipModel, saveClipModel } from '../../kernel-lib/text/clip';
import { MAX_LOGIT_SCALE } from '../../kernel-lib/text/clip-loss';
import { ClipTrainingOptions, textGroupsFromTokenIds, trainClip } from '../../kernel-lib/text/clip-trainer';
import { ImageEncoderConfig } from '../../kernel-lib/text/image-encoder';
import { labelAgreementAtK, recallAtK } from '../../kernel-lib/text/retrieval';
import { TextEncoderConfig } from '../../kernel-lib/text/text-encoder';
import { Tokenizer, trainTokenizer } from '../../kernel-lib/text/tokenizer';
import { Random } from '../../kernel-lib/util/random';

const SIZE = 16;
const MAX_LENGTH = 12;
// Two phrasings per orientation, written for this test. The first of each is the retrieval query.
const PHRASES = [
  ['vertical bar', 'a bar standing upright'],
  ['horizontal bar', 'a bar lying flat'],
  ['falling diagonal bar', 'a bar from top left to bottom right'],
  ['rising diagonal bar', 'a bar from bottom left to top right'],
];
const IMAGE_CONFIG: ImageEncoderConfig = { widths: [8, 16], groups: 4, outputDim: 16 };

/** Draws a bright bar of orientation `label` (0 vertical, 1 horizontal, 2 falling, 3 rising), shifted by up to 3 pixels, on a noisy background. */
function drawBar(label: number, rng: Random, out: Uint8Array, offset: number): void {
  const shift = rng.int(7) - 3;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const distance = [x - SIZE / 2 - shift, y - SIZE / 2 - shift, x - y - shift, x + y - SIZE - shift][label];
      const onBar = Math.abs(distance) <= (label < 2 ? 1 : 1.5);
      out[offset + y * SIZE + x] = Math.min(255, (onBar ? 200 : 30) + rng.int(40));
    }
  }
}

interface ToyData {
  images: Uint8Array;
  labels: Int32Array;
  texts: string[];
}

function toyData(count: number, seed: number): ToyData {
  const rng = new Random(seed);
  const images = new Uint8Array(count * SIZE * SIZE);
  const labels = new Int32Array(count);
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    labels[i] = i % 4;
    drawBar(labels[i], rng, images, i * SIZE * SIZE);
    texts.push(PHRASES[labels[i]][rng.int(2)]);
  }
  return { images, labels, texts };
}

let tokenizer: Tokenizer;
let textConfig: TextEncoderConfig;
let train: ToyData;
let trainIds: Int32Array;

function options(overrides: Partial<ClipTrainingOptions> = {}): ClipTrainingOptions {
  return {
    images: train.images,
    height: SIZE,
    width: SIZE,
    tokenIds: trainIds,
    textConfig,
    imageConfig: IMAGE_CONFIG,
    tokenizer,
    batchSize: 16,
    numSteps: 60,
    learningRate: 5e-3,
    seed: 11,
    ...overrides,
  };
}

function allWeights(model: ClipModel): Float32Array[] {
  return [...model.textParams.values(), ...model.imageParams.values()].map((t) => t.dataSync() as Float32Array);
}

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
  tokenizer = trainTokenizer(PHRASES.flat(), { vocabSize: 80, minFrequency: 1 });
  textConfig = { vocabSize: tokenizer.vocabSize, maxLength: MAX_LENGTH, modelDim: 16, numLayers: 1, numHeads: 2, mlpRatio: 2, outputDim: 16 };
  train = toyData(64, 1);
  trainIds = tokenizer.encodeBatch(train.texts, MAX_LENGTH).ids;
});

test('groups rows with identical token ids', () => {
  const ids = Int32Array.from([2, 5, 3, 2, 6, 3, 2, 5, 3]);
  assert.equal(Array.from(textGroupsFromTokenIds(ids, 3)), [0, 1, 0]);
});

test('training on bars retrieves the right texts', () => {
  const before = tf.memory().numTensors;
  const progress: number[] = [];
  const { model, lossHistory } = trainClip(options({ onProgress: (p) => progress.push(p.step) }));
  assert.equal(progress, Array.from({ length: 60 }, (_, i) => i + 1));
  const firstLoss = lossHistory.slice(0, 5).reduce((a, b) => a + b.loss, 0) / 5;
  const lastLoss = lossHistory.slice(-5).reduce((a, b) => a + b.loss, 0) / 5;
  assert.ok(lastLoss < 0.7 * firstLoss, `loss should fall by 30%: first five steps ${firstLoss}, last five ${lastLoss}`);
  assert.ok(model.logitScale >= 0, `logitScale ${model.logitScale} below 0`);
  assert.ok(model.logitScale <= MAX_LOGIT_SCALE, `logitScale ${model.logitScale} above ln 100`);

  // Held-out images (another seed) against the four query texts: chance is 1/4.
  const heldOut = toyData(32, 2);
  const imageEmbeddings = embedImages(model, heldOut.images, 32);
  const textEmbeddings = embedTexts(model, PHRASES.map((p) => p[0]));
  const agreement = labelAgreementAtK(imageEmbeddings, textEmbeddings, 16, heldOut.labels, [0, 1, 2, 3], [1]);
  assert.ok(Math.abs(agreement.chance - 0.25) < 1e-12, `chance ${agreement.chance}`);
  // Seeds 11 to 17 gave 0.81 to 0.97.
  assert.ok(agreement.atK[0].value >= 0.75, `image → text top-1 agreement ${agreement.atK[0].value}, chance 0.25`);
  // Text → image recall@1 on exact pairs: the four texts against held-out images 4g … 4g + 3
  // (labels 0 … 3), averaged over the eight groups g. Seeds 11 to 17 gave 0.91 to 1.
  let recall = 0;
  for (let g = 0; g < 8; g++) recall += recallAtK(textEmbeddings, imageEmbeddings.subarray(g * 64, (g + 1) * 64), 16, [1])[0].value / 8;
  assert.ok(recall >= 0.75, `text → image recall@1 ${recall}, chance 0.25`);

  disposeClipModel(model);
  assert.is(tf.memory().numTensors, before, 'no leaked tensors after training and embedding');
});

test('same seed gives same weights', () => {
  const first = trainClip(options({ numSteps: 3 }));
  const second = trainClip(options({ numSteps: 3 }));
  const other = trainClip(options({ numSteps: 3, seed: 12 }));
  assert.equal(second.lossHistory, first.lossHistory);
  const a = allWeights(first.model);
  const b = allWeights(second.model);
  a.forEach((values, i) => assert.equal(Array.from(b[i]), Array.from(values), `parameter ${i}`));
  assert.not.equal(other.lossHistory, first.lossHistory);
  for (const result of [first, second, other]) disposeClipModel(result.model);
});

test('resumed run matches uninterrupted run', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-clip-'));
  try {
    const whole = trainClip(options({ numSteps: 4, checkpointPath: path.join(dir, 'whole.safetensors') }));
    const checkpointPath = path.join(dir, 'split.safetensors');
    const firstHalf = trainClip(options({ numSteps: 2, checkpointPath }));
    disposeClipModel(firstHalf.model);
    const secondHalf = trainClip(options({ numSteps: 4, checkpointPath }));
    assert.is(secondHalf.startStep, 2);
    assert.equal(secondHalf.lossHistory, whole.lossHistory.slice(2));
    const expected = allWeights(whole.model);
    allWeights(secondHalf.model).forEach((values, i) => assert.equal(Array.from(values), Array.from(expected[i]), `parameter ${i}`));
    assert.throws(() => trainClip(options({ numSteps: 5, checkpointPath, seed: 99 })), /trained with seed 11, not 99/);
    disposeClipModel(whole.model);
    disposeClipModel(secondHalf.model);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('saved model embeds like the original', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-clip-'));
  try {
    const { model } = trainClip(options({ numSteps: 2 }));
    saveClipModel(dir, model);
    const loaded = loadClipModel(dir);
    assert.equal(loaded.textConfig, model.textConfig);
    assert.equal(loaded.imageConfig, model.imageConfig);
    assert.is(loaded.logitScale, model.logitScale);
    const texts = ['vertical bar', 'a bar lying flat'];
    assert.equal(Array.from(embedTexts(loaded, texts)), Array.from(embedTexts(model, texts)));
    const images = train.images.subarray(0, 3 * SIZE * SIZE);
    assert.equal(Array.from(embedImages(loaded, images, 3)), Array.from(embedImages(model, images, 3)));
    disposeClipModel(model);
    disposeClipModel(loaded);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('embeddings have unit length', () => {
  const { model } = trainClip(options({ numSteps: 1 }));
  const embeddings = embedTokenIds(model, trainIds.subarray(0, 5 * MAX_LENGTH), 5);
  for (let i = 0; i < 5; i++) {
    const norm = Math.hypot(...Array.from(embeddings.subarray(i * 16, (i + 1) * 16)));
    assert.ok(Math.abs(norm - 1) < 1e-5, `row ${i}: norm ${norm}`);
  }
  assert.throws(() => embedTexts(model, ['vertical bar', '']), /embedTexts: text 1 is empty/);
  assert.throws(() => embedImages(model, new Uint8Array(10), 1), /expected 1 images of 16×16 \(256 bytes\), got 10 bytes/);
  disposeClipModel(model);
});

test('trainClip rejects inconsistent data', () => {
  assert.throws(() => trainClip(options({ tokenIds: trainIds.subarray(0, 10) })), /tokenIds has 10 ids; 64 images need 64×12/);
  assert.throws(() => trainClip(options({ imageConfig: { ...IMAGE_CONFIG, outputDim: 8 } })), /outputDim 16 and imageConfig.outputDim 8 differ/);
  const badIds = trainIds.slice();
  badIds[3] = 999;
  assert.throws(() => trainClip(options({ tokenIds: badIds })), /token id 999 in row 0 is outside \[0, 80\)/);
  assert.throws(() => trainClip(options({ textGroup: new Int32Array(3) })), /textGroup has 3 entries for 64 rows/);
});

test.run();
