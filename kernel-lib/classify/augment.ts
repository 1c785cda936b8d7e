/**
 * Classic rebalancing baselines in plain TypeScript (no tensors): random image
 * augmentation (rotation, shift, intensity jitter), random oversampling of the rare
 * classes, and inverse-frequency class weights.
 */
import { Random } from '../util/random';

/** Random augmentation ranges. Every field defaults to 0, which leaves images unchanged. */
export interface AugmentOptions {
  /** Rotation angle drawn from U[−max, max] degrees, about the image centre; in [0, 180]. */
  maxRotationDegrees?: number;
  /** Horizontal and vertical shifts drawn independently from the integers −max … max. */
  maxShiftPixels?: number;
  /** Brightness factor drawn from U[1 − brightness, 1 + brightness]; in [0, 1). */
  brightness?: number;
  /** Contrast factor drawn from U[1 − contrast, 1 + contrast]; in [0, 1). */
  contrast?: number;
  /** Classes whose training rows `trainClassifier` augments (default: all); `augmentImage` ignores it. */
  classes?: number[];
}

/** One concrete augmentation, as drawn by `drawAugmentation`. */
export interface AugmentTransform {
  /** Counterclockwise as displayed (row 0 at the top), in degrees. */
  rotationDegrees: number;
  /** Positive moves the content right, in pixels. */
  shiftX: number;
  /** Positive moves the content down, in pixels. */
  shiftY: number;
  /** Multiplies intensities (1: unchanged). */
  brightnessFactor: number;
  /** Blends with the image mean (1: unchanged). */
  contrastFactor: number;
}

/** Pixel value range of an image: [min, max], e.g. [0, 255] for bytes or [−1, 1] for model input. */
export type ValueRange = readonly [number, number];

/** Throws naming the first invalid field of `options`; `caller` starts the message. */
export function validateAugmentOptions(options: AugmentOptions, caller: string, numClasses?: number): void {
  const fail = (message: string): never => {
    throw new Error(`${caller}: ${message}`);
  };
  const { maxRotationDegrees = 0, maxShiftPixels = 0, brightness = 0, contrast = 0, classes } = options;
  if (!(maxRotationDegrees >= 0 && maxRotationDegrees <= 180)) {
    fail(`\`augment.maxRotationDegrees\` must be in [0, 180], got ${maxRotationDegrees}`);
  }
  if (!Number.isInteger(maxShiftPixels) || maxShiftPixels < 0) {
    fail(`\`augment.maxShiftPixels\` must be an integer >= 0, got ${maxShiftPixels}`);
  }
  if (!(brightness >= 0 && brightness < 1)) fail(`\`augment.brightness\` must be in [0, 1), got ${brightness}`);
  if (!(contrast >= 0 && contrast < 1)) fail(`\`augment.contrast\` must be in [0, 1), got ${contrast}`);
  if (classes !== undefined) {
    if (!Array.isArray(classes) || classes.length === 0) fail(`\`augment.classes\` must be a non-empty list of class indices, got ${JSON.stringify(classes)}`);
    for (const k of classes) {
      const inRange = Number.isInteger(k) && k >= 0 && (numClasses === undefined || k < numClasses);
      if (!inRange) fail(`\`augment.classes\` contains ${k}, which is not a class index in [0, ${numClasses ?? '∞'})`);
    }
  }
}

/**
 * Draws one transform from `options`. Each call consumes exactly five uniform draws,
 * whatever the options, so the stream stays aligned when a range is set to 0.
 */
export function drawAugmentation(options: AugmentOptions, rng: Random): AugmentTransform {
  const { maxRotationDegrees = 0, maxShiftPixels = 0, brightness = 0, contrast = 0 } = options;
  const symmetric = (max: number) => (2 * rng.uniform() - 1) * max;
  // Integer in −max … max: ⌊U·(2·max + 1)⌋ − max, and exactly 0 when max is 0.
  const integerShift = () => Math.floor(rng.uniform() * (2 * maxShiftPixels + 1)) - maxShiftPixels;
  return {
    rotationDegrees: symmetric(maxRotationDegrees),
    shiftX: integerShift(),
    shiftY: integerShift(),
    brightnessFactor: 1 + symmetric(brightness),
    contrastFactor: 1 + symmetric(contrast),
  };
}

function clamp(value: number, low: number, high: number): number {
  if (value < low) return low;
  if (value > high) return high;
  return value;
}

/**
 * Applies `transform` to one image [height, width] (row-major) and returns the result
 * as a new Float32Array, or writes it into `out`.
 *
 * 1. Geometry: output pixel p samples the input at R(−θ)(p − t − c) + c, where c is the
 *    centre ((width − 1)/2, (height − 1)/2), t the shift and θ the rotation. Sampling is
 *    bilinear, and coordinates outside the image are clamped to the border (edge fill).
 *    With θ = 0 every sample falls on a pixel, so shifts copy values exactly.
 * 2. Intensity, on u = (x − min)/(max − min) in [0, 1], as torchvision's ColorJitter:
 *    brightness u ← β·u, then contrast u ← γ·u + (1 − γ)·mean(u), each clipped to [0, 1].
 */
export function transformImage(
  image: ArrayLike<number>,
  height: number,
  width: number,
  transform: AugmentTransform,
  valueRange: ValueRange = [0, 255],
  out: Float32Array = new Float32Array(height * width),
): Float32Array {
  const size = height * width;
  if (image.length !== size || out.length !== size) {
    throw new Error(`transformImage: expected ${height} × ${width} = ${size} pixels, got ${image.length} in and ${out.length} out`);
  }
  const [min, max] = valueRange;
  if (!(max > min)) throw new Error(`transformImage: valueRange must have max > min, got [${min}, ${max}]`);

  // 1. Geometry (inverse mapping from output to input coordinates).
  const theta = (transform.rotationDegrees * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const centreX = (width - 1) / 2;
  const centreY = (height - 1) / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = x - transform.shiftX - centreX;
      const dy = y - transform.shiftY - centreY;
      // Inverse of the counterclockwise-on-screen rotation, in image axes (y down).
      const sourceX = clamp(cos * dx - sin * dy + centreX, 0, width - 1);
      const sourceY = clamp(sin * dx + cos * dy + centreY, 0, height - 1);
      const x0 = Math.floor(sourceX);
      const y0 = Math.floor(sourceY);
      const x1 = Math.min(x0 + 1, width - 1);
      const y1 = Math.min(y0 + 1, height - 1);
      const fx = sourceX - x0;
      const fy = sourceY - y0;
      const top = image[y0 * width + x0] * (1 - fx) + image[y0 * width + x1] * fx;
      const bottom = image[y1 * width + x0] * (1 - fx) + image[y1 * width + x1] * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }

  // 2. Intensity jitter, skipped when both factors are 1 so the identity is exact.
  const { brightnessFactor, contrastFactor } = transform;
  if (brightnessFactor === 1 && contrastFactor === 1) return out;
  const span = max - min;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const u = clamp(((out[i] - min) / span) * brightnessFactor, 0, 1);
    out[i] = u;
    sum += u;
  }
  const mean = sum / size;
  for (let i = 0; i < size; i++) {
    out[i] = min + span * clamp(contrastFactor * out[i] + (1 - contrastFactor) * mean, 0, 1);
  }
  return out;
}

/**
 * Draws a transform from `options` with `rng` and applies it to one image
 * [height, width] whose pixels lie in `valueRange`. Same generator state, same output.
 */
export function augmentImage(
  image: ArrayLike<number>,
  height: number,
  width: number,
  options: AugmentOptions,
  rng: Random,
  valueRange: ValueRange = [0, 255],
  out?: Float32Array,
): Float32Array {
  return transformImage(image, height, width, drawAugmentation(options, rng), valueRange, out);
}

/** Counts rows per class; throws naming the first label outside [0, numClasses). */
function countLabels(labels: Int32Array, numClasses: number, caller: string): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!(label >= 0 && label < numClasses)) {
      throw new Error(`${caller}: label ${label} at row ${i} is outside [0, ${numClasses}); labels must be class indices`);
    }
    counts[label]++;
  }
  return counts;
}

/**
 * Random oversampling: returns shuffled row indices in which every class that has rows
 * appears m times, m being the largest class count. A class with n rows contributes each
 * row ⌊m/n⌋ times plus m mod n distinct rows drawn at random. So each majority row is
 * seen once and rare rows are repeated as evenly as possible. This is a lower-variance
 * variant of drawing with replacement, which imbalanced-learn's RandomOverSampler does.
 */
export function oversampleIndices(labels: Int32Array, rng: Random): Int32Array {
  if (labels.length === 0) throw new Error('oversampleIndices: `labels` is empty; give at least one labelled row');
  let numClasses = 0;
  for (const label of labels) numClasses = Math.max(numClasses, label + 1);
  const counts = countLabels(labels, numClasses, 'oversampleIndices');
  const target = Math.max(...counts);

  // Rows of each class, in row order.
  const rowsOfClass: number[][] = counts.map(() => []);
  labels.forEach((label, row) => rowsOfClass[label].push(row));

  const presentClasses = counts.filter((n) => n > 0).length;
  const indices = new Int32Array(presentClasses * target);
  let filled = 0;
  for (const rows of rowsOfClass) {
    if (rows.length === 0) continue;
    const repeats = Math.floor(target / rows.length);
    for (let r = 0; r < repeats; r++) for (const row of rows) indices[filled++] = row;
    const extra = target - repeats * rows.length;
    const chosen = rng.permutation(rows.length);
    for (let e = 0; e < extra; e++) indices[filled++] = rows[chosen[e]];
  }

  // Shuffle the concatenation so batches mix the classes.
  const order = rng.permutation(indices.length);
  return Int32Array.from(order, (i) => indices[i]);
}

/**
 * Class weights w_k = N / (K · n_k) for N rows, K classes and n_k rows of class k
 * (scikit-learn's `class_weight='balanced'`). Then Σ_rows w_{y_i} = Σ_k N/K = N, so the
 * mean weight over rows is 1 and the loss keeps its scale. Throws for a class with no rows.
 */
export function inverseFrequencyWeights(labels: Int32Array, numClasses: number): number[] {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`inverseFrequencyWeights: \`numClasses\` must be a positive integer, got ${numClasses}`);
  }
  const counts = countLabels(labels, numClasses, 'inverseFrequencyWeights');
  const empty = counts.findIndex((n) => n === 0);
  if (empty >= 0) {
    throw new Error(
      `inverseFrequencyWeights: class ${empty} has 0 rows among ${labels.length}, so its frequency weight is undefined; ` +
        'add rows of that class or lower `numClasses`',
    );
  }
  return counts.map((n) => labels.length / (numClasses * n));
}
