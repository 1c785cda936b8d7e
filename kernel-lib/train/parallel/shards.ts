import { TrainingBatch } from '../diffusion-trainer';

/** Rows [start, end) of the batch that one worker takes. */
export interface ShardRange {
  start: number;
  end: number;
}

/**
 * Splits `batchSize` rows into `numShards` contiguous ranges in a fixed way: the first
 * `batchSize mod numShards` shards get one row more than the others, e.g. 5 rows in 2
 * shards are [0, 3) and [3, 5).
 */
export function shardRanges(batchSize: number, numShards: number): ShardRange[] {
  if (!Number.isInteger(numShards) || numShards < 1) {
    throw new Error(`shardRanges: numShards must be an integer >= 1, got ${numShards}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < numShards) {
    throw new Error(`shardRanges: batchSize must be an integer >= numShards (${numShards}) so that no shard is empty, got ${batchSize}`);
  }
  const base = Math.floor(batchSize / numShards);
  const extra = batchSize % numShards;
  const ranges: ShardRange[] = [];
  let start = 0;
  for (let k = 0; k < numShards; k++) {
    const end = start + base + (k < extra ? 1 : 0);
    ranges.push({ start, end });
    start = end;
  }
  return ranges;
}

/** Returns rows [start, end) of `batch` as a batch of their own; the arrays are views, not copies. */
export function sliceBatch(batch: TrainingBatch, range: ShardRange): TrainingBatch {
  const { start, end } = range;
  const sampleSize = batch.sampleShape.reduce((a, b) => a * b, 1);
  return {
    size: end - start,
    sampleShape: batch.sampleShape,
    x0: batch.x0.subarray(start * sampleSize, end * sampleSize),
    noise: batch.noise.subarray(start * sampleSize, end * sampleSize),
    timesteps: batch.timesteps.subarray(start, end),
    labels: batch.labels ? batch.labels.subarray(start, end) : null,
    contexts: batch.contexts ? batch.contexts.subarray(start * batch.contextDim, end * batch.contextDim) : null,
    contextDim: batch.contextDim,
    dropMask: batch.dropMask ? batch.dropMask.subarray(start, end) : null,
  };
}

/**
 * Combines shard gradients into the gradient of the whole batch's mean loss:
 * g = Σ_k (n_k / B) g_k, where g_k is the gradient of shard k's mean loss, n_k its rows
 * and B the batch size. The sum runs over k = 0, 1, … for every element, in float64,
 * and is rounded to float32 once, so the result depends only on the shard gradients.
 * Writes into `out` and returns it.
 */
export function combineShardGradients(shardGradients: Float32Array[], shardSizes: number[], out: Float32Array): Float32Array {
  if (shardGradients.length !== shardSizes.length || shardGradients.length === 0) {
    throw new Error(`combineShardGradients: expected one size per shard gradient, got ${shardSizes.length} sizes for ${shardGradients.length} gradients`);
  }
  const wrong = shardGradients.findIndex((g) => g.length !== out.length);
  if (wrong >= 0) {
    throw new Error(`combineShardGradients: shard ${wrong} has ${shardGradients[wrong].length} values, expected ${out.length}`);
  }
  const total = shardSizes.reduce((a, b) => a + b, 0);
  const weights = shardSizes.map((n) => n / total);
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let k = 0; k < shardGradients.length; k++) sum += weights[k] * shardGradients[k][i];
    out[i] = sum;
  }
  return out;
}
