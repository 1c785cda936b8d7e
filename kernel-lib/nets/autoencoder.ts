import * as tf from '@tensorflow/tfjs';
import { conv2d, conv2dSpecs, groupNorm, groupNormSpecs, silu, upsampleNearest2x } from './layers';
import { ParamSpec, Params, countParams } from './params';

/**
 * KL-regularised convolutional autoencoder for one-channel images, the first stage of latent
 * diffusion (Rombach et al. 2022, "High-Resolution Image Synthesis with Latent Diffusion
 * Models", section 3.1).
 *
 * Encoder: a 3×3 input convolution, then per level ℓ with width w_ℓ a residual block and a
 * stride-2 3×3 convolution, so the latent side is the image side divided by
 * `factor` = 2^levels. A middle residual block, GroupNorm, SiLU and a 3×3 convolution give
 * 2·latentChannels maps: the mean μ and the log-variance log σ² of a diagonal Gaussian
 * q(z | x). The decoder mirrors it. A 3×3 convolution maps the latent to the widest level and
 * a middle residual block follows. Each level, bottom to top, then applies nearest ×2
 * upsampling, a 3×3 convolution and a residual block. GroupNorm, SiLU and a 3×3 convolution
 * give the one output channel.
 * Residual blocks are GroupNorm → SiLU → conv → GroupNorm → SiLU → conv plus a 1×1 skip
 * convolution where the width changes. There is no attention.
 *
 * Shapes: images [batch, height, width, 1] in [−1, 1]; latents
 * [batch, height / factor, width / factor, latentChannels].
 */
export interface AutoencoderConfig {
  /** Downsampling factor of each image side: one of AUTOENCODER_FACTORS. */
  factor: number;
  /** Channel width of each level, top to bottom; one level per halving, so log2(factor) entries. */
  widths: number[];
  /** Channels of the latent, e.g. 4. */
  latentChannels: number;
  /** GroupNorm groups; every width must be divisible by it. */
  normGroups: number;
}

/** Supported side reduction factors: the latent is 1/4 or 1/8 of each image side. */
export const AUTOENCODER_FACTORS = [4, 8] as const;
export type AutoencoderFactor = (typeof AUTOENCODER_FACTORS)[number];

/** Range of log σ² that the encoder's output is clamped to, as Stable Diffusion's first stage does; keeps exp(log σ²) finite. */
export const LOG_VARIANCE_RANGE = [-30, 20] as const;

/** Returns a small default configuration for a factor: widths [32, 64] for 4 and [32, 64, 64] for 8, 4 latent channels. */
export function defaultAutoencoderConfig(factor: AutoencoderFactor = 4): AutoencoderConfig {
  return { factor, widths: factor === 4 ? [32, 64] : [32, 64, 64], latentChannels: 4, normGroups: 8 };
}

/** Throws, naming the field, the value and the fix, for an invalid configuration. */
export function validateAutoencoderConfig(config: AutoencoderConfig): void {
  const fail = (message: string) => {
    throw new Error(`AutoencoderConfig: ${message}`);
  };
  if (!(AUTOENCODER_FACTORS as readonly number[]).includes(config.factor)) {
    fail(`factor must be one of ${AUTOENCODER_FACTORS.join(', ')}, got ${config.factor}`);
  }
  const levels = Math.log2(config.factor);
  if (!Array.isArray(config.widths) || config.widths.length !== levels) {
    fail(`factor ${config.factor} needs ${levels} widths (one per halving), got ${JSON.stringify(config.widths)}`);
  }
  if (!Number.isInteger(config.normGroups) || config.normGroups < 1) fail(`normGroups must be an integer >= 1, got ${config.normGroups}`);
  for (const w of config.widths) {
    if (!Number.isInteger(w) || w <= 0 || w % config.normGroups !== 0) {
      fail(`every width must be a positive multiple of normGroups (${config.normGroups}), got ${w}`);
    }
  }
  if (!Number.isInteger(config.latentChannels) || config.latentChannels < 1) {
    fail(`latentChannels must be an integer >= 1, got ${config.latentChannels}`);
  }
}

/** Throws unless both image sides are positive multiples of the factor, naming the sides and the fix. */
export function checkImageSides(caller: string, config: AutoencoderConfig, height: number, width: number): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1 || height % config.factor !== 0 || width % config.factor !== 0) {
    throw new Error(
      `${caller}: image sides ${height}×${width} are not multiples of the autoencoder factor ${config.factor}; ` +
        `pad or resize the images to a multiple of ${config.factor} (e.g. ${Math.ceil(height / config.factor) * config.factor}×${Math.ceil(width / config.factor) * config.factor}) or choose another factor`,
    );
  }
}

function resBlockSpecs(name: string, inChannels: number, outChannels: number): ParamSpec[] {
  const specs = [
    ...groupNormSpecs(`${name}.norm1`, inChannels),
    ...conv2dSpecs(`${name}.conv1`, inChannels, outChannels, 3),
    ...groupNormSpecs(`${name}.norm2`, outChannels),
    ...conv2dSpecs(`${name}.conv2`, outChannels, outChannels, 3),
  ];
  if (inChannels !== outChannels) specs.push(...conv2dSpecs(`${name}.skip`, inChannels, outChannels, 1));
  return specs;
}

/** x [b, h, w, cin] → [b, h, w, cout]. */
function resBlock(params: Params, name: string, x: tf.Tensor4D, groups: number): tf.Tensor4D {
  let h = conv2d(params, `${name}.conv1`, silu(groupNorm(params, `${name}.norm1`, x, groups)));
  h = conv2d(params, `${name}.conv2`, silu(groupNorm(params, `${name}.norm2`, h, groups)));
  const skip = params.has(`${name}.skip.weight`) ? conv2d(params, `${name}.skip`, x) : x;
  return tf.add(h, skip);
}

/** Parameter names, shapes and initialisers of encoder and decoder, in a fixed order. */
export function autoencoderParamSpecs(config: AutoencoderConfig): ParamSpec[] {
  validateAutoencoderConfig(config);
  const { widths, latentChannels } = config;
  const deepest = widths[widths.length - 1];

  // Encoder.
  const specs: ParamSpec[] = [...conv2dSpecs('encoder.input', 1, widths[0], 3)];
  let channels = widths[0];
  widths.forEach((width, level) => {
    specs.push(...resBlockSpecs(`encoder.down${level}.res`, channels, width));
    specs.push(...conv2dSpecs(`encoder.down${level}.downsample`, width, width, 3));
    channels = width;
  });
  specs.push(...resBlockSpecs('encoder.mid', deepest, deepest));
  specs.push(...groupNormSpecs('encoder.output.norm', deepest), ...conv2dSpecs('encoder.output.conv', deepest, 2 * latentChannels, 3));

  // Decoder.
  specs.push(...conv2dSpecs('decoder.input', latentChannels, deepest, 3));
  specs.push(...resBlockSpecs('decoder.mid', deepest, deepest));
  channels = deepest;
  for (let level = widths.length - 1; level >= 0; level--) {
    specs.push(...conv2dSpecs(`decoder.up${level}.upsample`, channels, channels, 3));
    specs.push(...resBlockSpecs(`decoder.up${level}.res`, channels, widths[level]));
    channels = widths[level];
  }
  specs.push(...groupNormSpecs('decoder.output.norm', channels), ...conv2dSpecs('decoder.output.conv', channels, 1, 3));
  return specs;
}

export function autoencoderParamCount(config: AutoencoderConfig): number {
  return countParams(autoencoderParamSpecs(config));
}

/** Parameters of the Gaussian posterior q(z | x), each [batch, height / factor, width / factor, latentChannels]. */
export interface LatentDistribution {
  mean: tf.Tensor4D;
  /** log σ², clamped to LOG_VARIANCE_RANGE. */
  logVariance: tf.Tensor4D;
}

/**
 * Encodes images [batch, height, width, 1] into the posterior's mean and log-variance,
 * [batch, height / factor, width / factor, latentChannels] each. Both sides must be multiples
 * of the factor.
 */
export function encodeDistribution(config: AutoencoderConfig, params: Params, x: tf.Tensor4D): LatentDistribution {
  if (x.rank !== 4 || x.shape[3] !== 1) {
    throw new Error(`encodeDistribution: expected images [batch, height, width, 1], got [${x.shape}]; add a channel axis of size 1`);
  }
  checkImageSides('encodeDistribution', config, x.shape[1], x.shape[2]);
  const [mean, logVariance] = tf.tidy(() => {
    const groups = config.normGroups;
    let h = conv2d(params, 'encoder.input', x);
    config.widths.forEach((_, level) => {
      h = resBlock(params, `encoder.down${level}.res`, h, groups);
      h = conv2d(params, `encoder.down${level}.downsample`, h, 2);
    });
    h = resBlock(params, 'encoder.mid', h, groups);
    const moments = conv2d(params, 'encoder.output.conv', silu(groupNorm(params, 'encoder.output.norm', h, groups)));
    // [b, h/f, w/f, 2C] → μ and log σ², [b, h/f, w/f, C] each.
    const [mu, logVar] = tf.split(moments, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    return [mu, tf.clipByValue(logVar, LOG_VARIANCE_RANGE[0], LOG_VARIANCE_RANGE[1])];
  });
  return { mean: mean as tf.Tensor4D, logVariance: logVariance as tf.Tensor4D };
}

/** Decodes latents [batch, h, w, latentChannels] into images [batch, h·factor, w·factor, 1], not clipped. */
export function decodeLatents(config: AutoencoderConfig, params: Params, z: tf.Tensor4D): tf.Tensor4D {
  if (z.rank !== 4 || z.shape[3] !== config.latentChannels) {
    throw new Error(`decodeLatents: expected latents [batch, height, width, ${config.latentChannels}], got [${z.shape}]`);
  }
  return tf.tidy(() => {
    const groups = config.normGroups;
    let h = conv2d(params, 'decoder.input', z);
    h = resBlock(params, 'decoder.mid', h, groups);
    for (let level = config.widths.length - 1; level >= 0; level--) {
      h = conv2d(params, `decoder.up${level}.upsample`, upsampleNearest2x(h));
      h = resBlock(params, `decoder.up${level}.res`, h, groups);
    }
    return conv2d(params, 'decoder.output.conv', silu(groupNorm(params, 'decoder.output.norm', h, groups)));
  });
}

/**
 * Draws z = μ + σ·ε with σ = exp(log σ² / 2), the reparameterisation trick (Kingma and Welling
 * 2014), so gradients reach μ and log σ². `noise` is ε ~ N(0, I) with the shape of μ.
 */
export function samplePosterior(distribution: LatentDistribution, noise: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.add(distribution.mean, tf.mul(tf.exp(tf.mul(distribution.logVariance, 0.5)), noise)));
}

/**
 * KL(q(z | x) ‖ N(0, I)) per image, summed over latent elements and averaged over the batch:
 * (1 / B) Σ_b Σ_i ½ (μ² + σ² − 1 − log σ²). Returns a scalar.
 */
export function klDivergence(distribution: LatentDistribution): tf.Scalar {
  return tf.tidy(() => {
    const { mean, logVariance } = distribution;
    const perElement = tf.mul(tf.sub(tf.add(tf.square(mean), tf.exp(logVariance)), tf.add(logVariance, 1)), 0.5);
    return tf.div(tf.sum(perElement), mean.shape[0]) as tf.Scalar;
  });
}
