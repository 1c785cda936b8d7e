import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callKernel, release } from './call-kernel';

/**
 * Conv2DBackpropFilter for the wasm backend, which ships none, built from its fast
 * forward Conv2D.
 *
 * Shapes: x [batch, inHeight, inWidth, inChannels], dy [batch, outHeight, outWidth,
 * outChannels], result [filterHeight, filterWidth, inChannels, outChannels].
 *
 * dW[i, j, c, k] = Σ_{n, p, q} x[n, p·s + i − padTop, q·s + j − padLeft, c] · dy[n, p, q, k].
 * Swapping roles, this is a forward convolution of x^T [inChannels, H, W, batch] (batch
 * acts as channels) with dy^T [outHeight, outWidth, batch, outChannels] as the filter,
 * stride 1 and dilation s. Its output [inChannels, fh, fw, outChannels] is transposed back.
 */
export function conv2dBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropFilterAttrs;
  if (attrs.dataFormat === 'NCHW') {
    throw new Error('wasm Conv2DBackpropFilter: dataFormat NCHW is not supported; use NHWC (channelsLast)');
  }
  const [batch, inHeight, inWidth, inChannels] = x.shape;
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { filterHeight, filterWidth, strideHeight, strideWidth, outHeight, outWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  // Rows of x the forward pass read: padded coordinates −padTop … −padTop + extent − 1.
  // Rows past the end that the forward pass never read are cropped; missing rows are padded.
  const extentHeight = filterHeight + (outHeight - 1) * strideHeight;
  const extentWidth = filterWidth + (outWidth - 1) * strideWidth;
  const overflowBottom = extentHeight - padTop - inHeight;
  const overflowRight = extentWidth - padLeft - inWidth;
  const keptHeight = Math.min(inHeight, inHeight + overflowBottom);
  const keptWidth = Math.min(inWidth, inWidth + overflowRight);

  let xUsed = x;
  if (keptHeight < inHeight || keptWidth < inWidth) {
    xUsed = callKernel(backend, 'Slice', { x }, { begin: [0, 0, 0, 0], size: [batch, keptHeight, keptWidth, inChannels] });
  }
  // [inChannels, keptHeight, keptWidth, batch]
  const xT = callKernel(backend, 'Transpose', { x: xUsed }, { perm: [3, 1, 2, 0] });
  // [outHeight, outWidth, batch, outChannels]
  const dyT = callKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const pad: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [padTop, Math.max(0, overflowBottom)],
    [padLeft, Math.max(0, overflowRight)],
    [0, 0],
  ];
  // [inChannels, filterHeight, filterWidth, outChannels]
  const grad = callKernel(
    backend,
    'Conv2D',
    { x: xT, filter: dyT },
    { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [strideHeight, strideWidth], dimRoundingMode: undefined } as unknown as tf.NamedAttrMap,
  );
  const result = callKernel(backend, 'Transpose', { x: grad }, { perm: [1, 2, 0, 3] });

  release(backend, xT, dyT, grad);
  if (xUsed !== x) release(backend, xUsed);
  return result;
}

export const conv2dBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as unknown as tf.KernelFunc,
};
