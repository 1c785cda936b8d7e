import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ImageDataset, ImageSplit, classCounts } from '../data/image-dataset';
import { makeNoiseSchedule, NoiseSchedule } from '../diffusion/schedules';
import { Denoiser } from '../diffusion/types';
import { UNetConfig, unetForward, unetParamSpecs } from '../nets/unet';
import { Params, disposeParams } from '../nets/params';
import { DiffusionTrainer, TrainingData, TrainingProgress } from '../train/diffusion-trainer';
import { DpDiffusionTrainer, resolveNoiseMultiplier } from '../train/dp-diffusion-trainer';
import { ParallelDiffusionTrainer } from '../train/parallel/parallel-diffusion-trainer';
import { loadWeights } from '../train/checkpoint';
import { probeTrainingStep } from '../backend/probe';
import { activeBackend } from '../backend/select';
import { readModelJson } from './read-model-json';
import { BatchSamplingProgress, sampleImageBatches } from './sample-batches';
import { writeJsonAtomic } from '../util/atomic-write';
import { log } from '../util/log';
import {
  ImageDiffusionModel,
  ImageDiffusionModelSchema,
  ImageDiffusionTrainingSchema,
  ScheduleConfigSchema,
  UNetConfigSchema,
  formatZodError,
} from './image-diffusion-config';

export const MODEL_FILE = 'model.json';
export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/** Training rows of one split: uint8 pixels scaled to [−1, 1], [count, height, width, 1]. */
export function imageTrainingData(split: ImageSplit, height: number, width: number): TrainingData {
  const size = height * width;
  return {
    count: split.count,
    sampleShape: [height, width, 1],
    labels: split.labels,
    fillBatch(indices, out) {
      for (let i = 0; i < indices.length; i++) {
        const src = indices[i] * size;
        for (let j = 0; j < size; j++) out[i * size + j] = split.images[src + j] / 127.5 - 1;
      }
    },
  };
}

export function unetConfigOf(model: ImageDiffusionModel): UNetConfig {
  return { ...model.unet, numClasses: model.classNames.length, inChannels: 1, outChannels: 1 };
}

export function scheduleOf(model: ImageDiffusionModel): NoiseSchedule {
  return makeNoiseSchedule(model.schedule);
}

export interface TrainImageDiffusionOptions {
  dataset: ImageDataset;
  modelDir: string;
  unet?: Partial<Omit<UNetConfig, 'numClasses' | 'inChannels' | 'outChannels'>>;
  schedule?: Record<string, unknown>;
  predictionType?: string;
  training?: Record<string, unknown>;
  /** Continue from the checkpoint in modelDir (its model.json must match). Default true. */
  resume?: boolean;
  onProgress?: (progress: TrainingProgress) => void;
}

/**
 * Trains a class-conditional image diffusion model on the train split and writes
 * `model.json` and `checkpoint.safetensors` (weights, EMA weights, optimizer and
 * generator state) to `modelDir`, checkpointing as it goes. With `resume`, a run that
 * stopped continues from its last checkpoint with the same settings. With
 * `training.workers` above 1, worker threads share each batch (ParallelDiffusionTrainer).
 */
export function trainImageDiffusion(options: TrainImageDiffusionOptions): { model: ImageDiffusionModel; finalLoss: number; steps: number } {
  const { dataset, modelDir } = options;
  const counts = classCounts(dataset.splits.train, dataset.classNames.length);
  const empty = counts.findIndex((c) => c === 0);
  if (empty >= 0) {
    throw new Error(
      `trainImageDiffusion: class '${dataset.classNames[empty]}' has no training images in ${dataset.source}; ` +
        'a conditional model cannot learn it: add images of that class or drop it',
    );
  }

  const parsed = {
    unet: UNetConfigSchema.safeParse(options.unet ?? {}),
    schedule: ScheduleConfigSchema.safeParse(options.schedule ?? {}),
    training: ImageDiffusionTrainingSchema.safeParse(options.training ?? {}),
  };
  const inputs: Record<string, unknown> = { unet: options.unet ?? {}, schedule: options.schedule ?? {}, training: options.training ?? {} };
  for (const [name, result] of Object.entries(parsed)) {
    if (!result.success) throw new Error(`trainImageDiffusion: invalid ${name} options: ${formatZodError(result.error, inputs[name])}`);
  }
  const parsedModel = ImageDiffusionModelSchema.safeParse({
    format: 'medsynth-image-diffusion',
    version: 1,
    unet: parsed.unet.data,
    schedule: parsed.schedule.data,
    predictionType: options.predictionType ?? 'epsilon',
    image: { height: dataset.height, width: dataset.width },
    classNames: dataset.classNames,
    dataset: { name: dataset.name, source: dataset.source, license: dataset.license, citation: dataset.citation },
    training: parsed.training.data,
    createdAt: new Date().toISOString(),
    backend: activeBackend()?.name,
  });
  if (!parsedModel.success) {
    throw new Error(`trainImageDiffusion: invalid options: ${formatZodError(parsedModel.error, { predictionType: options.predictionType })}`);
  }
  const model: ImageDiffusionModel = parsedModel.data;

  const modelPath = path.join(modelDir, MODEL_FILE);
  const checkpointPath = path.join(modelDir, CHECKPOINT_FILE);
  const resume = options.resume ?? true;
  if (resume && fs.existsSync(modelPath)) {
    const previous = readModelFile(modelDir);
    // numSteps and workers may change on resume: the worker count changes speed, not the model.
    const strip = (m: ImageDiffusionModel) => JSON.stringify({ ...m, createdAt: '', backend: '', training: { ...m.training, numSteps: 0, workers: 1 }, privacy: null });
    if (strip(previous) !== strip(model)) {
      throw new Error(
        `trainImageDiffusion: ${modelPath} was written with other settings; resume with the same options ` +
          '(only numSteps and workers may change), or pass a new --out directory',
      );
    }
    model.createdAt = previous.createdAt;
  } else if (!resume && fs.existsSync(checkpointPath)) {
    throw new Error(`trainImageDiffusion: ${checkpointPath} exists; resume it or choose an empty model directory`);
  }

  probeTrainingStep();
  if (model.training.privacy) {
    if (model.training.workers > 1) {
      throw new Error(
        `trainImageDiffusion: DP-SGD training runs on one thread; workers ${model.training.workers} is not supported with privacy settings, set workers to 1`,
      );
    }
    return trainImagesPrivately(model, dataset, modelDir, resume, options.onProgress);
  }
  const unet = unetConfigOf(model);
  const { workers, ...training } = model.training;
  const trainerOptions = {
    schedule: scheduleOf(model),
    predictionType: model.predictionType,
    data: imageTrainingData(dataset.splits.train, dataset.height, dataset.width),
    nullClass: model.classNames.length,
    ...training,
    checkpointPath,
    resume,
    onProgress: options.onProgress,
  };
  const trainer =
    workers === 1
      ? new DiffusionTrainer({
          ...trainerOptions,
          paramSpecs: unetParamSpecs(unet),
          forward: (params, xt, t, y) => unetForward(unet, params, xt as tf.Tensor4D, t, y),
        })
      : new ParallelDiffusionTrainer({ ...trainerOptions, network: { kind: 'unet', config: unet }, workers });
  try {
    writeJsonAtomic(modelPath, modelFileContent(model));
    if (trainer.step >= model.training.numSteps) log.info(`model in ${modelDir} already has ${trainer.step} steps; nothing to train`);
    trainer.run();
    const last = trainer.lossHistory[trainer.lossHistory.length - 1];
    return { model, finalLoss: last ? last.loss : NaN, steps: trainer.step };
  } finally {
    trainer.dispose();
  }
}

/**
 * Trains `model` with DP-SGD (`model.training.privacy`) on the train split, sets `model.privacy`
 * to the guarantee reached and writes model.json before and after the run.
 */
function trainImagesPrivately(
  model: ImageDiffusionModel,
  dataset: ImageDataset,
  modelDir: string,
  resume: boolean,
  onProgress: TrainImageDiffusionOptions['onProgress'],
): { model: ImageDiffusionModel; finalLoss: number; steps: number } {
  const settings = model.training.privacy as NonNullable<ImageDiffusionModel['training']['privacy']>;
  const { numSteps, learningRate, emaDecay, conditionDropout, seed, checkpointEvery } = model.training;
  const count = dataset.splits.train.count;
  const noiseMultiplier = resolveNoiseMultiplier({
    targetEpsilon: settings.targetEpsilon,
    noiseMultiplier: settings.noiseMultiplier,
    sampleRate: settings.sampleRate,
    numSteps,
    delta: settings.delta,
  });
  log.info(
    `DP-SGD: noise multiplier ${noiseMultiplier.toFixed(4)}, clip norm ${settings.clipNorm}, ` +
      `expected batch ${(settings.sampleRate * count).toFixed(1)} of ${count} images, delta ${settings.delta}`,
  );
  const unet = unetConfigOf(model);
  const trainer = new DpDiffusionTrainer({
    schedule: scheduleOf(model),
    predictionType: model.predictionType,
    paramSpecs: unetParamSpecs(unet),
    forward: (params, xt, t, y) => unetForward(unet, params, xt as tf.Tensor4D, t, y),
    data: imageTrainingData(dataset.splits.train, dataset.height, dataset.width),
    nullClass: model.classNames.length,
    numSteps,
    learningRate,
    emaDecay,
    conditionDropout,
    seed,
    checkpointEvery,
    privacy: { clipNorm: settings.clipNorm, noiseMultiplier, sampleRate: settings.sampleRate, delta: settings.delta },
    checkpointPath: path.join(modelDir, CHECKPOINT_FILE),
    resume,
    onProgress,
  });
  const modelPath = path.join(modelDir, MODEL_FILE);
  try {
    model.privacy = trainer.privacyRecord();
    writeJsonAtomic(modelPath, modelFileContent(model));
    if (trainer.step >= numSteps) log.info(`model in ${modelDir} already has ${trainer.step} steps; nothing to train`);
    trainer.run();
    model.privacy = trainer.privacyRecord();
    writeJsonAtomic(modelPath, modelFileContent(model));
    log.info(`DP-SGD: epsilon ${model.privacy.epsilon.toFixed(4)} at delta ${settings.delta} after ${trainer.step} steps`);
    const last = trainer.lossHistory[trainer.lossHistory.length - 1];
    return { model, finalLoss: last ? last.loss : NaN, steps: trainer.step };
  } finally {
    trainer.dispose();
  }
}

/**
 * Returns model.json's content. Null privacy fields and `workers` 1 are left out, so a
 * non-private model trained on one thread has neither key.
 */
function modelFileContent(model: ImageDiffusionModel): Record<string, unknown> {
  const content: Record<string, unknown> = { ...model };
  if (model.privacy === null) delete content.privacy;
  const training: Record<string, unknown> = { ...model.training };
  if (model.training.privacy === null) delete training.privacy;
  // One worker is the default, so a model trained on one thread keeps its model.json unchanged.
  if (model.training.workers === 1) delete training.workers;
  content.training = training;
  return content;
}

export function readModelFile(modelDir: string): ImageDiffusionModel {
  const modelPath = path.join(modelDir, MODEL_FILE);
  const missing = `no model found: ${modelPath} does not exist; pass the --out directory of 'medsynth train-diffusion'`;
  return readModelJson(modelPath, ImageDiffusionModelSchema, 'medsynth image diffusion model', missing);
}

/** A trained model ready to sample: its description, EMA weights and a denoiser over them. */
export interface LoadedImageModel {
  model: ImageDiffusionModel;
  params: Params;
  schedule: NoiseSchedule;
  denoiser: Denoiser;
  dispose(): void;
}

export function loadImageDiffusionModel(modelDir: string, weights: 'ema' | 'params' = 'ema'): LoadedImageModel {
  const model = readModelFile(modelDir);
  const params = loadWeights(path.join(modelDir, CHECKPOINT_FILE), weights);
  const unet = unetConfigOf(model);
  const expected = unetParamSpecs(unet);
  for (const spec of expected) {
    const value = params.get(spec.name);
    if (!value || value.shape.join() !== spec.shape.join()) {
      disposeParams(params);
      throw new Error(`loadImageDiffusionModel: checkpoint in ${modelDir} does not match model.json (parameter '${spec.name}'); train the model again`);
    }
  }
  const denoiser: Denoiser = (x, t, condition) => unetForward(unet, params, x as tf.Tensor4D, t, condition as tf.Tensor1D | null);
  return { model, params, schedule: scheduleOf(model), denoiser, dispose: () => disposeParams(params) };
}

export interface GenerateImagesOptions {
  classIndex: number;
  count: number;
  guidanceScale: number;
  /** Training timesteps `[first, last]` where guidance applies (default every timestep); see `withClassifierFreeGuidance`. */
  guidanceInterval?: readonly [number, number];
  sampler: string;
  numInferenceSteps: number;
  seed: number;
  eta?: number;
  timestepSpacing?: string;
  /** Images per network call (default 32; guidance doubles the rows). */
  batchSize?: number;
  onProgress?: (progress: BatchSamplingProgress) => void;
}

/**
 * Samples `count` images of one class with classifier-free guidance. Returns pixels in
 * [−1, 1], [count, height, width]. Same seed, same backend: same images.
 */
export function generateImages(loaded: LoadedImageModel, options: GenerateImagesOptions): Float32Array {
  const { model } = loaded;
  const { classIndex } = options;
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= model.classNames.length) {
    throw new Error(`generateImages: class index ${classIndex} is not one of 0 … ${model.classNames.length - 1} (${model.classNames.join(', ')})`);
  }

  const nullCondition = tf.tensor1d([model.classNames.length], 'int32');
  try {
    return sampleImageBatches({
      ...options,
      caller: 'generateImages',
      denoiser: loaded.denoiser,
      schedule: loaded.schedule,
      predictionType: model.predictionType,
      height: model.image.height,
      width: model.image.width,
      conditionFor: (_, n) => tf.fill([n], classIndex, 'int32'),
      nullCondition,
    });
  } finally {
    nullCondition.dispose();
  }
}
