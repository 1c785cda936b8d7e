/**
 * Antialiased image resizing for feature extractors whose input size differs from the data.
 *
 * Each axis is resampled on its own (the filter is separable):
 * - shrinking uses area averaging: output pixel o covers the input interval [o s, (o + 1) s)
 *   with s = inSize / outSize, and averages the input pixels weighted by their overlap with it.
 *   An integer factor averages whole blocks, so 4 → 2 takes the mean of each pair exactly.
 *   Without this averaging, a plain bilinear shrink would skip pixels and alias fine texture.
 * - enlarging uses bilinear interpolation with pixel centres at i + 0.5 (TensorFlow's
 *   `halfPixelCenters`, PyTorch's `align_corners=False`), clamped at the edges.
 * Weights of every output pixel sum to 1, so a constant image stays constant.
 *
 * Images are float32, row-major `[count, height, width, channels]`.
 */

/** Input pixel indices and weights of one output pixel along one axis. */
interface AxisTap {
  indices: number[];
  weights: number[];
}

function checkSize(caller: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${caller}: \`${name}\` must be a positive integer, got ${value}`);
  }
}

/** Computes the taps of every output pixel for resampling one axis from `inSize` to `outSize`. */
export function axisTaps(inSize: number, outSize: number): AxisTap[] {
  checkSize('axisTaps', 'inSize', inSize);
  checkSize('axisTaps', 'outSize', outSize);
  const taps: AxisTap[] = [];
  if (outSize <= inSize) {
    // Area averaging. For outSize === inSize each output pixel covers exactly one input pixel.
    const scale = inSize / outSize;
    for (let o = 0; o < outSize; o++) {
      const start = o * scale;
      const end = (o + 1) * scale;
      const tap: AxisTap = { indices: [], weights: [] };
      for (let i = Math.floor(start); i < Math.min(inSize, Math.ceil(end)); i++) {
        const overlap = Math.min(end, i + 1) - Math.max(start, i);
        if (overlap <= 0) continue;
        tap.indices.push(i);
        tap.weights.push(overlap / scale);
      }
      taps.push(tap);
    }
    return taps;
  }
  const scale = outSize / inSize;
  for (let o = 0; o < outSize; o++) {
    const x = Math.min(inSize - 1, Math.max(0, (o + 0.5) / scale - 0.5));
    const i0 = Math.floor(x);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const w1 = x - i0;
    taps.push(i1 === i0 ? { indices: [i0], weights: [1] } : { indices: [i0, i1], weights: [1 - w1, w1] });
  }
  return taps;
}

/**
 * Resizes `count` images `[count, height, width, channels]` to `[count, outHeight, outWidth,
 * channels]` with antialiasing (see the file comment). Returns a new Float32Array.
 */
export function resizeImages(
  images: Float32Array,
  count: number,
  height: number,
  width: number,
  outHeight: number,
  outWidth: number,
  channels = 1,
): Float32Array {
  const caller = 'resizeImages';
  if (!(images instanceof Float32Array)) throw new Error(`${caller}: \`images\` must be a Float32Array [count, height, width, channels]`);
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`${caller}: \`count\` must be a non-negative integer, got ${count}`);
  for (const [name, value] of [['height', height], ['width', width], ['outHeight', outHeight], ['outWidth', outWidth], ['channels', channels]] as const) {
    checkSize(caller, name, value);
  }
  if (images.length !== count * height * width * channels) {
    throw new Error(
      `${caller}: \`images\` has ${images.length} values, but count × height × width × channels = ${count} × ${height} × ${width} × ${channels} = ${count * height * width * channels}`,
    );
  }
  if (outHeight === height && outWidth === width) return images.slice();

  const rowTaps = axisTaps(height, outHeight);
  const columnTaps = axisTaps(width, outWidth);
  const out = new Float32Array(count * outHeight * outWidth * channels);
  // One image resampled along the width: [height, outWidth, channels], in float64.
  const horizontal = new Float64Array(height * outWidth * channels);
  for (let n = 0; n < count; n++) {
    const imageOffset = n * height * width * channels;

    // 1. Along the width: [height, width, channels] → [height, outWidth, channels].
    horizontal.fill(0);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < outWidth; x++) {
        const { indices, weights } = columnTaps[x];
        for (let t = 0; t < indices.length; t++) {
          const source = imageOffset + (y * width + indices[t]) * channels;
          const target = (y * outWidth + x) * channels;
          for (let c = 0; c < channels; c++) horizontal[target + c] += weights[t] * images[source + c];
        }
      }
    }

    // 2. Along the height: [height, outWidth, channels] → [outHeight, outWidth, channels].
    const outOffset = n * outHeight * outWidth * channels;
    for (let y = 0; y < outHeight; y++) {
      const { indices, weights } = rowTaps[y];
      for (let x = 0; x < outWidth; x++) {
        for (let c = 0; c < channels; c++) {
          let sum = 0;
          for (let t = 0; t < indices.length; t++) sum += weights[t] * horizontal[(indices[t] * outWidth + x) * channels + c];
          out[outOffset + (y * outWidth + x) * channels + c] = sum;
        }
      }
    }
  }
  return out;
}
