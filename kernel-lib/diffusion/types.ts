import * as tf from '@tensorflow/tfjs';

/**
 * A trained network seen by the samplers: it maps a noisy sample to the model
 * prediction (noise, velocity or clean sample, depending on how it was trained).
 *
 * - `x`: `[batch, ...sampleShape]`, for images `[batch, height, width, channels]`
 *   and for time series `[batch, hours, features]`.
 * - `timesteps`: int32 `[batch]`, training timesteps in [0, numTrainTimesteps - 1].
 * - `condition`: `batch` rows first, either int32 class ids `[batch]` or float
 *   embeddings `[batch, dim]`, or null for an unconditional model.
 *
 * Returns a new tensor with the shape of `x`, owned by the caller.
 */
export type Denoiser = (x: tf.Tensor, timesteps: tf.Tensor1D, condition: tf.Tensor | null) => tf.Tensor;

/** Progress of a sampling loop, reported after each step. */
export interface SamplerProgress {
  /** Steps done so far, from 1 to `total`. */
  step: number;
  /** Number of inference steps in this run. */
  total: number;
  /** Training timestep that the step just denoised. */
  timestep: number;
  /** Mean wall time per step so far, in milliseconds. */
  msPerStep: number;
}

export type SamplerProgressCallback = (progress: SamplerProgress) => void;
