import * as tf from '@tensorflow/tfjs';

/**
 * Sinusoidal timestep embedding (Vaswani et al. 2017, as used by Ho et al. 2020):
 * for frequencies f_i = exp(−ln(10000) · i / half), i = 0 … half − 1, the embedding of t
 * is [sin(t f_0) … sin(t f_{half−1}), cos(t f_0) … cos(t f_{half−1})].
 * timesteps: [batch] (int32 or float32); result [batch, dim], dim even.
 */
export function timestepEmbedding(timesteps: tf.Tensor1D, dim: number): tf.Tensor2D {
  if (dim % 2 !== 0) throw new Error(`timestepEmbedding: dim must be even, got ${dim}`);
  const half = dim / 2;
  const frequencies = new Float32Array(half);
  for (let i = 0; i < half; i++) frequencies[i] = Math.exp((-Math.log(10000) * i) / half);
  return tf.tidy(() => {
    // [batch, 1] · [1, half] → [batch, half]
    const angles = tf.mul(tf.reshape(tf.cast(timesteps, 'float32'), [-1, 1]), tf.tensor2d(frequencies, [1, half]));
    return tf.concat([tf.sin(angles), tf.cos(angles)], 1) as tf.Tensor2D;
  });
}
