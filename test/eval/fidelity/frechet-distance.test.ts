import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FeatureRows } from '../../../kernel-lib/eval/fidelity/feature-rows';
import { featureStatistics, frechetDistance } from '../../../kernel-lib/eval/fidelity/frechet-distance';
import { LogSink, setLogSink } from '../../../kernel-lib/util/log';
import { Random } from '../../../kernel-lib/util/random';

function normalRows(count: number, numFeatures: number, seed: number): FeatureRows {
  const rng = new Random(seed);
  return { data: Float64Array.from({ length: count * numFeatures }, () => rng.normal()), count, numFeatures };
}

function shifted(rows: FeatureRows, shift: number): FeatureRows {
  return { ...rows, data: rows.data.map((value) => value + shift) };
}

/** Runs `body` with the log sink capturing warnings, and returns them. */
function captureWarnings(body: () => void): string[] {
  const warnings: string[] = [];
  const previous: LogSink = setLogSink((level, message) => {
    if (level === 'warn') warnings.push(message);
  });
  try {
    body();
  } finally {
    setLogSink(previous);
  }
  return warnings;
}

// The sets of test/eval/fidelity/fidelity_reference.py, rebuilt from the same integer formulas.
function setA(): FeatureRows {
  const data = new Float64Array(12 * 5);
  for (let i = 0; i < 12; i++) for (let j = 0; j < 5; j++) data[i * 5 + j] = ((i * 7 + j * 3) % 11) / 4 + ((i * j) % 5) / 10;
  return { data, count: 12, numFeatures: 5 };
}

function setB(): FeatureRows {
  const data = new Float64Array(9 * 5);
  for (let i = 0; i < 9; i++) for (let j = 0; j < 5; j++) data[i * 5 + j] = ((i * 5 + j * 2 + 1) % 13) / 5 - ((i + j) % 3) / 7;
  return { data, count: 9, numFeatures: 5 };
}

test('set against itself is about 0', () => {
  const rows = normalRows(10, 64, 1);
  let value = NaN;
  captureWarnings(() => (value = frechetDistance(rows, rows)));
  assert.ok(value >= 0, `expected a non-negative distance, got ${value}`);
  assert.ok(value <= 1e-4, `expected a distance <= 1e-4, got ${value}`);
});

test('shift by 0.25 in 64 features gives 4', () => {
  // Equal covariances, so only ||μ1 − μ2||² = 64 × 0.25² = 4 remains.
  const rows = normalRows(10, 64, 2);
  let value = NaN;
  captureWarnings(() => (value = frechetDistance(rows, shifted(rows, 0.25))));
  assert.ok(Math.abs(value - 4) < 1e-4, `expected 4 within 1e-4, got ${value}`);
});

test('fewer samples than features warns', () => {
  const rows = normalRows(10, 64, 3);
  const warnings = captureWarnings(() => frechetDistance(rows, rows));
  assert.is(warnings.length, 1);
  assert.match(warnings[0], 'frechetDistance: 10 samples for 64 features');
});

test('more samples than features does not warn', () => {
  const rows = normalRows(20, 4, 4);
  assert.equal(captureWarnings(() => frechetDistance(rows, shifted(rows, 1))), []);
});

test('2-D diagonal case matches the closed form', () => {
  // A = (±1, 0), (0, ±2): Σ_A = diag(2/3, 8/3). B stretches x by 2, shrinks y by 2 and moves
  // by (3, 4): Σ_B = diag(8/3, 2/3). For diagonal covariances the trace term is
  // Σ_i (√a_i − √b_i)²; each feature gives (√(2/3) − √(8/3))² = 2/3, and ||Δμ||² = 25: total 25 + 4/3.
  const a: FeatureRows = { data: Float64Array.from([1, 0, -1, 0, 0, 2, 0, -2]), count: 4, numFeatures: 2 };
  const b: FeatureRows = { data: Float64Array.from([5, 4, 1, 4, 3, 5, 3, 3]), count: 4, numFeatures: 2 };
  const value = frechetDistance(a, b);
  assert.ok(Math.abs(value - (25 + 4 / 3)) < 1e-12, `expected 26.3333, got ${value}`);
});

test('matches scipy sqrtm reference', () => {
  // fidelity_reference.py: scipy.linalg.sqrtm(Σ1 Σ2) formula, numpy 2.4.6, scipy 1.17.1.
  const expected = 1.6604047975982077;
  const value = frechetDistance(setA(), setB());
  assert.ok(Math.abs(value - expected) < 1e-10, `expected ${expected} within 1e-10, got ${value}`);
});

test('distance is symmetric', () => {
  const forward = frechetDistance(setA(), setB());
  const backward = frechetDistance(setB(), setA());
  assert.ok(Math.abs(forward - backward) < 1e-12, `expected equal distances, got ${forward} and ${backward}`);
});

test('covariance uses n − 1', () => {
  // Values 1, 2, 3, 4: mean 2.5, squared deviations sum to 5, so the variance is 5 / 3.
  const stats = featureStatistics({ data: Float64Array.from([1, 2, 3, 4]), count: 4, numFeatures: 1 });
  assert.is(stats.mean[0], 2.5);
  assert.ok(Math.abs(stats.covariance[0] - 5 / 3) < 1e-15, `expected 5/3, got ${stats.covariance[0]}`);
});

test('rejects one sample', () => {
  const one: FeatureRows = { data: new Float64Array(3), count: 1, numFeatures: 3 };
  assert.throws(() => frechetDistance(one, normalRows(5, 3, 5)), /frechetDistance: `a` has 1 rows, but this metric needs at least 2/);
});

test('rejects different feature counts', () => {
  assert.throws(() => frechetDistance(normalRows(5, 3, 6), normalRows(5, 4, 7)), /`a` has 3 features but `b` has 4/);
});

test('rejects non-finite features', () => {
  const rows = normalRows(5, 3, 8);
  rows.data[4] = NaN;
  assert.throws(() => frechetDistance(rows, rows), /value at row 1, column 1 is NaN/);
});

test.run();
