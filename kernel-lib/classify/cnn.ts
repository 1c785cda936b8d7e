import * as tf from '@tensorflow/tfjs';
import { conv2d, conv2dSpecs, linear, linearSpecs, silu } from '../nets/layers';
import { ParamSpec, Params, countParams } from '../nets/params';

/**
 * Small CNN classifier for one-channel images of any size: one 3×3 stride-2 convolution
 * followed by SiLU per entry of `widths`, global average pooling over height and width,
 * then a linear layer to class logits. No normalisation and no dropout.
 * A 28×28 input runs at 14×14, 7×7 and 4×4 with the default widths.
 */
export interface ClassifierConfig {
  /** Output channels of each 3×3 stride-2 convolution, input side first, e.g. [16, 32, 64]. */
  widths: number[];
  /** Number of classes (logits), at least 2. */
  numClasses: number;
}

export const DEFAULT_CLASSIFIER_WIDTHS: readonly number[] = [16, 32, 64];

/** Returns the default configuration: widths [16, 32, 64] (23,426 parameters for 2 classes). */
export function defaultClassifierConfig(numClasses: number): ClassifierConfig {
  return { widths: [...DEFAULT_CLASSIFIER_WIDTHS], numClasses };
}

/** Throws naming the first invalid field; `caller` starts the message. */
export function validateClassifierConfig(config: ClassifierConfig, caller = 'ClassifierConfig'): void {
  if (!Array.isArray(config.widths) || config.widths.length === 0) {
    throw new Error(`${caller}: \`widths\` must be a non-empty list of channel counts, got ${JSON.stringify(config.widths)}`);
  }
  for (const width of config.widths) {
    if (!Number.isInteger(width) || width < 1) {
      throw new Error(`${caller}: every entry of \`widths\` must be a positive integer, got ${JSON.stringify(config.widths)}`);
    }
  }
  if (!Number.isInteger(config.numClasses) || config.numClasses < 2) {
    throw new Error(`${caller}: \`numClasses\` must be an integer >= 2, got ${config.numClasses}`);
  }
}

/** Lists the parameters: `conv{i}.weight|bias` per stage, then `head.weight|bias`. */
export function classifierParamSpecs(config: ClassifierConfig): ParamSpec[] {
  validateClassifierConfig(config, 'classifierParamSpecs');
  const specs: ParamSpec[] = [];
  let inChannels = 1;
  config.widths.forEach((width, i) => {
    specs.push(...conv2dSpecs(`conv${i}`, inChannels, width, 3));
    inChannels = width;
  });
  specs.push(...linearSpecs('head', inChannels, config.numClasses));
  return specs;
}

export function classifierParamCount(config: ClassifierConfig): number {
  return countParams(classifierParamSpecs(config));
}

/**
 * Computes class logits. x [batch, height, width, 1] with pixels in [−1, 1] →
 * logits [batch, numClasses]. Pure: reads `params`, creates no variables.
 */
export function classifierForward(config: ClassifierConfig, params: Params, x: tf.Tensor4D): tf.Tensor2D {
  if (x.rank !== 4 || x.shape[3] !== 1) {
    throw new Error(`classifierForward: expected x of shape [batch, height, width, 1], got [${x.shape}]`);
  }
  return tf.tidy(() => {
    let h: tf.Tensor4D = x;
    for (let i = 0; i < config.widths.length; i++) {
      // [b, H, W, c] → [b, ⌊(H − 1)/2⌋ + 1, ⌊(W − 1)/2⌋ + 1, widths[i]]
      h = silu(conv2d(params, `conv${i}`, h, 2));
    }
    // Global average pooling: [b, h, w, c] → [b, c]
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return linear(params, 'head', pooled);
  });
}
