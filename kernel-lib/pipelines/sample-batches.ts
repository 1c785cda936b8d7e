import * as tf from '@tensorflow/tfjs';
import { withClassifierFreeGuidance } from '../diffusion/guidance';
import { sample, SAMPLERS } from '../diffusion/samplers';
import { Denoiser, SamplerProgressCallback } from '../diffusion/types';
import { NoiseSchedule } from '../diffusion/schedules';
import { Random } from '../util/random';

/** Progress of batched sampling: images done before this batch, and the step within it. */
export interface BatchSamplingProgress {
  done: number;
  total: number;
  step: number;
  steps: number;
  msPerStep: number;
}

export interface SampleImageBatchesOptions {
  caller: string;
  denoiser: Denoiser;
  schedule: NoiseSchedule;
  predictionType: string;
  height: number;
  width: number;
  /** Channels of one sample (default 1). */
  channels?: number;
  /** Clip each x_0 estimate to [−clipSample, clipSample], or null for no clipping (default 1, for pixels in [−1, 1]). */
  clipSample?: number | null;
  count: number;
  /** Condition rows for images `done` … `done + n − 1`; the caller's tensor is disposed here. */
  conditionFor: (done: number, n: number) => tf.Tensor;
  /** One "no condition" row; owned by the caller. */
  nullCondition: tf.Tensor;
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
 * Samples `count` images in batches with classifier-free guidance, all batches drawing from
 * one generator seeded with `seed`. Returns [count, height, width, channels]; with the default
 * one channel and clipSample 1, pixels in [−1, 1].
 */
export function sampleImageBatches(options: SampleImageBatchesOptions): Float32Array {
  const { caller, count, height, width } = options;
  if (!Number.isInteger(count) || count < 1) throw new Error(`${caller}: count must be an integer >= 1, got ${count}`);
  if (!(SAMPLERS as readonly string[]).includes(options.sampler)) {
    throw new Error(`${caller}: unknown sampler '${options.sampler}'; use one of ${SAMPLERS.join(', ')}`);
  }
  const batchSize = options.batchSize ?? 32;
  const channels = options.channels ?? 1;
  const sampleSize = height * width * channels;
  const out = new Float32Array(count * sampleSize);
  const rng = new Random(options.seed);
  const denoiser = withClassifierFreeGuidance(options.denoiser, {
    guidanceScale: options.guidanceScale,
    nullCondition: options.nullCondition,
    guidanceInterval: options.guidanceInterval,
  });
  for (let done = 0; done < count; done += batchSize) {
    const n = Math.min(batchSize, count - done);
    const condition = options.conditionFor(done, n);
    const onStep: SamplerProgressCallback = (p) => options.onProgress?.({ done, total: count, step: p.step, steps: p.total, msPerStep: p.msPerStep });
    try {
      const result = sample({
        sampler: options.sampler,
        schedule: options.schedule,
        denoiser,
        shape: [n, height, width, channels],
        condition,
        numInferenceSteps: options.numInferenceSteps,
        timestepSpacing: options.timestepSpacing,
        predictionType: options.predictionType,
        rng,
        eta: options.eta,
        clipSample: options.clipSample === undefined ? 1 : options.clipSample,
        onProgress: onStep,
      });
      out.set(result.dataSync() as Float32Array, done * sampleSize);
      result.dispose();
    } finally {
      condition.dispose();
    }
  }
  return out;
}
