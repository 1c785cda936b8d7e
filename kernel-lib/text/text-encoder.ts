import * as tf from '@tensorflow/tfjs';
import { embeddingSpecs, linear, linearSpecs, silu } from '../nets/layers';
import { ParamSpec, Params, countParams, param } from '../nets/params';
import { layerNorm } from '../nets/trajectory-transformer';
import { PAD_ID } from './tokenizer';

/**
 * Transformer text encoder for CLIP-style training (Radford et al. 2021 use a larger one
 * of the same form): ids [batch, tokens] → one vector per text [batch, outputDim].
 *
 *   h_0 = E[ids] + P[0 … tokens − 1], token table E and learned position table P;
 *   each pre-norm block: h += Attention(LN(h), mask); h += MLP(LN(h));
 *   pooled = LN(h) at [CLS] (position 0) or the mean of LN(h) over non-[PAD] tokens;
 *   output = Linear(pooled), not normalised.
 *
 * Attention ignores [PAD] keys, so [PAD] tokens after a text do not change its output.
 * The MLP uses SiLU in place of GELU because tfjs-core 4.22 has no GELU op.
 */
export const TEXT_POOLINGS = ['cls', 'mean'] as const;
export type TextPooling = (typeof TEXT_POOLINGS)[number];

export interface TextEncoderConfig {
  /** Rows of the token table: the tokenizer's vocabulary size. */
  vocabSize: number;
  /** Context length: rows of the position table, the longest ids accepted. */
  maxLength: number;
  /** Token width, divisible by numHeads. Default 64. */
  modelDim?: number;
  /** Transformer blocks. Default 2. */
  numLayers?: number;
  /** Attention heads per block. Default 4. */
  numHeads?: number;
  /** Hidden width of each block's MLP as a multiple of modelDim. Default 4. */
  mlpRatio?: number;
  /** Width of the output embedding. */
  outputDim: number;
  /** Pooling of the token states: `cls` or `mean`. Default `cls`. */
  pooling?: TextPooling;
}

export type ResolvedTextEncoderConfig = Required<TextEncoderConfig>;

export const TEXT_ENCODER_DEFAULTS = { modelDim: 64, numLayers: 2, numHeads: 4, mlpRatio: 4, pooling: 'cls' } as const;

/** LayerNorm epsilon, 1e-5 as PyTorch's nn.LayerNorm. */
const LAYER_NORM_EPSILON = 1e-5;
/** Added to the attention logits of [PAD] keys; exp of it underflows to 0 in float32. */
const MASKED_LOGIT = -1e9;

function requireInteger(owner: string, name: string, value: unknown, minimum: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new Error(`${owner}: ${name} must be an integer >= ${minimum}, got ${value}`);
  }
}

/** Checks the configuration and returns it with the defaults filled in. */
export function validateTextEncoderConfig(config: TextEncoderConfig): ResolvedTextEncoderConfig {
  const owner = 'validateTextEncoderConfig';
  if (typeof config !== 'object' || config === null) throw new Error(`${owner}: expected a configuration object, got ${config}`);
  const resolved: ResolvedTextEncoderConfig = {
    vocabSize: config.vocabSize,
    maxLength: config.maxLength,
    modelDim: config.modelDim ?? TEXT_ENCODER_DEFAULTS.modelDim,
    numLayers: config.numLayers ?? TEXT_ENCODER_DEFAULTS.numLayers,
    numHeads: config.numHeads ?? TEXT_ENCODER_DEFAULTS.numHeads,
    mlpRatio: config.mlpRatio ?? TEXT_ENCODER_DEFAULTS.mlpRatio,
    outputDim: config.outputDim,
    pooling: config.pooling ?? TEXT_ENCODER_DEFAULTS.pooling,
  };
  requireInteger(owner, 'vocabSize', resolved.vocabSize, 4);
  requireInteger(owner, 'maxLength', resolved.maxLength, 2);
  requireInteger(owner, 'modelDim', resolved.modelDim, 1);
  requireInteger(owner, 'numLayers', resolved.numLayers, 1);
  requireInteger(owner, 'numHeads', resolved.numHeads, 1);
  requireInteger(owner, 'mlpRatio', resolved.mlpRatio, 1);
  requireInteger(owner, 'outputDim', resolved.outputDim, 1);
  if (resolved.modelDim % resolved.numHeads !== 0) {
    throw new Error(`${owner}: modelDim ${resolved.modelDim} is not divisible by numHeads ${resolved.numHeads}; choose a multiple of numHeads`);
  }
  if (!(TEXT_POOLINGS as readonly string[]).includes(resolved.pooling)) {
    throw new Error(`${owner}: pooling must be one of ${TEXT_POOLINGS.join(', ')}, got '${resolved.pooling}'`);
  }
  return resolved;
}

function layerNormSpecs(name: string, dim: number): ParamSpec[] {
  return [
    { name: `${name}.gamma`, shape: [dim], init: { kind: 'ones' } },
    { name: `${name}.beta`, shape: [dim], init: { kind: 'zeros' } },
  ];
}

/** LayerNorm over the last axis with a learned scale and shift. */
function affineLayerNorm(params: Params, name: string, x: tf.Tensor3D): tf.Tensor3D {
  return tf.add(tf.mul(layerNorm(x, LAYER_NORM_EPSILON), param(params, `${name}.gamma`)), param(params, `${name}.beta`));
}

/** Applies a Linear layer to every token: x [batch, tokens, in] → [batch, tokens, out]. */
function tokenLinear(params: Params, name: string, x: tf.Tensor3D): tf.Tensor3D {
  const [batch, tokens, inFeatures] = x.shape;
  const y = linear(params, name, tf.reshape(x, [batch * tokens, inFeatures]));
  return tf.reshape(y, [batch, tokens, y.shape[1]]);
}

function blockSpecs(name: string, dim: number, mlpRatio: number): ParamSpec[] {
  return [
    ...layerNormSpecs(`${name}.norm1`, dim),
    ...linearSpecs(`${name}.attention.qkv`, dim, 3 * dim),
    ...linearSpecs(`${name}.attention.out`, dim, dim),
    ...layerNormSpecs(`${name}.norm2`, dim),
    ...linearSpecs(`${name}.mlp.linear1`, dim, mlpRatio * dim),
    ...linearSpecs(`${name}.mlp.linear2`, mlpRatio * dim, dim),
  ];
}

/**
 * Multi-head self-attention over h [batch, tokens, dim] with keyMask [batch, 1, 1, tokens]
 * (0 for real tokens, MASKED_LOGIT for [PAD]) added to the logits of each head.
 */
function maskedSelfAttention(params: Params, name: string, h: tf.Tensor3D, keyMask: tf.Tensor4D, numHeads: number): tf.Tensor3D {
  const [batch, tokens, dim] = h.shape;
  const headDim = dim / numHeads;
  // [b, n, 3·dim] → [b, n, 3·heads, headDim] → [b, 3·heads, n, headDim] → three [b, heads, n, headDim].
  const qkv = tf.reshape(tokenLinear(params, `${name}.qkv`, h), [batch, tokens, 3 * numHeads, headDim]);
  const [q, k, v] = tf.split(tf.transpose(qkv, [0, 2, 1, 3]), 3, 1) as tf.Tensor4D[];
  // [b, heads, n, n]
  const logits = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim)), keyMask);
  // [b, heads, n, headDim] → [b, n, heads, headDim] → [b, n, dim]
  const attended = tf.matMul(tf.softmax(logits), v);
  const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch, tokens, dim]) as tf.Tensor3D;
  return tokenLinear(params, `${name}.out`, merged);
}

function block(params: Params, name: string, h: tf.Tensor3D, keyMask: tf.Tensor4D, numHeads: number): tf.Tensor3D {
  h = tf.add(h, maskedSelfAttention(params, `${name}.attention`, affineLayerNorm(params, `${name}.norm1`, h), keyMask, numHeads));
  const hidden = silu(tokenLinear(params, `${name}.mlp.linear1`, affineLayerNorm(params, `${name}.norm2`, h)));
  return tf.add(h, tokenLinear(params, `${name}.mlp.linear2`, hidden));
}

/** Parameter names, shapes and initialisers of the encoder, in a fixed order. */
export function textEncoderParamSpecs(config: TextEncoderConfig): ParamSpec[] {
  const { vocabSize, maxLength, modelDim: dim, numLayers, mlpRatio, outputDim } = validateTextEncoderConfig(config);
  const specs: ParamSpec[] = [
    ...embeddingSpecs('token', vocabSize, dim),
    // Small random start, U(−1/√dim, 1/√dim), next to the N(0, 1) token rows.
    { name: 'position.table', shape: [maxLength, dim], init: { kind: 'fanInUniform', fanIn: dim } },
  ];
  for (let layer = 0; layer < numLayers; layer++) specs.push(...blockSpecs(`blocks.${layer}`, dim, mlpRatio));
  specs.push(...layerNormSpecs('final.norm', dim), ...linearSpecs('projection', dim, outputDim));
  return specs;
}

export function textEncoderParamCount(config: TextEncoderConfig): number {
  return countParams(textEncoderParamSpecs(config));
}

/**
 * Encodes token ids int32 [batch, tokens] (tokens <= maxLength, each row [CLS] … [SEP] then
 * [PAD]) → [batch, outputDim]. The output is not normalised. Rows must start with a
 * non-[PAD] token.
 */
export function textEncoderForward(config: TextEncoderConfig, params: Params, ids: tf.Tensor2D): tf.Tensor2D {
  const owner = 'textEncoderForward';
  const { maxLength, modelDim: dim, numLayers, numHeads, pooling } = validateTextEncoderConfig(config);
  if (ids.rank !== 2 || ids.shape[1] > maxLength || ids.shape[1] < 1) {
    throw new Error(`${owner}: expected ids [batch, tokens] with 1 <= tokens <= maxLength ${maxLength}, got [${ids.shape}]; truncate the texts`);
  }
  if (ids.dtype !== 'int32') throw new Error(`${owner}: ids must be int32 token ids, got dtype ${ids.dtype}`);
  const [batch, tokens] = ids.shape;

  return tf.tidy(() => {
    // 1. Mask: 1 for real tokens, 0 for [PAD]; [b, n].
    const isToken = tf.cast(tf.notEqual(ids, PAD_ID), 'float32') as tf.Tensor2D;
    // [b, n] → [b, 1, 1, n], broadcast over heads and query positions.
    const keyMask = tf.reshape(tf.mul(tf.sub(1, isToken), MASKED_LOGIT), [batch, 1, 1, tokens]) as tf.Tensor4D;

    // 2. Token and position embeddings: [b·n] → [b, n, dim].
    const tokenRows = tf.gather(param(params, 'token.table'), tf.reshape(ids, [batch * tokens]));
    const positions = tf.slice(param(params, 'position.table'), [0, 0], [tokens, dim]);
    let h = tf.add(tf.reshape(tokenRows, [batch, tokens, dim]), positions) as tf.Tensor3D;

    // 3. Pre-norm blocks.
    for (let layer = 0; layer < numLayers; layer++) h = block(params, `blocks.${layer}`, h, keyMask, numHeads);

    // 4. Final LayerNorm, pooling to [b, dim], projection to [b, outputDim].
    const normed = affineLayerNorm(params, 'final.norm', h);
    let pooled: tf.Tensor2D;
    if (pooling === 'cls') {
      pooled = tf.reshape(tf.slice(normed, [0, 0, 0], [batch, 1, dim]), [batch, dim]);
    } else {
      // Σ over real tokens / their count; every row has at least [CLS], so the count is >= 1.
      const weights = tf.reshape(isToken, [batch, tokens, 1]);
      pooled = tf.div(tf.sum(tf.mul(normed, weights), 1), tf.maximum(tf.sum(weights, 1), 1)) as tf.Tensor2D;
    }
    return linear(params, 'projection', pooled);
  });
}
