import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { createParams } from '../nets/params';
import { Adam } from '../train/adam';
import { EpochSampler } from '../train/batches';
import { loadCheckpoint, saveCheckpoint, toNamedArrays } from '../train/checkpoint';
import type { TrainingProgress } from '../train/diffusion-trainer';
import { log } from '../util/log';
import { Random } from '../util/random';
import { ClipModel, pixelsToUnitRange } from './clip';
import { INITIAL_LOGIT_SCALE, MAX_LOGIT_SCALE, clipLoss } from './clip-loss';
import { ImageEncoderConfig, imageEncoderForward, imageEncoderParamSpecs, validateImageEncoderConfig } from './image-encoder';
import { TextEncoderConfig, textEncoderForward, textEncoderParamSpecs, validateTextEncoderConfig } from './text-encoder';
import { PAD_ID, Tokenizer } from './tokenizer';

export interface ClipTrainingOptions {
  /** Pixels uint8 [n, height, width], one image per row of tokenIds. */
  images: Uint8Array;
  height: number;
  width: number;
  /** Token ids int32 [n, textConfig.maxLength], each row [CLS] … [SEP] then [PAD]. */
  tokenIds: Int32Array;
  /**
   * Text id of each row, [n]: rows with the same id share one report text and count as
   * positives of each other in a batch. Default: rows with identical token ids share an id.
   */
  textGroup?: Int32Array;
  textConfig: TextEncoderConfig;
  imageConfig: ImageEncoderConfig;
  /** Stored with the model for `embedTexts`; the trainer itself reads only tokenIds. */
  tokenizer?: Tokenizer | null;
  batchSize: number;
  numSteps: number;
  learningRate: number;
  /** Seeds the initial weights and the batch order. */
  seed: number;
  gradClipNorm?: number | null;
  /** Checkpoint file path. Without it, no checkpoints are written. */
  checkpointPath?: string;
  /** Steps between checkpoints; default 100. One is always written at the end. */
  checkpointEvery?: number;
  /** Continue from `checkpointPath` when it exists. Default true. */
  resume?: boolean;
  onProgress?: (progress: TrainingProgress) => void;
}

export interface ClipTrainingResult {
  model: ClipModel;
  /** Loss of every step run in this call, with its 1-based step number. */
  lossHistory: { step: number; loss: number }[];
  /** Step the run started from: 0, or the step of the checkpoint it resumed. */
  startStep: number;
}

const TEXT_PREFIX = 'text.';
const IMAGE_PREFIX = 'image.';
const LOGIT_SCALE = 'logitScale';

/** Gives rows with identical token ids one group id (the index of the first such row). */
export function textGroupsFromTokenIds(tokenIds: Int32Array, maxLength: number): Int32Array {
  const count = tokenIds.length / maxLength;
  const firstRow = new Map<string, number>();
  const groups = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const key = tokenIds.subarray(i * maxLength, (i + 1) * maxLength).join(',');
    if (!firstRow.has(key)) firstRow.set(key, i);
    groups[i] = firstRow.get(key) as number;
  }
  return groups;
}

/**
 * Trains an image encoder and a text encoder jointly with the symmetric contrastive loss
 * (clip-loss.ts) and Adam.
 *
 * Each step takes a batch in seeded epoch order (EpochSampler). Rows whose text ids match are
 * positives of each other, and so is one row drawn twice where two epochs meet. After
 * each Adam step logitScale is clamped to [0, ln 100] as by Radford et al. 2021. Checkpoints
 * hold the weights, the Adam moments and the step, so a resumed run continues with the
 * same batches and, on the same backend, the same numbers.
 */
export function trainClip(options: ClipTrainingOptions): ClipTrainingResult {
  const owner = 'trainClip';
  const textConfig = validateTextEncoderConfig(options.textConfig);
  const imageConfig = validateImageEncoderConfig(options.imageConfig);
  const { images, height, width, tokenIds, batchSize, numSteps, seed, checkpointPath } = options;
  const checkpointEvery = options.checkpointEvery ?? 100;
  const maxLength = textConfig.maxLength;
  const count = validateClipTrainingOptions(options, textConfig.vocabSize, maxLength, textConfig.outputDim, imageConfig.outputDim, checkpointEvery);
  const textGroup = options.textGroup ?? textGroupsFromTokenIds(tokenIds, maxLength);

  // 1. Weights: text encoder, image encoder and the logit scale, from independent streams of `seed`.
  const rng = new Random(seed);
  const textParams = createParams(textEncoderParamSpecs(textConfig), rng.fork());
  const imageParams = createParams(imageEncoderParamSpecs(imageConfig), rng.fork());
  // tidy frees the initial scalar; the variable survives it.
  const logitScale = tf.tidy(() => tf.variable(tf.scalar(INITIAL_LOGIT_SCALE), true));
  const variables = new Map<string, tf.Variable>();
  for (const [name, v] of textParams) variables.set(TEXT_PREFIX + name, v);
  for (const [name, v] of imageParams) variables.set(IMAGE_PREFIX + name, v);
  variables.set(LOGIT_SCALE, logitScale);
  const adam = new Adam({ learningRate: options.learningRate, gradClipNorm: options.gradClipNorm ?? null });

  // 2. Resume.
  let step = 0;
  if (checkpointPath && options.resume !== false && fs.existsSync(checkpointPath)) {
    step = restoreCheckpoint(checkpointPath, seed, variables, adam);
    log.info(`${owner}: resumed from ${checkpointPath} at step ${step}`);
  }
  const startStep = step;

  const writeCheckpoint = () => {
    saveCheckpoint(checkpointPath as string, {
      step,
      params: toNamedArrays(variables),
      ema: new Map(),
      adamFirstMoments: toNamedArrays(adam.firstMoments),
      adamSecondMoments: toNamedArrays(adam.secondMoments),
      adamStep: adam.step,
      // The batch order depends on the step alone, so no generator state is needed.
      noiseRng: new Random(seed).getState(),
      seed,
      lossHistory: [],
    });
  };

  // 3. Training loop.
  const sampler = new EpochSampler(count, batchSize, seed + 1);
  const pixels = height * width;
  const trainable = Array.from(variables.values());
  const lossHistory: { step: number; loss: number }[] = [];
  let smoothedMs = 0;
  try {
    while (step < numSteps) {
      const started = Date.now();
      const rows = sampler.batch(step);
      const imageValues = new Float32Array(batchSize * pixels);
      const idValues = new Int32Array(batchSize * maxLength);
      const groups = new Int32Array(batchSize);
      rows.forEach((row, i) => {
        imageValues.set(pixelsToUnitRange(images, row * pixels, pixels), i * pixels);
        idValues.set(tokenIds.subarray(row * maxLength, (row + 1) * maxLength), i * maxLength);
        groups[i] = textGroup[row];
      });

      const { value, grads } = tf.tidy(() => {
        const x = tf.tensor4d(imageValues, [batchSize, height, width, 1]);
        const ids = tf.tensor2d(idValues, [batchSize, maxLength], 'int32');
        return tf.variableGrads(() => {
          const imageEmbeddings = imageEncoderForward(imageConfig, imageParams, x);
          const textEmbeddings = textEncoderForward(textConfig, textParams, ids);
          return clipLoss(imageEmbeddings, textEmbeddings, logitScale, groups);
        }, trainable);
      });
      const loss = value.dataSync()[0];
      value.dispose();
      if (!Number.isFinite(loss)) {
        tf.dispose(grads);
        throw new Error(
          `${owner}: loss became ${loss} at step ${step + 1}; lower the learning rate (${options.learningRate}) ` +
            'or set gradClipNorm, and resume from the last checkpoint',
        );
      }

      adam.applyVariableGrads(variables, grads);
      tf.tidy(() => logitScale.assign(tf.clipByValue(logitScale, 0, MAX_LOGIT_SCALE)));

      step += 1;
      lossHistory.push({ step, loss });
      const ms = Date.now() - started;
      smoothedMs = smoothedMs === 0 ? ms : 0.9 * smoothedMs + 0.1 * ms;
      options.onProgress?.({ step, total: numSteps, loss, msPerStep: smoothedMs });
      if (checkpointPath && step % checkpointEvery === 0 && step < numSteps) writeCheckpoint();
    }
    if (checkpointPath) writeCheckpoint();
  } catch (err) {
    for (const v of variables.values()) v.dispose();
    adam.dispose();
    throw err;
  }

  adam.dispose();
  const model: ClipModel = {
    textConfig,
    imageConfig,
    height,
    width,
    textParams,
    imageParams,
    logitScale: logitScale.dataSync()[0],
    tokenizer: options.tokenizer ?? null,
  };
  logitScale.dispose();
  return { model, lossHistory, startStep };
}

/** Loads weights and Adam moments from `filePath` into `variables` and `adam`; returns the completed step. */
function restoreCheckpoint(filePath: string, seed: number, variables: Map<string, tf.Variable>, adam: Adam): number {
  const checkpoint = loadCheckpoint(filePath);
  if (checkpoint.seed !== seed) {
    throw new Error(`trainClip: checkpoint ${filePath} was trained with seed ${checkpoint.seed}, not ${seed}; resume with the same seed or start a new run directory`);
  }
  for (const [name, variable] of variables) {
    const saved = checkpoint.params.get(name);
    if (!saved || saved.shape.join() !== variable.shape.join()) {
      throw new Error(
        `trainClip: checkpoint ${filePath} does not match this model (parameter '${name}' ` +
          `${saved ? `has shape [${saved.shape}], expected [${variable.shape}]` : 'is missing'}); use the same text and image configurations`,
      );
    }
    tf.tidy(() => variable.assign(tf.tensor(saved.data, saved.shape)));
  }
  for (const [name, value] of checkpoint.adamFirstMoments) adam.firstMoments.set(name, tf.tensor(value.data, value.shape));
  for (const [name, value] of checkpoint.adamSecondMoments) adam.secondMoments.set(name, tf.tensor(value.data, value.shape));
  adam.step = checkpoint.adamStep;
  return checkpoint.step;
}

/** Checks the data and settings once; returns the number of rows. */
function validateClipTrainingOptions(
  options: ClipTrainingOptions,
  vocabSize: number,
  maxLength: number,
  textOutputDim: number,
  imageOutputDim: number,
  checkpointEvery: number,
): number {
  const fail = (message: string): never => {
    throw new Error(`trainClip: ${message}`);
  };
  const positiveInt = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 1) fail(`\`${name}\` must be an integer >= 1, got ${value}`);
  };
  positiveInt('height', options.height);
  positiveInt('width', options.width);
  positiveInt('batchSize', options.batchSize);
  positiveInt('numSteps', options.numSteps);
  positiveInt('checkpointEvery', checkpointEvery);
  if (!Number.isInteger(options.seed)) fail(`\`seed\` must be an integer, got ${options.seed}`);
  if (textOutputDim !== imageOutputDim) {
    fail(`textConfig.outputDim ${textOutputDim} and imageConfig.outputDim ${imageOutputDim} differ; both encoders must embed into one space`);
  }
  if (!(options.images instanceof Uint8Array)) fail('`images` must be a Uint8Array of pixels [n, height, width]');
  if (!(options.tokenIds instanceof Int32Array)) fail('`tokenIds` must be an Int32Array [n, maxLength]');
  const count = options.images.length / (options.height * options.width);
  if (!Number.isInteger(count) || count < 1) {
    fail(`images has ${options.images.length} bytes, not a positive multiple of ${options.height}×${options.width}`);
  }
  if (options.tokenIds.length !== count * maxLength) {
    fail(`tokenIds has ${options.tokenIds.length} ids; ${count} images need ${count}×${maxLength} (textConfig.maxLength)`);
  }
  if (count < 2) fail(`a contrastive loss needs at least 2 image–text pairs, got ${count}`);
  for (let i = 0; i < options.tokenIds.length; i++) {
    const id = options.tokenIds[i];
    if (id < 0 || id >= vocabSize) fail(`token id ${id} in row ${Math.floor(i / maxLength)} is outside [0, ${vocabSize}); use the tokenizer's vocabSize in textConfig`);
  }
  for (let row = 0; row < count; row++) {
    if (options.tokenIds[row * maxLength] === PAD_ID) fail(`row ${row} of tokenIds starts with [PAD]; encode texts with Tokenizer.encode`);
  }
  if (options.textGroup !== undefined && options.textGroup.length !== count) {
    fail(`textGroup has ${options.textGroup.length} entries for ${count} rows; give one text id per row`);
  }
  return count;
}
