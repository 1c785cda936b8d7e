import * as tf from '@tensorflow/tfjs';
import type { NoiseSchedule } from './schedules';

/**
 * Targets the network can be trained to predict, with alpha_t = sqrt(alphaBar_t) and
 * sigma_t = sqrt(1 - alphaBar_t), so that x_t = alpha_t * x_0 + sigma_t * eps:
 *
 * - epsilon: the noise eps (Ho et al. 2020).
 * - v_prediction: the velocity v = alpha_t * eps - sigma_t * x_0 (Salimans and Ho 2022,
 *   "Progressive Distillation for Fast Sampling of Diffusion Models", section 4).
 *   It stays well defined at alphaBar = 0, which zero-terminal-SNR schedules need.
 */
export const PREDICTION_TYPES = ['epsilon', 'v_prediction'] as const;
export type PredictionType = (typeof PREDICTION_TYPES)[number];

/** Signal and noise coefficients of one timestep, in float64. */
export interface NoiseLevel {
  /** sqrt(alphaBar_t). */
  alpha: number;
  /** sqrt(1 - alphaBar_t). */
  sigma: number;
}

/** Throws unless `predictionType` is one of PREDICTION_TYPES; `caller` starts the message. */
export function checkPredictionType(caller: string, predictionType: string): asserts predictionType is PredictionType {
  if (!(PREDICTION_TYPES as readonly string[]).includes(predictionType)) {
    throw new Error(
      `${caller}: unknown \`predictionType\` '${predictionType}'; use one of ${PREDICTION_TYPES.join(', ')}`,
    );
  }
}

/** Returns alpha_t and sigma_t of training timestep `t`. */
export function noiseLevelAt(schedule: NoiseSchedule, t: number): NoiseLevel {
  checkTimestep('noiseLevelAt', schedule, t);
  return { alpha: schedule.sqrtAlphasCumprod[t], sigma: schedule.sqrtOneMinusAlphasCumprod[t] };
}

/**
 * Noises clean samples to their timesteps: x_t = sqrt(alphaBar_t) * x_0 + sqrt(1 - alphaBar_t) * eps.
 * `x0` and `noise` are `[batch, ...sampleShape]`, `timesteps` has one entry per row.
 * Returns a new tensor of the same shape.
 */
export function addNoise(schedule: NoiseSchedule, x0: tf.Tensor, noise: tf.Tensor, timesteps: Int32Array): tf.Tensor {
  checkBatch('addNoise', schedule, x0, noise, timesteps);
  return tf.tidy(() => {
    const alphas = gatherPerRow(schedule.sqrtAlphasCumprod, timesteps, x0.rank);
    const sigmas = gatherPerRow(schedule.sqrtOneMinusAlphasCumprod, timesteps, x0.rank);
    return tf.add(tf.mul(alphas, x0), tf.mul(sigmas, noise));
  });
}

/**
 * Returns the regression target of the network for noised samples: eps for 'epsilon', and
 * v = sqrt(alphaBar_t) * eps - sqrt(1 - alphaBar_t) * x_0 for 'v_prediction'.
 * Shapes as in addNoise.
 */
export function trainingTarget(
  schedule: NoiseSchedule,
  x0: tf.Tensor,
  noise: tf.Tensor,
  timesteps: Int32Array,
  predictionType: string,
): tf.Tensor {
  checkPredictionType('trainingTarget', predictionType);
  checkBatch('trainingTarget', schedule, x0, noise, timesteps);
  if (predictionType === 'epsilon') return tf.clone(noise);
  return tf.tidy(() => {
    const alphas = gatherPerRow(schedule.sqrtAlphasCumprod, timesteps, x0.rank);
    const sigmas = gatherPerRow(schedule.sqrtOneMinusAlphasCumprod, timesteps, x0.rank);
    return tf.sub(tf.mul(alphas, noise), tf.mul(sigmas, x0));
  });
}

/**
 * Estimates the clean sample x_0 from x_t and the model output at one noise level:
 * epsilon: x_0 = (x_t - sigma * eps) / alpha; v_prediction: x_0 = alpha * x_t - sigma * v.
 * Throws for an epsilon prediction at alpha = 0, where x_0 cannot be recovered.
 */
export function predictOriginalSample(
  level: NoiseLevel,
  xt: tf.Tensor,
  modelOutput: tf.Tensor,
  predictionType: string,
): tf.Tensor {
  checkPredictionType('predictOriginalSample', predictionType);
  if (predictionType === 'epsilon') {
    if (level.alpha === 0) {
      throw new Error(
        'predictOriginalSample: an epsilon prediction at alphaBar = 0 carries no information about x_0; ' +
          "train with predictionType 'v_prediction' for a zero-terminal-SNR schedule",
      );
    }
    return tf.tidy(() => tf.div(tf.sub(xt, tf.mul(modelOutput, level.sigma)), level.alpha));
  }
  return tf.tidy(() => tf.sub(tf.mul(xt, level.alpha), tf.mul(modelOutput, level.sigma)));
}

/**
 * Estimates the noise eps from x_t and the model output at one noise level:
 * epsilon: the output itself (a copy); v_prediction: eps = sigma * x_t + alpha * v.
 */
export function predictEpsilon(level: NoiseLevel, xt: tf.Tensor, modelOutput: tf.Tensor, predictionType: string): tf.Tensor {
  checkPredictionType('predictEpsilon', predictionType);
  if (predictionType === 'epsilon') return tf.clone(modelOutput);
  return tf.tidy(() => tf.add(tf.mul(xt, level.sigma), tf.mul(modelOutput, level.alpha)));
}

/**
 * Returns Min-SNR-gamma loss weights, one per row (Hang et al. 2023, "Efficient Diffusion Training
 * via Min-SNR Weighting Strategy"), with SNR_t = alphaBar_t / (1 - alphaBar_t):
 * epsilon targets get min(SNR, gamma) / SNR, written as min(1, gamma / SNR) so SNR = 0 gives 1;
 * v targets get min(SNR, gamma) / (SNR + 1), which is 0 at SNR = 0. Both stay finite at zero terminal SNR.
 */
export function minSnrLossWeights(
  schedule: NoiseSchedule,
  timesteps: Int32Array,
  predictionType: string,
  gamma = 5,
): Float32Array {
  checkPredictionType('minSnrLossWeights', predictionType);
  if (!(Number.isFinite(gamma) && gamma > 0)) {
    throw new Error(`minSnrLossWeights: \`gamma\` must be a positive finite number, got ${gamma}`);
  }
  const weights = new Float32Array(timesteps.length);
  for (let i = 0; i < timesteps.length; i++) {
    checkTimestep('minSnrLossWeights', schedule, timesteps[i]);
    const alphaBar = schedule.alphasCumprod[timesteps[i]];
    const snr = alphaBar / (1 - alphaBar);
    weights[i] = predictionType === 'epsilon' ? Math.min(1, gamma / snr) : Math.min(snr, gamma) / (snr + 1);
  }
  return weights;
}

/**
 * Returns the diffusion training loss as a scalar: the mean squared error of each row of
 * `prediction` against `target` (both `[batch, ...sampleShape]`), multiplied by `weights[row]`
 * when given, then averaged over the batch. Differentiable, so it can sit inside tf.variableGrads.
 */
export function diffusionLoss(prediction: tf.Tensor, target: tf.Tensor, weights: Float32Array | null = null): tf.Scalar {
  if (!sameShape(prediction.shape, target.shape)) {
    throw new Error(
      `diffusionLoss: \`prediction\` and \`target\` must have the same shape, got [${prediction.shape}] and [${target.shape}]`,
    );
  }
  if (prediction.rank < 1) {
    throw new Error('diffusionLoss: expected tensors of shape [batch, ...], got a scalar');
  }
  const batch = prediction.shape[0];
  if (weights !== null) {
    if (weights.length !== batch) {
      throw new Error(`diffusionLoss: expected ${batch} weights (one per row), got ${weights.length}`);
    }
    const bad = weights.findIndex((w) => !Number.isFinite(w));
    if (bad >= 0) {
      throw new Error(`diffusionLoss: weights must be finite, got ${weights[bad]} at row ${bad}`);
    }
  }
  return tf.tidy(() => {
    const sampleAxes = Array.from({ length: prediction.rank - 1 }, (_, i) => i + 1);
    const squaredError = tf.squaredDifference(prediction, target);
    // [batch]: each row's mean over all sample elements.
    let perRow = sampleAxes.length > 0 ? tf.mean(squaredError, sampleAxes) : squaredError;
    if (weights !== null) perRow = tf.mul(perRow, tf.tensor1d(weights, 'float32'));
    return tf.mean(perRow) as tf.Scalar;
  });
}

/** Float32 tensor `[batch, 1, …, 1]` of `rank` dimensions holding coefficients[timesteps[row]]. */
function gatherPerRow(coefficients: Float64Array, timesteps: Int32Array, rank: number): tf.Tensor {
  const values = Float32Array.from(timesteps, (t) => coefficients[t]);
  const shape = [timesteps.length, ...new Array<number>(rank - 1).fill(1)];
  return tf.tensor(values, shape, 'float32');
}

function checkBatch(caller: string, schedule: NoiseSchedule, x0: tf.Tensor, noise: tf.Tensor, timesteps: Int32Array): void {
  if (!sameShape(x0.shape, noise.shape)) {
    throw new Error(`${caller}: \`x0\` and \`noise\` must have the same shape, got [${x0.shape}] and [${noise.shape}]`);
  }
  if (x0.rank < 1 || x0.shape[0] !== timesteps.length) {
    throw new Error(
      `${caller}: expected one timestep per row of x0 (shape [${x0.shape}]), got ${timesteps.length} timesteps`,
    );
  }
  for (const t of timesteps) checkTimestep(caller, schedule, t);
}

function checkTimestep(caller: string, schedule: NoiseSchedule, t: number): void {
  if (!Number.isInteger(t) || t < 0 || t >= schedule.numTrainTimesteps) {
    throw new Error(`${caller}: timestep must be an integer in [0, ${schedule.numTrainTimesteps - 1}], got ${t}`);
  }
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}
