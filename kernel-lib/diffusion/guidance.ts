import * as tf from '@tensorflow/tfjs';
import type { Random } from '../util/random';
import type { Denoiser } from './types';

export interface ClassifierFreeGuidanceOptions {
  /**
   * Guidance scale s >= 0 in uncond + s * (cond - uncond): 0 gives the unconditional
   * prediction, 1 the conditional one, and larger values push further towards the condition.
   */
  guidanceScale: number;
  /**
   * The condition the model was trained with when the label was dropped: one row, shape
   * `[1, ...conditionRowShape]`, or `[]` for an int32 class id. Its dtype must match the condition's.
   * The caller owns it and disposes it after sampling.
   */
  nullCondition: tf.Tensor;
  /**
   * Training timesteps `[first, last]`, inclusive, where guidance applies (default: every
   * timestep). At other timesteps the wrapper returns the conditional prediction alone, from one
   * call on the batch without null rows, so those steps cost half as much. Kynkäänniemi et al.
   * 2024, "Applying Guidance in a Limited Interval Improves Sample and Distribution Quality in
   * Diffusion Models", found guidance harmful at the highest noise levels and of little use at
   * the lowest.
   */
  guidanceInterval?: readonly [number, number];
}

/**
 * Wraps a conditional denoiser in classifier-free guidance (Ho and Salimans 2022,
 * "Classifier-Free Diffusion Guidance"): their (1 + w) * cond - w * uncond, written as
 * uncond + guidanceScale * (cond - uncond) with guidanceScale = 1 + w.
 *
 * Each call makes ONE call of `denoiser` on a doubled batch: x and timesteps concatenated with
 * themselves, and the condition concatenated with `nullCondition` tiled to the batch. The first
 * half of the output is the conditional prediction, the second half the unconditional one.
 * At guidanceScale === 1, and at timesteps outside `guidanceInterval`, the result would be the
 * conditional prediction, so the wrapper calls `denoiser` on the original batch alone and skips
 * the unconditional half. With an interval, every row of a call must share one timestep, as
 * the samplers' calls do.
 */
export function withClassifierFreeGuidance(denoiser: Denoiser, options: ClassifierFreeGuidanceOptions): Denoiser {
  const { guidanceScale, nullCondition } = options;
  const interval = options.guidanceInterval ?? null;
  if (typeof guidanceScale !== 'number' || !Number.isFinite(guidanceScale) || guidanceScale < 0) {
    throw new Error(
      `withClassifierFreeGuidance: \`guidanceScale\` must be a finite number >= 0, got ${guidanceScale}`,
    );
  }
  if (!(nullCondition instanceof tf.Tensor)) {
    throw new Error('withClassifierFreeGuidance: `nullCondition` must be a tensor of one row, got none');
  }
  if (nullCondition.rank > 0 && nullCondition.shape[0] !== 1) {
    throw new Error(
      `withClassifierFreeGuidance: \`nullCondition\` must have shape [1, ...] or [], got [${nullCondition.shape}]`,
    );
  }

  if (interval !== null) checkGuidanceInterval(interval);

  return (x, timesteps, condition) => {
    if (condition === null) {
      throw new Error('withClassifierFreeGuidance: the guided denoiser needs a condition, got null');
    }
    if (guidanceScale === 1) return denoiser(x, timesteps, condition);
    if (interval !== null && !isInsideInterval(timesteps, interval)) return denoiser(x, timesteps, condition);

    const batch = x.shape[0];
    const rowShape = condition.shape.slice(1);
    const rowSize = rowShape.reduce((product, size) => product * size, 1);
    if (nullCondition.size !== rowSize || nullCondition.dtype !== condition.dtype) {
      throw new Error(
        `withClassifierFreeGuidance: \`nullCondition\` (shape [${nullCondition.shape}], ${nullCondition.dtype}) ` +
          `does not match one row of the condition (shape [${rowShape}], ${condition.dtype})`,
      );
    }

    return tf.tidy(() => {
      // [batch, ...rowShape]: the null row repeated for every sample.
      const nullRows = tf.broadcastTo(tf.reshape(nullCondition, [1, ...rowShape]), [batch, ...rowShape]);
      // [2 * batch, ...]: conditional rows first, unconditional rows second.
      const output = denoiser(
        tf.concat([x, x], 0),
        tf.concat([timesteps, timesteps], 0) as tf.Tensor1D,
        tf.concat([condition, nullRows], 0),
      );
      if (output.shape[0] !== 2 * batch) {
        throw new Error(
          `withClassifierFreeGuidance: the denoiser returned ${output.shape[0]} rows for a doubled batch of ${2 * batch}`,
        );
      }
      const [conditional, unconditional] = tf.split(output, 2, 0);
      return tf.add(unconditional, tf.mul(tf.sub(conditional, unconditional), guidanceScale));
    });
  };
}

/** Throws unless `interval` is `[first, last]` of integers with 0 <= first <= last. */
function checkGuidanceInterval(interval: readonly [number, number]): void {
  const valid =
    Array.isArray(interval) &&
    interval.length === 2 &&
    interval.every((t) => Number.isInteger(t) && t >= 0) &&
    interval[0] <= interval[1];
  if (!valid) {
    throw new Error(
      `withClassifierFreeGuidance: \`guidanceInterval\` must be [first, last] training timesteps, integers with ` +
        `0 <= first <= last, got ${JSON.stringify(interval)}`,
    );
  }
}

/**
 * Returns whether the call's timestep lies in `interval`. Reads the timesteps back from the
 * backend (one int32 per row) and throws when the rows do not share one timestep.
 */
function isInsideInterval(timesteps: tf.Tensor1D, interval: readonly [number, number]): boolean {
  const values = timesteps.dataSync();
  const t = values[0];
  for (let i = 1; i < values.length; i++) {
    if (values[i] !== t) {
      throw new Error(
        `withClassifierFreeGuidance: with \`guidanceInterval\` every row must share one timestep, ` +
          `got ${t} and ${values[i]}; call it once per timestep or drop the interval`,
      );
    }
  }
  return t >= interval[0] && t <= interval[1];
}

/**
 * Replaces each class label with `nullClass` with probability `probability`, so one network learns
 * both the conditional and the unconditional model (classifier-free guidance training). Draws one
 * uniform number per label from `rng`. Returns a new array. Training only: samplers never drop labels.
 */
export function dropConditionForTraining(
  labels: Int32Array,
  nullClass: number,
  probability: number,
  rng: Random,
): Int32Array {
  if (!Number.isInteger(nullClass)) {
    throw new Error(`dropConditionForTraining: \`nullClass\` must be an integer, got ${nullClass}`);
  }
  if (!(probability >= 0 && probability <= 1)) {
    throw new Error(`dropConditionForTraining: \`probability\` must be in [0, 1], got ${probability}`);
  }
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    out[i] = rng.uniform() < probability ? nullClass : labels[i];
  }
  return out;
}
