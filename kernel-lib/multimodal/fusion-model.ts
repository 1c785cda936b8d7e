/**
 * Fusion classifier over any list of modalities: one encoder per modality, a "missing"
 * embedding standing in for each modality that is absent or dropped, a fusion of the
 * embeddings (concatenation or sum), and an MLP head to one logit.
 */
import * as tf from '@tensorflow/tfjs';
import { linear, linearSpecs } from '../nets/layers';
import { ParamSpec, Params, param } from '../nets/params';
import { MODALITY_ENCODERS, MODALITY_INPUT_RANKS } from './encoders';
import { MODALITIES, Modality, checkModality } from './modalities';

/** Combination of the modality embeddings before the head. */
export const FUSION_MODES = ['concat', 'sum'] as const;
export type FusionMode = (typeof FUSION_MODES)[number];

/**
 * Replacement of an absent or dropped modality's embedding: a learned vector per modality
 * (initialised to zeros) or a constant zero vector.
 * NOTE: a learned vector gets gradient only from examples where its modality is replaced, so a
 * model trained without dropout on complete data keeps it at zeros, the same as 'zero'.
 */
export const MISSING_EMBEDDING_KINDS = ['learned', 'zero'] as const;
export type MissingEmbeddingKind = (typeof MISSING_EMBEDDING_KINDS)[number];

export interface FusionConfig {
  /** Modalities the model reads, in MODALITIES order; one for a single-modality model. */
  modalities: readonly Modality[];
  /** Shape of one example's input per modality of the model. */
  exampleShapes: Partial<Record<Modality, readonly number[]>>;
  embeddingDim: number;
  hiddenDim: number;
  fusion: FusionMode;
  missingEmbedding: MissingEmbeddingKind;
}

/** Per-modality tensors of one batch: inputs [batch, ...exampleShape] and keep [batch] (1 use, 0 replace). */
export type FusionInputs = Partial<Record<Modality, { input: tf.Tensor; keep: tf.Tensor1D }>>;

/** Throws `validateFusionConfig: …` for a configuration no network can be built from. */
export function validateFusionConfig(config: FusionConfig): void {
  const name = 'validateFusionConfig';
  const modalities: readonly Modality[] = config.modalities;
  if (!Array.isArray(config.modalities) || modalities.length === 0) {
    throw new Error(`${name}: \`modalities\` must list at least one of ${MODALITIES.join(', ')}, got ${JSON.stringify(config.modalities)}`);
  }
  for (const modality of config.modalities) checkModality(name, modality);
  if (new Set(config.modalities).size !== config.modalities.length) {
    throw new Error(`${name}: \`modalities\` lists a modality twice: ${config.modalities.join(', ')}`);
  }
  for (const modality of modalities) {
    const shape = config.exampleShapes[modality];
    const rank = MODALITY_INPUT_RANKS[modality];
    if (!shape || shape.length !== rank || shape.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new Error(`${name}: \`exampleShapes.${modality}\` must be ${rank} positive integers, got ${JSON.stringify(shape)}`);
    }
  }
  const timeShape = config.exampleShapes.timeSeries;
  if (config.modalities.includes('timeSeries') && timeShape && timeShape[1] % 2 !== 0) {
    throw new Error(`${name}: timeSeries has ${timeShape[1]} channels per hour; it needs an even number (values, then the observed mask)`);
  }
  for (const key of ['embeddingDim', 'hiddenDim'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new Error(`${name}: \`${key}\` must be an integer >= 1, got ${config[key]}`);
  }
  if (!(FUSION_MODES as readonly string[]).includes(config.fusion)) {
    throw new Error(`${name}: \`fusion\` must be one of ${FUSION_MODES.join(', ')}, got '${config.fusion}'`);
  }
  if (!(MISSING_EMBEDDING_KINDS as readonly string[]).includes(config.missingEmbedding)) {
    throw new Error(`${name}: \`missingEmbedding\` must be one of ${MISSING_EMBEDDING_KINDS.join(', ')}, got '${config.missingEmbedding}'`);
  }
}

/** Width of the fused vector that enters the head. */
function fusedWidth(config: FusionConfig): number {
  return config.fusion === 'concat' ? config.modalities.length * config.embeddingDim : config.embeddingDim;
}

/** Parameter specs: each modality's encoder and missing embedding, then the head. */
export function fusionParamSpecs(config: FusionConfig): ParamSpec[] {
  validateFusionConfig(config);
  const sizes = { hiddenDim: config.hiddenDim, embeddingDim: config.embeddingDim };
  const specs: ParamSpec[] = [];
  for (const modality of config.modalities) {
    specs.push(...MODALITY_ENCODERS[modality].paramSpecs(modality, config.exampleShapes[modality] as number[], sizes));
    if (config.missingEmbedding === 'learned') specs.push({ name: `${modality}.missing`, shape: [config.embeddingDim], init: { kind: 'zeros' } });
  }
  specs.push(...linearSpecs('head.hidden', fusedWidth(config), config.hiddenDim), ...linearSpecs('head.out', config.hiddenDim, 1));
  return specs;
}

/**
 * Encodes each modality and replaces the embedding of every example whose keep flag is 0:
 * e' = keep · e + (1 − keep) · missing, with missing the learned vector or zeros.
 * Returns [batch, embeddingDim] per modality of the model.
 */
export function fusionEmbeddings(config: FusionConfig, params: Params, inputs: FusionInputs): Partial<Record<Modality, tf.Tensor2D>> {
  const sizes = { hiddenDim: config.hiddenDim, embeddingDim: config.embeddingDim };
  const out: Partial<Record<Modality, tf.Tensor2D>> = {};
  for (const modality of config.modalities) {
    const batch = inputs[modality];
    if (!batch) throw new Error(`fusionEmbeddings: no input for modality '${modality}'; pass an input and keep flags for every modality of the model`);
    const embedding = MODALITY_ENCODERS[modality].apply(params, modality, batch.input, sizes);
    const keep = tf.expandDims(batch.keep, 1); // [batch, 1]
    const keptEmbedding = tf.mul(embedding, keep);
    if (config.missingEmbedding === 'zero') {
      out[modality] = keptEmbedding as tf.Tensor2D;
    } else {
      const missing = tf.expandDims(param(params, `${modality}.missing`), 0); // [1, embeddingDim]
      out[modality] = tf.add(keptEmbedding, tf.mul(tf.sub(1, keep), missing)) as tf.Tensor2D;
    }
  }
  return out;
}

/** Logits [batch] of in-hospital death (or any binary label) from the modalities in `inputs`. */
export function fusionForward(config: FusionConfig, params: Params, inputs: FusionInputs): tf.Tensor1D {
  const embeddings = fusionEmbeddings(config, params, inputs);
  const list = config.modalities.map((modality) => embeddings[modality] as tf.Tensor2D);
  const fused = config.fusion === 'concat' ? (tf.concat(list, 1) as tf.Tensor2D) : (tf.addN(list) as tf.Tensor2D);
  const hidden = tf.relu(linear(params, 'head.hidden', fused));
  return tf.reshape(linear(params, 'head.out', hidden), [-1]) as tf.Tensor1D;
}
