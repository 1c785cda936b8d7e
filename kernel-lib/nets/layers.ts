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
  // The fused op adds the bias inside the convolution kernel: one pass over the output instead of two.
  return tf.fused.conv2d({ x, filter: weight, strides: stride, pad: half === 0 ? 'valid' : pad, bias });
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
 *
 * The gradient is written out instead of derived op by op, which saves about a quarter of
 * the time of a forward and backward pass on the wasm backend. With x̂ = (x − μ)·r,
 * r = 1/√(σ² + ε) and g = dy·γ, the input gradient per group is
 * dx = r · (g − mean(g) − x̂ · mean(g · x̂)); dγ = Σ dy·x̂ and dβ = Σ dy over batch and pixels.
 */
export function groupNorm(params: Params, name: string, x: tf.Tensor4D, groups: number, epsilon = 1e-5): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  if (channels % groups !== 0) {
    throw new Error(`groupNorm ${name}: ${channels} channels cannot be split into ${groups} groups; use a width divisible by ${groups}`);
  }
  // [batch, height, width, groups, channelsPerGroup]; statistics over axes 1, 2 and 4.
  const groupedShape = [batch, height, width, groups, channels / groups];
  const axes = [1, 2, 4];
  // customGrad passes the inputs and then the save function as one variadic list.
  const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const grouped = tf.reshape(input, groupedShape);
    const centered = tf.sub(grouped, tf.mean(grouped, axes, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), axes, true), epsilon));
    const xHat = tf.reshape(tf.mul(centered, rstd), [batch, height, width, channels]);
    save([xHat, rstd, gamma]);
    return {
      value: tf.add(tf.mul(xHat, gamma), beta),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedXHat, savedRstd, savedGamma] = saved;
        const dBeta = tf.sum(dy, [0, 1, 2]);
        const dGamma = tf.sum(tf.mul(dy, savedXHat), [0, 1, 2]);
        const g = tf.reshape(tf.mul(dy, savedGamma), groupedShape);
        const xHatGrouped = tf.reshape(savedXHat, groupedShape);
        const meanG = tf.mean(g, axes, true);
        const meanGXHat = tf.mean(tf.mul(g, xHatGrouped), axes, true);
        const dx = tf.mul(tf.sub(tf.sub(g, meanG), tf.mul(xHatGrouped, meanGXHat)), savedRstd);
        return [tf.reshape(dx, [batch, height, width, channels]), dGamma, dBeta];
      },
    };
  });
  return normalize(x, param(params, `${name}.gamma`), param(params, `${name}.beta`)) as tf.Tensor4D;
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
