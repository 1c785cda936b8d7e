/**
 * Modality encoders: each maps one modality's input to an embedding of size `embeddingDim`.
 * An encoder is a pair of functions over named parameters (see nets/layers), registered in
 * MODALITY_ENCODERS under its modality, so the fusion model can loop over any list of modalities.
 */
import * as tf from '@tensorflow/tfjs';
import { linear, linearSpecs } from '../nets/layers';
import { ParamSpec, Params, param } from '../nets/params';
import { Modality } from './modalities';

/** Widths shared by the encoders. */
export interface EncoderSizes {
  hiddenDim: number;
  embeddingDim: number;
}

export interface ModalityEncoder {
  /** Parameters under `prefix` for inputs of `exampleShape`. */
  paramSpecs(prefix: string, exampleShape: readonly number[], sizes: EncoderSizes): ParamSpec[];
  /** x [batch, ...exampleShape] → embeddings [batch, embeddingDim]. */
  apply(params: Params, prefix: string, x: tf.Tensor, sizes: EncoderSizes): tf.Tensor2D;
}

/** Width of the temporal convolution over hours. */
export const TIME_SERIES_KERNEL_SIZE = 3;

/**
 * Time-series encoder over the hourly grid, input [batch, hours, 2 · variables] laid out as in
 * buildEhrMultimodalDataset (filled values, then the observed mask).
 *
 * 1. A temporal convolution (kernel TIME_SERIES_KERNEL_SIZE, zero padding so every hour keeps
 *    its place) and ReLU: [batch, hours, hiddenDim].
 * 2. A per-hour linear layer and ReLU: [batch, hours, hiddenDim].
 * 3. Masked pooling over the hours with at least one measurement, mean and max: [batch, 2 · hiddenDim].
 *    The max is taken after ReLU, so every value is >= 0 and an unobserved hour, set to 0, cannot raise it.
 * 4. A linear layer to the embedding: [batch, embeddingDim].
 */
export const timeSeriesEncoder: ModalityEncoder = {
  paramSpecs(prefix, exampleShape, { hiddenDim, embeddingDim }) {
    const [, channels] = exampleShape;
    const fanIn = TIME_SERIES_KERNEL_SIZE * channels;
    return [
      { name: `${prefix}.conv.weight`, shape: [TIME_SERIES_KERNEL_SIZE, channels, hiddenDim], init: { kind: 'fanInUniform', fanIn } },
      { name: `${prefix}.conv.bias`, shape: [hiddenDim], init: { kind: 'fanInUniform', fanIn } },
      ...linearSpecs(`${prefix}.hour`, hiddenDim, hiddenDim),
      ...linearSpecs(`${prefix}.out`, 2 * hiddenDim, embeddingDim),
    ];
  },

  apply(params, prefix, x, { hiddenDim }) {
    const [batch, hours, channels] = x.shape;
    const variables = channels / 2;

    // 1. Temporal convolution: [batch, hours, channels] → [batch, hours, hiddenDim].
    const conv = tf.conv1d(x as tf.Tensor3D, param(params, `${prefix}.conv.weight`) as tf.Tensor3D, 1, 'same');
    const convolved = tf.relu(tf.add(conv, param(params, `${prefix}.conv.bias`)));

    // 2. Per-hour layer: fold hours into the batch, [batch · hours, hiddenDim], and back.
    const flat = tf.reshape(convolved, [batch * hours, hiddenDim]) as tf.Tensor2D;
    const hidden = tf.reshape(tf.relu(linear(params, `${prefix}.hour`, flat)), [batch, hours, hiddenDim]);

    // 3. Masked pooling. hourObserved [batch, hours, 1] is 1 where any variable was measured.
    const mask = tf.slice(x, [0, 0, variables], [batch, hours, variables]);
    const hourObserved = tf.max(mask, 2, true);
    const masked = tf.mul(hidden, hourObserved);
    const observedHours = tf.maximum(tf.sum(hourObserved, 1), 1); // [batch, 1]; 1 avoids 0/0 for an empty grid
    const meanPooled = tf.div(tf.sum(masked, 1), observedHours);
    const maxPooled = tf.max(masked, 1);
    const pooled = tf.concat([meanPooled, maxPooled], 1) as tf.Tensor2D; // [batch, 2 · hiddenDim]

    // 4. Embedding.
    return linear(params, `${prefix}.out`, pooled);
  },
};

/** Descriptor encoder: an MLP on the static features, [batch, features] → [batch, embeddingDim]. */
export const descriptorEncoder: ModalityEncoder = {
  paramSpecs(prefix, exampleShape, { hiddenDim, embeddingDim }) {
    const [features] = exampleShape;
    return [...linearSpecs(`${prefix}.hidden`, features, hiddenDim), ...linearSpecs(`${prefix}.out`, hiddenDim, embeddingDim)];
  },

  apply(params, prefix, x) {
    const hidden = tf.relu(linear(params, `${prefix}.hidden`, x as tf.Tensor2D));
    return linear(params, `${prefix}.out`, hidden);
  },
};

/** Encoder of each modality. */
export const MODALITY_ENCODERS: Record<Modality, ModalityEncoder> = {
  timeSeries: timeSeriesEncoder,
  descriptors: descriptorEncoder,
};

/** Rank of each modality's example shape, checked when a fusion model is configured. */
export const MODALITY_INPUT_RANKS: Record<Modality, number> = {
  timeSeries: 2,
  descriptors: 1,
};
