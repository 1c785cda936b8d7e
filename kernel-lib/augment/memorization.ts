/**
 * Nearest-neighbour distances between images, used to reject synthetic images that copy a
 * training image. Images are rows of `size` uint8 pixels; distances are Euclidean on the
 * pixel values divided by 255, so they lie in [0, √size].
 */

/** Squared Euclidean distance between row `i` of `a` and row `j` of `b`, in 0-255 units. */
function squaredDistance(a: Uint8Array, i: number, b: Uint8Array, j: number, size: number): number {
  let sum = 0;
  const offsetA = i * size;
  const offsetB = j * size;
  for (let k = 0; k < size; k++) {
    const d = a[offsetA + k] - b[offsetB + k];
    sum += d * d;
  }
  return sum;
}

/**
 * Returns, for each query image, the distance to its nearest reference image.
 * queries [queryCount, size] and reference [referenceCount, size], uint8 row-major.
 */
export function nearestNeighbourDistances(queries: Uint8Array, reference: Uint8Array, size: number): Float64Array {
  const queryCount = queries.length / size;
  const referenceCount = reference.length / size;
  if (!Number.isInteger(queryCount) || !Number.isInteger(referenceCount)) {
    throw new Error(`nearestNeighbourDistances: image arrays must hold whole images of ${size} pixels`);
  }
  if (referenceCount === 0) throw new Error('nearestNeighbourDistances: the reference set is empty; pass the training images');
  const out = new Float64Array(queryCount);
  for (let i = 0; i < queryCount; i++) {
    let best = Infinity;
    for (let j = 0; j < referenceCount; j++) best = Math.min(best, squaredDistance(queries, i, reference, j, size));
    out[i] = Math.sqrt(best) / 255;
  }
  return out;
}

/**
 * Returns each training image's distance to its nearest other training image. Byte-identical
 * duplicates are skipped as neighbours, because a duplicated image would otherwise put
 * distance 0 into the distribution and make every threshold taken from it 0.
 */
export function trainingNearestNeighbourDistances(images: Uint8Array, size: number): Float64Array {
  const count = images.length / size;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let best = Infinity;
    for (let j = 0; j < count; j++) {
      if (j === i) continue;
      const d = squaredDistance(images, i, images, j, size);
      if (d > 0 && d < best) best = d;
    }
    out[i] = Number.isFinite(best) ? Math.sqrt(best) / 255 : NaN;
  }
  return out;
}

/** Returns the p-th percentile (0-100) of the finite values, with linear interpolation (numpy's default). */
export function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Array.from(values).filter(Number.isFinite).sort((x, y) => x - y);
  if (sorted.length === 0) return NaN;
  const position = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/**
 * Returns the distance below which a synthetic image counts as a memorised copy: the
 * `percentileRank`-th percentile (default 1st) of the training images' own nearest-neighbour
 * distances. A near-copy of a training image is closer to it than almost every training
 * image is to any other.
 */
export function memorizationThreshold(trainImages: Uint8Array, size: number, percentileRank = 1): number {
  if (!(percentileRank >= 0 && percentileRank <= 100)) {
    throw new Error(`memorizationThreshold: percentileRank must be in [0, 100], got ${percentileRank}`);
  }
  return percentile(trainingNearestNeighbourDistances(trainImages, size), percentileRank);
}
