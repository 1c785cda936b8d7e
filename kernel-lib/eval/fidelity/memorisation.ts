/**
 * Memorisation and failure analysis of synthetic images: for each synthetic image its nearest
 * training image in pixel space and in feature space, and PNG galleries of the closest
 * synthetic–training pairs and of the least plausible synthetic images.
 *
 * Pixel distances are Euclidean on pixels scaled to [0, 1] (bytes / 255), so they lie in
 * [0, √(height · width)], the unit of `memorizationDistance` in the generation stage. Feature
 * distances are Euclidean in the extractor's feature space.
 */
import { syntheticPngText, tileImages, writeGrayPng } from '../../io/png';
import { FeatureRows, checkFeatureRows, checkSameFeatureCount, squaredDistance } from './feature-rows';

/** The nearest reference row of each query, `[numQueries]` each. */
export interface NearestNeighbours {
  /** Row in the reference set. */
  indices: Int32Array;
  /** Euclidean distance, float64. */
  distances: Float64Array;
}

/**
 * Finds, for each query image, the nearest reference image by Euclidean distance on pixels
 * / 255. Images are uint8 rows of `size` pixels. Ties go to the smaller reference row.
 */
export function nearestImagesInPixelSpace(queries: Uint8Array, reference: Uint8Array, size: number): NearestNeighbours {
  const caller = 'nearestImagesInPixelSpace';
  if (!Number.isInteger(size) || size < 1) throw new Error(`${caller}: \`size\` must be a positive integer (height × width), got ${size}`);
  for (const [name, images] of [['queries', queries], ['reference', reference]] as const) {
    if (!(images instanceof Uint8Array) || images.length % size !== 0) {
      throw new Error(`${caller}: \`${name}\` must be a Uint8Array of whole ${size}-pixel images, got ${images?.length} values`);
    }
  }
  const queryCount = queries.length / size;
  const referenceCount = reference.length / size;
  if (referenceCount === 0) throw new Error(`${caller}: the reference set is empty; pass the training images`);

  const indices = new Int32Array(queryCount);
  const distances = new Float64Array(queryCount);
  for (let i = 0; i < queryCount; i++) {
    let best = Infinity;
    let bestIndex = -1;
    const queryOffset = i * size;
    for (let j = 0; j < referenceCount; j++) {
      // Integer sum of squared byte differences; at most 255² × size, exact in float64.
      let sum = 0;
      const referenceOffset = j * size;
      for (let p = 0; p < size && sum < best; p++) {
        const difference = queries[queryOffset + p] - reference[referenceOffset + p];
        sum += difference * difference;
      }
      if (sum < best) {
        best = sum;
        bestIndex = j;
      }
    }
    indices[i] = bestIndex;
    distances[i] = Math.sqrt(best) / 255;
  }
  return { indices, distances };
}

/** Finds, for each query row, the nearest reference row by Euclidean distance in float64. Ties go to the smaller row. */
export function nearestFeatureRows(queries: FeatureRows, reference: FeatureRows): NearestNeighbours {
  checkFeatureRows('nearestFeatureRows', 'queries', queries, 0);
  checkFeatureRows('nearestFeatureRows', 'reference', reference, 1);
  checkSameFeatureCount('nearestFeatureRows', ['queries', queries], ['reference', reference]);
  const indices = new Int32Array(queries.count);
  const distances = new Float64Array(queries.count);
  for (let i = 0; i < queries.count; i++) {
    let best = Infinity;
    let bestIndex = -1;
    for (let j = 0; j < reference.count; j++) {
      const distance = squaredDistance(queries, i, reference, j);
      if (distance < best) {
        best = distance;
        bestIndex = j;
      }
    }
    indices[i] = bestIndex;
    distances[i] = Math.sqrt(best);
  }
  return { indices, distances };
}

/**
 * Returns the rows of `values` ordered by value, `count` of them at most: ascending for
 * `lowest`, descending for `highest`. Ties keep the smaller row first, and NaN values are skipped.
 */
export function rankRows(values: ArrayLike<number>, count: number, order: 'lowest' | 'highest'): number[] {
  const rows = Array.from({ length: values.length }, (_, i) => i).filter((i) => !Number.isNaN(values[i]));
  rows.sort((i, j) => (order === 'lowest' ? values[i] - values[j] : values[j] - values[i]) || i - j);
  return rows.slice(0, Math.max(0, count));
}

/** Copies rows `rows` of `images` (`size` pixels each) into one array, `[rows.length, size]`. */
export function gatherImages(images: Uint8Array, rows: readonly number[], size: number): Uint8Array {
  const out = new Uint8Array(rows.length * size);
  rows.forEach((row, i) => out.set(images.subarray(row * size, (row + 1) * size), i * size));
  return out;
}

/**
 * Writes a gallery of synthetic–training pairs as one PNG: one pair per row, the synthetic
 * image on the left and its training neighbour on the right. The file carries the synthetic
 * marking of `syntheticPngText` with `details`.
 */
export function writePairGallery(
  filePath: string,
  synthetic: Uint8Array,
  training: Uint8Array,
  height: number,
  width: number,
  details: Record<string, string>,
): void {
  const size = height * width;
  const count = synthetic.length / size;
  if (count !== training.length / size || !Number.isInteger(count) || count < 1) {
    throw new Error(`writePairGallery: expected the same positive number of synthetic and training images, got ${synthetic.length / size} and ${training.length / size}`);
  }
  // Interleaved [synthetic 0, training 0, synthetic 1, …], tiled two per row.
  const interleaved = new Uint8Array(2 * count * size);
  for (let i = 0; i < count; i++) {
    interleaved.set(synthetic.subarray(i * size, (i + 1) * size), 2 * i * size);
    interleaved.set(training.subarray(i * size, (i + 1) * size), (2 * i + 1) * size);
  }
  const grid = tileImages(interleaved, 2 * count, height, width, 2);
  writeGrayPng(filePath, grid.pixels, grid.width, grid.height, syntheticPngText({ ...details, Layout: 'one pair per row: synthetic left, nearest real training image right' }));
}

/** Writes synthetic images `[count, height, width]` as one PNG grid with up to 8 columns, marked synthetic. */
export function writeImageGallery(filePath: string, images: Uint8Array, height: number, width: number, details: Record<string, string>): void {
  const size = height * width;
  const count = images.length / size;
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`writeImageGallery: expected at least one ${height} × ${width} image, got ${images.length} pixels`);
  }
  const grid = tileImages(images, count, height, width, Math.min(8, count));
  writeGrayPng(filePath, grid.pixels, grid.width, grid.height, syntheticPngText({ ...details, Layout: 'row-major, first image = most extreme' }));
}
