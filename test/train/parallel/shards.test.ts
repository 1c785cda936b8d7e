import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TrainingBatch } from '../../../kernel-lib/train/diffusion-trainer';
import { combineShardGradients, shardRanges, sliceBatch } from '../../../kernel-lib/train/parallel/shards';

test('shardRanges covers the batch in order', () => {
  for (const [batchSize, numShards] of [[64, 2], [5, 2], [7, 3], [3, 3], [9, 1]]) {
    const ranges = shardRanges(batchSize, numShards);
    assert.is(ranges.length, numShards);
    assert.is(ranges[0].start, 0);
    assert.is(ranges[numShards - 1].end, batchSize);
    for (let k = 1; k < numShards; k++) assert.is(ranges[k].start, ranges[k - 1].end);
    const sizes = ranges.map((r) => r.end - r.start);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes} for ${batchSize} rows`);
    assert.ok(sizes.every((n, k) => k === 0 || n <= sizes[k - 1]), `larger shards come first, got ${sizes}`);
  }
});

test('shardRanges rejects empty shards', () => {
  assert.throws(() => shardRanges(2, 3), /batchSize must be an integer >= numShards \(3\).*got 2/);
  assert.throws(() => shardRanges(4, 0), /numShards must be an integer >= 1, got 0/);
});

test('combineShardGradients gives the batch mean', () => {
  // Per-row gradients r_i; a shard's gradient is the mean of its rows, so the weighted
  // sum must equal the mean over all rows.
  const rows = [
    [1, -2],
    [3, 0.5],
    [-4, 2],
    [0.25, 8],
    [6, -1],
  ];
  const mean = (list: number[][]) => [0, 1].map((j) => list.reduce((s, r) => s + r[j], 0) / list.length);
  const ranges = shardRanges(rows.length, 2);
  const shards = ranges.map((r) => Float32Array.from(mean(rows.slice(r.start, r.end))));
  const combined = combineShardGradients(shards, ranges.map((r) => r.end - r.start), new Float32Array(2));
  const expected = mean(rows);
  assert.ok(Math.abs(combined[0] - expected[0]) < 1e-6, `got ${combined[0]}, expected ${expected[0]}`);
  assert.ok(Math.abs(combined[1] - expected[1]) < 1e-6, `got ${combined[1]}, expected ${expected[1]}`);
});

test('combineShardGradients rejects mismatched lengths', () => {
  assert.throws(() => combineShardGradients([new Float32Array(2)], [1, 1], new Float32Array(2)), /one size per shard gradient/);
  assert.throws(() => combineShardGradients([new Float32Array(3)], [1], new Float32Array(2)), /shard 0 has 3 values, expected 2/);
});

test('sliceBatch takes the rows of a range', () => {
  const batch: TrainingBatch = {
    size: 3,
    sampleShape: [2],
    x0: Float32Array.from([0, 1, 10, 11, 20, 21]),
    noise: Float32Array.from([5, 6, 15, 16, 25, 26]),
    timesteps: Int32Array.from([7, 8, 9]),
    labels: null,
    contexts: Float32Array.from([1, 2, 3, 4, 5, 6]),
    contextDim: 2,
    dropMask: Float32Array.from([0, 1, 0]),
  };
  const shard = sliceBatch(batch, { start: 1, end: 3 });
  assert.is(shard.size, 2);
  assert.equal(Array.from(shard.x0), [10, 11, 20, 21]);
  assert.equal(Array.from(shard.noise), [15, 16, 25, 26]);
  assert.equal(Array.from(shard.timesteps), [8, 9]);
  assert.is(shard.labels, null);
  assert.equal(Array.from(shard.contexts as Float32Array), [3, 4, 5, 6]);
  assert.equal(Array.from(shard.dropMask as Float32Array), [1, 0]);
});

test.run();
