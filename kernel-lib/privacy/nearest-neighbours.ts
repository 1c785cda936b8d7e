/**
 * Exact Euclidean k-nearest-neighbour search between record sets, batched through TensorFlow.js.
 *
 * 1. Both sets are centred on the reference set's column means (distances do not change, but
 *    the norms shrink, and with them the float32 rounding error) and rounded to float32.
 * 2. For each query block × reference block, the backend computes the squared distances
 *    ||a||² + ||b||² − 2 a·b in float32 with one matrix product of augmented rows
 *    [a, ||a||², 1] · [−2 b, 1, ||b||²], clamped at 0. A block is `[queryBlockSize,
 *    referenceBlockSize]` floats, so memory stays bounded for any set size.
 * 3. On the CPU, each query row keeps every reference row whose float32 distance could still be
 *    among its k nearest once rounding is allowed for, and recomputes those distances in float64
 *    from the original data. The float32 values only select candidates; reported distances are
 *    float64.
 *
 * The rounding bound of step 3 is |computed − exact| ≤ τ (||a||² + ||b||²) with
 * τ = (4 numFeatures + 20) · 2^−24, about twice the worst case of float32 input rounding, the
 * rounded norms and a dot product of numFeatures + 2 terms. A true neighbour is therefore never
 * dropped, and the result equals a brute-force float64 search, ties included.
 * NOTE: the bound assumes IEEE float32 arithmetic, as on the cpu, wasm and tensorflow backends.
 * A WebGL backend that computes in float16 can miss neighbours.
 *
 * Ties in distance go to the smaller reference index. Within one set, a record is excluded as its
 * own neighbour by row index only, so a duplicate row is still a neighbour at distance 0.
 */
import * as tf from '@tensorflow/tfjs';
import { RecordSet, checkRecordSet, checkSameFeatureCount } from './records';

export interface NeighbourSearchOptions {
  /** Number of neighbours per query (default 1). */
  k?: number;
  /** Query rows per block (default 1024). */
  queryBlockSize?: number;
  /** Reference rows per block (default 4096). A distance block holds queryBlockSize × referenceBlockSize floats. */
  referenceBlockSize?: number;
}

/** The k nearest reference records of each query, nearest first. */
export interface Neighbours {
  k: number;
  numQueries: number;
  /** Reference row indices, `[numQueries, k]`. */
  indices: Int32Array;
  /** Euclidean distances computed in float64, `[numQueries, k]`, non-decreasing along each row. */
  distances: Float64Array;
  /** Number of (query, reference) pairs whose distance was recomputed in float64. */
  exactDistanceCount: number;
}

const FLOAT32_UNIT_ROUNDOFF = 2 ** -24;

/** Column means of `records`, `[numFeatures]`, in float64. */
function columnMeans(records: RecordSet): Float64Array {
  const { data, numRecords, numFeatures } = records;
  const means = new Float64Array(numFeatures);
  for (let i = 0; i < numRecords; i++) {
    for (let f = 0; f < numFeatures; f++) means[f] += data[i * numFeatures + f];
  }
  for (let f = 0; f < numFeatures; f++) means[f] /= numRecords;
  return means;
}

/**
 * Centred copy of `records` as augmented float32 rows [x − means, ||x − means||², 1],
 * `[numRecords, numFeatures + 2]`, and the float64 squared norms of the rounded rows, `[numRecords]`.
 */
function centreAndAugment(records: RecordSet, means: Float64Array): { rows: Float32Array; squaredNorms: Float64Array } {
  const { data, numRecords, numFeatures } = records;
  const width = numFeatures + 2;
  const rows = new Float32Array(numRecords * width);
  const squaredNorms = new Float64Array(numRecords);
  for (let i = 0; i < numRecords; i++) {
    let sum = 0;
    for (let f = 0; f < numFeatures; f++) {
      const value = Math.fround(data[i * numFeatures + f] - means[f]);
      rows[i * width + f] = value;
      sum += value * value;
    }
    rows[i * width + numFeatures] = sum;
    rows[i * width + numFeatures + 1] = 1;
    squaredNorms[i] = sum;
  }
  return { rows, squaredNorms };
}

/**
 * Reference rows `start … start + size` as the transposed augmented block [−2 b, 1, ||b||²]ᵀ,
 * `[numFeatures + 2, size]`. Transposing on the CPU spares the backend a transposed product:
 * tfjs-backend-wasm 4.22.0 ran matMul(a, b, false, true) about 9 times slower than
 * matMul(a, bᵀ) for a 1024 × 64 by 64 × 4096 product on a 2-core AMD EPYC.
 */
function referenceBlockColumns(centred: { rows: Float32Array }, numFeatures: number, start: number, size: number): Float32Array {
  const width = numFeatures + 2;
  const columns = new Float32Array(width * size);
  for (let j = 0; j < size; j++) {
    const row = (start + j) * width;
    for (let f = 0; f < numFeatures; f++) columns[f * size + j] = -2 * centred.rows[row + f];
    columns[numFeatures * size + j] = 1;
    columns[(numFeatures + 1) * size + j] = centred.rows[row + numFeatures];
  }
  return columns;
}

/** Squared Euclidean distance between query row `i` and reference row `j`, in float64. */
function squaredDistance(queries: RecordSet, i: number, reference: RecordSet, j: number): number {
  const d = queries.numFeatures;
  const a = queries.data;
  const b = reference.data;
  let sum = 0;
  for (let f = 0; f < d; f++) {
    const difference = a[i * d + f] - b[j * d + f];
    sum += difference * difference;
  }
  return sum;
}

/**
 * Inserts (value, index) into the sorted list `values[offset … offset + k)` if it beats the last
 * entry. Ties keep the earlier entry first, so scanning indices in increasing order makes ties go
 * to the smaller index.
 */
function insertSorted(values: Float64Array, indices: Int32Array, offset: number, k: number, value: number, index: number): void {
  if (!(value < values[offset + k - 1])) return;
  let position = offset + k - 1;
  while (position > offset && values[position - 1] > value) {
    values[position] = values[position - 1];
    indices[position] = indices[position - 1];
    position--;
  }
  values[position] = value;
  indices[position] = index;
}

function checkPositiveInteger(functionName: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${functionName}: \`${name}\` must be a positive integer, got ${value}`);
  }
}

/** One reference block on the device. */
interface ReferenceBlock {
  start: number;
  size: number;
  /** [−2 b, 1, ||b||²]ᵀ, `[numFeatures + 2, size]`. */
  columns: tf.Tensor2D;
  maxSquaredNorm: number;
}

async function searchNeighbours(
  functionName: string,
  queries: RecordSet,
  reference: RecordSet,
  excludeSameIndex: boolean,
  options: NeighbourSearchOptions,
): Promise<Neighbours> {
  const k = options.k ?? 1;
  const queryBlockSize = options.queryBlockSize ?? 1024;
  const referenceBlockSize = options.referenceBlockSize ?? 4096;
  checkPositiveInteger(functionName, 'k', k);
  checkPositiveInteger(functionName, 'queryBlockSize', queryBlockSize);
  checkPositiveInteger(functionName, 'referenceBlockSize', referenceBlockSize);
  const available = reference.numRecords - (excludeSameIndex ? 1 : 0);
  if (k > available) {
    throw new Error(
      `${functionName}: \`k\` = ${k} needs at least ${k} candidate neighbours, but the reference set has only ` +
        `${available}${excludeSameIndex ? ' other record(s)' : ' record(s)'}; lower k or pass more records`,
    );
  }

  const numFeatures = queries.numFeatures;
  const width = numFeatures + 2;
  const tau = (4 * numFeatures + 20) * FLOAT32_UNIT_ROUNDOFF;
  const means = columnMeans(reference);
  const centredQueries = centreAndAugment(excludeSameIndex ? reference : queries, means);
  const centredReference = excludeSameIndex ? centredQueries : centreAndAugment(reference, means);

  const numQueries = queries.numRecords;
  const bestSquared = new Float64Array(numQueries * k).fill(Infinity);
  const bestIndices = new Int32Array(numQueries * k).fill(-1);
  let exactDistanceCount = 0;

  const blocks: ReferenceBlock[] = [];
  try {
    for (let start = 0; start < reference.numRecords; start += referenceBlockSize) {
      const size = Math.min(referenceBlockSize, reference.numRecords - start);
      const norms = centredReference.squaredNorms.subarray(start, start + size);
      blocks.push({
        start,
        size,
        columns: tf.tensor2d(referenceBlockColumns(centredReference, numFeatures, start, size), [width, size]),
        maxSquaredNorm: norms.reduce((max, value) => Math.max(max, value), 0),
      });
    }

    for (let queryStart = 0; queryStart < numQueries; queryStart += queryBlockSize) {
      const querySize = Math.min(queryBlockSize, numQueries - queryStart);
      const queryRows = centredQueries.rows.subarray(queryStart * width, (queryStart + querySize) * width);
      const queryTensor = tf.tensor2d(queryRows, [querySize, width]);
      try {
        for (const block of blocks) {
          // [querySize, blockSize] squared distances ||a||² + ||b||² − 2 a·b, clamped at 0.
          const distanceTensor = tf.tidy(() => tf.relu(tf.matMul(queryTensor, block.columns)));
          const squared32 = (await distanceTensor.data()) as Float32Array;
          distanceTensor.dispose();

          for (let row = 0; row < querySize; row++) {
            const query = queryStart + row;
            const rowOffset = row * block.size;
            const self = excludeSameIndex ? query - block.start : -1;
            const kthOffset = query * k + k - 1;
            const roundingBound = tau * (centredQueries.squaredNorms[query] + block.maxSquaredNorm);
            // A row can enter the k nearest only if its exact distance is at most the current
            // k-th exact distance, so only float32 values up to that plus the bound are candidates.
            let candidateLimit = bestSquared[kthOffset] + roundingBound;
            for (let column = 0; column < block.size; column++) {
              if (!(squared32[rowOffset + column] <= candidateLimit) || column === self) continue;
              const index = block.start + column;
              exactDistanceCount++;
              insertSorted(bestSquared, bestIndices, query * k, k, squaredDistance(queries, query, reference, index), index);
              candidateLimit = bestSquared[kthOffset] + roundingBound;
            }
          }
        }
      } finally {
        queryTensor.dispose();
      }
    }
  } finally {
    for (const block of blocks) block.columns.dispose();
  }

  const distances = new Float64Array(numQueries * k);
  for (let i = 0; i < distances.length; i++) distances[i] = Math.sqrt(bestSquared[i]);
  return { k, numQueries, indices: bestIndices, distances, exactDistanceCount };
}

/**
 * Finds, for each record of `queries`, its k nearest records of `reference` by Euclidean
 * distance, exactly (see the file comment). Both sets are `[numRecords, numFeatures]`. Leaves
 * `tf.memory().numTensors` unchanged.
 */
export async function findNearestNeighbours(
  queries: RecordSet,
  reference: RecordSet,
  options: NeighbourSearchOptions = {},
): Promise<Neighbours> {
  checkRecordSet('findNearestNeighbours', 'queries', queries);
  checkRecordSet('findNearestNeighbours', 'reference', reference);
  checkSameFeatureCount('findNearestNeighbours', [['reference', reference], ['queries', queries]]);
  return searchNeighbours('findNearestNeighbours', queries, reference, false, options);
}

/**
 * Finds, for each record, its k nearest other records of the same set. A record is never its own
 * neighbour, but an identical copy at another row is, at distance 0. Leaves
 * `tf.memory().numTensors` unchanged.
 */
export async function findNearestNeighboursWithin(records: RecordSet, options: NeighbourSearchOptions = {}): Promise<Neighbours> {
  checkRecordSet('findNearestNeighboursWithin', 'records', records);
  return searchNeighbours('findNearestNeighboursWithin', records, records, true, options);
}
