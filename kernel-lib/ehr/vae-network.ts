/**
 * Variational autoencoder (Kingma and Welling 2014) for hourly ICU trajectories, the
 * first stage of latent diffusion over EHR grids.
 *
 * Encoder: per hour, the normalised values (0 where unmeasured) and the mask are
 * concatenated, [batch, hours, 2·variables], flattened to hours·2·variables features,
 * then `numLayers` × (Linear → SiLU) of width `hiddenDim`, then two Linear heads for the
 * posterior mean and log-variance of q(z|x), each [batch, latentDim].
 * Decoder: z → `numLayers` × (Linear → SiLU) → two Linear heads, one for the normalised
 * values and one for the mask logits, each reshaped to [batch, hours, variables].
 */
import * as tf from '@tensorflow/tfjs';
import { linear, linearSpecs, silu } from '../nets/layers';
import { ParamSpec, Params } from '../nets/params';

/** Architecture of the EHR VAE. */
export interface EhrVaeConfig {
  /** Hours per trajectory (24 for the latent diffusion grids). */
  hours: number;
  /** Variables per hour (37 for PhysioNet 2012). */
  variables: number;
  /** Size of the latent vector z. */
  latentDim: number;
  /** Width of every hidden layer of the encoder and the decoder. */
  hiddenDim: number;
  /** Hidden layers in the encoder and, separately, in the decoder. */
  numLayers: number;
}

/** Latent size, hidden width and depth used when a caller gives only the grid shape. */
export const DEFAULT_EHR_VAE_ARCHITECTURE = { latentDim: 64, hiddenDim: 512, numLayers: 2 } as const;

/**
 * Log-variances are clipped to this range, so exp(logVar) in the KL term and
 * exp(logVar / 2) in the reparameterisation stay finite in float32.
 */
export const LOG_VARIANCE_RANGE: readonly [number, number] = [-30, 20];

/** Builds a config from the grid shape, with the defaults for the rest, and validates it. */
export function createEhrVaeConfig(options: { hours: number; variables: number } & Partial<EhrVaeConfig>): EhrVaeConfig {
  const config: EhrVaeConfig = {
    hours: options.hours,
    variables: options.variables,
    latentDim: options.latentDim ?? DEFAULT_EHR_VAE_ARCHITECTURE.latentDim,
    hiddenDim: options.hiddenDim ?? DEFAULT_EHR_VAE_ARCHITECTURE.hiddenDim,
    numLayers: options.numLayers ?? DEFAULT_EHR_VAE_ARCHITECTURE.numLayers,
  };
  validateEhrVaeConfig(config, 'createEhrVaeConfig');
  return config;
}

/** Throws `<caller>: …` unless every field of the config is a positive integer (numLayers may be 0). */
export function validateEhrVaeConfig(config: EhrVaeConfig, caller = 'validateEhrVaeConfig'): void {
  if (typeof config !== 'object' || config === null) {
    throw new Error(`${caller}: the VAE config must be an object with hours, variables, latentDim, hiddenDim and numLayers, got ${String(config)}`);
  }
  const fields: [keyof EhrVaeConfig, number][] = [
    ['hours', 1],
    ['variables', 1],
    ['latentDim', 1],
    ['hiddenDim', 1],
    ['numLayers', 0],
  ];
  for (const [name, minimum] of fields) {
    const value = config[name];
    if (!Number.isInteger(value) || value < minimum) {
      throw new Error(`${caller}: config.${name} must be an integer >= ${minimum}, got ${value}; fix the VAE config`);
    }
  }
}

/** Parameter specs of the encoder and decoder, in creation order. */
export function vaeParamSpecs(config: EhrVaeConfig): ParamSpec[] {
  validateEhrVaeConfig(config, 'vaeParamSpecs');
  const { hours, variables, latentDim, hiddenDim, numLayers } = config;
  const cells = hours * variables;
  const specs: ParamSpec[] = [];

  let width = 2 * cells;
  for (let layer = 0; layer < numLayers; layer++) {
    specs.push(...linearSpecs(`encoder.hidden${layer}`, width, hiddenDim));
    width = hiddenDim;
  }
  specs.push(...linearSpecs('encoder.mean', width, latentDim));
  specs.push(...linearSpecs('encoder.logVar', width, latentDim));

  width = latentDim;
  for (let layer = 0; layer < numLayers; layer++) {
    specs.push(...linearSpecs(`decoder.hidden${layer}`, width, hiddenDim));
    width = hiddenDim;
  }
  specs.push(...linearSpecs('decoder.values', width, cells));
  specs.push(...linearSpecs('decoder.maskLogits', width, cells));
  return specs;
}

function checkGridTensor(caller: string, name: string, config: EhrVaeConfig, tensor: tf.Tensor): void {
  const [batch, hours, variables] = tensor.shape;
  if (tensor.rank !== 3 || hours !== config.hours || variables !== config.variables || batch < 1) {
    throw new Error(
      `${caller}: ${name} must have shape [batch >= 1, ${config.hours}, ${config.variables}] (hours, variables of the config), ` +
        `got [${tensor.shape.join(', ')}]`,
    );
  }
}

/**
 * Maps a batch to the parameters of the diagonal Gaussian posterior q(z|x).
 * `values`: normalised values with unmeasured cells set to 0, [batch, hours, variables];
 * `mask`: 1 where measured, else 0, same shape. Returns `mean` and `logVar`, each
 * [batch, latentDim], with logVar clipped to LOG_VARIANCE_RANGE.
 */
export function vaeEncode(config: EhrVaeConfig, params: Params, values: tf.Tensor3D, mask: tf.Tensor3D): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
  validateEhrVaeConfig(config, 'vaeEncode');
  checkGridTensor('vaeEncode', 'values', config, values);
  checkGridTensor('vaeEncode', 'mask', config, mask);
  if (values.shape[0] !== mask.shape[0]) {
    throw new Error(`vaeEncode: values and mask must have the same batch size, got ${values.shape[0]} and ${mask.shape[0]}`);
  }
  return tf.tidy(() => {
    const batch = values.shape[0];
    // [batch, hours, 2·variables] → [batch, hours·2·variables]: each hour's values, then its mask.
    let h = tf.reshape(tf.concat([values, mask], 2), [batch, 2 * config.hours * config.variables]) as tf.Tensor2D;
    for (let layer = 0; layer < config.numLayers; layer++) h = silu(linear(params, `encoder.hidden${layer}`, h));
    const mean = linear(params, 'encoder.mean', h);
    const logVar = tf.clipByValue(linear(params, 'encoder.logVar', h), LOG_VARIANCE_RANGE[0], LOG_VARIANCE_RANGE[1]);
    return { mean, logVar };
  });
}

/**
 * Maps latents z [batch, latentDim] to normalised `values` and `maskLogits`, each
 * [batch, hours, variables]. sigmoid(maskLogits) is the probability that a cell is measured.
 */
export function vaeDecode(config: EhrVaeConfig, params: Params, z: tf.Tensor2D): { values: tf.Tensor3D; maskLogits: tf.Tensor3D } {
  validateEhrVaeConfig(config, 'vaeDecode');
  if (z.rank !== 2 || z.shape[1] !== config.latentDim || z.shape[0] < 1) {
    throw new Error(`vaeDecode: z must have shape [batch >= 1, ${config.latentDim}] (latentDim of the config), got [${z.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const batch = z.shape[0];
    const outputShape: [number, number, number] = [batch, config.hours, config.variables];
    let h = z;
    for (let layer = 0; layer < config.numLayers; layer++) h = silu(linear(params, `decoder.hidden${layer}`, h));
    const values = tf.reshape(linear(params, 'decoder.values', h), outputShape) as tf.Tensor3D;
    const maskLogits = tf.reshape(linear(params, 'decoder.maskLogits', h), outputShape) as tf.Tensor3D;
    return { values, maskLogits };
  });
}
