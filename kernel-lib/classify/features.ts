import * as tf from '@tensorflow/tfjs';
import { conv2d, silu } from '../nets/layers';
import { Params } from '../nets/params';
import { ClassifierConfig, validateClassifierConfig } from './cnn';
import { ImageRows, checkImageRows, checkParamsMatch, fillModelRange } from './predict';

/**
 * Computes the classifier's penultimate features: the SiLU output of the last convolution
 * averaged over height and width, which is the input of the linear head. Images
 * [count, height, width] (bytes 0–255 or floats in [−1, 1]) → Float64Array
 * [count, widths[widths.length − 1]], row-major, `batchSize` images per network call.
 * Leaves the tensor count unchanged.
 */
export function classifierFeatures(config: ClassifierConfig, params: Params, images: ImageRows, batchSize = 64): Float64Array {
  validateClassifierConfig(config, 'classifierFeatures');
  checkParamsMatch('classifierFeatures', config, params);
  const count = checkImageRows('classifierFeatures', 'images', images);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`classifierFeatures: \`batchSize\` must be an integer >= 1, got ${batchSize}`);
  }

  const { pixels, height, width } = images;
  const rowSize = height * width;
  const numFeatures = config.widths[config.widths.length - 1];
  const features = new Float64Array(count * numFeatures);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const batch = new Float32Array(size * rowSize);
    fillModelRange(pixels, Int32Array.from({ length: size }, (_, i) => start + i), rowSize, batch);
    const values = tf.tidy(() => {
      // The convolutions of classifierForward, without its head.
      let h = tf.tensor4d(batch, [size, height, width, 1]);
      for (let i = 0; i < config.widths.length; i++) h = silu(conv2d(params, `conv${i}`, h, 2));
      // Global average pooling: [size, h, w, numFeatures] → [size, numFeatures]
      return tf.mean(h, [1, 2]).dataSync();
    });
    features.set(values, start * numFeatures);
  }
  return features;
}
