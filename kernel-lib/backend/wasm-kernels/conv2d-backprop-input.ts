import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callKernel, release } from './call-kernel';
import { canSplitSubPixel, conv2dBackpropInputSubPixel } from './conv2d-backprop-input-subpixel';

/**
 * Conv2DBackpropInput for the wasm backend, replacing its reference loop with the
 * fast forward Conv2D.
 *
 * Shapes: dy [batch, outHeight, outWidth, outChannels], filter [fh, fw, inChannels,
 * outChannels], result [batch, inHeight, inWidth, inChannels].
 *
 * dx is the "full" correlation of dy with the filter rotated by 180° and its channel
 * axes swapped ([fh, fw, outChannels, inChannels]). For stride s > 1, s − 1 zeros are
 * first inserted after every element of dy along each spatial axis. With that layout,
 * dx[i] = Σ_k dyZeros[i + k − (fh − 1 − padTop)] · rotated[k], so the forward
 * convolution uses padding fh − 1 − padTop before and whatever completes inHeight after.
 * Stride-2 cases that allow it skip the zeros by a sub-pixel split
 * (conv2d-backprop-input-subpixel.ts).
 */
export function conv2dBackpropInputWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropInputAttrs;
  if (attrs.dataFormat === 'NCHW') {
    throw new Error('wasm Conv2DBackpropInput: dataFormat NCHW is not supported; use NHWC (channelsLast)');
  }
  const inputShape = attrs.inputShape as [number, number, number, number];
  const [, inHeight, inWidth] = inputShape;
  const [batch, outHeight, outWidth, outChannels] = dy.shape;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  if (canSplitSubPixel(info)) return conv2dBackpropInputSubPixel(backend, dy, filter, info);

  // 1. Insert zeros: [batch, outHeight, 1, outWidth, 1, C] padded to
  //    [batch, outHeight, sh, outWidth, sw, C], then merged to [batch, outHeight·sh, outWidth·sw, C].
  //    The trailing s − 1 zero rows and columns are harmless.
  const toRelease: tf.TensorInfo[] = [];
  let dyZeros = dy;
  if (strideHeight > 1 || strideWidth > 1) {
    const expanded = callKernel(backend, 'Reshape', { x: dy }, { shape: [batch, outHeight, 1, outWidth, 1, outChannels] });
    const padded = callKernel(
      backend,
      'PadV2',
      { x: expanded },
      { paddings: [[0, 0], [0, 0], [0, strideHeight - 1], [0, 0], [0, strideWidth - 1], [0, 0]], constantValue: 0 },
    );
    dyZeros = callKernel(
      backend,
      'Reshape',
      { x: padded },
      { shape: [batch, outHeight * strideHeight, outWidth * strideWidth, outChannels] },
    );
    toRelease.push(expanded, padded, dyZeros);
  }
  const zerosHeight = dyZeros.shape[1];
  const zerosWidth = dyZeros.shape[2];

  // 2. Padding of the full correlation. A negative amount after the data means rows of
  //    dyZeros that only reach outputs past inHeight: they are cropped instead.
  const padTop = filterHeight - 1 - info.padInfo.top;
  const padLeft = filterWidth - 1 - info.padInfo.left;
  const padBottom = inHeight + filterHeight - 1 - zerosHeight - padTop;
  const padRight = inWidth + filterWidth - 1 - zerosWidth - padLeft;
  if (padTop < 0 || padLeft < 0) {
    throw new Error(`wasm Conv2DBackpropInput: padding larger than the filter is not supported (pad ${JSON.stringify(attrs.pad)})`);
  }
  let dyUsed = dyZeros;
  if (padBottom < 0 || padRight < 0) {
    dyUsed = callKernel(
      backend,
      'Slice',
      { x: dyZeros },
      {
        begin: [0, 0, 0, 0],
        size: [batch, zerosHeight + Math.min(0, padBottom), zerosWidth + Math.min(0, padRight), outChannels],
      },
    );
    toRelease.push(dyUsed);
  }

  // 3. Rotate the filter by 180° and swap its channel axes: [fh, fw, outChannels, inChannels].
  const reversed = callKernel(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
  const rotated = callKernel(backend, 'Transpose', { x: reversed }, { perm: [0, 1, 3, 2] });
  toRelease.push(reversed, rotated);

  // 4. Forward convolution, stride 1.
  const pad: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [padTop, Math.max(0, padBottom)],
    [padLeft, Math.max(0, padRight)],
    [0, 0],
  ];
  const dx = callKernel(
    backend,
    'Conv2D',
    { x: dyUsed, filter: rotated },
    { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined } as unknown as tf.NamedAttrMap,
  );
  release(backend, ...toRelease);
  return dx;
}

export const conv2dBackpropInputWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputWasm as unknown as tf.KernelFunc,
};
