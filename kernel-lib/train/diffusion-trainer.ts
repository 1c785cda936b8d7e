import * as tf from '@tensorflow/tfjs';
import { NoiseSchedule } from '../diffusion/schedules';
import { addNoise, diffusionLoss, trainingTarget, checkPredictionType } from '../diffusion/parameterization';
import { dropConditionForTraining } from '../diffusion/guidance';
import { ParamSpec, Params, createParams } from '../nets/params';
import { Random } from '../util/random';
import { log } from '../util/log';
import { Adam } from './adam';
import { ExponentialMovingAverage } from './ema';
import { EpochSampler } from './batches';
import { TrainingCheckpoint, openResumeCheckpoint, saveCheckpoint, toNamedArrays } from './checkpoint';

/** Progress of one training step, for progress bars and notebook displays. */
export interface TrainingProgress {
  step: number;
  total: number;
  loss: number;
  msPerStep: number;
}

/** Training rows: clean samples and, for a conditional model, class labels. */
export interface TrainingData {
  count: number;
  /** Shape of one sample, e.g. [height, width, 1]. */
  sampleShape: number[];
  /** Writes the samples of `indices`, scaled to the model's range, into `out` ([indices.length, ...sampleShape]). */
  fillBatch(indices: Int32Array, out: Float32Array): void;
  /** Class of each row, [count], or null for an unconditional model. */
  labels: Int32Array | null;
  /**
   * Float conditioning vector of each row (e.g. a report's text embedding), instead of labels:
   * `values` is [count, dim]. Condition dropout then replaces a row with the network's learned
   * null vector through the forward function's `contextDropMask`.
   */
  contexts?: { dim: number; values: Float32Array } | null;
}

/**
 * The network as the trainer calls it. condition: int32 labels [batch], float contexts
 * [batch, dim] or null; contextDropMask: float [batch], 1 where a context row is dropped
 * (context data only, otherwise null).
 */
export type ForwardFn = (
  params: Params,
  xt: tf.Tensor,
  timesteps: tf.Tensor1D,
  condition: tf.Tensor | null,
  contextDropMask?: tf.Tensor1D | null,
) => tf.Tensor;

/**
 * Inputs of one training step, as plain arrays so they can be split between workers.
 * x0 and noise: [size, ...sampleShape]; timesteps, labels and dropMask: [size];
 * contexts: [size, contextDim]. labels, contexts and dropMask are null when unused.
 */
export interface TrainingBatch {
  size: number;
  sampleShape: number[];
  x0: Float32Array;
  noise: Float32Array;
  timesteps: Int32Array;
  labels: Int32Array | null;
  contexts: Float32Array | null;
  contextDim: number;
  dropMask: Float32Array | null;
}

/**
 * Computes the mean diffusion loss of `batch` and its gradient with respect to every
 * variable in `params`. Both the one-thread trainer and each gradient worker run this,
 * so a shard's gradient comes from the same operations as the whole batch's.
 */
export function batchLossAndGradients(
  network: { schedule: NoiseSchedule; predictionType: string; forward: ForwardFn },
  params: Map<string, tf.Variable>,
  batch: TrainingBatch,
): { loss: number; grads: Map<string, tf.Tensor> } {
  const { schedule, predictionType, forward } = network;
  const { size, timesteps, labels, contexts, dropMask } = batch;
  const shape = [size, ...batch.sampleShape];
  const variables = Array.from(params.values());
  const { value, grads } = tf.tidy(() => {
    const x0 = tf.tensor(batch.x0, shape);
    const noise = tf.tensor(batch.noise, shape);
    const xt = addNoise(schedule, x0, noise, timesteps);
    const target = trainingTarget(schedule, x0, noise, timesteps, predictionType);
    const t = tf.tensor1d(timesteps, 'int32');
    const y = labels ? tf.tensor1d(labels, 'int32') : contexts ? tf.tensor2d(contexts, [size, batch.contextDim]) : null;
    const mask = dropMask ? tf.tensor1d(dropMask) : null;
    return tf.variableGrads(() => diffusionLoss(forward(params, xt, t, y, mask), target), variables);
  });
  const loss = value.dataSync()[0];
  value.dispose();
  const gradMap = new Map<string, tf.Tensor>();
  for (const [name, variable] of params) gradMap.set(name, grads[variable.name]);
  return { loss, grads: gradMap };
}

export interface DiffusionTrainerOptions {
  schedule: NoiseSchedule;
  predictionType: string;
  paramSpecs: ParamSpec[];
  forward: ForwardFn;
  data: TrainingData;
  /** Label used for "no condition" (classifier-free guidance); required with labels. */
  nullClass?: number;
  batchSize: number;
  numSteps: number;
  learningRate: number;
  emaDecay: number;
  /** Probability of replacing a label with the null class during training. */
  conditionDropout: number;
  gradClipNorm?: number | null;
  seed: number;
  /** Checkpoint file path. Without it, no checkpoints are written. */
  checkpointPath?: string;
  checkpointEvery?: number;
  /** Continue from `checkpointPath` if it exists. */
  resume?: boolean;
  /** Record the loss every this many steps in the history (default 10). */
  logEvery?: number;
  onProgress?: (progress: TrainingProgress) => void;
  onCheckpoint?: (step: number, filePath: string) => void;
}

/**
 * Trains a denoiser with the simple diffusion loss (Ho et al. 2020, eq. 14, or its v form):
 * each step draws a batch in seeded epoch order, timesteps t ~ U{0 … T−1}, noise ε ~ N(0, I),
 * drops labels to the null class with probability `conditionDropout`, and takes one Adam
 * step on ‖f(x_t, t, y) − target‖². Weights, Adam moments, EMA weights, the step and the
 * generator state go into each checkpoint, so a resumed run produces the same numbers as
 * an uninterrupted one on the same backend.
 */
export class DiffusionTrainer {
  readonly options: DiffusionTrainerOptions;
  readonly params: Map<string, tf.Variable>;
  readonly adam: Adam;
  readonly ema: ExponentialMovingAverage;
  step = 0;
  lossHistory: { step: number; loss: number }[] = [];
  private readonly noiseRng: Random;
  private readonly sampler: EpochSampler;

  constructor(options: DiffusionTrainerOptions) {
    validateTrainerOptions(options);
    this.options = options;
    const opened = openResumeCheckpoint('DiffusionTrainer', options);
    const checkpoint = opened?.checkpoint ?? null;
    const resumeFrom = opened?.resumeFrom ?? null;

    this.params = createParams(options.paramSpecs, new Random(options.seed));
    this.noiseRng = new Random(options.seed + 1);
    this.sampler = new EpochSampler(options.data.count, options.batchSize, options.seed + 2);
    this.adam = new Adam({ learningRate: options.learningRate, gradClipNorm: options.gradClipNorm ?? null });
    if (checkpoint) this.restore(checkpoint, resumeFrom as string);
    this.ema = new ExponentialMovingAverage(options.emaDecay, this.params);
    if (checkpoint) {
      for (const [name, value] of checkpoint.ema) {
        this.ema.shadow.get(name)?.dispose();
        this.ema.shadow.set(name, tf.tensor(value.data, value.shape));
      }
      log.info(`resumed from ${resumeFrom} at step ${this.step}`);
    }
  }

  private restore(checkpoint: TrainingCheckpoint, source: string): void {
    for (const [name, variable] of this.params) {
      const saved = checkpoint.params.get(name);
      if (!saved || saved.shape.join() !== variable.shape.join()) {
        throw new Error(
          `DiffusionTrainer: checkpoint ${source} does not match this network (parameter '${name}' ` +
            `${saved ? `has shape [${saved.shape}], expected [${variable.shape}]` : 'is missing'}); use the same model configuration`,
        );
      }
      variable.assign(tf.tensor(saved.data, saved.shape));
    }
    for (const [name, value] of checkpoint.adamFirstMoments) this.adam.firstMoments.set(name, tf.tensor(value.data, value.shape));
    for (const [name, value] of checkpoint.adamSecondMoments) this.adam.secondMoments.set(name, tf.tensor(value.data, value.shape));
    this.adam.step = checkpoint.adamStep;
    this.noiseRng.setState(checkpoint.noiseRng);
    this.step = checkpoint.step;
    this.lossHistory = checkpoint.lossHistory;
  }

  /** Runs one optimisation step and returns its loss. */
  trainStep(): number {
    // 1–2. Batch, timesteps and noise from the seeded generators.
    const batch = this.drawBatch();

    // 3. Loss and gradients.
    const { loss, grads } = this.lossAndGradients(batch);
    if (!Number.isFinite(loss)) {
      tf.dispose(Array.from(grads.values()));
      throw new Error(
        `DiffusionTrainer: loss became ${loss} at step ${this.step + 1}; lower the learning rate (${this.options.learningRate}) ` +
          'or set gradClipNorm, and resume from the last checkpoint',
      );
    }

    // 4. Adam update, then EMA.
    this.adam.apply(this.params, grads);
    tf.dispose(Array.from(grads.values()));
    this.ema.update(this.params);

    this.step += 1;
    const logEvery = this.options.logEvery ?? 10;
    if (this.step % logEvery === 0 || this.step === 1) this.lossHistory.push({ step: this.step, loss });
    return loss;
  }

  /**
   * Draws the inputs of the next step: rows in seeded epoch order, labels with condition
   * dropout (or context vectors with a drop mask), timesteps t ~ U{0 … T−1} and noise
   * ε ~ N(0, I). Advances the noise generator, so call it once per step.
   */
  protected drawBatch(): TrainingBatch {
    const { data, schedule, batchSize } = this.options;
    const sampleSize = data.sampleShape.reduce((a, b) => a * b, 1);

    // 1. Batch in seeded epoch order; labels with condition dropout.
    const indices = this.sampler.batch(this.step);
    const x0 = new Float32Array(batchSize * sampleSize);
    data.fillBatch(indices, x0);
    let labels: Int32Array | null = null;
    if (data.labels) {
      const batchLabels = Int32Array.from(indices, (i) => (data.labels as Int32Array)[i]);
      labels = dropConditionForTraining(batchLabels, this.options.nullClass as number, this.options.conditionDropout, this.noiseRng);
    }
    let contexts: Float32Array | null = null;
    let dropMask: Float32Array | null = null;
    if (data.contexts) {
      const { dim, values } = data.contexts;
      contexts = new Float32Array(batchSize * dim);
      dropMask = new Float32Array(batchSize);
      for (let i = 0; i < batchSize; i++) {
        contexts.set(values.subarray(indices[i] * dim, (indices[i] + 1) * dim), i * dim);
        dropMask[i] = this.noiseRng.uniform() < this.options.conditionDropout ? 1 : 0;
      }
    }

    // 2. Timesteps t ~ U{0 … T−1} and noise ε ~ N(0, I).
    const timesteps = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) timesteps[i] = this.noiseRng.int(schedule.numTrainTimesteps);
    const noise = this.noiseRng.normalArray(batchSize * sampleSize);
    return { size: batchSize, sampleShape: data.sampleShape, x0, noise, timesteps, labels, contexts, contextDim: data.contexts?.dim ?? 0, dropMask };
  }

  /** Returns the batch's mean loss and its gradient for every parameter, by name. The caller disposes the gradients. */
  protected lossAndGradients(batch: TrainingBatch): { loss: number; grads: Map<string, tf.Tensor> } {
    return batchLossAndGradients(this.options, this.params, batch);
  }

  saveCheckpoint(filePath = this.options.checkpointPath): void {
    if (!filePath) throw new Error('DiffusionTrainer.saveCheckpoint: no checkpointPath was given');
    saveCheckpoint(filePath, {
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
      this.options.onProgress?.({ step: this.step, total: numSteps, loss, msPerStep: smoothedMs });
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

function validateTrainerOptions(options: DiffusionTrainerOptions): void {
  const fail = (message: string) => {
    throw new Error(`DiffusionTrainer: ${message}`);
  };
  checkPredictionType('DiffusionTrainer', options.predictionType);
  const positiveInt = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 1) fail(`\`${name}\` must be an integer >= 1, got ${value}`);
  };
  positiveInt('batchSize', options.batchSize);
  positiveInt('numSteps', options.numSteps);
  if (options.checkpointEvery !== undefined) positiveInt('checkpointEvery', options.checkpointEvery);
  if (!Number.isInteger(options.seed)) fail(`\`seed\` must be an integer, got ${options.seed}`);
  if (!(options.conditionDropout >= 0 && options.conditionDropout < 1)) fail(`\`conditionDropout\` must be in [0, 1), got ${options.conditionDropout}`);
  if (options.data.labels) {
    if (options.data.labels.length !== options.data.count) {
      fail(`${options.data.labels.length} labels for ${options.data.count} samples; give one label per sample`);
    }
    if (options.nullClass === undefined) fail('`nullClass` is required when the data has labels');
  }
  if (options.data.contexts) {
    const { dim, values } = options.data.contexts;
    if (options.data.labels) fail('the data has both labels and context vectors; condition on one of them');
    if (!Number.isInteger(dim) || dim < 1 || values.length !== dim * options.data.count) {
      fail(`context vectors must be [${options.data.count}, dim] with dim >= 1, got ${values.length} values for dim ${dim}`);
    }
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`context vector of row ${Math.floor(bad / dim)} holds ${values[bad]}; recompute the embeddings or drop that row`);
  }
}
