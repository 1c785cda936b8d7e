import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FeatureRows } from '../../../kernel-lib/eval/fidelity/feature-rows';
import { bootstrapFrechetDistances } from '../../../kernel-lib/eval/fidelity/frechet-bootstrap';
import { frechetDistance } from '../../../kernel-lib/eval/fidelity/frechet-distance';
import { Random } from '../../../kernel-lib/util/random';

function normalRows(count: number, numFeatures: number, seed: number, shift = 0): FeatureRows {
  const rng = new Random(seed);
  return { data: Float64Array.from({ length: count * numFeatures }, () => rng.normal() + shift), count, numFeatures };
}

test('point values equal frechetDistance', () => {
  const reference = normalRows(60, 4, 1);
  const near = normalRows(60, 4, 2);
  const far = normalRows(40, 4, 3, 1.5);
  const [nearFid, farFid] = bootstrapFrechetDistances(reference, [near, far], { resamples: 20, level: 0.9, rng: new Random(4) });
  assert.ok(Math.abs(nearFid.value - frechetDistance(reference, near)) < 1e-9, `near: got ${nearFid.value}`);
  assert.ok(Math.abs(farFid.value - frechetDistance(reference, far)) < 1e-9, `far: got ${farFid.value}`);
  assert.is(nearFid.resamples, 20);
  assert.is(nearFid.level, 0.9);
});

test('intervals are ordered and separate a shifted set', () => {
  const reference = normalRows(80, 3, 5);
  const [near, far] = bootstrapFrechetDistances(reference, [normalRows(80, 3, 6), normalRows(80, 3, 7, 2)], {
    resamples: 50,
    level: 0.95,
    rng: new Random(8),
  });
  for (const estimate of [near, far]) assert.ok(estimate.lower <= estimate.upper, `lower ${estimate.lower} > upper ${estimate.upper}`);
  // A mean shift of 2 in each of 3 features adds about 3 × 2² = 12 to FID.
  assert.ok(far.lower > near.upper, `far interval [${far.lower}, ${far.upper}] overlaps near [${near.lower}, ${near.upper}]`);
});

test('same seed gives the same intervals', () => {
  const reference = normalRows(30, 2, 9);
  const other = normalRows(30, 2, 10);
  const run = (seed: number) => bootstrapFrechetDistances(reference, [other], { resamples: 15, level: 0.95, rng: new Random(seed) })[0];
  assert.equal(run(11), run(11));
  assert.not.equal(run(11), run(12));
});

test('reports each resample', () => {
  const done: number[] = [];
  bootstrapFrechetDistances(normalRows(10, 2, 1), [normalRows(10, 2, 2)], {
    resamples: 3,
    level: 0.95,
    rng: new Random(1),
    onResample: (count) => done.push(count),
  });
  assert.equal(done, [1, 2, 3]);
});

test('rejects mismatched features and bad options', () => {
  const reference = normalRows(10, 3, 1);
  assert.throws(
    () => bootstrapFrechetDistances(reference, [normalRows(10, 2, 2)], { resamples: 5, level: 0.95, rng: new Random(1) }),
    /^bootstrapFrechetDistances: `reference` has 3 features but `others\[0\]` has 2/,
  );
  assert.throws(
    () => bootstrapFrechetDistances(reference, [normalRows(10, 3, 2)], { resamples: 0, level: 0.95, rng: new Random(1) }),
    /^bootstrapFrechetDistances: `resamples` must be an integer >= 1/,
  );
  assert.throws(
    () => bootstrapFrechetDistances(reference, [normalRows(10, 3, 2)], { resamples: 5, level: 1, rng: new Random(1) }),
    /^bootstrapFrechetDistances: `level` must be a number in \(0, 1\)/,
  );
  assert.throws(
    () => bootstrapFrechetDistances(reference, [normalRows(1, 3, 2)], { resamples: 5, level: 0.95, rng: new Random(1) }),
    /`others\[0\]` has 1 rows, but this metric needs at least 2/,
  );
});

test.run();
