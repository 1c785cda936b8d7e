/**
 * Conditional EHR generators on hourly ICU grids, trained and sampled with the diffusion core:
 * - 'trajectory': a transformer denoiser over [hours, 2 × variables + static] samples;
 * - 'latent': an EHR VAE compresses each trajectory to a latent, and a residual MLP denoiser
 *   generates [standardised latent ‖ static features] vectors that the VAE decodes.
 * A model directory contains model.json, checkpoint.safetensors and, for 'latent', vae.safetensors.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { activeBackend } from '../backend/select';
import { withClassifierFreeGuidance } from '../diffusion/guidance';
import { makeNoiseSchedule, NoiseSchedule } from '../diffusion/schedules';
import { sample, SAMPLERS } from '../diffusion/samplers';
import { Denoiser } from '../diffusion/types';
import { EhrData } from '../ehr/prepare-ehr-data';
import { decodeStaticFeatures, NUM_STATIC_FEATURES } from '../ehr/static-features';
import { decodeTrajectories, encodeTrajectories, toClinicalGrid, trajectoryChannels } from '../ehr/trajectory-encoding';
import { HourlyGrid } from '../ehr/hourly-grid';
import { PhysionetDescriptors } from '../ehr/physionet-record';
import { NormalisationStats } from '../ehr/normalisation';
import { TimeSeriesVariable } from '../ehr/variables';
import { decodeLatents, EhrVae, encodeGrid, loadEhrVae, trainEhrVae } from '../ehr/vae-trainer';
import { createEhrVaeConfig } from '../ehr/vae-network';
import { latentMlpForward, latentMlpParamSpecs, LatentMlpConfig } from '../nets/latent-mlp';
import { disposeParams, Params } from '../nets/params';
import { trajectoryTransformerForward, trajectoryTransformerParamSpecs, TrajectoryTransformerConfig } from '../nets/trajectory-transformer';
import { loadWeights } from '../train/checkpoint';
import { DiffusionTrainer, TrainingData, TrainingProgress } from '../train/diffusion-trainer';
import { DpDiffusionTrainer, resolveNoiseMultiplier } from '../train/dp-diffusion-trainer';
import { writeJsonAtomic } from '../util/atomic-write';
import { log } from '../util/log';
import { Random } from '../util/random';
import { makeDirectory } from '../util/make-directory';
import {
  EhrDiffusionModel,
  EhrDiffusionModelSchema,
  EhrDiffusionTrainingSchema,
  EhrModelKind,
  EhrVaeSettingsSchema,
  EHR_MODEL_KINDS,
  LatentMlpSchema,
  TrajectoryTransformerSchema,
} from './ehr-diffusion-config';
import { ScheduleConfigSchema, formatZodError } from './image-diffusion-config';

export const EHR_MODEL_FILE = 'model.json';
export const EHR_CHECKPOINT_FILE = 'checkpoint.safetensors';
export const EHR_VAE_FILE = 'vae.safetensors';
/** Class names of the in-hospital death condition, by label. */
export const DEATH_CLASS_NAMES = ['survived', 'died'];

export interface TrainEhrDiffusionOptions {
  kind: EhrModelKind;
  data: EhrData;
  modelDir: string;
  dataset: EhrDiffusionModel['dataset'];
  transformer?: Record<string, unknown>;
  latentMlp?: Record<string, unknown>;
  vae?: Record<string, unknown>;
  schedule?: Record<string, unknown>;
  predictionType?: string;
  training?: Record<string, unknown>;
  /** Continue from the checkpoints in modelDir. Default true. */
  resume?: boolean;
  onProgress?: (phase: 'vae' | 'diffusion', progress: TrainingProgress) => void;
}

function parseOrThrow<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: import('zod').ZodError } }, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new Error(`trainEhrDiffusion: invalid ${what} options: ${formatZodError(result.error, value)}`);
  return result.data;
}

/** Per-dimension mean and standard deviation of latent rows [count, dim]. */
function latentStatistics(latents: Float32Array, count: number, dim: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(dim).fill(0);
  const std = new Array<number>(dim).fill(0);
  for (let i = 0; i < count; i++) for (let d = 0; d < dim; d++) mean[d] += latents[i * dim + d] / count;
  for (let i = 0; i < count; i++) for (let d = 0; d < dim; d++) std[d] += (latents[i * dim + d] - mean[d]) ** 2 / count;
  return { mean, std: std.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
}

/** Rows of [standardised latent ‖ static features], [count, latentDim + NUM_STATIC_FEATURES]. */
function latentSamples(latents: Float32Array, staticFeatures: Float32Array, count: number, stats: { mean: number[]; std: number[] }): Float32Array {
  const dim = stats.mean.length;
  const width = dim + NUM_STATIC_FEATURES;
  const out = new Float32Array(count * width);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dim; d++) out[i * width + d] = (latents[i * dim + d] - stats.mean[d]) / stats.std[d];
    for (let s = 0; s < NUM_STATIC_FEATURES; s++) out[i * width + dim + s] = staticFeatures[i * NUM_STATIC_FEATURES + s];
  }
  return out;
}

function arrayTrainingData(samples: Float32Array, sampleShape: number[], labels: Int32Array): TrainingData {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  return {
    count: labels.length,
    sampleShape,
    labels,
    fillBatch(indices, out) {
      indices.forEach((row, i) => out.set(samples.subarray(row * size, (row + 1) * size), i * size));
    },
  };
}

function networkOf(model: EhrDiffusionModel): { specs: ReturnType<typeof latentMlpParamSpecs>; forward: (params: Params, x: tf.Tensor, t: tf.Tensor1D, y: tf.Tensor1D | null) => tf.Tensor; sampleShape: number[] } {
  const numClasses = model.condition.classNames.length;
  if (model.kind === 'trajectory') {
    const config: TrajectoryTransformerConfig = { hours: model.hours, channels: trajectoryChannels(model.variables.length), numClasses, ...(model.transformer ?? {}) };
    return {
      specs: trajectoryTransformerParamSpecs(config),
      forward: (params, x, t, y) => trajectoryTransformerForward(config, params, x as tf.Tensor3D, t, y),
      sampleShape: [model.hours, config.channels],
    };
  }
  const latentDim = (model.vae?.latentDim ?? 64) + NUM_STATIC_FEATURES;
  const config: LatentMlpConfig = { latentDim, numClasses, ...(model.latentMlp ?? {}) };
  return {
    specs: latentMlpParamSpecs(config),
    forward: (params, x, t, y) => latentMlpForward(config, params, x as tf.Tensor2D, t, y),
    sampleShape: [latentDim],
  };
}

/**
 * Trains an EHR generator conditioned on in-hospital death on the training split of `data`
 * and writes the model directory, checkpointing as it goes; with `resume` an interrupted run
 * continues from its checkpoints. The latent kind first trains the VAE (or reuses a finished one).
 */
export function trainEhrDiffusion(options: TrainEhrDiffusionOptions): { model: EhrDiffusionModel; finalLoss: number } {
  const { kind, data, modelDir } = options;
  if (!(EHR_MODEL_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`trainEhrDiffusion: unknown model kind '${kind}'; use one of ${EHR_MODEL_KINDS.join(', ')}`);
  }
  const train = data.splits.train;
  const resume = options.resume ?? true;
  const modelPath = path.join(modelDir, EHR_MODEL_FILE);
  const checkpointPath = path.join(modelDir, EHR_CHECKPOINT_FILE);
  const vaePath = path.join(modelDir, EHR_VAE_FILE);
  if (!resume && fs.existsSync(checkpointPath)) {
    throw new Error(`trainEhrDiffusion: ${checkpointPath} exists; resume it or choose an empty model directory`);
  }
  const training = parseOrThrow(EhrDiffusionTrainingSchema, options.training, 'training');
  if (training.privacy && kind === 'latent') {
    throw new Error(
      "trainEhrDiffusion: training.privacy is set for kind 'latent', but its VAE also sees the real patients and is not trained with DP-SGD, " +
        "so the model would not be private; use kind 'trajectory' for DP training",
    );
  }
  const draft = {
    format: 'medsynth-ehr-diffusion' as const,
    version: 1 as const,
    kind,
    hours: data.hours,
    variables: [...data.stats.variables],
    condition: { name: 'inHospitalDeath', classNames: DEATH_CLASS_NAMES },
    normalisation: { variables: [...data.stats.variables], mean: data.stats.mean, std: data.stats.std, count: data.stats.count },
    staticStats: data.staticStats,
    schedule: parseOrThrow(ScheduleConfigSchema, options.schedule, 'schedule'),
    predictionType: (options.predictionType ?? 'epsilon') as EhrDiffusionModel['predictionType'],
    training,
    transformer: kind === 'trajectory' ? parseOrThrow(TrajectoryTransformerSchema, options.transformer, 'transformer') : undefined,
    latentMlp: kind === 'latent' ? parseOrThrow(LatentMlpSchema, options.latentMlp, 'latentMlp') : undefined,
    vae: kind === 'latent' ? parseOrThrow(EhrVaeSettingsSchema, options.vae, 'vae') : undefined,
    latentStats: undefined as { mean: number[]; std: number[] } | undefined,
    dataset: options.dataset,
    trainingPatients: train.recordIds.length,
    createdAt: new Date().toISOString(),
    backend: activeBackend()?.name,
  };

  // 1. Diffusion samples: trajectories, or VAE latents with the static features.
  let samples: Float32Array;
  if (kind === 'trajectory') {
    samples = encodeTrajectories(train.normalised, train.staticFeatures);
  } else {
    const settings = draft.vae as NonNullable<typeof draft.vae>;
    const config = createEhrVaeConfig({ hours: data.hours, variables: data.stats.variables.length, latentDim: settings.latentDim, hiddenDim: settings.hiddenDim, numLayers: settings.numLayers });
    makeDirectory(modelDir);
    const trained = trainEhrVae({
      grid: train.normalised,
      config,
      batchSize: settings.batchSize,
      numSteps: settings.numSteps,
      learningRate: settings.learningRate,
      beta: settings.beta,
      seed: settings.seed,
      checkpointPath: vaePath,
      checkpointEvery: settings.checkpointEvery,
      resume,
      onProgress: (p) => options.onProgress?.('vae', p),
    });
    const vae: EhrVae = { config: trained.config, params: trained.params };
    try {
      const latents = encodeGrid(vae, train.normalised);
      const count = train.recordIds.length;
      draft.latentStats = latentStatistics(latents, count, config.latentDim);
      samples = latentSamples(latents, train.staticFeatures, count, draft.latentStats);
    } finally {
      disposeParams(trained.params);
    }
  }

  const parsed = EhrDiffusionModelSchema.safeParse(draft);
  if (!parsed.success) throw new Error(`trainEhrDiffusion: invalid options: ${formatZodError(parsed.error)}`);
  const model = parsed.data;
  if (resume && fs.existsSync(modelPath)) {
    const previous = readEhrModelFile(modelDir);
    const strip = (m: EhrDiffusionModel) => JSON.stringify({ ...m, createdAt: '', backend: '', training: { ...m.training, numSteps: 0 }, privacy: null });
    if (strip(previous) !== strip(model)) {
      throw new Error(`trainEhrDiffusion: ${modelPath} was written with other settings or data; resume with the same options (only numSteps may change), or choose a new model directory`);
    }
    model.createdAt = previous.createdAt;
  }

  // 2. Diffusion training.
  const network = networkOf(model);
  const channels = trajectoryChannels(model.variables.length);
  if (model.kind === 'trajectory' && model.transformer && model.transformer.modelDim < channels) {
    // Each token is projected to modelDim and back, so a narrower model cannot even pass x_t through.
    log.warn(`trainEhrDiffusion: transformer.modelDim ${model.transformer.modelDim} is below the ${channels} channels per hour; the denoiser cannot represent its input, so use modelDim >= ${channels} (default 128)`);
  }
  if (model.training.privacy) {
    const finalLoss = trainTrajectoryPrivately(model, arrayTrainingData(samples, network.sampleShape, train.labels), network, modelDir, resume, options);
    return { model, finalLoss };
  }
  const trainer = new DiffusionTrainer({
    schedule: makeNoiseSchedule(model.schedule),
    predictionType: model.predictionType,
    paramSpecs: network.specs,
    forward: (params, x, t, y) => network.forward(params, x, t, y as tf.Tensor1D | null),
    data: arrayTrainingData(samples, network.sampleShape, train.labels),
    nullClass: model.condition.classNames.length,
    ...model.training,
    checkpointPath,
    resume,
    onProgress: (p) => options.onProgress?.('diffusion', p),
  });
  try {
    writeJsonAtomic(modelPath, modelFileContent(model));
    trainer.run();
    const last = trainer.lossHistory[trainer.lossHistory.length - 1];
    return { model, finalLoss: last ? last.loss : NaN };
  } finally {
    trainer.dispose();
  }
}

/**
 * Trains the diffusion model of `model` with DP-SGD (`model.training.privacy`), sets
 * `model.privacy` to the guarantee reached and writes model.json before and after the run.
 * Returns the last recorded loss.
 *
 * NOTE: ε covers the diffusion weights only. model.json also stores the normalisation and
 * static-feature statistics and the patient count of the training split, computed from the
 * real patients without noise.
 */
function trainTrajectoryPrivately(
  model: EhrDiffusionModel,
  data: TrainingData,
  network: ReturnType<typeof networkOf>,
  modelDir: string,
  resume: boolean,
  options: TrainEhrDiffusionOptions,
): number {
  const settings = model.training.privacy as NonNullable<EhrDiffusionModel['training']['privacy']>;
  const { numSteps, learningRate, emaDecay, conditionDropout, seed, checkpointEvery } = model.training;
  const noiseMultiplier = resolveNoiseMultiplier({
    targetEpsilon: settings.targetEpsilon,
    noiseMultiplier: settings.noiseMultiplier,
    sampleRate: settings.sampleRate,
    numSteps,
    delta: settings.delta,
  });
  log.info(
    `DP-SGD: noise multiplier ${noiseMultiplier.toFixed(4)}, clip norm ${settings.clipNorm}, ` +
      `expected batch ${(settings.sampleRate * data.count).toFixed(1)} of ${data.count} patients, delta ${settings.delta}`,
  );
  const trainer = new DpDiffusionTrainer({
    schedule: makeNoiseSchedule(model.schedule),
    predictionType: model.predictionType,
    paramSpecs: network.specs,
    forward: (params, x, t, y) => network.forward(params, x, t, y as tf.Tensor1D | null),
    data,
    nullClass: model.condition.classNames.length,
    numSteps,
    learningRate,
    emaDecay,
    conditionDropout,
    seed,
    checkpointEvery,
    privacy: { clipNorm: settings.clipNorm, noiseMultiplier, sampleRate: settings.sampleRate, delta: settings.delta },
    checkpointPath: path.join(modelDir, EHR_CHECKPOINT_FILE),
    resume,
    onProgress: (p) => options.onProgress?.('diffusion', p),
  });
  const modelPath = path.join(modelDir, EHR_MODEL_FILE);
  try {
    model.privacy = trainer.privacyRecord();
    writeJsonAtomic(modelPath, modelFileContent(model));
    trainer.run();
    model.privacy = trainer.privacyRecord();
    writeJsonAtomic(modelPath, modelFileContent(model));
    log.info(`DP-SGD: epsilon ${model.privacy.epsilon.toFixed(4)} at delta ${settings.delta} after ${trainer.step} steps`);
    const last = trainer.lossHistory[trainer.lossHistory.length - 1];
    return last ? last.loss : NaN;
  } finally {
    trainer.dispose();
  }
}

/** Returns model.json's content. Null privacy fields are left out, so a non-private model's file has no privacy keys. */
function modelFileContent(model: EhrDiffusionModel): Record<string, unknown> {
  const content: Record<string, unknown> = { ...model };
  if (model.privacy === null) delete content.privacy;
  if (model.training.privacy === null) {
    const training: Record<string, unknown> = { ...model.training };
    delete training.privacy;
    content.training = training;
  }
  return content;
}

export function readEhrModelFile(modelDir: string): EhrDiffusionModel {
  const modelPath = path.join(modelDir, EHR_MODEL_FILE);
  if (!fs.existsSync(modelPath)) {
    throw new Error(`no EHR model found: ${modelPath} does not exist; pass a model directory written by an EHR experiment run (models/trajectory or models/latent)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
  } catch (err) {
    throw new Error(`${modelPath} is not valid JSON (${(err as Error).message}); restore it or train again`);
  }
  const parsed = EhrDiffusionModelSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${modelPath} is not a medsynth EHR diffusion model: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/** A trained EHR generator ready to sample. */
export interface LoadedEhrModel {
  model: EhrDiffusionModel;
  modelDir: string;
  schedule: NoiseSchedule;
  denoiser: Denoiser;
  vae: EhrVae | null;
  stats: NormalisationStats;
  dispose(): void;
}

export function loadEhrDiffusionModel(modelDir: string): LoadedEhrModel {
  const model = readEhrModelFile(modelDir);
  const checkpointPath = path.join(modelDir, EHR_CHECKPOINT_FILE);
  if (!fs.existsSync(checkpointPath)) throw new Error(`loadEhrDiffusionModel: ${checkpointPath} is missing; train the model again or pass its complete directory`);
  const params = loadWeights(checkpointPath, 'ema');
  const network = networkOf(model);
  for (const spec of network.specs) {
    const value = params.get(spec.name);
    if (!value || value.shape.join() !== spec.shape.join()) {
      disposeParams(params);
      throw new Error(`loadEhrDiffusionModel: checkpoint in ${modelDir} does not match model.json (parameter '${spec.name}'); train the model again`);
    }
  }
  let vae: EhrVae | null = null;
  if (model.kind === 'latent') {
    const vaePath = path.join(modelDir, EHR_VAE_FILE);
    if (!fs.existsSync(vaePath)) {
      disposeParams(params);
      throw new Error(`loadEhrDiffusionModel: ${vaePath} is missing; a latent model needs its VAE, so pass the complete model directory`);
    }
    vae = loadEhrVae(vaePath);
  }
  const stats: NormalisationStats = { ...model.normalisation, variables: model.normalisation.variables as TimeSeriesVariable[] };
  return {
    model,
    modelDir,
    schedule: makeNoiseSchedule(model.schedule),
    denoiser: (x, t, condition) => network.forward(params, x, t, condition as tf.Tensor1D | null),
    vae,
    stats,
    dispose: () => {
      disposeParams(params);
      if (vae) disposeParams(vae.params);
    },
  };
}

/** One batch of synthetic patients, in clinical units. */
export interface SyntheticEhrBatch {
  /** Index of the batch's first patient in the whole generation. */
  offset: number;
  grid: HourlyGrid;
  descriptors: PhysionetDescriptors[];
  /** Condition class of every patient (the requested one). */
  labels: Int32Array;
}

export interface GenerateEhrOptions {
  count: number;
  /** Class index of the condition, e.g. 1 = died for in-hospital death. */
  classIndex: number;
  guidanceScale: number;
  sampler: string;
  numInferenceSteps: number;
  seed: number;
  /** Patients per network call (default 256; guidance doubles the rows). */
  batchSize?: number;
  /** First synthetic RecordID (default 1,000,001, above every PhysioNet 2012 RecordID). */
  firstRecordId?: number;
  onBatch: (batch: SyntheticEhrBatch) => void;
  onProgress?: (progress: { done: number; total: number }) => void;
}

/**
 * Samples `count` synthetic patients of one condition class with classifier-free guidance,
 * batch by batch, handing each batch to `onBatch` so memory stays bounded by one batch.
 * Same seed, same backend: same patients. A latent model draws each cell's measured flag
 * from the VAE's mask probability with a generator seeded from `seed`.
 */
export function generateEhrPatients(loaded: LoadedEhrModel, options: GenerateEhrOptions): void {
  const { model } = loaded;
  const { count, classIndex, guidanceScale, seed } = options;
  const classNames = model.condition.classNames;
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classNames.length) {
    throw new Error(`generateEhrPatients: class index ${classIndex} is not one of 0 … ${classNames.length - 1} (${classNames.join(', ')})`);
  }
  if (!Number.isInteger(count) || count < 1) throw new Error(`generateEhrPatients: count must be an integer >= 1, got ${count}`);
  if (!(SAMPLERS as readonly string[]).includes(options.sampler)) {
    throw new Error(`generateEhrPatients: unknown sampler '${options.sampler}'; use one of ${SAMPLERS.join(', ')}`);
  }
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`generateEhrPatients: batchSize must be an integer >= 1, got ${batchSize}`);
  const firstRecordId = options.firstRecordId ?? 1_000_001;
  const network = networkOf(model);
  const rng = new Random(seed);
  const maskRng = new Random(seed + 1);
  const nullCondition = tf.tensor1d([classNames.length], 'int32');
  const template = { variables: loaded.stats.variables, hours: model.hours };
  try {
    const denoiser = withClassifierFreeGuidance(loaded.denoiser, { guidanceScale, nullCondition });
    for (let done = 0; done < count; done += batchSize) {
      const n = Math.min(batchSize, count - done);
      const condition = tf.fill([n], classIndex, 'int32') as tf.Tensor1D;
      const result = sample({
        sampler: options.sampler,
        schedule: loaded.schedule,
        denoiser,
        shape: [n, ...network.sampleShape],
        condition,
        numInferenceSteps: options.numInferenceSteps,
        predictionType: model.predictionType,
        rng,
      });
      const values = result.dataSync() as Float32Array;
      result.dispose();
      condition.dispose();
      const recordIds = Array.from({ length: n }, (_, i) => firstRecordId + done + i);

      let normalised: HourlyGrid;
      let staticFeatures: Float32Array;
      if (model.kind === 'trajectory') {
        ({ grid: normalised, staticFeatures } = decodeTrajectories(values, n, template, recordIds));
      } else {
        ({ grid: normalised, staticFeatures } = decodeLatentSamples(loaded, values, n, recordIds, maskRng));
      }
      options.onBatch({
        offset: done,
        grid: toClinicalGrid(normalised, loaded.stats),
        descriptors: decodeStaticFeatures(staticFeatures, n, model.staticStats),
        labels: new Int32Array(n).fill(classIndex),
      });
      options.onProgress?.({ done: done + n, total: count });
    }
  } finally {
    nullCondition.dispose();
  }
}

function decodeLatentSamples(loaded: LoadedEhrModel, rows: Float32Array, n: number, recordIds: number[], maskRng: Random): { grid: HourlyGrid; staticFeatures: Float32Array } {
  const { model } = loaded;
  const vae = loaded.vae as EhrVae;
  const latentStats = model.latentStats as { mean: number[]; std: number[] };
  const dim = latentStats.mean.length;
  const width = dim + NUM_STATIC_FEATURES;
  const latents = new Float32Array(n * dim);
  const staticFeatures = new Float32Array(n * NUM_STATIC_FEATURES);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) latents[i * dim + d] = rows[i * width + d] * latentStats.std[d] + latentStats.mean[d];
    for (let s = 0; s < NUM_STATIC_FEATURES; s++) staticFeatures[i * NUM_STATIC_FEATURES + s] = rows[i * width + dim + s];
  }
  const decoded = decodeLatents(vae, latents, n);
  const values = new Float32Array(decoded.values.length).fill(NaN);
  const mask = new Float32Array(decoded.values.length);
  for (let i = 0; i < values.length; i++) {
    if (maskRng.uniform() < decoded.maskProbability[i]) {
      mask[i] = 1;
      values[i] = decoded.values[i];
    }
  }
  const grid: HourlyGrid = { values, mask, shape: [n, model.hours, model.variables.length], recordIds, variables: loaded.stats.variables };
  return { grid, staticFeatures };
}
