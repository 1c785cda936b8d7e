import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callKernel, release } from './call-kernel';

/**
 * Smallest input (inHeight · inWidth) for which the sub-pixel split is used. Measured with
 * batch 32 on a 2-core AMD EPYC machine (wasm SIMD, one thread, other jobs running), it was
 * 2.0× faster than zero insertion at 32×32 and 1.5× at 16×16. At 8×8 it was no faster,
 * because its four convolutions and two concatenations cost more than the zeros they skip.
 */
export const SUB_PIXEL_MIN_PIXELS = 16 * 16;

/**
 * Returns whether the input gradient of a convolution takes the sub-pixel split:
 * stride 2 on both axes, no padding at the top or left, an input exactly twice the output
 * (inHeight = 2·outHeight, inWidth = 2·outWidth) of at least SUB_PIXEL_MIN_PIXELS, and a
 * filter of at least 2×2. Stride-2 3×3 convolutions with 'same' padding on even sizes qualify.
 */
export function canSplitSubPixel(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.inHeight * info.inWidth >= SUB_PIXEL_MIN_PIXELS &&
    info.strideHeight === 2 &&
    info.strideWidth === 2 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.inHeight === 2 * info.outHeight &&
    info.inWidth === 2 * info.outWidth &&
    info.filterHeight >= 2 &&
    info.filterWidth >= 2
  );
}

/**
 * Input gradient of a stride-2 convolution without inserting zeros into dy.
 *
 * Shapes: dy [batch, outHeight, outWidth, outChannels], filter [fh, fw, inChannels,
 * outChannels], result [batch, 2·outHeight, 2·outWidth, inChannels].
 *
 * The forward pass reads x[2p + k] for output row p and filter row k (no top padding), so
 * dx[2a + r] = Σ_d dy[a − d] · w[r + 2d]: the rows of dx of parity r only see the filter
 * rows r, r + 2, …. Each of the four parities (r, s) of rows and columns is therefore a
 * stride-1 correlation of dy with those filter taps in reverse order, padded by (taps − 1)
 * at the top and left. The four results are interleaved into dx. The zero-insertion route
 * multiplies three quarters of its products by zero; this one skips them.
 */
export function conv2dBackpropInputSubPixel(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const [batch, outHeight, outWidth] = dy.shape;
  const { filterHeight, filterWidth, inChannels } = info;
  const outChannels = dy.shape[3];
  const toRelease: tf.TensorInfo[] = [];

  // 1. Filter with its channel axes swapped: [fh, fw, outChannels, inChannels].
  const swapped = callKernel(backend, 'Transpose', { x: filter }, { perm: [0, 1, 3, 2] });
  toRelease.push(swapped);

  // 2. One stride-1 convolution per parity, each [batch, outHeight, outWidth, 1, inChannels].
  const rows: tf.TensorInfo[] = [];
  for (let r = 0; r < 2; r++) {
    const columns: tf.TensorInfo[] = [];
    for (let s = 0; s < 2; s++) {
      // Filter rows r, r + 2, … and columns s, s + 2, …, then reversed into window order.
      const taps = callKernel(
        backend,
        'StridedSlice',
        { x: swapped },
        {
          begin: [r, s, 0, 0],
          end: [filterHeight, filterWidth, outChannels, inChannels],
          strides: [2, 2, 1, 1],
          beginMask: 0,
          endMask: 0,
          ellipsisMask: 0,
          newAxisMask: 0,
          shrinkAxisMask: 0,
        },
      );
      const window = callKernel(backend, 'Reverse', { x: taps }, { dims: [0, 1] });
      const [tapsHeight, tapsWidth] = window.shape;
      const pad: tf.backend_util.ExplicitPadding = [
        [0, 0],
        [tapsHeight - 1, 0],
        [tapsWidth - 1, 0],
        [0, 0],
      ];
      const part = callKernel(
        backend,
        'Conv2D',
        { x: dy, filter: window },
        { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined } as unknown as tf.NamedAttrMap,
      );
      const expanded = callKernel(backend, 'Reshape', { x: part }, { shape: [batch, outHeight, outWidth, 1, inChannels] });
      toRelease.push(taps, window, part, expanded);
      columns.push(expanded);
    }

    // 3. Interleave the columns (the Concat kernel takes its inputs as an array): [batch, outHeight, outWidth, 2, inChannels] viewed as
    //    [batch, outHeight, 1, outWidth, 2, inChannels].
    const row = callKernel(backend, 'Concat', columns as unknown as tf.NamedTensorInfoMap, { axis: 3 });
    const rowExpanded = callKernel(backend, 'Reshape', { x: row }, { shape: [batch, outHeight, 1, outWidth, 2, inChannels] });
    toRelease.push(row, rowExpanded);
    rows.push(rowExpanded);
  }

  // 4. Interleave the rows: [batch, outHeight, 2, outWidth, 2, inChannels] is dx.
  const interleaved = callKernel(backend, 'Concat', rows as unknown as tf.NamedTensorInfoMap, { axis: 2 });
  const dx = callKernel(backend, 'Reshape', { x: interleaved }, { shape: [batch, 2 * outHeight, 2 * outWidth, inChannels] });
  release(backend, interleaved, ...toRelease);
  return dx;
}
