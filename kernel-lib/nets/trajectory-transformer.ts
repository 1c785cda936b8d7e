import * as tf from '@tensorflow/tfjs';
import { embedding, embeddingSpecs, linear, linearSpecs, silu } from './layers';
import { timestepEmbedding } from './embeddings';
import { ParamSpec, Params, countParams, param } from './params';

/**
 * Transformer denoiser for ICU trajectories x [batch, hours, channels], one token per hour,
 * following DiT (Peebles and Xie 2023, "Scalable Diffusion Models with Transformers"):
 *
 *   h_0 = Linear(x) + P, with P [hours, modelDim] a learned position embedding (one row per hour);
 *   c = Linear(SiLU(Linear(sinusoid(t)))) + E[y], with E the class table (last row: null class);
 *   each block: h += g1 ⊙ Attention(LN(h)·(1 + s1) + b1); h += g2 ⊙ MLP(LN(h)·(1 + s2) + b2),
 *   where (b1, s1, g1, b2, s2, g2) = Linear(SiLU(c)) is the adaptive LayerNorm modulation;
 *   output = Linear(LN(h)·(1 + s) + b) with (b, s) = Linear(SiLU(c)).
 *
 * adaLN-Zero: every modulation Linear and the output Linear start at zero, so each block
 * starts as the identity and the initial prediction is exactly 0. The MLP uses SiLU in
 * place of DiT's GELU because tfjs-core 4.22 has no GELU op (only tfjs-layers has one). LayerNorm has no learned affine
 * parameters, because the modulation provides the scale and shift (as in DiT).
 */
export interface TrajectoryTransformerConfig {
  /** Sequence length: number of hourly tokens. */
  hours: number;
  /** Features per hour (for EHR grids: values and mask channels). */
  channels: number;
  /** Token width, even and divisible by numHeads. Default 64. */
  modelDim?: number;
  /** Transformer blocks. Default 3. */
  numLayers?: number;
  /** Attention heads per block. Default 4. */
  numHeads?: number;
  /** Hidden width of each block's MLP as a multiple of modelDim. Default 4. */
  mlpRatio?: number;
  /** Number of real classes. The class table has numClasses + 1 rows, the last being the null class. */
  numClasses: number;
}

export type ResolvedTrajectoryTransformerConfig = Required<TrajectoryTransformerConfig>;

export const TRAJECTORY_TRANSFORMER_DEFAULTS = { modelDim: 64, numLayers: 3, numHeads: 4, mlpRatio: 4 } as const;

/** LayerNorm epsilon, 1e-6 as in DiT. */
const LAYER_NORM_EPSILON = 1e-6;

function requireInteger(owner: string, name: string, value: unknown, minimum: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new Error(`${owner}: ${name} must be an integer >= ${minimum}, got ${value}`);
  }
}

/** Checks the configuration and returns it with the defaults filled in. */
export function validateTrajectoryTransformerConfig(config: TrajectoryTransformerConfig): ResolvedTrajectoryTransformerConfig {
  const owner = 'validateTrajectoryTransformerConfig';
  if (typeof config !== 'object' || config === null) throw new Error(`${owner}: expected a configuration object, got ${config}`);
  const resolved: ResolvedTrajectoryTransformerConfig = {
    hours: config.hours,
    channels: config.channels,
    modelDim: config.modelDim ?? TRAJECTORY_TRANSFORMER_DEFAULTS.modelDim,
    numLayers: config.numLayers ?? TRAJECTORY_TRANSFORMER_DEFAULTS.numLayers,
    numHeads: config.numHeads ?? TRAJECTORY_TRANSFORMER_DEFAULTS.numHeads,
    mlpRatio: config.mlpRatio ?? TRAJECTORY_TRANSFORMER_DEFAULTS.mlpRatio,
    numClasses: config.numClasses,
  };
  requireInteger(owner, 'hours', resolved.hours, 1);
  requireInteger(owner, 'channels', resolved.channels, 1);
  requireInteger(owner, 'modelDim', resolved.modelDim, 2);
  requireInteger(owner, 'numLayers', resolved.numLayers, 1);
  requireInteger(owner, 'numHeads', resolved.numHeads, 1);
  requireInteger(owner, 'mlpRatio', resolved.mlpRatio, 1);
  requireInteger(owner, 'numClasses', resolved.numClasses, 0);
  if (resolved.modelDim % 2 !== 0) {
    throw new Error(`${owner}: modelDim must be even for the sinusoidal timestep embedding, got ${resolved.modelDim}`);
  }
  if (resolved.modelDim % resolved.numHeads !== 0) {
    throw new Error(
      `${owner}: modelDim ${resolved.modelDim} is not divisible by numHeads ${resolved.numHeads}; ` +
        `choose a modelDim that is a multiple of numHeads`,
    );
  }
  return resolved;
}

/** Parameters of the conditioning vector c: the timestep MLP and the class table with its null row. */
export function conditioningSpecs(dim: number, numClasses: number): ParamSpec[] {
  return [...linearSpecs('time.linear1', dim, dim), ...linearSpecs('time.linear2', dim, dim), ...embeddingSpecs('label', numClasses + 1, dim)];
}

/**
 * Computes c = Linear(SiLU(Linear(sinusoid(t)))) + E[y] → [batch, dim]. Null labels select
 * the null row E[numClasses] for every sample.
 */
export function conditioningVector(params: Params, timesteps: tf.Tensor1D, labels: tf.Tensor1D | null, dim: number, numClasses: number): tf.Tensor2D {
  return tf.tidy(() => {
    const time = linear(params, 'time.linear2', silu(linear(params, 'time.linear1', timestepEmbedding(timesteps, dim))));
    const ids = labels ?? tf.fill([timesteps.shape[0]], numClasses, 'int32');
    return tf.add(time, embedding(params, 'label', ids as tf.Tensor1D));
  });
}

/**
 * Checks that timesteps and labels have one entry per sample and that labels are int32 in
 * [0, numClasses]. Reads the labels back from the backend for the range check.
 */
export function checkConditioningInputs(owner: string, batch: number, timesteps: tf.Tensor1D, labels: tf.Tensor1D | null, numClasses: number): void {
  if (timesteps.rank !== 1 || timesteps.shape[0] !== batch) {
    throw new Error(`${owner}: timesteps must have shape [${batch}] (one per sample), got [${timesteps.shape}]`);
  }
  if (labels === null) return;
  if (labels.rank !== 1 || labels.shape[0] !== batch) {
    throw new Error(`${owner}: labels must have shape [${batch}] (one per sample), got [${labels.shape}]`);
  }
  if (labels.dtype !== 'int32') throw new Error(`${owner}: labels must be int32 class ids, got dtype ${labels.dtype}`);
  const values = labels.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0 || values[i] > numClasses) {
      throw new Error(`${owner}: label ${values[i]} at index ${i} is outside [0, ${numClasses}]; use ${numClasses} for the null class`);
    }
  }
}

/**
 * LayerNorm without affine parameters (Ba et al. 2016) over the last axis:
 * (x − mean) / √(variance + ε), with the biased variance and ε = 1e-6.
 */
export function layerNorm<T extends tf.Tensor>(x: T, epsilon = LAYER_NORM_EPSILON): T {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    const centered = tf.sub(x, tf.mean(x, axis, true));
    const variance = tf.mean(tf.square(centered), axis, true);
    return tf.mul(centered, tf.rsqrt(tf.add(variance, epsilon))) as T;
  });
}

/** Adaptive LayerNorm modulation: x·(1 + scale) + shift, with scale and shift broadcast over x. */
export function modulate<T extends tf.Tensor>(x: T, shift: tf.Tensor, scale: tf.Tensor): T {
  return tf.add(tf.mul(x, tf.add(scale, 1)), shift);
}

function blockSpecs(name: string, dim: number, mlpRatio: number): ParamSpec[] {
  return [
    ...zeroLinearSpecs(`${name}.modulation`, dim, 6 * dim),
    ...linearSpecs(`${name}.attention.qkv`, dim, 3 * dim),
    ...linearSpecs(`${name}.attention.out`, dim, dim),
    ...linearSpecs(`${name}.mlp.linear1`, dim, mlpRatio * dim),
    ...linearSpecs(`${name}.mlp.linear2`, mlpRatio * dim, dim),
  ];
}

/** Lists the parameters of a Linear layer initialised to zero (adaLN-Zero modulation and output layers). */
export function zeroLinearSpecs(name: string, inFeatures: number, outFeatures: number): ParamSpec[] {
  return [
    { name: `${name}.weight`, shape: [inFeatures, outFeatures], init: { kind: 'zeros' } },
    { name: `${name}.bias`, shape: [outFeatures], init: { kind: 'zeros' } },
  ];
}

/** Applies a Linear layer to every token: x [batch, tokens, in] → [batch, tokens, out]. */
function tokenLinear(params: Params, name: string, x: tf.Tensor3D): tf.Tensor3D {
  const [batch, tokens, inFeatures] = x.shape;
  const y = linear(params, name, tf.reshape(x, [batch * tokens, inFeatures]));
  return tf.reshape(y, [batch, tokens, y.shape[1]]);
}

/**
 * Multi-head self-attention (Vaswani et al. 2017) over the tokens of h [batch, tokens, dim]:
 * softmax(q kᵀ / √headDim) v per head, heads concatenated and projected. One matrix product
 * computes q, k and v for all heads, one transpose splits the heads and one merges them.
 * Both transposes are rank 4, because tfjs-backend-wasm 4.22 transposed a [32, 48, 3, 4, 16]
 * tensor about 40× slower than the same data as rank 4 (measured on a shared 2-core machine).
 */
function selfAttention(params: Params, name: string, h: tf.Tensor3D, numHeads: number): tf.Tensor3D {
  const [batch, tokens, dim] = h.shape;
  const headDim = dim / numHeads;
  // The qkv columns are q of heads 0 … H−1, then k of each head, then v of each head, headDim each.
  // So [b, n, 3·dim] → [b, n, 3·heads, headDim] → [b, 3·heads, n, headDim] → three [b, heads, n, headDim].
  const qkv = tf.reshape(tokenLinear(params, `${name}.qkv`, h), [batch, tokens, 3 * numHeads, headDim]);
  const [q, k, v] = tf.split(tf.transpose(qkv, [0, 2, 1, 3]), 3, 1) as tf.Tensor4D[];
  // [b, heads, n, n]
  const weights = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim)));
  // [b, heads, n, headDim] → [b, n, heads, headDim] → [b, n, dim]
  const attended = tf.matMul(weights, v);
  const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch, tokens, dim]) as tf.Tensor3D;
  return tokenLinear(params, `${name}.out`, merged);
}

/** Applies one adaLN-Zero block: h [batch, tokens, dim] and cActivated = SiLU(c) [batch, dim] → h's shape. */
function block(params: Params, name: string, h: tf.Tensor3D, cActivated: tf.Tensor2D, numHeads: number): tf.Tensor3D {
  const [batch, , dim] = h.shape;
  // [b, 6·dim] → [b, 1, 6·dim] so that each term broadcasts over the tokens.
  const modulation = tf.reshape(linear(params, `${name}.modulation`, cActivated), [batch, 1, 6 * dim]);
  const [shift1, scale1, gate1, shift2, scale2, gate2] = tf.split(modulation, 6, 2);

  const attended = selfAttention(params, `${name}.attention`, modulate(layerNorm(h), shift1, scale1), numHeads);
  h = tf.add(h, tf.mul(gate1, attended));

  const hidden = silu(tokenLinear(params, `${name}.mlp.linear1`, modulate(layerNorm(h), shift2, scale2)));
  return tf.add(h, tf.mul(gate2, tokenLinear(params, `${name}.mlp.linear2`, hidden)));
}

/** Parameter names, shapes and initialisers of the network, in a fixed order. */
export function trajectoryTransformerParamSpecs(config: TrajectoryTransformerConfig): ParamSpec[] {
  const { hours, channels, modelDim: dim, numLayers, mlpRatio, numClasses } = validateTrajectoryTransformerConfig(config);
  const specs: ParamSpec[] = [
    ...linearSpecs('input', channels, dim),
    // Small random start, U(−1/√dim, 1/√dim), so that hours differ from the first step.
    { name: 'position.table', shape: [hours, dim], init: { kind: 'fanInUniform', fanIn: dim } },
    ...conditioningSpecs(dim, numClasses),
  ];
  for (let layer = 0; layer < numLayers; layer++) specs.push(...blockSpecs(`blocks.${layer}`, dim, mlpRatio));
  specs.push(...zeroLinearSpecs('final.modulation', dim, 2 * dim), ...zeroLinearSpecs('output', dim, channels));
  return specs;
}

export function trajectoryTransformerParamCount(config: TrajectoryTransformerConfig): number {
  return countParams(trajectoryTransformerParamSpecs(config));
}

/**
 * Runs the network on x [batch, hours, channels] and timesteps [batch] (int32 or float32).
 * Labels are int32 [batch] in [0, numClasses], where numClasses is the null class, or null
 * for the null class everywhere. Returns the prediction (noise or v) with x's shape.
 */
export function trajectoryTransformerForward(
  config: TrajectoryTransformerConfig,
  params: Params,
  x: tf.Tensor3D,
  timesteps: tf.Tensor1D,
  labels: tf.Tensor1D | null,
): tf.Tensor3D {
  const owner = 'trajectoryTransformerForward';
  const { hours, channels, modelDim: dim, numLayers, numHeads, numClasses } = validateTrajectoryTransformerConfig(config);
  if (x.rank !== 3 || x.shape[1] !== hours || x.shape[2] !== channels) {
    throw new Error(
      `${owner}: expected x [batch, ${hours}, ${channels}], got [${x.shape}]; ` +
        `build the network with hours ${x.shape[1]} and channels ${x.shape[2]} or reshape the trajectories`,
    );
  }
  const batch = x.shape[0];
  checkConditioningInputs(owner, batch, timesteps, labels, numClasses);

  return tf.tidy(() => {
    const cActivated = silu(conditioningVector(params, timesteps, labels, dim, numClasses));

    // [b, hours, channels] → [b, hours, dim], plus the position row of each hour.
    let h = tf.add(tokenLinear(params, 'input', x), param(params, 'position.table')) as tf.Tensor3D;
    for (let layer = 0; layer < numLayers; layer++) h = block(params, `blocks.${layer}`, h, cActivated, numHeads);

    const finalModulation = tf.reshape(linear(params, 'final.modulation', cActivated), [batch, 1, 2 * dim]);
    const [shift, scale] = tf.split(finalModulation, 2, 2);
    return tokenLinear(params, 'output', modulate(layerNorm(h), shift, scale));
  });
}
