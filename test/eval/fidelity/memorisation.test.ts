import * as fs from 'fs';
import * as path from 'path';
import { decode } from 'fast-png';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nearestNeighbourDistances } from '../../../kernel-lib/augment/memorization';
import {
  gatherImages,
  nearestFeatureRows,
  nearestImagesInPixelSpace,
  rankRows,
  writeImageGallery,
  writePairGallery,
} from '../../../kernel-lib/eval/fidelity/memorisation';
import { Random } from '../../../kernel-lib/util/random';
import { makeTempDir } from '../../experiment/tiny-experiment';

test('pixel neighbour on pixels / 255', () => {
  // 2 × 2 images. Query 0 differs from reference 1 by 255 in one pixel: distance 1.
  // Query 1 differs from reference 0 by 51 in all 4 pixels: distance √(4 · 51²) / 255 = 0.4.
  const queries = Uint8Array.from([0, 0, 0, 255, 51, 51, 51, 51]);
  const reference = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 0]);
  const result = nearestImagesInPixelSpace(queries, reference, 4);
  assert.equal(Array.from(result.indices), [0, 0]);
  assert.ok(Math.abs(result.distances[0] - 1) < 1e-15, `expected 1, got ${result.distances[0]}`);
  assert.ok(Math.abs(result.distances[1] - 0.4) < 1e-15, `expected 0.4, got ${result.distances[1]}`);
});

test('pixel neighbour ties go to the first row', () => {
  // References 0 and 1 are identical copies of the query's neighbour.
  const result = nearestImagesInPixelSpace(Uint8Array.from([10, 10]), Uint8Array.from([200, 200, 12, 10, 12, 10]), 2);
  assert.equal(Array.from(result.indices), [1]);
});

test('pixel distances agree with the generation filter', () => {
  // augment/memorization.ts computes the same distance for the memorisation filter.
  const rng = new Random(1);
  const queries = Uint8Array.from({ length: 5 * 36 }, () => rng.int(256));
  const reference = Uint8Array.from({ length: 9 * 36 }, () => rng.int(256));
  const expected = nearestNeighbourDistances(queries, reference, 36);
  const actual = nearestImagesInPixelSpace(queries, reference, 36).distances;
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(actual[i] - expected[i]) < 1e-12, `image ${i}: expected ${expected[i]}, got ${actual[i]}`);
});

test('feature neighbour is the closest row', () => {
  const queries = { data: Float64Array.from([0, 0, 5, 5]), count: 2, numFeatures: 2 };
  const reference = { data: Float64Array.from([4, 4, 1, 0, 6, 5]), count: 3, numFeatures: 2 };
  const result = nearestFeatureRows(queries, reference);
  assert.equal(Array.from(result.indices), [1, 2]);
  assert.equal(Array.from(result.distances), [1, 1]);
});

test('rankRows orders and skips NaN', () => {
  const values = [0.3, NaN, 0.1, 0.3, 0.9];
  assert.equal(rankRows(values, 3, 'lowest'), [2, 0, 3]);
  assert.equal(rankRows(values, 2, 'highest'), [4, 0]);
});

test('gatherImages copies rows in order', () => {
  assert.equal(Array.from(gatherImages(Uint8Array.from([1, 1, 2, 2, 3, 3]), [2, 0], 2)), [3, 3, 1, 1]);
});

test('pair gallery puts pairs side by side', () => {
  // Two 3 × 3 pairs in a 2-column grid with 2-pixel gaps: (2 · 3 + 3 · 2) square = 12 × 12.
  const file = path.join(makeTempDir('medsynth-gallery-'), 'pairs.png');
  writePairGallery(file, new Uint8Array(18).fill(10), new Uint8Array(18).fill(200), 3, 3, { Class: 'effusion' });
  const png = decode(fs.readFileSync(file));
  assert.is(png.width, 12);
  assert.is(png.height, 12);
  assert.is(png.text.Synthetic, 'true');
  assert.is(png.text.Class, 'effusion');
  // Row 2 (first image row): gap, 3 synthetic pixels, gap, 3 training pixels, gap.
  assert.equal(Array.from(png.data.subarray(2 * 12, 3 * 12)), [255, 255, 10, 10, 10, 255, 255, 200, 200, 200, 255, 255]);
});

test('image gallery wraps at 8 columns', () => {
  // Ten 2 × 2 images: 8 columns and 2 rows, 8 · 2 + 9 · 2 = 34 wide, 2 · 2 + 3 · 2 = 10 high.
  const file = path.join(makeTempDir('medsynth-gallery-'), 'grid.png');
  writeImageGallery(file, new Uint8Array(40).fill(7), 2, 2, {});
  const png = decode(fs.readFileSync(file));
  assert.is(png.width, 34);
  assert.is(png.height, 10);
  assert.match(png.text.Comment, 'SYNTHETIC IMAGE');
});

test('pair gallery rejects unequal sets', () => {
  assert.throws(() => writePairGallery('/unused.png', new Uint8Array(8), new Uint8Array(4), 2, 2, {}), /expected the same positive number of synthetic and training images, got 2 and 1/);
});

test.run();
