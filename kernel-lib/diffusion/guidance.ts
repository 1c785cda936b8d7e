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
}

/**
 * Wraps a conditional denoiser in classifier-free guidance (Ho and Salimans 2022,
 * "Classifier-Free Diffusion Guidance"): their (1 + w) * cond - w * uncond, written as
 * uncond + guidanceScale * (cond - uncond) with guidanceScale = 1 + w.
 *
 * Each call makes ONE call of `denoiser` on a doubled batch: x and timesteps concatenated with
 * themselves, and the condition concatenated with `nullCondition` tiled to the batch. The first
 * half of the output is the conditional prediction, the second half the unconditional one.
 * At guidanceScale === 1 the result would be the conditional prediction, so the wrapper calls
 * `denoiser` on the original batch alone and skips the unconditional half.
 */
export function withClassifierFreeGuidance(denoiser: Denoiser, options: ClassifierFreeGuidanceOptions): Denoiser {
  const { guidanceScale, nullCondition } = options;
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

  return (x, timesteps, condition) => {
    if (condition === null) {
      throw new Error('withClassifierFreeGuidance: the guided denoiser needs a condition, got null');
    }
    if (guidanceScale === 1) return denoiser(x, timesteps, condition);

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
