import * as tf from '@tensorflow/tfjs';
import { AutoencoderConfig, autoencoderParamSpecs, checkImageSides, decodeLatents, encodeDistribution, samplePosterior } from '../nets/autoencoder';
import { createParams } from '../nets/params';
import { Random } from '../util/random';
import { log } from '../util/log';
import { Adam } from './adam';
import { EpochSampler } from './batches';
import { RECONSTRUCTION_LOSSES, ReconstructionLoss, autoencoderLoss } from './autoencoder-loss';
import { TrainingCheckpoint, openResumeCheckpoint, saveCheckpoint, toNamedArrays } from './checkpoint';

/** Training images: uint8 grayscale [count, height, width], scaled to [−1, 1] batch by batch. */
export interface AutoencoderTrainingData {
  images: Uint8Array;
  count: number;
  height: number;
  width: number;
}

/** Progress of one autoencoder training step. */
export interface AutoencoderProgress {
  step: number;
  total: number;
  /** Minimised loss: reconstruction summed over pixels + β · KL, per image. */
  loss: number;
  /** Reconstruction error per pixel (mean absolute error for l1, mean squared error for l2). */
  reconstruction: number;
  /** KL(q(z | x) ‖ N(0, I)) per image. */
  kl: number;
  msPerStep: number;
}

export interface AutoencoderTrainerOptions {
  config: AutoencoderConfig;
  data: AutoencoderTrainingData;
  batchSize: number;
  numSteps: number;
  learningRate: number;
  /** Weight β of the KL term; see `autoencoderLoss` for its scale. */
  beta: number;
  /**
   * Side of the square random crop that each training image is cut to (a multiple of the
   * factor), or null for whole images. The network is convolutional, so an autoencoder trained
   * on crops runs on whole images; crops make each step cheaper on large images.
   */
  cropSize?: number | null;
  /** One of RECONSTRUCTION_LOSSES. */
  reconstructionLoss: string;
  gradClipNorm?: number | null;
  seed: number;
  /** Checkpoint file path. Without it, no checkpoints are written. */
  checkpointPath?: string;
  checkpointEvery?: number;
  /** Continue from `checkpointPath` if it exists. */
  resume?: boolean;
  /** Record the loss every this many steps in the history (default 10). */
  logEvery?: number;
  onProgress?: (progress: AutoencoderProgress) => void;
}

/**
 * Trains a KL-regularised autoencoder (see nets/autoencoder.ts) with Adam: each step draws a
 * batch in seeded epoch order, encodes it, draws z = μ + σ·ε with ε from the seeded generator,
 * decodes z and takes one step on reconstruction + β · KL. Weights, Adam moments, the step and
 * the generator state go into each checkpoint, so a resumed run gives the same numbers as an
 * uninterrupted one on the same backend.
 */
export class AutoencoderTrainer {
  readonly options: AutoencoderTrainerOptions;
  readonly params: Map<string, tf.Variable>;
  readonly adam: Adam;
  step = 0;
  lossHistory: { step: number; loss: number }[] = [];
  private readonly noiseRng: Random;
  private readonly sampler: EpochSampler;

  constructor(options: AutoencoderTrainerOptions) {
    validateOptions(options);
    this.options = options;
    const opened = openResumeCheckpoint('AutoencoderTrainer', options);
    const checkpoint = opened?.checkpoint ?? null;
    const resumeFrom = opened?.resumeFrom ?? null;
    this.params = createParams(autoencoderParamSpecs(options.config), new Random(options.seed));
    this.noiseRng = new Random(options.seed + 1);
    this.sampler = new EpochSampler(options.data.count, options.batchSize, options.seed + 2);
    this.adam = new Adam({ learningRate: options.learningRate, gradClipNorm: options.gradClipNorm ?? null });
    if (checkpoint) {
      this.restore(checkpoint, resumeFrom as string);
      log.info(`autoencoder: resumed from ${resumeFrom} at step ${this.step}`);
    }
  }

  private restore(checkpoint: TrainingCheckpoint, source: string): void {
    for (const [name, variable] of this.params) {
      const saved = checkpoint.params.get(name);
      if (!saved || saved.shape.join() !== variable.shape.join()) {
        throw new Error(
          `AutoencoderTrainer: checkpoint ${source} does not match this autoencoder (parameter '${name}' ` +
            `${saved ? `has shape [${saved.shape}], expected [${variable.shape}]` : 'is missing'}); use the same configuration`,
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

  /** Runs one optimisation step; returns the loss and its terms. */
  trainStep(): { loss: number; reconstruction: number; kl: number } {
    const { data, batchSize, config } = this.options;
    const cropHeight = this.options.cropSize ?? data.height;
    const cropWidth = this.options.cropSize ?? data.width;
    const size = cropHeight * cropWidth;
    const latentSize = (size / (config.factor * config.factor)) * config.latentChannels;

    // 1. Batch in seeded epoch order, pixels scaled to [−1, 1]; with cropSize, each image is cut
    //    at a random offset on the factor's grid.
    const indices = this.sampler.batch(this.step);
    const pixels = new Float32Array(batchSize * size);
    for (let i = 0; i < batchSize; i++) {
      const top = cropHeight === data.height ? 0 : config.factor * this.noiseRng.int((data.height - cropHeight) / config.factor + 1);
      const left = cropWidth === data.width ? 0 : config.factor * this.noiseRng.int((data.width - cropWidth) / config.factor + 1);
      const source = indices[i] * data.height * data.width;
      for (let row = 0; row < cropHeight; row++) {
        for (let column = 0; column < cropWidth; column++) {
          pixels[i * size + row * cropWidth + column] = data.images[source + (top + row) * data.width + left + column] / 127.5 - 1;
        }
      }
    }

    // 2. Posterior noise ε ~ N(0, I) for the reparameterised sample.
    const noiseValues = this.noiseRng.normalArray(batchSize * latentSize);

    // 3. Loss and gradients.
    const variables = Array.from(this.params.values());
    let reconstruction = NaN;
    let kl = NaN;
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor4d(pixels, [batchSize, cropHeight, cropWidth, 1]);
      const latentShape: [number, number, number, number] = [batchSize, cropHeight / config.factor, cropWidth / config.factor, config.latentChannels];
      const noise = tf.tensor4d(noiseValues, latentShape);
      return tf.variableGrads(() => {
        const distribution = encodeDistribution(config, this.params, x);
        const reconstructions = decodeLatents(config, this.params, samplePosterior(distribution, noise));
        const terms = autoencoderLoss(this.options.reconstructionLoss as ReconstructionLoss, x, reconstructions, distribution, this.options.beta);
        // Reading the terms here costs two small device-to-host copies per step.
        reconstruction = terms.reconstructionPerPixel.dataSync()[0];
        kl = terms.kl.dataSync()[0];
        return terms.total;
      }, variables);
    });
    const loss = value.dataSync()[0];
    value.dispose();
    if (!Number.isFinite(loss)) {
      tf.dispose(grads);
      throw new Error(
        `AutoencoderTrainer: loss became ${loss} at step ${this.step + 1}; lower the learning rate (${this.options.learningRate}) ` +
          'or set gradClipNorm, and resume from the last checkpoint',
      );
    }

    // 4. Adam update.
    const gradMap = new Map<string, tf.Tensor>();
    for (const [name, variable] of this.params) gradMap.set(name, grads[variable.name]);
    this.adam.apply(this.params, gradMap);
    tf.dispose(grads);

    this.step += 1;
    const logEvery = this.options.logEvery ?? 10;
    if (this.step % logEvery === 0 || this.step === 1) this.lossHistory.push({ step: this.step, loss });
    return { loss, reconstruction, kl };
  }

  saveCheckpoint(filePath = this.options.checkpointPath): void {
    if (!filePath) throw new Error('AutoencoderTrainer.saveCheckpoint: no checkpointPath was given');
    saveCheckpoint(filePath, {
      step: this.step,
      params: toNamedArrays(this.params),
      ema: new Map(),
      adamFirstMoments: toNamedArrays(this.adam.firstMoments),
      adamSecondMoments: toNamedArrays(this.adam.secondMoments),
      adamStep: this.adam.step,
      noiseRng: this.noiseRng.getState(),
      seed: this.options.seed,
      lossHistory: this.lossHistory,
    });
  }

  /** Trains until `numSteps`, checkpointing every `checkpointEvery` steps and at the end. */
  run(): void {
    const { numSteps, checkpointPath, checkpointEvery } = this.options;
    let lastTime = Date.now();
    let smoothedMs = 0;
    while (this.step < numSteps) {
      const { loss, reconstruction, kl } = this.trainStep();
      const now = Date.now();
      smoothedMs = smoothedMs === 0 ? now - lastTime : 0.9 * smoothedMs + 0.1 * (now - lastTime);
      lastTime = now;
      this.options.onProgress?.({ step: this.step, total: numSteps, loss, reconstruction, kl, msPerStep: smoothedMs });
      if (checkpointPath && checkpointEvery && this.step % checkpointEvery === 0) this.saveCheckpoint();
    }
    if (checkpointPath) this.saveCheckpoint();
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.adam.dispose();
  }
}

function validateOptions(options: AutoencoderTrainerOptions): void {
  const fail = (message: string) => {
    throw new Error(`AutoencoderTrainer: ${message}`);
  };
  const positiveInt = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 1) fail(`\`${name}\` must be an integer >= 1, got ${value}`);
  };
  positiveInt('batchSize', options.batchSize);
  positiveInt('numSteps', options.numSteps);
  if (options.checkpointEvery !== undefined) positiveInt('checkpointEvery', options.checkpointEvery);
  if (!Number.isInteger(options.seed)) fail(`\`seed\` must be an integer, got ${options.seed}`);
  if (!(options.beta >= 0 && Number.isFinite(options.beta))) fail(`\`beta\` must be a finite number >= 0 (e.g. 1e-6), got ${options.beta}`);
  if (!(RECONSTRUCTION_LOSSES as readonly string[]).includes(options.reconstructionLoss)) {
    fail(`\`reconstructionLoss\` must be one of ${RECONSTRUCTION_LOSSES.join(', ')}, got '${options.reconstructionLoss}'`);
  }
  const { images, count, height, width } = options.data;
  checkImageSides('AutoencoderTrainer', options.config, height, width);
  if (!(images instanceof Uint8Array) || !Number.isInteger(count) || count < 1 || images.length !== count * height * width) {
    fail(`data must hold ${count} uint8 images of ${height}×${width} (${count * height * width} values), got ${images?.length ?? 'none'}`);
  }
  const crop = options.cropSize ?? null;
  if (crop !== null && (!Number.isInteger(crop) || crop < options.config.factor || crop % options.config.factor !== 0 || crop > Math.min(height, width))) {
    fail(
      `\`cropSize\` must be null or a multiple of the factor ${options.config.factor} between ${options.config.factor} and ${Math.min(height, width)}, got ${crop}`,
    );
  }
}
