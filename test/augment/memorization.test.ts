import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  memorizationThreshold,
  nearestNeighbourDistances,
  percentile,
  trainingNearestNeighbourDistances,
} from '../../kernel-lib/augment/memorization';

// Four 2-pixel images. Distances are Euclidean on pixel / 255.
const TRAIN = Uint8Array.from([0, 0, 255, 0, 0, 51, 0, 0]);

test('nearest neighbour distance of queries', () => {
  const d = nearestNeighbourDistances(Uint8Array.from([0, 0, 255, 255]), TRAIN, 2);
  assert.is(d[0], 0, 'exact copy');
  // (255, 255) is nearest to (255, 0): distance 255 / 255 = 1.
  assert.is(d[1], 1);
});

test('training distances skip the image itself and duplicates', () => {
  const d = trainingNearestNeighbourDistances(TRAIN, 2);
  // Image 0 and image 3 are identical, so each one's nearest other image is (0, 51): 0.2.
  assert.ok(Math.abs(d[0] - 0.2) < 1e-12, `expected 0.2, got ${d[0]}`);
  assert.ok(Math.abs(d[3] - 0.2) < 1e-12, `expected 0.2, got ${d[3]}`);
  assert.ok(Math.abs(d[2] - 0.2) < 1e-12, `expected 0.2, got ${d[2]}`);
  // (255, 0) is 1 from (0, 0) and √1.04 from (0, 51).
  assert.is(d[1], 1);
});

test('percentile interpolates linearly', () => {
  // numpy.percentile([1, 2, 3, 4], 50) = 2.5 and ([1, 2, 3, 4], 1) = 1.03.
  assert.is(percentile([4, 1, 3, 2], 50), 2.5);
  assert.ok(Math.abs(percentile([4, 1, 3, 2], 1) - 1.03) < 1e-12);
  assert.ok(Number.isNaN(percentile([NaN], 50)));
});

test('threshold is the first percentile of training distances', () => {
  const expected = percentile(trainingNearestNeighbourDistances(TRAIN, 2), 1);
  assert.is(memorizationThreshold(TRAIN, 2), expected);
  assert.throws(() => memorizationThreshold(TRAIN, 2, 101), /percentileRank must be in \[0, 100\], got 101/);
});

test('empty reference set is rejected', () => {
  assert.throws(() => nearestNeighbourDistances(Uint8Array.from([1, 2]), new Uint8Array(0), 2), /reference set is empty/);
});

test.run();
