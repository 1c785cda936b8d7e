import * as tf from '@tensorflow/tfjs';
import { ParamSpec, Params, param } from './params';

/**
 * Functional layers over named parameters. Each layer has a `*Specs` function listing
 * its parameters and an apply function reading them, so the same names are used for
 * creating, saving and running a network. Images are NHWC: [batch, height, width, channels].
 */

export function conv2dSpecs(name: string, inChannels: number, outChannels: number, kernelSize: number): ParamSpec[] {
  const fanIn = inChannels * kernelSize * kernelSize;
  return [
    { name: `${name}.weight`, shape: [kernelSize, kernelSize, inChannels, outChannels], init: { kind: 'fanInUniform', fanIn } },
    { name: `${name}.bias`, shape: [outChannels], init: { kind: 'fanInUniform', fanIn } },
  ];
}

/**
 * Convolution with symmetric zero padding of ⌊kernelSize/2⌋ (PyTorch's `padding=k//2`),
 * so stride 2 maps H to ⌊(H − 1)/2⌋ + 1 with the same alignment as PyTorch.
 */
export function conv2d(params: Params, name: string, x: tf.Tensor4D, stride = 1): tf.Tensor4D {
  const weight = param(params, `${name}.weight`) as tf.Tensor4D;
  const bias = param(params, `${name}.bias`);
  const half = Math.floor(weight.shape[0] / 2);
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [half, half],
    [half, half],
    [0, 0],
  ];
  return tf.add(tf.conv2d(x, weight, stride, half === 0 ? 'valid' : pad), bias);
}

export function linearSpecs(name: string, inFeatures: number, outFeatures: number): ParamSpec[] {
  return [
    { name: `${name}.weight`, shape: [inFeatures, outFeatures], init: { kind: 'fanInUniform', fanIn: inFeatures } },
    { name: `${name}.bias`, shape: [outFeatures], init: { kind: 'fanInUniform', fanIn: inFeatures } },
  ];
}

/** x [batch, inFeatures] → [batch, outFeatures]. */
export function linear(params: Params, name: string, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(x, param(params, `${name}.weight`) as tf.Tensor2D), param(params, `${name}.bias`));
}

export function groupNormSpecs(name: string, channels: number): ParamSpec[] {
  return [
    { name: `${name}.gamma`, shape: [channels], init: { kind: 'ones' } },
    { name: `${name}.beta`, shape: [channels], init: { kind: 'zeros' } },
  ];
}

/**
 * Group normalisation (Wu and He 2018): statistics over height, width and the channels
 * of each of `groups` groups, then a per-channel scale and shift. epsilon 1e-5 as PyTorch.
 */
export function groupNorm(params: Params, name: string, x: tf.Tensor4D, groups: number, epsilon = 1e-5): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  if (channels % groups !== 0) {
    throw new Error(`groupNorm ${name}: ${channels} channels cannot be split into ${groups} groups; use a width divisible by ${groups}`);
  }
  // [batch, height, width, groups, channelsPerGroup]
  const grouped = tf.reshape(x, [batch, height, width, groups, channels / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
  const normalized = tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, epsilon)));
  const back = tf.reshape(normalized, [batch, height, width, channels]);
  return tf.add(tf.mul(back, param(params, `${name}.gamma`)), param(params, `${name}.beta`));
}

/** SiLU (swish): x · σ(x). */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

/** Nearest-neighbour upsampling by 2: [b, h, w, c] → [b, 2h, 2w, c]. */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  const [, height, width] = x.shape;
  return tf.image.resizeNearestNeighbor(x, [2 * height, 2 * width], false, false);
}

export function embeddingSpecs(name: string, rows: number, dim: number): ParamSpec[] {
  return [{ name: `${name}.table`, shape: [rows, dim], init: { kind: 'normal' } }];
}

/** ids int32 [batch] → rows of the table [batch, dim]. */
export function embedding(params: Params, name: string, ids: tf.Tensor1D): tf.Tensor2D {
  return tf.gather(param(params, `${name}.table`) as tf.Tensor2D, ids);
}
