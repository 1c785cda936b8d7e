import * as tf from '@tensorflow/tfjs';
import { conv2d, conv2dSpecs, groupNorm, groupNormSpecs, linear, linearSpecs, silu } from '../nets/layers';
import { ParamSpec, Params, countParams } from '../nets/params';

/**
 * Small CNN image encoder for CLIP-style training on one-channel images of any size:
 * per entry of `widths`, a 3×3 stride-2 convolution, GroupNorm and SiLU; then global
 * average pooling over height and width and a linear layer to outputDim. A 28×28 input
 * runs at 14×14, 7×7 and 4×4 with widths [16, 32, 64].
 */
export interface ImageEncoderConfig {
  /** Output channels of each 3×3 stride-2 convolution, input side first. Default [16, 32, 64]. */
  widths?: number[];
  /** GroupNorm groups; every width must be divisible by it. Default 8. */
  groups?: number;
  /** Width of the output embedding. */
  outputDim: number;
}

export type ResolvedImageEncoderConfig = Required<ImageEncoderConfig>;

export const IMAGE_ENCODER_DEFAULTS = { widths: [16, 32, 64] as readonly number[], groups: 8 } as const;

/** Checks the configuration and returns it with the defaults filled in. */
export function validateImageEncoderConfig(config: ImageEncoderConfig): ResolvedImageEncoderConfig {
  const owner = 'validateImageEncoderConfig';
  if (typeof config !== 'object' || config === null) throw new Error(`${owner}: expected a configuration object, got ${config}`);
  const resolved: ResolvedImageEncoderConfig = {
    widths: config.widths ? config.widths.slice() : [...IMAGE_ENCODER_DEFAULTS.widths],
    groups: config.groups ?? IMAGE_ENCODER_DEFAULTS.groups,
    outputDim: config.outputDim,
  };
  if (!Number.isInteger(resolved.groups) || resolved.groups < 1) throw new Error(`${owner}: groups must be an integer >= 1, got ${resolved.groups}`);
  if (!Array.isArray(resolved.widths) || resolved.widths.length === 0) {
    throw new Error(`${owner}: widths must be a non-empty list of channel counts, got ${JSON.stringify(config.widths)}`);
  }
  for (const width of resolved.widths) {
    if (!Number.isInteger(width) || width < 1 || width % resolved.groups !== 0) {
      throw new Error(
        `${owner}: every entry of widths must be a positive multiple of groups ${resolved.groups}, got ${JSON.stringify(resolved.widths)}`,
      );
    }
  }
  if (!Number.isInteger(resolved.outputDim) || resolved.outputDim < 1) {
    throw new Error(`${owner}: outputDim must be an integer >= 1, got ${resolved.outputDim}`);
  }
  return resolved;
}

/** Lists the parameters: `conv{i}` and `norm{i}` per stage, then `projection`. */
export function imageEncoderParamSpecs(config: ImageEncoderConfig): ParamSpec[] {
  const { widths, outputDim } = validateImageEncoderConfig(config);
  const specs: ParamSpec[] = [];
  let inChannels = 1;
  widths.forEach((width, i) => {
    specs.push(...conv2dSpecs(`conv${i}`, inChannels, width, 3), ...groupNormSpecs(`norm${i}`, width));
    inChannels = width;
  });
  specs.push(...linearSpecs('projection', inChannels, outputDim));
  return specs;
}

export function imageEncoderParamCount(config: ImageEncoderConfig): number {
  return countParams(imageEncoderParamSpecs(config));
}

/**
 * Encodes images x [batch, height, width, 1] with pixels in [−1, 1] → [batch, outputDim],
 * not normalised.
 */
export function imageEncoderForward(config: ImageEncoderConfig, params: Params, x: tf.Tensor4D): tf.Tensor2D {
  const { widths, groups } = validateImageEncoderConfig(config);
  if (x.rank !== 4 || x.shape[3] !== 1) {
    throw new Error(`imageEncoderForward: expected x [batch, height, width, 1], got [${x.shape}]; add a channel axis of size 1`);
  }
  return tf.tidy(() => {
    let h = x;
    for (let i = 0; i < widths.length; i++) h = silu(groupNorm(params, `norm${i}`, conv2d(params, `conv${i}`, h, 2), groups));
    // Global average pooling: [b, h, w, c] → [b, c].
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return linear(params, 'projection', pooled);
  });
}
