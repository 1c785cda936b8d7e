import * as tf from '@tensorflow/tfjs';
import { conv2d, conv2dSpecs, embedding, embeddingSpecs, groupNorm, groupNormSpecs, linear, linearSpecs, silu, upsampleNearest2x } from './layers';
import { timestepEmbedding } from './embeddings';
import { ParamSpec, Params, countParams, param } from './params';
import { attention, attentionSpecs } from './attention';

/**
 * Conditional U-Net for one-channel images, predicting noise (or v) from a noisy image,
 * its timestep and a class id.
 *
 * Layout per level ℓ with width w_ℓ: a residual block, then a stride-2 3×3 convolution
 * (every level downsamples, so the lowest resolution is H / 2^levels). The middle is
 * residual block, self-attention, residual block. The way up mirrors it: nearest ×2
 * upsampling, a 3×3 convolution, concatenation with the skip of that level, a residual
 * block. The timestep embedding (sinusoid → Linear → SiLU → Linear) plus the class
 * embedding (a table with one extra, last, row: the null class for classifier-free
 * guidance) is added inside every residual block after its first convolution.
 *
 * A network with `contextDim > 0` is conditioned on a float vector instead, such as a
 * report's text embedding. Linear → SiLU → Linear maps it to the embedding size, and the
 * result is added to the timestep embedding like the class embedding. The parameter
 * `context.null` [1, contextDim] is the learned "no condition" vector for classifier-free
 * guidance: training replaces dropped rows with it, and sampling passes it as the null row.
 *
 * Images whose sides are not multiples of 2^levels are zero-padded at the bottom and
 * right and the output cropped back, so 28×28 inputs run at 32×32 inside.
 */
export interface UNetConfig {
  /** Channel width of each level, top to bottom, e.g. [32, 64, 64]. */
  widths: number[];
  /** Residual blocks per level on the way down and on the way up. */
  numResBlocks: number;
  /** Size of the timestep and class embeddings. */
  embeddingDim: number;
  /** Number of real classes; the table has numClasses + 1 rows (last: null class). 0 for an unconditional model. */
  numClasses: number;
  /** Size of a float conditioning vector (e.g. a text embedding); 0 or absent for none. Exclusive with numClasses. */
  contextDim?: number;
  /** GroupNorm groups; every width must be divisible by it. */
  normGroups: number;
  /** Self-attention between the two middle residual blocks, at the lowest resolution. */
  midAttention: boolean;
  inChannels: number;
  outChannels: number;
}

/** Name of the learned null context vector, [1, contextDim]. */
export const CONTEXT_NULL_PARAM = 'context.null';

/** Returns the configuration of the PyTorch benchmark peer's network (880,481 parameters with 4 classes). */
export function referenceUNetConfig(numClasses = 4): UNetConfig {
  return { widths: [32, 64, 64], numResBlocks: 1, embeddingDim: 128, numClasses, normGroups: 8, midAttention: true, inChannels: 1, outChannels: 1 };
}

export function validateUNetConfig(config: UNetConfig): void {
  const fail = (message: string) => {
    throw new Error(`UNetConfig: ${message}`);
  };
  if (!Array.isArray(config.widths) || config.widths.length === 0) fail(`widths must be a non-empty list, got ${JSON.stringify(config.widths)}`);
  for (const w of config.widths) {
    if (!Number.isInteger(w) || w <= 0 || w % config.normGroups !== 0) {
      fail(`every width must be a positive multiple of normGroups (${config.normGroups}), got ${w}`);
    }
  }
  if (!Number.isInteger(config.numResBlocks) || config.numResBlocks < 1) fail(`numResBlocks must be an integer >= 1, got ${config.numResBlocks}`);
  if (!Number.isInteger(config.embeddingDim) || config.embeddingDim < 2 || config.embeddingDim % 2 !== 0) {
    fail(`embeddingDim must be an even integer >= 2, got ${config.embeddingDim}`);
  }
  if (!Number.isInteger(config.numClasses) || config.numClasses < 0) fail(`numClasses must be an integer >= 0, got ${config.numClasses}`);
  const contextDim = config.contextDim ?? 0;
  if (!Number.isInteger(contextDim) || contextDim < 0) fail(`contextDim must be an integer >= 0, got ${config.contextDim}`);
  if (contextDim > 0 && config.numClasses > 0) {
    fail(`a network takes class labels (numClasses ${config.numClasses}) or a context vector (contextDim ${contextDim}), not both; set one to 0`);
  }
  if (!Number.isInteger(config.inChannels) || config.inChannels < 1) fail(`inChannels must be an integer >= 1, got ${config.inChannels}`);
  if (!Number.isInteger(config.outChannels) || config.outChannels < 1) fail(`outChannels must be an integer >= 1, got ${config.outChannels}`);
}

function resBlockSpecs(name: string, inChannels: number, outChannels: number, embeddingDim: number): ParamSpec[] {
  const specs = [
    ...groupNormSpecs(`${name}.norm1`, inChannels),
    ...conv2dSpecs(`${name}.conv1`, inChannels, outChannels, 3),
    ...linearSpecs(`${name}.embedding`, embeddingDim, outChannels),
    ...groupNormSpecs(`${name}.norm2`, outChannels),
    ...conv2dSpecs(`${name}.conv2`, outChannels, outChannels, 3),
  ];
  if (inChannels !== outChannels) specs.push(...conv2dSpecs(`${name}.skip`, inChannels, outChannels, 1));
  return specs;
}

/** x [b, h, w, cin], embedding [b, embeddingDim] (already SiLU-activated) → [b, h, w, cout]. */
function resBlock(params: Params, name: string, x: tf.Tensor4D, embeddingActivated: tf.Tensor2D, groups: number): tf.Tensor4D {
  let h = conv2d(params, `${name}.conv1`, silu(groupNorm(params, `${name}.norm1`, x, groups)));
  const shift = linear(params, `${name}.embedding`, embeddingActivated);
  // [b, cout] → [b, 1, 1, cout], broadcast over height and width
  h = tf.add(h, tf.reshape(shift, [shift.shape[0], 1, 1, shift.shape[1]]));
  h = conv2d(params, `${name}.conv2`, silu(groupNorm(params, `${name}.norm2`, h, groups)));
  const skip = params.has(`${name}.skip.weight`) ? conv2d(params, `${name}.skip`, x) : x;
  return tf.add(h, skip);
}

/** Parameter names, shapes and initialisers of the network, in a fixed order. */
export function unetParamSpecs(config: UNetConfig): ParamSpec[] {
  validateUNetConfig(config);
  const { widths, numResBlocks, embeddingDim: e } = config;
  const specs: ParamSpec[] = [...linearSpecs('time.linear1', e, e), ...linearSpecs('time.linear2', e, e)];
  if (config.numClasses > 0) specs.push(...embeddingSpecs('label', config.numClasses + 1, e));
  const contextDim = config.contextDim ?? 0;
  if (contextDim > 0) {
    specs.push(...linearSpecs('context.linear1', contextDim, e), ...linearSpecs('context.linear2', e, e));
    specs.push({ name: CONTEXT_NULL_PARAM, shape: [1, contextDim], init: { kind: 'zeros' } });
  }
  specs.push(...conv2dSpecs('input', config.inChannels, widths[0], 3));

  let channels = widths[0];
  widths.forEach((width, level) => {
    for (let r = 0; r < numResBlocks; r++) {
      specs.push(...resBlockSpecs(`down${level}.res${r}`, channels, width, e));
      channels = width;
    }
    specs.push(...conv2dSpecs(`down${level}.downsample`, width, width, 3));
  });

  specs.push(...resBlockSpecs('mid.res0', channels, channels, e));
  if (config.midAttention) specs.push(...attentionSpecs('mid.attention', channels));
  specs.push(...resBlockSpecs('mid.res1', channels, channels, e));

  for (let level = widths.length - 1; level >= 0; level--) {
    const width = widths[level];
    specs.push(...conv2dSpecs(`up${level}.upsample`, channels, channels, 3));
    for (let r = 0; r < numResBlocks; r++) {
      const inChannels = r === 0 ? channels + width : width;
      specs.push(...resBlockSpecs(`up${level}.res${r}`, inChannels, width, e));
    }
    channels = width;
  }
  specs.push(...groupNormSpecs('output.norm', channels), ...conv2dSpecs('output.conv', channels, config.outChannels, 3));
  return specs;
}

export function unetParamCount(config: UNetConfig): number {
  return countParams(unetParamSpecs(config));
}

/**
 * Runs the network.
 * x: [batch, height, width, inChannels]; timesteps: int32 [batch].
 * condition: int32 labels [batch] in [0, numClasses] for a class-conditional network
 * (numClasses is the null class), float [batch, contextDim] for a context network, and
 * null for an unconditional network. contextDropMask (context networks, training only):
 * float [batch], 1 where the row is replaced by the learned null vector, 0 where it is kept.
 * Returns [batch, height, width, outChannels].
 */
export function unetForward(
  config: UNetConfig,
  params: Params,
  x: tf.Tensor4D,
  timesteps: tf.Tensor1D,
  condition: tf.Tensor | null,
  contextDropMask: tf.Tensor1D | null = null,
): tf.Tensor4D {
  const contextDim = config.contextDim ?? 0;
  const labels = contextDim > 0 ? null : (condition as tf.Tensor1D | null);
  if (x.rank !== 4 || x.shape[3] !== config.inChannels) {
    throw new Error(
      `unetForward: expected images [batch, height, width, ${config.inChannels}], got [${x.shape}]; ` +
        `convert images to ${config.inChannels} channel(s) or build the network with inChannels ${x.shape[x.rank - 1]}`,
    );
  }
  const batch = x.shape[0];
  if (contextDim > 0) {
    if (!condition || condition.rank !== 2 || condition.shape[0] !== batch || condition.shape[1] !== contextDim) {
      throw new Error(
        `unetForward: this network is conditioned on context vectors [batch, ${contextDim}], got ${condition ? `[${condition.shape}]` : 'none'}; ` +
          `pass one vector per image (the learned '${CONTEXT_NULL_PARAM}' for no condition)`,
      );
    }
    if (contextDropMask && (contextDropMask.rank !== 1 || contextDropMask.shape[0] !== batch)) {
      throw new Error(`unetForward: contextDropMask must be [${batch}], got [${contextDropMask.shape}]`);
    }
  }
  if (timesteps.rank !== 1 || timesteps.shape[0] !== batch || (labels && (labels.rank !== 1 || labels.shape[0] !== batch))) {
    throw new Error(
      `unetForward: timesteps [${timesteps.shape}] and labels [${labels ? labels.shape : 'none'}] must each have one entry per image (${batch})`,
    );
  }
  return tf.tidy(() => {
    const [, height, width] = x.shape;
    const multiple = 2 ** config.widths.length;
    const paddedHeight = Math.ceil(height / multiple) * multiple;
    const paddedWidth = Math.ceil(width / multiple) * multiple;
    let h: tf.Tensor4D = x;
    if (paddedHeight !== height || paddedWidth !== width) {
      h = tf.pad(x, [[0, 0], [0, paddedHeight - height], [0, paddedWidth - width], [0, 0]]);
    }

    // 1. Conditioning vector: MLP(sinusoid(t)) + label embedding, [batch, embeddingDim].
    let emb = linear(params, 'time.linear2', silu(linear(params, 'time.linear1', timestepEmbedding(timesteps, config.embeddingDim))));
    if (config.numClasses > 0) {
      if (!labels) throw new Error('unetForward: this network is class-conditional; pass labels (the null class is numClasses)');
      emb = tf.add(emb, embedding(params, 'label', labels));
    }
    if (contextDim > 0) {
      let context = condition as tf.Tensor2D;
      if (contextDropMask) {
        // [batch, 1]: rows with mask 1 become the learned null vector, so it receives gradients.
        const drop = tf.reshape(contextDropMask, [batch, 1]);
        context = tf.add(tf.mul(context, tf.sub(1, drop)), tf.mul(param(params, CONTEXT_NULL_PARAM), drop));
      }
      emb = tf.add(emb, linear(params, 'context.linear2', silu(linear(params, 'context.linear1', context))));
    }
    const embActivated = silu(emb);

    // 2. Down path; skips keep the output of each level before downsampling.
    h = conv2d(params, 'input', h);
    const skips: tf.Tensor4D[] = [];
    config.widths.forEach((_, level) => {
      for (let r = 0; r < config.numResBlocks; r++) h = resBlock(params, `down${level}.res${r}`, h, embActivated, config.normGroups);
      skips.push(h);
      h = conv2d(params, `down${level}.downsample`, h, 2);
    });

    // 3. Middle, at the lowest resolution.
    h = resBlock(params, 'mid.res0', h, embActivated, config.normGroups);
    if (config.midAttention) h = attention(params, 'mid.attention', h, config.normGroups);
    h = resBlock(params, 'mid.res1', h, embActivated, config.normGroups);

    // 4. Up path.
    for (let level = config.widths.length - 1; level >= 0; level--) {
      h = conv2d(params, `up${level}.upsample`, upsampleNearest2x(h));
      h = tf.concat([h, skips[level]], 3);
      for (let r = 0; r < config.numResBlocks; r++) h = resBlock(params, `up${level}.res${r}`, h, embActivated, config.normGroups);
    }
    h = conv2d(params, 'output.conv', silu(groupNorm(params, 'output.norm', h, config.normGroups)));

    if (paddedHeight !== height || paddedWidth !== width) {
      h = tf.slice(h, [0, 0, 0, 0], [batch, height, width, config.outChannels]);
    }
    return h;
  });
}
