import * as tf from '@tensorflow/tfjs';
import { Params } from '../nets/params';
import { ClassifierConfig, classifierForward, classifierParamSpecs, validateClassifierConfig } from './cnn';

/**
 * Grayscale pixels, row-major [count, height, width]: a Uint8Array on the 0–255 scale (as
 * the dataset loaders return) or a Float32Array already in [−1, 1] (as `generateImages`
 * returns). `toModelRange` turns bytes into floats so real and synthetic rows can be mixed.
 */
export type ClassifierPixels = Uint8Array | Float32Array;

/** Images of one size, for the classifier. */
export interface ImageRows {
  pixels: ClassifierPixels;
  height: number;
  width: number;
}

/** Float32Array inputs may exceed [−1, 1] by this much (float rounding), no more. */
const RANGE_TOLERANCE = 1e-4;

/** Returns new pixels in [−1, 1]: bytes b map to b / 127.5 − 1, floats are copied. */
export function toModelRange(pixels: ClassifierPixels): Float32Array {
  if (pixels instanceof Float32Array) return pixels.slice();
  if (pixels instanceof Uint8Array) return Float32Array.from(pixels, (b) => b / 127.5 - 1);
  throw new Error(`toModelRange: expected a Uint8Array (0–255) or a Float32Array ([−1, 1]), got ${describeType(pixels)}`);
}

/** Writes rows `rows` of `pixels` in [−1, 1] into `out` ([rows.length, rowSize]). */
export function fillModelRange(pixels: ClassifierPixels, rows: ArrayLike<number>, rowSize: number, out: Float32Array): void {
  const isBytes = pixels instanceof Uint8Array;
  for (let i = 0; i < rows.length; i++) {
    const source = rows[i] * rowSize;
    const target = i * rowSize;
    for (let j = 0; j < rowSize; j++) {
      const value = pixels[source + j];
      out[target + j] = isBytes ? value / 127.5 - 1 : value;
    }
  }
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return (value as object).constructor?.name ?? typeof value;
}

/**
 * Checks `rows` and returns the image count. `name` labels the rows in messages (for
 * example `train`). Floats must be finite and within [−1, 1].
 */
export function checkImageRows(caller: string, name: string, rows: ImageRows): number {
  const fail = (message: string): never => {
    throw new Error(`${caller}: ${message}`);
  };
  if (rows === null || typeof rows !== 'object') fail(`${name} images are missing; give { pixels, height, width }`);
  const { pixels, height, width } = rows;
  if (!(pixels instanceof Uint8Array) && !(pixels instanceof Float32Array)) {
    fail(`${name} pixels must be a Uint8Array (0–255) or a Float32Array ([−1, 1]), got ${describeType(pixels)}`);
  }
  for (const [dim, value] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(value) || value < 1) fail(`${name} \`${dim}\` must be a positive integer, got ${value}`);
  }
  const rowSize = height * width;
  if (pixels.length % rowSize !== 0) {
    fail(`${name} has ${pixels.length} pixels, which is not a whole number of ${height} × ${width} images`);
  }
  if (pixels instanceof Float32Array) {
    for (let i = 0; i < pixels.length; i++) {
      const value = pixels[i];
      if (!Number.isFinite(value)) {
        fail(`${name} pixel ${i} (image ${Math.floor(i / rowSize)}) is ${value}; remove or repair that image`);
      }
      if (Math.abs(value) > 1 + RANGE_TOLERANCE) {
        fail(
          `${name} pixel ${i} (image ${Math.floor(i / rowSize)}) is ${value}, outside [−1, 1]; ` +
            'pass 0–255 pixels as a Uint8Array or scale floats with x / 127.5 − 1',
        );
      }
    }
  }
  return pixels.length / rowSize;
}

/** Throws unless `params` contains every parameter of `config` with its shape. */
export function checkParamsMatch(caller: string, config: ClassifierConfig, params: Params): void {
  for (const spec of classifierParamSpecs(config)) {
    const value = params.get(spec.name);
    if (!value) throw new Error(`${caller}: parameter '${spec.name}' is missing; the weights do not match this configuration`);
    if (value.shape.join() !== spec.shape.join()) {
      throw new Error(
        `${caller}: parameter '${spec.name}' has shape [${value.shape}], expected [${spec.shape}] for ` +
          `widths [${config.widths}] and ${config.numClasses} classes`,
      );
    }
  }
}

/** Softmax probabilities without input checks, for callers that checked once already. */
export function predictUnchecked(config: ClassifierConfig, params: Params, rows: ImageRows, count: number, batchSize: number): Float64Array {
  const { pixels, height, width } = rows;
  const rowSize = height * width;
  const probabilities = new Float64Array(count * config.numClasses);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const batch = new Float32Array(size * rowSize);
    fillModelRange(pixels, Int32Array.from({ length: size }, (_, i) => start + i), rowSize, batch);
    const values = tf.tidy(() => {
      // [size, height, width, 1] → probabilities [size, numClasses]
      const x = tf.tensor4d(batch, [size, height, width, 1]);
      return tf.softmax(classifierForward(config, params, x)).dataSync();
    });
    probabilities.set(values, start * config.numClasses);
  }
  return probabilities;
}

/**
 * Computes softmax class probabilities for every image, `batchSize` images per network
 * call. Returns a Float64Array [count, numClasses], row-major. Leaves the tensor count
 * unchanged.
 */
export function predictProbabilities(config: ClassifierConfig, params: Params, images: ImageRows, batchSize = 64): Float64Array {
  validateClassifierConfig(config, 'predictProbabilities');
  checkParamsMatch('predictProbabilities', config, params);
  const count = checkImageRows('predictProbabilities', 'images', images);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`predictProbabilities: \`batchSize\` must be an integer >= 1, got ${batchSize}`);
  }
  return predictUnchecked(config, params, images, count, batchSize);
}
