import * as tf from '@tensorflow/tfjs';
import { conv2dSpecs, groupNorm, groupNormSpecs } from './layers';
import { ParamSpec, Params, param } from './params';

export function attentionSpecs(name: string, channels: number): ParamSpec[] {
  return [
    ...groupNormSpecs(`${name}.norm`, channels),
    ...conv2dSpecs(`${name}.qkv`, channels, 3 * channels, 1),
    ...conv2dSpecs(`${name}.out`, channels, channels, 1),
  ];
}

/** Applies a 1×1 convolution as a matrix product: x [b, n, cin] → [b, n, cout]. */
function pointwise(params: Params, name: string, x: tf.Tensor3D): tf.Tensor3D {
  const weight = param(params, `${name}.weight`);
  const [, , inChannels, outChannels] = weight.shape;
  const [batch, n] = x.shape;
  // [b·n, cin] · [cin, cout]
  const flat = tf.matMul(tf.reshape(x, [batch * n, inChannels]), tf.reshape(weight, [inChannels, outChannels]));
  return tf.reshape(tf.add(flat, param(params, `${name}.bias`)), [batch, n, outChannels]);
}

/**
 * Single-head self-attention over all positions, with a residual connection:
 * x + out(softmax(q kᵀ / √c) v), q, k, v from a 1×1 convolution of GroupNorm(x).
 * x: [batch, height, width, channels] → same shape.
 */
export function attention(params: Params, name: string, x: tf.Tensor4D, groups: number): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  const n = height * width;
  // [b, n, c]
  const normed = tf.reshape(groupNorm(params, `${name}.norm`, x, groups), [batch, n, channels]) as tf.Tensor3D;
  // [b, n, 3c] → three [b, n, c]
  const [q, k, v] = tf.split(pointwise(params, `${name}.qkv`, normed), 3, 2) as tf.Tensor3D[];
  // [b, n, n]
  const weights = tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(channels)));
  // [b, n, c]
  const attended = tf.matMul(weights, v);
  const projected = pointwise(params, `${name}.out`, attended as tf.Tensor3D);
  return tf.add(x, tf.reshape(projected, [batch, height, width, channels]));
}
