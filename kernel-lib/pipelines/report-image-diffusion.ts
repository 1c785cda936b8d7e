import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { makeNoiseSchedule, NoiseSchedule } from '../diffusion/schedules';
import { Denoiser } from '../diffusion/types';
import { CONTEXT_NULL_PARAM, UNetConfig, unetForward, unetParamSpecs } from '../nets/unet';
import { Params, disposeParams, param } from '../nets/params';
import { DiffusionTrainer, TrainingProgress } from '../train/diffusion-trainer';
import { loadWeights } from '../train/checkpoint';
import { hashFile } from '../data/file-hash';
import { activeBackend } from '../backend/select';
import { makeDirectory } from '../util/make-directory';
import { writeJsonAtomic } from '../util/atomic-write';
import { log } from '../util/log';
import { ImageDiffusionTrainingSchema, ScheduleConfigSchema, UNetConfigSchema, formatZodError } from './image-diffusion-config';
import { ReportImageModel, ReportImageModelSchema } from './report-image-diffusion-config';
import { readModelJson } from './read-model-json';
import { BatchSamplingProgress, sampleImageBatches } from './sample-batches';
import { CHECKPOINT_FILE, MODEL_FILE } from './image-diffusion';

/**
 * Report-conditioned image diffusion: the U-Net is conditioned on a frozen text encoder's
 * embedding of the report (embedding injection, see nets/unet), with a learned null vector
 * for classifier-free guidance. The pipeline never runs the text encoder itself: training
 * takes precomputed embeddings, and sampling takes an `encodeReports` function, so any
 * encoder with a fixed output size can be used.
 */

/** Paired training rows: uint8 pixels [count, height, width] and report embeddings [count, dim]. */
export interface ReportImagePairs {
  images: Uint8Array;
  height: number;
  width: number;
  contexts: Float32Array;
  contextDim: number;
}

export interface TrainReportImageDiffusionOptions {
  pairs: ReportImagePairs;
  modelDir: string;
  /** Directory of the text encoder that made `contexts`; recorded with its weights' hash. */
  encoderDir: string;
  /** Path of the encoder's weights file inside encoderDir (hashed into model.json). */
  encoderWeightsFile: string;
  dataset: { name: string; source: string; license?: string; pairing: string };
  unet?: Record<string, unknown>;
  schedule?: Record<string, unknown>;
  predictionType?: string;
  training?: Record<string, unknown>;
  /** Continue from the checkpoint in modelDir (its model.json must match). Default true. */
  resume?: boolean;
  onProgress?: (progress: TrainingProgress) => void;
}

export function reportUnetConfigOf(model: ReportImageModel): UNetConfig {
  return { ...model.unet, numClasses: 0, contextDim: model.context.dim, inChannels: 1, outChannels: 1 };
}

function sha256Of(filePath: string): string {
  return hashFile(filePath).sha256;
}

function checkPairs(pairs: ReportImagePairs): void {
  const fail = (message: string): never => {
    throw new Error(`trainReportImageDiffusion: ${message}`);
  };
  const { images, height, width, contexts, contextDim } = pairs;
  if (!Number.isInteger(height) || height < 1 || !Number.isInteger(width) || width < 1) fail(`image size must be positive integers, got ${height}×${width}`);
  if (images.length === 0 || images.length % (height * width) !== 0) {
    fail(`images hold ${images.length} pixels, not a whole number of ${height}×${width} images; pass [count, height, width] uint8 pixels`);
  }
  const count = images.length / (height * width);
  if (!Number.isInteger(contextDim) || contextDim < 1 || contexts.length !== count * contextDim) {
    fail(`${count} images need ${count} report embeddings of size ${contextDim}, got ${contexts.length} values; embed one report per image`);
  }
}

/**
 * Trains a report-conditioned model on `pairs` and writes model.json and
 * checkpoint.safetensors to `modelDir`, checkpointing as it goes (resumable).
 */
export function trainReportImageDiffusion(options: TrainReportImageDiffusionOptions): { model: ReportImageModel; finalLoss: number; steps: number } {
  const { pairs, modelDir } = options;
  checkPairs(pairs);
  const weightsPath = path.join(options.encoderDir, options.encoderWeightsFile);
  if (!fs.existsSync(weightsPath)) {
    throw new Error(`trainReportImageDiffusion: text encoder weights ${weightsPath} not found; train the encoder first or fix encoderDir`);
  }
  const inputs = { unet: options.unet ?? {}, schedule: options.schedule ?? {}, training: options.training ?? {} };
  const parsed = {
    unet: UNetConfigSchema.safeParse(inputs.unet),
    schedule: ScheduleConfigSchema.safeParse(inputs.schedule),
    training: ImageDiffusionTrainingSchema.safeParse(inputs.training),
  };
  for (const [name, result] of Object.entries(parsed)) {
    if (!result.success) throw new Error(`trainReportImageDiffusion: invalid ${name} options: ${formatZodError(result.error, inputs[name as keyof typeof inputs])}`);
  }
  const candidate = {
    format: 'medsynth-report-image-diffusion',
    version: 1,
    unet: parsed.unet.data,
    schedule: parsed.schedule.data,
    predictionType: options.predictionType ?? 'epsilon',
    image: { height: pairs.height, width: pairs.width },
    context: { dim: pairs.contextDim, encoderDir: options.encoderDir, encoderSha256: sha256Of(weightsPath) },
    dataset: options.dataset,
    training: parsed.training.data,
    createdAt: new Date().toISOString(),
    backend: activeBackend()?.name,
  };
  const parsedModel = ReportImageModelSchema.safeParse(candidate);
  if (!parsedModel.success) throw new Error(`trainReportImageDiffusion: invalid options: ${formatZodError(parsedModel.error, candidate)}`);
  const model = parsedModel.data;
  if (model.training.privacy) {
    throw new Error('trainReportImageDiffusion: DP-SGD is not supported for report-conditioned models; remove training.privacy');
  }

  makeDirectory(modelDir);
  const modelPath = path.join(modelDir, MODEL_FILE);
  const resume = options.resume ?? true;
  if (resume && fs.existsSync(modelPath)) {
    const previous = readReportImageModel(modelDir);
    const strip = (m: ReportImageModel) => JSON.stringify({ ...m, createdAt: '', backend: '', training: { ...m.training, numSteps: 0 } });
    if (strip(previous) !== strip(model)) {
      throw new Error(`trainReportImageDiffusion: ${modelPath} was written with other settings or another encoder; resume with the same ones or use a new model directory`);
    }
    model.createdAt = previous.createdAt;
  }

  const unet = reportUnetConfigOf(model);
  const pixels = pairs.height * pairs.width;
  const trainer = new DiffusionTrainer({
    schedule: makeNoiseSchedule(model.schedule),
    predictionType: model.predictionType,
    paramSpecs: unetParamSpecs(unet),
    forward: (params, xt, t, condition, mask) => unetForward(unet, params, xt as tf.Tensor4D, t, condition, mask ?? null),
    data: {
      count: pairs.images.length / pixels,
      sampleShape: [pairs.height, pairs.width, 1],
      labels: null,
      contexts: { dim: pairs.contextDim, values: pairs.contexts },
      fillBatch(indices, out) {
        // uint8 → [−1, 1]
        for (let i = 0; i < indices.length; i++) {
          const src = indices[i] * pixels;
          for (let j = 0; j < pixels; j++) out[i * pixels + j] = pairs.images[src + j] / 127.5 - 1;
        }
      },
    },
    ...model.training,
    checkpointPath: path.join(modelDir, CHECKPOINT_FILE),
    resume,
    onProgress: options.onProgress,
  });
  try {
    writeJsonAtomic(modelPath, model);
    if (trainer.step >= model.training.numSteps) log.info(`model in ${modelDir} already has ${trainer.step} steps; nothing to train`);
    trainer.run();
    const last = trainer.lossHistory[trainer.lossHistory.length - 1];
    return { model, finalLoss: last ? last.loss : NaN, steps: trainer.step };
  } finally {
    trainer.dispose();
  }
}

export function readReportImageModel(modelDir: string): ReportImageModel {
  const modelPath = path.join(modelDir, MODEL_FILE);
  const missing = `no report-conditioned model found: ${modelPath} does not exist; train one first`;
  return readModelJson(modelPath, ReportImageModelSchema, 'medsynth report-conditioned image model', missing);
}

/** Turns report texts into embeddings [texts.length, dim] with the model's text encoder. */
export type EncodeReports = (reports: string[]) => Float32Array;

/** A trained report-conditioned model ready to sample. */
export interface LoadedReportImageModel {
  model: ReportImageModel;
  params: Params;
  schedule: NoiseSchedule;
  denoiser: Denoiser;
  encodeReports: EncodeReports;
  dispose(): void;
}

/**
 * Loads the EMA weights of a report-conditioned model. `encodeReports` must be the encoder
 * recorded in model.json; `encoderWeightsPath`, when given, is hashed and compared with it.
 */
export function loadReportImageModel(modelDir: string, encodeReports: EncodeReports, encoderWeightsPath?: string): LoadedReportImageModel {
  const model = readReportImageModel(modelDir);
  if (encoderWeightsPath !== undefined && sha256Of(encoderWeightsPath) !== model.context.encoderSha256) {
    throw new Error(
      `loadReportImageModel: the text encoder ${encoderWeightsPath} is not the one the model in ${modelDir} was trained with ` +
        `(SHA-256 differs from ${model.context.encoderSha256.slice(0, 12)}…); use the encoder in ${model.context.encoderDir}`,
    );
  }
  const params = loadWeights(path.join(modelDir, CHECKPOINT_FILE), 'ema');
  const unet = reportUnetConfigOf(model);
  for (const spec of unetParamSpecs(unet)) {
    const value = params.get(spec.name);
    if (!value || value.shape.join() !== spec.shape.join()) {
      disposeParams(params);
      throw new Error(`loadReportImageModel: checkpoint in ${modelDir} does not match model.json (parameter '${spec.name}'); train the model again`);
    }
  }
  const denoiser: Denoiser = (x, t, condition) => unetForward(unet, params, x as tf.Tensor4D, t, condition);
  return { model, params, schedule: makeNoiseSchedule(model.schedule), denoiser, encodeReports, dispose: () => disposeParams(params) };
}

export interface ReportImageSamplingOptions {
  guidanceScale: number;
  /** Images per report. */
  numSamples: number;
  seed: number;
  /** Default 'dpmsolver++'. */
  sampler?: string;
  /** Default 25. */
  numInferenceSteps?: number;
  batchSize?: number;
  onProgress?: (progress: BatchSamplingProgress) => void;
}

/**
 * Samples `numSamples` images for each row of `contexts` ([reports, dim], report embeddings)
 * with classifier-free guidance against the learned null vector. Returns pixels in [−1, 1],
 * [reports · numSamples, height, width], the images of report r at rows r·numSamples … .
 */
export function generateImagesFromContexts(loaded: LoadedReportImageModel, contexts: Float32Array, options: ReportImageSamplingOptions): Float32Array {
  const { dim } = loaded.model.context;
  const { numSamples } = options;
  if (contexts.length === 0 || contexts.length % dim !== 0) {
    throw new Error(`generateImagesFromContexts: contexts must be [reports, ${dim}], got ${contexts.length} values`);
  }
  if (!Number.isInteger(numSamples) || numSamples < 1) throw new Error(`generateImagesFromContexts: numSamples must be an integer >= 1, got ${numSamples}`);
  const reports = contexts.length / dim;
  const nullCondition = tf.clone(param(loaded.params, CONTEXT_NULL_PARAM));
  try {
    return sampleImageBatches({
      caller: 'generateImagesFromContexts',
      denoiser: loaded.denoiser,
      schedule: loaded.schedule,
      predictionType: loaded.model.predictionType,
      height: loaded.model.image.height,
      width: loaded.model.image.width,
      count: reports * numSamples,
      conditionFor: (done, n) => {
        // Row i of the batch is image done + i, whose report is ⌊(done + i) / numSamples⌋.
        const rows = new Float32Array(n * dim);
        for (let i = 0; i < n; i++) {
          const report = Math.floor((done + i) / numSamples);
          rows.set(contexts.subarray(report * dim, (report + 1) * dim), i * dim);
        }
        return tf.tensor2d(rows, [n, dim]);
      },
      nullCondition,
      guidanceScale: options.guidanceScale,
      sampler: options.sampler ?? 'dpmsolver++',
      numInferenceSteps: options.numInferenceSteps ?? 25,
      seed: options.seed,
      batchSize: options.batchSize,
      onProgress: options.onProgress,
    });
  } finally {
    nullCondition.dispose();
  }
}

/**
 * Generates `numSamples` images for one report text. Returns pixels in [−1, 1],
 * [numSamples, height, width]; they are synthetic and must be marked so wherever saved.
 */
export function generateImageFromReport(loaded: LoadedReportImageModel, report: string, options: ReportImageSamplingOptions): Float32Array {
  if (typeof report !== 'string' || report.trim() === '') {
    throw new Error('generateImageFromReport: the report is empty; pass the findings or impression text to condition on');
  }
  const contexts = loaded.encodeReports([report]);
  const { dim } = loaded.model.context;
  if (contexts.length !== dim || contexts.some((v) => !Number.isFinite(v))) {
    throw new Error(`generateImageFromReport: the text encoder returned ${contexts.length} values (expected ${dim} finite ones); use the encoder the model was trained with`);
  }
  return generateImagesFromContexts(loaded, contexts, options);
}
