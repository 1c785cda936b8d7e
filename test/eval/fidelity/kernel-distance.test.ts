import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FeatureRows } from '../../../kernel-lib/eval/fidelity/feature-rows';
import { kernelDistance } from '../../../kernel-lib/eval/fidelity/kernel-distance';
import { Random } from '../../../kernel-lib/util/random';

function rows1d(values: number[]): FeatureRows {
  return { data: Float64Array.from(values), count: values.length, numFeatures: 1 };
}

function normalRows(count: number, numFeatures: number, seed: number, shift = 0): FeatureRows {
  const rng = new Random(seed);
  return { data: Float64Array.from({ length: count * numFeatures }, () => rng.normal() + shift), count, numFeatures };
}

// The first 9 rows of set A and set B of fidelity_reference.py, from the same integer formulas.
function referenceSets(): [FeatureRows, FeatureRows] {
  const a = new Float64Array(9 * 5);
  const b = new Float64Array(9 * 5);
  for (let i = 0; i < 9; i++) {
    for (let j = 0; j < 5; j++) {
      a[i * 5 + j] = ((i * 7 + j * 3) % 11) / 4 + ((i * j) % 5) / 10;
      b[i * 5 + j] = ((i * 5 + j * 2 + 1) % 13) / 5 - ((i + j) % 3) / 7;
    }
  }
  return [
    { data: a, count: 9, numFeatures: 5 },
    { data: b, count: 9, numFeatures: 5 },
  ];
}

test('hand case {0, 1} against {1, 2} gives 9.5', () => {
  // d = 1, so k(x, y) = (xy + 1)³. k(0, 1) = 1 and k(1, 2) = 27 within the sets; across them
  // k(0, 1) + k(0, 2) + k(1, 1) + k(1, 2) = 1 + 1 + 8 + 27 = 37.
  // MMD²_u = 2·1/2 + 2·27/2 − 2·37/4 = 1 + 27 − 18.5 = 9.5. Every subset of size 2 is the whole set.
  const kid = kernelDistance(rows1d([0, 1]), rows1d([1, 2]), { numSubsets: 5 });
  assert.is(kid.mean, 9.5);
  assert.is(kid.std, 0);
  assert.is(kid.subsetSize, 2);
});

test('matches numpy on whole sets', () => {
  // fidelity_reference.py, kid_full_sets(a[:9], b), numpy 2.4.6. With subsetSize = 9 = n = m
  // every subset is the whole set, so the draws do not matter.
  const expected = 2.414543138046483;
  const [a, b] = referenceSets();
  const kid = kernelDistance(a, b, { numSubsets: 3 });
  assert.ok(Math.abs(kid.mean - expected) < 1e-12, `expected ${expected} within 1e-12, got ${kid.mean}`);
});

test('same distribution gives about 0', () => {
  // Two samples of N(0, I) in 4 features; the unbiased estimate has expectation 0. Its subset
  // values spread with a standard deviation of about 0.025 here, hence the bound 0.03. The biased
  // estimate, which keeps the diagonal terms, would be about 0.1 higher: 2 (E k(x, x) − E k(x, x′)) / m
  // with E k(x, x) ≈ 11.5 for |x|² ~ χ²(4) and m = 200.
  const kid = kernelDistance(normalRows(300, 4, 1), normalRows(300, 4, 2), { numSubsets: 20, subsetSize: 200, seed: 3 });
  assert.ok(Math.abs(kid.mean) < 0.03, `expected |KID| < 0.03, got ${kid.mean}`);
});

test('shifted distribution is clearly positive', () => {
  const kid = kernelDistance(normalRows(300, 4, 1), normalRows(300, 4, 2, 1), { numSubsets: 20, subsetSize: 200, seed: 3 });
  assert.ok(kid.mean > 1, `expected KID > 1 for a shift of 1 in every feature, got ${kid.mean}`);
});

test('same seed gives same subsets', () => {
  const a = normalRows(40, 3, 4);
  const b = normalRows(50, 3, 5);
  const first = kernelDistance(a, b, { numSubsets: 4, subsetSize: 10, seed: 9 });
  const second = kernelDistance(a, b, { numSubsets: 4, subsetSize: 10, seed: 9 });
  assert.equal(Array.from(first.subsetValues), Array.from(second.subsetValues));
});

test('direct kernels equal cached ones', () => {
  const a = normalRows(40, 3, 6);
  const b = normalRows(30, 3, 7);
  const cached = kernelDistance(a, b, { numSubsets: 4, subsetSize: 20, seed: 1 });
  const direct = kernelDistance(a, b, { numSubsets: 4, subsetSize: 20, seed: 1, maxCachedKernelValues: 0 });
  for (let s = 0; s < 4; s++) {
    const error = Math.abs(cached.subsetValues[s] - direct.subsetValues[s]);
    assert.ok(error < 1e-12, `subset ${s}: cached ${cached.subsetValues[s]}, direct ${direct.subsetValues[s]}`);
  }
});

test('std is over subsets with divisor numSubsets', () => {
  const kid = kernelDistance(normalRows(40, 3, 8), normalRows(40, 3, 9), { numSubsets: 6, subsetSize: 10, seed: 2 });
  const values = Array.from(kid.subsetValues);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  assert.ok(Math.abs(kid.std - Math.sqrt(variance)) < 1e-15, `expected std ${Math.sqrt(variance)}, got ${kid.std}`);
  assert.ok(kid.std > 0, 'expected subsets of 10 out of 40 to differ');
});

test('rejects a subset larger than a set', () => {
  assert.throws(
    () => kernelDistance(normalRows(5, 2, 1), normalRows(8, 2, 2), { subsetSize: 6 }),
    /kernelDistance: `subsetSize` must be an integer in \[2, 5\] \(the smaller set has 5 rows\), got 6/,
  );
});

test.run();
