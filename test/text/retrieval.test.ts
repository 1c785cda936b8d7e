import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { labelAgreementAtK, recallAtK } from '../../kernel-lib/text/retrieval';

// Two-dimensional embeddings placed by hand. Gallery directions (angle in degrees):
// g0 0°, g1 10°, g2 90°, g3 100°, g4 180°, with labels 0, 1, 1, 1, 0.
const degrees = (angle: number) => [Math.cos((angle * Math.PI) / 180), Math.sin((angle * Math.PI) / 180)];
const GALLERY = [0, 10, 90, 100, 180].flatMap(degrees);
const GALLERY_LABELS = [0, 1, 1, 1, 0];

test('label agreement on hand-made embeddings', () => {
  // Query q0 at 2° (label 0): angles to g0 … g4 are 2, 8, 88, 98, 178 → labels 0, 1, 1, 1, 0.
  // Query q1 at 93° (label 1), scaled by 3 (the cosine ignores length): angles 93, 83, 3, 7, 87,
  // so the ranking is g2, g3, g1, g4, g0 with labels 1, 1, 1, 0, 0.
  const queries = [...degrees(2), ...degrees(93).map((v) => 3 * v)];
  const result = labelAgreementAtK(queries, GALLERY, 2, [0, 1], GALLERY_LABELS, [1, 3, 5]);
  // k=1: q0 1/1, q1 1/1 → 1. k=3: q0 1/3, q1 3/3 → 2/3. k=5: q0 2/5, q1 3/5 → 1/2.
  assert.equal(result.atK.map((r) => r.k), [1, 3, 5]);
  const expected = [1, 2 / 3, 1 / 2];
  result.atK.forEach((r, i) => assert.ok(Math.abs(r.value - expected[i]) < 1e-12, `k=${r.k}: expected ${expected[i]}, got ${r.value}`));
  // Chance: label 0 is 2/5 of the gallery, label 1 is 3/5; mean over the two queries = 1/2.
  assert.ok(Math.abs(result.chance - 0.5) < 1e-12, `chance: expected 0.5, got ${result.chance}`);
});

test('recall at k for exact pairs', () => {
  // Query i should find gallery i. Queries at 4°, 80°, 170°; gallery at 0°, 10°, 180°.
  // q0 → g0 (4°) before g1 (6°); q1 → g1 (70°) before g0 (80°); q2 → g2 (10°) first.
  const gallery = [0, 10, 180].flatMap(degrees);
  assert.equal(recallAtK([4, 80, 170].flatMap(degrees), gallery, 2, [1, 2]), [
    { k: 1, value: 1 },
    { k: 2, value: 1 },
  ]);
  // Queries at 175°, 2°, 12°. q0 ranks g2, g1, g0, so its match g0 is third. q1 ranks g0, g1, g2
  // (match second), and q2 ranks g1, g0, g2 (match third). Recall at 1, 2, 3: 0, 1/3, 1.
  const swapped = recallAtK([175, 2, 12].flatMap(degrees), gallery, 2, [1, 2, 3]);
  assert.equal(swapped.map((r) => r.value), [0, 1 / 3, 1]);
});

test('retrieval rejects invalid input', () => {
  assert.throws(() => recallAtK([1, 0, 0], [1, 0], 2, [1]), /3 values, not a multiple of dim 2/);
  assert.throws(() => recallAtK([1, 0], [1, 0], 2, [2]), /every k must be an integer in \[1, 1\].*got 2/);
  assert.throws(() => recallAtK([NaN, 0], [1, 0], 2, [1]), /queryEmbeddings row 0 contains NaN/);
  assert.throws(() => recallAtK([0, 0], [1, 0], 2, [1]), /row 0 is all zeros/);
  assert.throws(() => recallAtK([1, 0, 0, 1], [1, 0], 2, [1]), /2 queries and 1 gallery items/);
  assert.throws(() => labelAgreementAtK([1, 0], GALLERY, 2, [0], [0, 1], [1]), /2 gallery labels for 5 gallery items/);
  assert.throws(() => labelAgreementAtK([1, 0], GALLERY, 2, [0], GALLERY_LABELS, [6]), /every k must be an integer in \[1, 5\]/);
});

test.run();
