/**
 * Latent image diffusion (Rombach et al. 2022, "High-Resolution Image Synthesis with Latent
 * Diffusion Models"): a KL-regularised autoencoder compresses each image side by 4 or 8, and
 * the class-conditional U-Net learns and samples in that latent space. A step of the U-Net then
 * costs about 1/factor² of a pixel-space step at the same widths, which makes 128×128 and
 * 256×256 images trainable on a CPU.
 *
 * Model directory: `model.json` (LatentImageDiffusionModelSchema), `autoencoder.safetensors`
 * (autoencoder weights, Adam state and generator state) and `checkpoint.safetensors` (the
 * U-Net's, as written by DiffusionTrainer).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ImageDataset, classCounts } from '../data/image-dataset';
import { makeNoiseSchedule, NoiseSchedule } from '../diffusion/schedules';
import { Denoiser } from '../diffusion/types';
import { AutoencoderConfig, autoencoderParamSpecs, checkImageSides, decodeLatents, defaultAutoencoderConfig, encodeDistribution, validateAutoencoderConfig } from '../nets/autoencoder';
import { UNetConfig, unetForward, unetParamSpecs } from '../nets/unet';
import { Params, disposeParams } from '../nets/params';
import { AutoencoderProgress, AutoencoderTrainer } from '../train/autoencoder-trainer';
import { DiffusionTrainer, TrainingData, TrainingProgress } from '../train/diffusion-trainer';
import { loadWeights } from '../train/checkpoint';
import { probeTrainingStep } from '../backend/probe';
import { activeBackend } from '../backend/select';
import { writeJsonAtomic } from '../util/atomic-write';
import { log } from '../util/log';
import { sampleImageBatches } from './sample-batches';
import { ImageDiffusionTrainingSchema, ScheduleConfigSchema, UNetConfigSchema, formatZodError } from './image-diffusion-config';
import { AutoencoderConfigSchema, AutoencoderTrainingSchema, LatentImageDiffusionModel, LatentImageDiffusionModelSchema } from './latent-image-diffusion-config';
import type { GenerateImagesOptions } from './image-diffusion';

export const LATENT_MODEL_FILE = 'model.json';
export const AUTOENCODER_FILE = 'autoencoder.safetensors';
export const LATENT_CHECKPOINT_FILE = 'checkpoint.safetensors';

/** Images per encoder or decoder call. */
const CODING_BATCH_SIZE = 32;

export function autoencoderConfigOf(model: LatentImageDiffusionModel): AutoencoderConfig {
  return { ...model.autoencoder };
}

export function latentUNetConfigOf(model: LatentImageDiffusionModel): UNetConfig {
  return { ...model.unet, numClasses: model.classNames.length, inChannels: model.latent.channels, outChannels: model.latent.channels };
}

/**
 * Encodes uint8 images [count, height, width] into posterior means μ(x), returned as a typed
 * array [count, height / factor, width / factor, latentChannels], in batches of
 * CODING_BATCH_SIZE so that no tensor contains the whole set.
 */
export function encodeImagesToLatents(config: AutoencoderConfig, params: Params, images: Uint8Array, count: number, height: number, width: number): Float32Array {
  checkImageSides('encodeImagesToLatents', config, height, width);
  if (!Number.isInteger(count) || count < 0 || images.length !== count * height * width) {
    throw new Error(`encodeImagesToLatents: expected ${count} images of ${height}×${width} (${count * height * width} values), got ${images.length}`);
  }
  const size = height * width;
  const latentSize = (size / (config.factor * config.factor)) * config.latentChannels;
  const out = new Float32Array(count * latentSize);
  for (let done = 0; done < count; done += CODING_BATCH_SIZE) {
    const n = Math.min(CODING_BATCH_SIZE, count - done);
    const pixels = new Float32Array(n * size);
    for (let j = 0; j < n * size; j++) pixels[j] = images[done * size + j] / 127.5 - 1;
    const mean = tf.tidy(() => encodeDistribution(config, params, tf.tensor4d(pixels, [n, height, width, 1])).mean);
    out.set(mean.dataSync() as Float32Array, done * latentSize);
    mean.dispose();
  }
  return out;
}

/** Returns 1 / (population standard deviation of `latents`), computed in float64. */
export function latentScaleFactor(latents: Float32Array): number {
  if (latents.length < 2) throw new Error(`latentScaleFactor: need at least 2 latent values, got ${latents.length}`);
  let sum = 0;
  for (let i = 0; i < latents.length; i++) sum += latents[i];
  const mean = sum / latents.length;
  let squares = 0;
  for (let i = 0; i < latents.length; i++) squares += (latents[i] - mean) ** 2;
  const std = Math.sqrt(squares / latents.length);
  if (!(std > 0) || !Number.isFinite(std)) {
    throw new Error(`latentScaleFactor: the latents have standard deviation ${std}; the autoencoder collapsed, so train it longer or with a lower beta`);
  }
  return 1 / std;
}

/** Training rows for the U-Net: scaled latents [count, h, w, C] in a typed array, with labels. */
function latentTrainingData(latents: Float32Array, scaleFactor: number, labels: Int32Array, count: number, sampleShape: number[]): TrainingData {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  return {
    count,
    sampleShape,
    labels,
    fillBatch(indices, out) {
      for (let i = 0; i < indices.length; i++) {
        const source = indices[i] * size;
        for (let j = 0; j < size; j++) out[i * size + j] = latents[source + j] * scaleFactor;
      }
    },
  };
}

export interface TrainLatentImageDiffusionOptions {
  dataset: ImageDataset;
  modelDir: string;
  /** Autoencoder architecture (AutoencoderConfigSchema): factor, widths, latentChannels, normGroups. */
  autoencoder?: Record<string, unknown>;
  /** Autoencoder training (AutoencoderTrainingSchema). */
  autoencoderTraining?: Record<string, unknown>;
  unet?: Partial<Omit<UNetConfig, 'numClasses' | 'inChannels' | 'outChannels'>>;
  schedule?: Record<string, unknown>;
  predictionType?: string;
  /** U-Net training (ImageDiffusionTrainingSchema); `privacy` is not supported. */
  training?: Record<string, unknown>;
  /** Continue from the checkpoints in modelDir (its model.json must match). Default true. */
  resume?: boolean;
  onAutoencoderProgress?: (progress: AutoencoderProgress) => void;
  onProgress?: (progress: TrainingProgress) => void;
}

export interface TrainLatentImageDiffusionResult {
  model: LatentImageDiffusionModel;
  /** Reconstruction error per pixel of the last autoencoder step (NaN when no step ran now). */
  autoencoderReconstruction: number;
  finalLoss: number;
  steps: number;
  /** Wall-clock seconds of each phase in this call. */
  seconds: { autoencoder: number; encoding: number; diffusion: number };
}

/** Parses and checks the options; returns the model description, with `latent.scaleFactor` still null. */
function describeModel(options: TrainLatentImageDiffusionOptions): LatentImageDiffusionModel {
  const { dataset } = options;
  const inputs: Record<string, unknown> = {
    autoencoder: options.autoencoder ?? {},
    autoencoderTraining: options.autoencoderTraining ?? {},
    unet: options.unet ?? {},
    schedule: options.schedule ?? {},
    training: options.training ?? {},
  };
  const schemas = {
    autoencoder: AutoencoderConfigSchema,
    autoencoderTraining: AutoencoderTrainingSchema,
    unet: UNetConfigSchema,
    schedule: ScheduleConfigSchema,
    training: ImageDiffusionTrainingSchema,
  } as const;
  const parsed: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const result = schema.safeParse(inputs[name]);
    if (!result.success) throw new Error(`trainLatentImageDiffusion: invalid ${name} options: ${formatZodError(result.error, inputs[name])}`);
    parsed[name] = result.data;
  }
  const training = parsed.training as LatentImageDiffusionModel['training'];
  if (training.privacy !== null) {
    throw new Error('trainLatentImageDiffusion: DP-SGD (`training.privacy`) is not supported for latent models; use trainImageDiffusion for private training');
  }

  const aeOptions = parsed.autoencoder as { factor: number; widths: number[] | null; latentChannels: number; normGroups: number };
  const factor = aeOptions.factor as 4 | 8;
  const autoencoder: AutoencoderConfig = { ...aeOptions, widths: aeOptions.widths ?? defaultAutoencoderConfig(factor).widths };
  try {
    validateAutoencoderConfig(autoencoder);
  } catch (err) {
    throw new Error(`trainLatentImageDiffusion: ${(err as Error).message}`);
  }
  checkImageSides('trainLatentImageDiffusion', autoencoder, dataset.height, dataset.width);
  const aeTraining = parsed.autoencoderTraining as LatentImageDiffusionModel['autoencoderTraining'];
  const crop = aeTraining.cropSize;
  if (crop !== null && (crop % factor !== 0 || crop > Math.min(dataset.height, dataset.width))) {
    throw new Error(
      `trainLatentImageDiffusion: autoencoderTraining.cropSize must be a multiple of the factor ${factor} no larger than ` +
        `${Math.min(dataset.height, dataset.width)}, got ${crop}; or null for whole images`,
    );
  }

  const model = LatentImageDiffusionModelSchema.safeParse({
    format: 'medsynth-latent-image-diffusion',
    version: 1,
    autoencoder,
    autoencoderTraining: aeTraining,
    latent: { height: dataset.height / factor, width: dataset.width / factor, channels: autoencoder.latentChannels, scaleFactor: null },
    unet: parsed.unet,
    schedule: parsed.schedule,
    predictionType: options.predictionType ?? 'epsilon',
    image: { height: dataset.height, width: dataset.width },
    classNames: dataset.classNames,
    dataset: { name: dataset.name, source: dataset.source, license: dataset.license, citation: dataset.citation },
    training: parsed.training,
    createdAt: new Date().toISOString(),
    backend: activeBackend()?.name,
  });
  if (!model.success) {
    throw new Error(`trainLatentImageDiffusion: invalid options: ${formatZodError(model.error, { predictionType: options.predictionType })}`);
  }
  return model.data;
}

/**
 * Trains a class-conditional latent diffusion model on the train split and writes model.json,
 * autoencoder.safetensors and checkpoint.safetensors to `modelDir`:
 * 1. trains the autoencoder (or resumes it; a finished one is reused),
 * 2. encodes every training image once into posterior means, held in a typed array, and sets
 *    the latent scale factor to 1 / their standard deviation,
 * 3. trains the U-Net on the scaled latents with DiffusionTrainer.
 * With `resume`, a stopped run continues with the same settings; only `training.numSteps` may
 * change. Throws for an empty class, image sides that are not multiples of the factor, or
 * invalid options.
 */
export function trainLatentImageDiffusion(options: TrainLatentImageDiffusionOptions): TrainLatentImageDiffusionResult {
  const { dataset, modelDir } = options;
  const counts = classCounts(dataset.splits.train, dataset.classNames.length);
  const empty = counts.findIndex((c) => c === 0);
  if (empty >= 0) {
    throw new Error(
      `trainLatentImageDiffusion: class '${dataset.classNames[empty]}' has no training images in ${dataset.source}; ` +
        'a conditional model cannot learn it: add images of that class or drop it',
    );
  }
  const model = describeModel(options);

  const modelPath = path.join(modelDir, LATENT_MODEL_FILE);
  const autoencoderPath = path.join(modelDir, AUTOENCODER_FILE);
  const checkpointPath = path.join(modelDir, LATENT_CHECKPOINT_FILE);
  const resume = options.resume ?? true;
  if (resume && fs.existsSync(modelPath)) {
    const previous = readLatentModelFile(modelDir);
    const strip = (m: LatentImageDiffusionModel) =>
      JSON.stringify({ ...m, createdAt: '', backend: '', latent: { ...m.latent, scaleFactor: null }, training: { ...m.training, numSteps: 0 } });
    if (strip(previous) !== strip(model)) {
      throw new Error(
        `trainLatentImageDiffusion: ${modelPath} was written with other settings; resume with the same options ` +
          '(only training.numSteps may change), or pass a new model directory',
      );
    }
    model.createdAt = previous.createdAt;
  } else if (!resume && (fs.existsSync(checkpointPath) || fs.existsSync(autoencoderPath))) {
    throw new Error(`trainLatentImageDiffusion: ${modelDir} already contains checkpoints; resume them or choose an empty model directory`);
  }
  probeTrainingStep();
  fs.mkdirSync(modelDir, { recursive: true });
  writeJsonAtomic(modelPath, model);

  // 1. Autoencoder.
  const autoencoder = autoencoderConfigOf(model);
  const { seed: aeSeed, ...aeTraining } = model.autoencoderTraining;
  const train = dataset.splits.train;
  let started = Date.now();
  let reconstruction = NaN;
  const aeTrainer = new AutoencoderTrainer({
    config: autoencoder,
    data: { images: train.images, count: train.count, height: dataset.height, width: dataset.width },
    ...aeTraining,
    seed: aeSeed,
    checkpointPath: autoencoderPath,
    resume,
    onProgress: (progress) => {
      reconstruction = progress.reconstruction;
      options.onAutoencoderProgress?.(progress);
    },
  });
  let latents: Float32Array;
  const seconds = { autoencoder: 0, encoding: 0, diffusion: 0 };
  try {
    if (aeTrainer.step < aeTraining.numSteps) {
      aeTrainer.run();
      log.info(`autoencoder: ${aeTrainer.step} steps, reconstruction error ${reconstruction.toFixed(4)} per pixel (${aeTraining.reconstructionLoss})`);
    }
    seconds.autoencoder = (Date.now() - started) / 1000;

    // 2. Latents of the training split, encoded once.
    started = Date.now();
    latents = encodeImagesToLatents(autoencoder, aeTrainer.params, train.images, train.count, dataset.height, dataset.width);
    seconds.encoding = (Date.now() - started) / 1000;
  } finally {
    aeTrainer.dispose();
  }
  model.latent.scaleFactor = latentScaleFactor(latents);
  log.info(`latents: ${train.count} × ${model.latent.height}×${model.latent.width}×${model.latent.channels}, scale factor ${model.latent.scaleFactor.toFixed(4)}`);
  writeJsonAtomic(modelPath, model);

  // 3. U-Net on the scaled latents.
  started = Date.now();
  const unet = latentUNetConfigOf(model);
  const trainer = new DiffusionTrainer({
    schedule: makeNoiseSchedule(model.schedule),
    predictionType: model.predictionType,
    paramSpecs: unetParamSpecs(unet),
    forward: (params, xt, t, y) => unetForward(unet, params, xt as tf.Tensor4D, t, y),
    data: latentTrainingData(latents, model.latent.scaleFactor, train.labels, train.count, [model.latent.height, model.latent.width, model.latent.channels]),
    nullClass: model.classNames.length,
    ...model.training,
    checkpointPath,
    resume,
    onProgress: options.onProgress,
  });
  try {
    if (trainer.step >= model.training.numSteps) log.info(`model in ${modelDir} already has ${trainer.step} steps; nothing to train`);
    trainer.run();
    seconds.diffusion = (Date.now() - started) / 1000;
    const last = trainer.lossHistory[trainer.lossHistory.length - 1];
    return { model, autoencoderReconstruction: reconstruction, finalLoss: last ? last.loss : NaN, steps: trainer.step, seconds };
  } finally {
    trainer.dispose();
  }
}

export function readLatentModelFile(modelDir: string): LatentImageDiffusionModel {
  const modelPath = path.join(modelDir, LATENT_MODEL_FILE);
  if (!fs.existsSync(modelPath)) {
    throw new Error(`no latent model found: ${modelPath} does not exist; pass the model directory of trainLatentImageDiffusion`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
  } catch (err) {
    throw new Error(`${modelPath} is not valid JSON (${(err as Error).message}); restore it or train again`);
  }
  const parsed = LatentImageDiffusionModelSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${modelPath} is not a medsynth latent image diffusion model: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/** A trained latent model ready to sample: its description, U-Net EMA weights, autoencoder weights and a latent denoiser. */
export interface LoadedLatentImageModel {
  model: LatentImageDiffusionModel;
  params: Params;
  autoencoderParams: Params;
  schedule: NoiseSchedule;
  denoiser: Denoiser;
  dispose(): void;
}

function checkWeights(caller: string, params: Params, specs: { name: string; shape: number[] }[], file: string): void {
  for (const spec of specs) {
    const value = params.get(spec.name);
    if (!value || value.shape.join() !== spec.shape.join()) {
      throw new Error(`${caller}: ${file} does not match model.json (parameter '${spec.name}'); train the model again`);
    }
  }
}

export function loadLatentImageDiffusionModel(modelDir: string, weights: 'ema' | 'params' = 'ema'): LoadedLatentImageModel {
  const model = readLatentModelFile(modelDir);
  if (model.latent.scaleFactor === null) {
    throw new Error(`loadLatentImageDiffusionModel: ${path.join(modelDir, LATENT_MODEL_FILE)} has no latent scale factor, so training stopped before the U-Net; resume the training`);
  }
  for (const file of [AUTOENCODER_FILE, LATENT_CHECKPOINT_FILE]) {
    if (!fs.existsSync(path.join(modelDir, file))) {
      throw new Error(`loadLatentImageDiffusionModel: ${path.join(modelDir, file)} is missing; resume the training to write it`);
    }
  }
  const autoencoderParams = loadWeights(path.join(modelDir, AUTOENCODER_FILE), 'params');
  const params = loadWeights(path.join(modelDir, LATENT_CHECKPOINT_FILE), weights);
  const unet = latentUNetConfigOf(model);
  try {
    checkWeights('loadLatentImageDiffusionModel', autoencoderParams, autoencoderParamSpecs(autoencoderConfigOf(model)), AUTOENCODER_FILE);
    checkWeights('loadLatentImageDiffusionModel', params, unetParamSpecs(unet), LATENT_CHECKPOINT_FILE);
  } catch (err) {
    disposeParams(autoencoderParams);
    disposeParams(params);
    throw err;
  }
  const denoiser: Denoiser = (x, t, condition) => unetForward(unet, params, x as tf.Tensor4D, t, condition as tf.Tensor1D | null);
  return {
    model,
    params,
    autoencoderParams,
    schedule: makeNoiseSchedule(model.schedule),
    denoiser,
    dispose: () => {
      disposeParams(params);
      disposeParams(autoencoderParams);
    },
  };
}

/**
 * Decodes scaled latents [count, h, w, C] (as sampled) into pixels clipped to [−1, 1],
 * [count, height, width], in batches of CODING_BATCH_SIZE.
 */
export function decodeScaledLatents(loaded: LoadedLatentImageModel, latents: Float32Array, count: number): Float32Array {
  const { model } = loaded;
  const latentSize = model.latent.height * model.latent.width * model.latent.channels;
  if (latents.length !== count * latentSize) {
    throw new Error(`decodeScaledLatents: expected ${count} latents of ${model.latent.height}×${model.latent.width}×${model.latent.channels}, got ${latents.length} values`);
  }
  const imageSize = model.image.height * model.image.width;
  const out = new Float32Array(count * imageSize);
  const config = autoencoderConfigOf(model);
  const unscale = 1 / (model.latent.scaleFactor as number);
  for (let done = 0; done < count; done += CODING_BATCH_SIZE) {
    const n = Math.min(CODING_BATCH_SIZE, count - done);
    const images = tf.tidy(() => {
      const z = tf.mul(tf.tensor4d(latents.subarray(done * latentSize, (done + n) * latentSize), [n, model.latent.height, model.latent.width, model.latent.channels]), unscale);
      return tf.clipByValue(decodeLatents(config, loaded.autoencoderParams, z as tf.Tensor4D), -1, 1);
    });
    out.set(images.dataSync() as Float32Array, done * imageSize);
    images.dispose();
  }
  return out;
}

/**
 * Samples `count` images of one class: latents with classifier-free guidance and the chosen
 * sampler (no clipping in latent space), then the decoder. Returns pixels in [−1, 1],
 * [count, height, width]. The images are synthetic: save them only with the marks that
 * `medsynth sample` writes (file names starting "synthetic_" and the PNG text of
 * syntheticPngText). Same seed, same backend: same images.
 */
export function generateLatentImages(loaded: LoadedLatentImageModel, options: GenerateImagesOptions): Float32Array {
  const { model } = loaded;
  const { classIndex } = options;
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= model.classNames.length) {
    throw new Error(`generateLatentImages: class index ${classIndex} is not one of 0 … ${model.classNames.length - 1} (${model.classNames.join(', ')})`);
  }
  const nullCondition = tf.tensor1d([model.classNames.length], 'int32');
  let latents: Float32Array;
  try {
    latents = sampleImageBatches({
      ...options,
      caller: 'generateLatentImages',
      denoiser: loaded.denoiser,
      schedule: loaded.schedule,
      predictionType: model.predictionType,
      height: model.latent.height,
      width: model.latent.width,
      channels: model.latent.channels,
      clipSample: null,
      conditionFor: (_, n) => tf.fill([n], classIndex, 'int32'),
      nullCondition,
    });
  } finally {
    nullCondition.dispose();
  }
  return decodeScaledLatents(loaded, latents, options.count);
}
