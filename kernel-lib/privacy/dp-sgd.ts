/**
 * DP-SGD building blocks (Abadi et al. 2016, "Deep Learning with Differential Privacy"): Poisson
 * sampling of a batch, per-example gradient clipping over all parameters jointly, Gaussian noise
 * and averaging. The sampled Gaussian mechanism these steps implement is what RdpAccountant
 * accounts for, so the sampling must be Poisson (each example independently with rate q), never
 * a fixed-size shuffle.
 *
 * NOTE: the noise comes from Random.normal (Box-Muller on float64, added in float32). Such
 * samplers are not hardened against floating-point attacks on the Gaussian mechanism, so the
 * guarantee holds for the idealised mechanism only.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../util/random';
import { checkNoiseMultiplier, checkSampleRate } from './dp-parameters';
import { RdpAccountant } from './rdp-accountant';

/**
 * Draws a Poisson-sampled batch: each of `datasetSize` examples joins independently with
 * probability `sampleRate`, using one `random.uniform()` per example in index order. Returns the
 * chosen indices in increasing order; an empty batch is legal and returns an empty array.
 */
export function poissonSample(datasetSize: number, sampleRate: number, random: Random): Int32Array {
  if (!Number.isSafeInteger(datasetSize) || datasetSize < 1) {
    throw new Error(`poissonSample: \`datasetSize\` must be a positive integer, got ${datasetSize}`);
  }
  checkSampleRate('poissonSample', sampleRate);
  const chosen: number[] = [];
  for (let i = 0; i < datasetSize; i++) if (random.uniform() < sampleRate) chosen.push(i);
  return Int32Array.from(chosen);
}

/** Settings shared by privatizeGradients and dpSgdStep. */
export interface PrivacySettings {
  /** L2 norm C that each example's gradient, over all parameters jointly, is clipped to. */
  clipNorm: number;
  /** σ: the noise standard deviation per coordinate is σ C. */
  noiseMultiplier: number;
  /** Poisson sampling rate q in (0, 1]. */
  sampleRate: number;
  /** Number of training examples N; the noisy sum is divided by the expected batch size q N. */
  datasetSize: number;
  /** Generator of the noise (and of the batch in dpSgdStep). */
  random: Random;
}

/** A privatised gradient; the caller owns and disposes the tensors in `gradients`. */
export interface PrivateGradient {
  /** (Σ clipped per-example gradients + N(0, σ²C²)) / (q N), one tensor per parameter name. */
  gradients: Map<string, tf.Tensor>;
  /** Number of examples in the batch. */
  batchSize: number;
  /** L2 norm of each example's gradient before clipping, `[batchSize]`. */
  perExampleNorms: Float64Array;
  /** Number of examples whose norm exceeded clipNorm. */
  clippedCount: number;
}

function checkSettings(fn: string, settings: PrivacySettings): void {
  if (typeof settings.clipNorm !== 'number' || !Number.isFinite(settings.clipNorm) || settings.clipNorm <= 0) {
    throw new Error(`${fn}: \`clipNorm\` must be a finite number > 0, got ${settings.clipNorm}`);
  }
  checkNoiseMultiplier(fn, settings.noiseMultiplier);
  checkSampleRate(fn, settings.sampleRate);
  if (!Number.isSafeInteger(settings.datasetSize) || settings.datasetSize < 1) {
    throw new Error(`${fn}: \`datasetSize\` must be a positive integer, got ${settings.datasetSize}`);
  }
  if (!(settings.random instanceof Random)) {
    throw new Error(`${fn}: \`random\` must be a Random from kernel-lib/util/random, so the noise is reproducible`);
  }
}

/**
 * Running sum of clipped per-example gradients. Each gradient g is scaled by min(1, C / ||g||),
 * with ||g|| the L2 norm over every parameter at once.
 */
class ClippedGradientSum {
  private readonly sums = new Map<string, tf.Tensor>();
  readonly norms: number[] = [];
  clippedCount = 0;

  constructor(
    private readonly shapes: Map<string, number[]>,
    private readonly clipNorm: number,
  ) {
    for (const [name, shape] of shapes) this.sums.set(name, tf.zeros(shape));
  }

  /** Adds one example's gradients; a parameter missing from `gradients` counts as a zero gradient. */
  add(gradients: Map<string, tf.Tensor | undefined>): void {
    const present = Array.from(this.shapes.keys()).filter((name) => gradients.get(name) !== undefined);
    let squaredNorm = 0;
    if (present.length > 0) {
      const total = tf.tidy(() => tf.addN(present.map((name) => tf.sum(tf.square(gradients.get(name) as tf.Tensor)))));
      squaredNorm = total.dataSync()[0];
      total.dispose();
    }
    const norm = Math.sqrt(squaredNorm);
    this.norms.push(norm);
    const scale = norm > this.clipNorm ? this.clipNorm / norm : 1;
    if (norm > this.clipNorm) this.clippedCount++;
    for (const name of present) {
      const previous = this.sums.get(name) as tf.Tensor;
      this.sums.set(name, tf.tidy(() => tf.add(previous, tf.mul(gradients.get(name) as tf.Tensor, scale))));
      previous.dispose();
    }
  }

  /**
   * Adds N(0, (σ C)²) noise per coordinate, drawn in parameter-name order (sorted) and row-major
   * within a parameter, divides by q N and returns the result, consuming the sums.
   */
  finish(settings: PrivacySettings): PrivateGradient {
    // Dividing by the expected batch size q N (not the sampled size) keeps the estimate of the mean
    // gradient unbiased, and the noise scale does not depend on the sampled size, which is private.
    const expectedBatchSize = settings.sampleRate * settings.datasetSize;
    const noiseScale = settings.noiseMultiplier * this.clipNorm;
    const gradients = new Map<string, tf.Tensor>();
    for (const name of Array.from(this.shapes.keys()).sort()) {
      const shape = this.shapes.get(name) as number[];
      const size = shape.reduce((a, b) => a * b, 1);
      const noise = new Float32Array(size);
      for (let i = 0; i < size; i++) noise[i] = noiseScale * settings.random.normal();
      const sum = this.sums.get(name) as tf.Tensor;
      gradients.set(name, tf.tidy(() => tf.div(tf.add(sum, tf.tensor(noise, shape)), expectedBatchSize)));
      sum.dispose();
    }
    this.sums.clear();
    return {
      gradients,
      batchSize: this.norms.length,
      perExampleNorms: Float64Array.from(this.norms),
      clippedCount: this.clippedCount,
    };
  }

  dispose(): void {
    for (const sum of this.sums.values()) sum.dispose();
    this.sums.clear();
  }
}

/**
 * Privatises given per-example gradients: clips each example's gradient map to L2 norm C over all
 * parameters jointly, sums, adds N(0, σ²C²) per coordinate and divides by q N. `parameters`
 * fixes the names and shapes (it is read, not changed), so an empty batch still returns pure
 * noise of the right shapes. Leaves `tf.memory().numTensors` unchanged apart from the returned
 * gradients; the inputs are not disposed.
 */
export function privatizeGradients(
  perExampleGradients: Map<string, tf.Tensor>[],
  parameters: Map<string, tf.Tensor>,
  settings: PrivacySettings,
): PrivateGradient {
  const fn = 'privatizeGradients';
  checkSettings(fn, settings);
  const shapes = new Map(Array.from(parameters, ([name, tensor]) => [name, tensor.shape] as [string, number[]]));
  perExampleGradients.forEach((gradients, example) => {
    for (const [name, shape] of shapes) {
      const gradient = gradients.get(name);
      if (gradient === undefined || gradient.shape.join(',') !== shape.join(',')) {
        throw new Error(
          `${fn}: example ${example} has ${gradient === undefined ? 'no gradient' : `shape [${gradient.shape}]`} ` +
            `for parameter '${name}', expected shape [${shape}]; pass one gradient per parameter`,
        );
      }
    }
  });

  const sum = new ClippedGradientSum(shapes, settings.clipNorm);
  try {
    for (const gradients of perExampleGradients) sum.add(gradients);
    return sum.finish(settings);
  } finally {
    sum.dispose();
  }
}

export interface DpSgdStepRequest extends PrivacySettings {
  /** Trainable parameters by name; their gradients are returned under the same names. */
  params: Map<string, tf.Variable>;
  /** Loss of one training example, by its index in [0, datasetSize). */
  perExampleLoss: (example: number) => tf.Scalar;
  /** When given, the step is recorded in it with (sampleRate, noiseMultiplier). */
  accountant?: RdpAccountant;
}

export interface DpSgdStepResult extends PrivateGradient {
  /** Indices of the Poisson-sampled batch, increasing. */
  batch: Int32Array;
}

/**
 * Computes one DP-SGD gradient: Poisson-samples a batch from `random`, then takes each example's
 * gradient with tf.variableGrads, clips it, sums, adds noise and divides by q N (see
 * privatizeGradients). TensorFlow.js cannot vectorise gradients per example, so this costs one
 * forward and one backward pass per sampled example. Per-example gradients are disposed as soon
 * as they are added. The caller applies and disposes the returned gradients; numTensors is
 * otherwise unchanged.
 */
export function dpSgdStep(request: DpSgdStepRequest): DpSgdStepResult {
  const fn = 'dpSgdStep';
  checkSettings(fn, request);
  if (!(request.params instanceof Map) || request.params.size === 0) {
    throw new Error(`${fn}: \`params\` must be a non-empty Map of parameter name to tf.Variable`);
  }
  const names = Array.from(request.params.keys());
  const variables = names.map((name) => request.params.get(name) as tf.Variable);
  const shapes = new Map(names.map((name, i) => [name, variables[i].shape] as [string, number[]]));

  const batch = poissonSample(request.datasetSize, request.sampleRate, request.random);
  const sum = new ClippedGradientSum(shapes, request.clipNorm);
  try {
    for (const example of batch) {
      const { value, grads } = tf.variableGrads(() => request.perExampleLoss(example), variables);
      value.dispose();
      // A variable the loss does not use has no entry in `grads`; it counts as a zero gradient.
      const byName = new Map(names.map((name, i) => [name, grads[variables[i].name] as tf.Tensor | undefined]));
      try {
        sum.add(byName);
      } finally {
        tf.dispose(grads);
      }
    }
    const result = sum.finish(request);
    request.accountant?.step(request.sampleRate, request.noiseMultiplier);
    return { ...result, batch };
  } finally {
    sum.dispose();
  }
}
