import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { addNoise, checkPredictionType, diffusionLoss, trainingTarget } from '../diffusion/parameterization';
import { dropConditionForTraining } from '../diffusion/guidance';
import { createParams } from '../nets/params';
import { calibrateNoiseMultiplier } from '../privacy/calibrate-noise';
import { RdpConversion, checkDelta, checkNoiseMultiplier, checkSampleRate, checkSteps } from '../privacy/dp-parameters';
import { dpSgdStep } from '../privacy/dp-sgd';
import { PrivacySpent, RdpAccountant, RdpAccountantState } from '../privacy/rdp-accountant';
import { Random, RandomState } from '../util/random';
import { log } from '../util/log';
import { Adam } from './adam';
import { ExponentialMovingAverage } from './ema';
import { TrainingCheckpoint, openResumeCheckpoint, saveCheckpoint, toNamedArrays } from './checkpoint';
import { DiffusionTrainerOptions, TrainingProgress } from './diffusion-trainer';
import { loadSafetensors, saveSafetensors } from './safetensors';

/**
 * RDP to (ε, δ) conversion used both to calibrate σ and to report ε: the RdpAccountant's
 * default, the improved bound of Balle et al. 2020 (see RDP_CONVERSIONS).
 */
export const DP_ACCOUNTANT_CONVERSION: RdpConversion = 'improved';

/** Safetensors metadata key of the DP state that a DP checkpoint adds to the training state. */
const DP_STATE_KEY = 'medsynth.dp';

/** DP-SGD settings of a training run. */
export interface DpTrainingPrivacy {
  /** L2 norm C that each example's gradient, over all parameters jointly, is clipped to. */
  clipNorm: number;
  /** σ: the noise standard deviation per coordinate is σ C. */
  noiseMultiplier: number;
  /** Poisson sampling rate q in (0, 1]. The expected batch size is q N. */
  sampleRate: number;
  /** δ of the reported (ε, δ) guarantee, in (0, 1). */
  delta: number;
}

/** Progress of one DP training step. `loss` is NaN for an empty batch. */
export interface DpTrainingProgress extends TrainingProgress {
  /** ε spent after this step, at the run's δ. */
  epsilon: number;
}

/**
 * Options of DpDiffusionTrainer: those of DiffusionTrainer without `batchSize` (the batch is
 * Poisson-sampled) and `gradClipNorm` (each example is clipped to `privacy.clipNorm` instead).
 */
export interface DpDiffusionTrainerOptions extends Omit<DiffusionTrainerOptions, 'batchSize' | 'gradClipNorm' | 'onProgress'> {
  privacy: DpTrainingPrivacy;
  onProgress?: (progress: DpTrainingProgress) => void;
}

/** The privacy guarantee of a DP run so far, as pipelines record it in model.json. */
export interface DpTrainingRecord extends DpTrainingPrivacy {
  /** Number of training rows N that the sampling rate refers to. */
  datasetSize: number;
  /** Steps taken, each one accounted for, an empty batch included. */
  steps: number;
  /** ε after `steps` steps at `delta`. */
  epsilon: number;
  conversion: RdpConversion;
}

/** The DP part of a checkpoint, stored as JSON under DP_STATE_KEY. */
interface DpCheckpointState {
  format: 'medsynth-dp-state';
  version: 1;
  privacy: DpTrainingPrivacy;
  datasetSize: number;
  accountant: RdpAccountantState;
  samplingRng: RandomState;
}

/**
 * Trains a denoiser with DP-SGD (Abadi et al. 2016, "Deep Learning with Differential Privacy")
 * on the simple diffusion loss. Each step Poisson-samples the rows with rate q, so a batch may
 * be empty. Each sampled row gets its label dropout, timestep and noise from the seeded noise
 * generator and its own backward pass, and its gradient is clipped to L2 norm C. The sum of
 * clipped gradients plus N(0, σ²C²) per coordinate, divided by q N, drives one Adam step, and
 * the EMA weights follow. The RDP accountant records every step, an empty batch included.
 * Checkpoints contain what DiffusionTrainer's contain plus the accountant and the sampling
 * generator, so a resumed run produces the same weights and ε as an uninterrupted one on the
 * same backend.
 *
 * NOTE: only the diffusion weights are private. A VAE, normalisation statistics or anything
 * else fitted on the same rows outside this trainer is not covered by ε.
 */
export class DpDiffusionTrainer {
  readonly options: DpDiffusionTrainerOptions;
  readonly params: Map<string, tf.Variable>;
  readonly adam: Adam;
  readonly ema: ExponentialMovingAverage;
  step = 0;
  lossHistory: { step: number; loss: number }[] = [];
  /** Number of examples in the most recent Poisson batch, 0 before the first step. */
  lastBatchSize = 0;
  private accountant = new RdpAccountant();
  /** Draws label dropout, timesteps and diffusion noise. */
  private readonly noiseRng: Random;
  /** Draws the Poisson batch membership and the privacy noise. */
  private readonly samplingRng: Random;

  constructor(options: DpDiffusionTrainerOptions) {
    validateDpTrainerOptions(options);
    this.options = options;
    const { privacy, data } = options;
    if (privacy.delta > 1 / data.count) {
      log.warn(
        `DpDiffusionTrainer: delta ${privacy.delta} is above 1 / N = ${(1 / data.count).toExponential(2)} for N = ${data.count} rows; ` +
          'publishing each row with probability δ meets (0, δ)-DP, so such a δ allows releasing about one row; choose δ well below 1 / N',
      );
    }
    const opened = openResumeCheckpoint('DpDiffusionTrainer', options);
    const checkpoint = opened?.checkpoint ?? null;
    const resumeFrom = opened?.resumeFrom ?? null;
    const dpState = resumeFrom ? this.readDpState(resumeFrom) : null;

    this.params = createParams(options.paramSpecs, new Random(options.seed));
    this.noiseRng = new Random(options.seed + 1);
    this.samplingRng = new Random(options.seed + 2);
    this.adam = new Adam({ learningRate: options.learningRate, gradClipNorm: null });
    if (checkpoint && dpState) this.restore(checkpoint, dpState, resumeFrom as string);
    this.ema = new ExponentialMovingAverage(options.emaDecay, this.params);
    if (checkpoint) {
      for (const [name, value] of checkpoint.ema) {
        this.ema.shadow.get(name)?.dispose();
        this.ema.shadow.set(name, tf.tensor(value.data, value.shape));
      }
      log.info(`resumed DP training from ${resumeFrom} at step ${this.step}, epsilon ${this.epsilon().toFixed(4)}`);
    }
  }

  /** Reads and checks the DP state of a checkpoint against this run's settings. */
  private readDpState(source: string): DpCheckpointState {
    const { metadata } = loadSafetensors(source);
    const text = metadata[DP_STATE_KEY];
    if (text === undefined) {
      throw new Error(
        `DpDiffusionTrainer: checkpoint ${source} has no DP state, so it was trained without DP-SGD; ` +
          'its steps saw the data without noise and cannot be continued privately, so start a new model directory',
      );
    }
    const state = JSON.parse(text) as DpCheckpointState;
    if (state.format !== 'medsynth-dp-state' || state.version !== 1) {
      throw new Error(`DpDiffusionTrainer: checkpoint ${source} has DP state of unknown format '${state.format}' version ${state.version}; train again`);
    }
    const { privacy, data } = this.options;
    const changed = (Object.keys(privacy) as (keyof DpTrainingPrivacy)[]).filter((key) => state.privacy[key] !== privacy[key]);
    if (changed.length > 0) {
      const differences = changed.map((key) => `${key} ${state.privacy[key]}, not ${privacy[key]}`).join(', ');
      throw new Error(
        `DpDiffusionTrainer: checkpoint ${source} was trained with ${differences}; resume with the same privacy settings ` +
          '(a noise multiplier calibrated from a target ε changes with numSteps) or start a new model directory',
      );
    }
    if (state.datasetSize !== data.count) {
      throw new Error(
        `DpDiffusionTrainer: checkpoint ${source} was trained on ${state.datasetSize} rows, not ${data.count}; ` +
          'the sampling rate and ε refer to the original rows, so resume on the same data or start a new model directory',
      );
    }
    return state;
  }

  private restore(checkpoint: TrainingCheckpoint, dpState: DpCheckpointState, source: string): void {
    for (const [name, variable] of this.params) {
      const saved = checkpoint.params.get(name);
      if (!saved || saved.shape.join() !== variable.shape.join()) {
        throw new Error(
          `DpDiffusionTrainer: checkpoint ${source} does not match this network (parameter '${name}' ` +
            `${saved ? `has shape [${saved.shape}], expected [${variable.shape}]` : 'is missing'}); use the same model configuration`,
        );
      }
      variable.assign(tf.tensor(saved.data, saved.shape));
    }
    const accountant = RdpAccountant.fromJSON(dpState.accountant);
    if (accountant.steps !== checkpoint.step) {
      throw new Error(
        `DpDiffusionTrainer: corrupt checkpoint ${source}: the accountant records ${accountant.steps} steps but the weights ${checkpoint.step}; ` +
          'restore it from a copy or train again',
      );
    }
    for (const [name, value] of checkpoint.adamFirstMoments) this.adam.firstMoments.set(name, tf.tensor(value.data, value.shape));
    for (const [name, value] of checkpoint.adamSecondMoments) this.adam.secondMoments.set(name, tf.tensor(value.data, value.shape));
    this.adam.step = checkpoint.adamStep;
    this.noiseRng.setState(checkpoint.noiseRng);
    this.samplingRng.setState(dpState.samplingRng);
    this.accountant = accountant;
    this.step = checkpoint.step;
    // JSON stores the NaN loss of an empty batch as null.
    this.lossHistory = checkpoint.lossHistory.map(({ step, loss }) => ({ step, loss: typeof loss === 'number' ? loss : NaN }));
  }

  /**
   * Returns the scalar diffusion loss of one training row, drawing its label dropout, timestep
   * and noise (in that order) from the noise generator. Runs inside tf.variableGrads.
   */
  private exampleLoss(example: number): tf.Scalar {
    const { data, schedule, predictionType } = this.options;
    const sampleSize = data.sampleShape.reduce((a, b) => a * b, 1);
    const x0Values = new Float32Array(sampleSize);
    data.fillBatch(Int32Array.of(example), x0Values);
    let label: Int32Array | null = null;
    if (data.labels) {
      label = dropConditionForTraining(Int32Array.of(data.labels[example]), this.options.nullClass as number, this.options.conditionDropout, this.noiseRng);
    }
    const timesteps = Int32Array.of(this.noiseRng.int(schedule.numTrainTimesteps));
    const noiseValues = this.noiseRng.normalArray(sampleSize);

    const shape = [1, ...data.sampleShape];
    const x0 = tf.tensor(x0Values, shape);
    const noise = tf.tensor(noiseValues, shape);
    const xt = addNoise(schedule, x0, noise, timesteps);
    const target = trainingTarget(schedule, x0, noise, timesteps, predictionType);
    const t = tf.tensor1d(timesteps, 'int32');
    const y = label ? tf.tensor1d(label, 'int32') : null;
    return diffusionLoss(this.options.forward(this.params, xt, t, y), target);
  }

  /** Runs one DP-SGD step and returns the mean loss of the batch's rows, NaN for an empty batch. */
  trainStep(): number {
    const { data, privacy } = this.options;
    const losses: number[] = [];
    const result = dpSgdStep({
      params: this.params,
      clipNorm: privacy.clipNorm,
      noiseMultiplier: privacy.noiseMultiplier,
      sampleRate: privacy.sampleRate,
      datasetSize: data.count,
      random: this.samplingRng,
      accountant: this.accountant,
      perExampleLoss: (example) => {
        const loss = this.exampleLoss(example);
        losses.push(loss.dataSync()[0]);
        return loss;
      },
    });
    const badLoss = losses.find((value) => !Number.isFinite(value));
    if (badLoss !== undefined) {
      tf.dispose(Array.from(result.gradients.values()));
      throw new Error(
        `DpDiffusionTrainer: loss became ${badLoss} at step ${this.step + 1}; lower the learning rate (${this.options.learningRate}) ` +
          'and resume from the last checkpoint',
      );
    }

    this.adam.apply(this.params, result.gradients);
    tf.dispose(Array.from(result.gradients.values()));
    this.ema.update(this.params);

    this.step += 1;
    this.lastBatchSize = result.batchSize;
    const loss = losses.length > 0 ? losses.reduce((a, b) => a + b, 0) / losses.length : NaN;
    const logEvery = this.options.logEvery ?? 10;
    if (this.step % logEvery === 0 || this.step === 1) this.lossHistory.push({ step: this.step, loss });
    return loss;
  }

  /** Returns the (ε, δ) guarantee of the steps taken so far, at the run's δ. */
  privacySpent(): PrivacySpent {
    return this.accountant.epsilon(this.options.privacy.delta, DP_ACCOUNTANT_CONVERSION);
  }

  /** Returns ε of the steps taken so far at the run's δ (0 before the first step). */
  epsilon(): number {
    return this.privacySpent().epsilon;
  }

  /** Returns the settings, steps and ε of the run so far. */
  privacyRecord(): DpTrainingRecord {
    const { privacy, data } = this.options;
    return {
      noiseMultiplier: privacy.noiseMultiplier,
      sampleRate: privacy.sampleRate,
      clipNorm: privacy.clipNorm,
      delta: privacy.delta,
      datasetSize: data.count,
      steps: this.step,
      epsilon: this.epsilon(),
      conversion: DP_ACCOUNTANT_CONVERSION,
    };
  }

  /**
   * Writes the checkpoint atomically. checkpoint.ts writes a fixed set of metadata, so the
   * training state is written to a temporary file first and copied with the DP state added.
   */
  saveCheckpoint(filePath = this.options.checkpointPath): void {
    if (!filePath) throw new Error('DpDiffusionTrainer.saveCheckpoint: no checkpointPath was given; pass a file path');
    const dpState: DpCheckpointState = {
      format: 'medsynth-dp-state',
      version: 1,
      privacy: { ...this.options.privacy },
      datasetSize: this.options.data.count,
      accountant: this.accountant.toJSON(),
      samplingRng: this.samplingRng.getState(),
    };
    const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-dp-checkpoint-'));
    try {
      const tempPath = path.join(tempDir, 'checkpoint.safetensors');
      saveCheckpoint(tempPath, {
        step: this.step,
        params: toNamedArrays(this.params),
        ema: toNamedArrays(this.ema.shadow),
        adamFirstMoments: toNamedArrays(this.adam.firstMoments),
        adamSecondMoments: toNamedArrays(this.adam.secondMoments),
        adamStep: this.adam.step,
        noiseRng: this.noiseRng.getState(),
        seed: this.options.seed,
        lossHistory: this.lossHistory,
      });
      const { tensors, metadata } = loadSafetensors(tempPath);
      saveSafetensors(filePath, tensors, { ...metadata, [DP_STATE_KEY]: JSON.stringify(dpState) });
    } finally {
      fs.rmSync(tempDir, { recursive: true, force: true });
    }
    this.options.onCheckpoint?.(this.step, filePath);
  }

  /** Trains until `numSteps`, checkpointing every `checkpointEvery` steps and at the end. */
  run(): void {
    const { numSteps, checkpointPath, checkpointEvery } = this.options;
    let lastTime = Date.now();
    let smoothedMs = 0;
    while (this.step < numSteps) {
      const loss = this.trainStep();
      const now = Date.now();
      const ms = now - lastTime;
      lastTime = now;
      smoothedMs = smoothedMs === 0 ? ms : 0.9 * smoothedMs + 0.1 * ms;
      this.options.onProgress?.({ step: this.step, total: numSteps, loss, msPerStep: smoothedMs, epsilon: this.epsilon() });
      if (checkpointPath && checkpointEvery && this.step % checkpointEvery === 0) this.saveCheckpoint();
    }
    if (checkpointPath) this.saveCheckpoint();
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.adam.dispose();
    this.ema.dispose();
  }
}

/** Request of resolveNoiseMultiplier: exactly one of `targetEpsilon` and `noiseMultiplier`. */
export interface NoiseMultiplierRequest {
  targetEpsilon?: number | null;
  noiseMultiplier?: number | null;
  sampleRate: number;
  numSteps: number;
  delta: number;
}

/**
 * Returns the noise multiplier σ of a DP run: `noiseMultiplier` itself, or the smallest σ
 * (within 1e-4) whose ε after `numSteps` steps at rate `sampleRate` is at most `targetEpsilon`,
 * under the same accountant and conversion that DpDiffusionTrainer reports.
 */
export function resolveNoiseMultiplier(request: NoiseMultiplierRequest): number {
  const fn = 'resolveNoiseMultiplier';
  const { targetEpsilon, noiseMultiplier, sampleRate, numSteps, delta } = request;
  const hasTarget = targetEpsilon !== undefined && targetEpsilon !== null;
  const hasNoiseMultiplier = noiseMultiplier !== undefined && noiseMultiplier !== null;
  if (hasTarget === hasNoiseMultiplier) {
    throw new Error(
      `${fn}: give exactly one of \`targetEpsilon\` and \`noiseMultiplier\`, got targetEpsilon ${targetEpsilon} and noiseMultiplier ${noiseMultiplier}; ` +
        'set a target ε to calibrate σ, or set σ itself',
    );
  }
  checkSampleRate(fn, sampleRate);
  checkSteps(fn, numSteps, 'numSteps');
  checkDelta(fn, delta);
  if (hasNoiseMultiplier) {
    checkNoiseMultiplier(fn, noiseMultiplier as number);
    return noiseMultiplier as number;
  }
  if (typeof targetEpsilon !== 'number' || !Number.isFinite(targetEpsilon) || targetEpsilon <= 0) {
    throw new Error(`${fn}: \`targetEpsilon\` must be a finite number > 0, got ${targetEpsilon}`);
  }
  return calibrateNoiseMultiplier({ targetEpsilon, delta, sampleRate, steps: numSteps, conversion: DP_ACCOUNTANT_CONVERSION }).noiseMultiplier;
}

function validateDpTrainerOptions(options: DpDiffusionTrainerOptions): void {
  const fn = 'DpDiffusionTrainer';
  const fail = (message: string): never => {
    throw new Error(`${fn}: ${message}`);
  };
  checkPredictionType(fn, options.predictionType);
  if (options.data.contexts) fail('context-conditioned data (e.g. text embeddings) is not supported with DP-SGD; train with labels or without DP');
  const positiveInt = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 1) fail(`\`${name}\` must be an integer >= 1, got ${value}`);
  };
  positiveInt('numSteps', options.numSteps);
  if (options.checkpointEvery !== undefined) positiveInt('checkpointEvery', options.checkpointEvery);
  if (options.logEvery !== undefined) positiveInt('logEvery', options.logEvery);
  if (!Number.isInteger(options.seed)) fail(`\`seed\` must be an integer, got ${options.seed}`);
  if (!(options.conditionDropout >= 0 && options.conditionDropout < 1)) fail(`\`conditionDropout\` must be in [0, 1), got ${options.conditionDropout}`);

  // Callers that spread DiffusionTrainer options may still pass these two.
  const extra = options as { batchSize?: unknown; gradClipNorm?: unknown };
  if (extra.batchSize !== undefined) {
    fail(`\`batchSize\` is not used, got ${extra.batchSize}; the batch is Poisson-sampled with expected size privacy.sampleRate × data.count, so remove it`);
  }
  if (extra.gradClipNorm !== undefined && extra.gradClipNorm !== null) {
    fail(`\`gradClipNorm\` must be null or absent, got ${extra.gradClipNorm}; each example's gradient is clipped to privacy.clipNorm instead`);
  }

  const { data, privacy } = options;
  if (!Number.isInteger(data.count) || data.count < 1) fail(`the dataset is empty (count ${data.count}); give it at least one row`);
  if (data.labels) {
    if (data.labels.length !== data.count) {
      fail(`${data.labels.length} labels for ${data.count} samples; give one label per sample`);
    }
    if (options.nullClass === undefined) fail('`nullClass` is required when the data has labels');
  }
  if (privacy === null || typeof privacy !== 'object') {
    fail(`\`privacy\` must be an object { clipNorm, noiseMultiplier, sampleRate, delta }, got ${privacy}`);
  }
  if (typeof privacy.clipNorm !== 'number' || !Number.isFinite(privacy.clipNorm) || privacy.clipNorm <= 0) {
    fail(`\`privacy.clipNorm\` must be a finite number > 0, got ${privacy.clipNorm}`);
  }
  checkNoiseMultiplier(fn, privacy.noiseMultiplier, 'privacy.noiseMultiplier');
  checkSampleRate(fn, privacy.sampleRate, 'privacy.sampleRate');
  checkDelta(fn, privacy.delta);
}
