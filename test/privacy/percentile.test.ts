import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { percentile, percentiles } from '../../kernel-lib/privacy/percentile';

test('matches numpy linear interpolation', () => {
  // numpy 2.4.6: np.percentile([3, 1, 4, 1, 5, 9, 2, 6], [0, 5, 25, 50, 90, 100]).
  const expected = [1.0, 1.0, 1.75, 3.5, 6.8999999999999995, 9.0];
  const actual = percentiles([3, 1, 4, 1, 5, 9, 2, 6], [0, 5, 25, 50, 90, 100]);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) < 1e-12, `percentile ${i}: expected ${expected[i]}, got ${actual[i]}`);
  }
});

test('interpolates between order statistics', () => {
  // Sorted [0, 0, 5, 5]: the median sits at h = 1.5, halfway between 0 and 5.
  assert.is(percentile([5, 0, 5, 0], 50), 2.5);
  // h = 3 × 0.05 = 0.15 lies between the two zeros.
  assert.is(percentile([5, 0, 5, 0], 5), 0);
});

test('one value is every percentile', () => {
  assert.is(percentile([2.5], 5), 2.5);
  assert.is(percentile([2.5], 100), 2.5);
});

test('rejects empty input, NaN and p outside [0, 100]', () => {
  assert.throws(() => percentile([], 50), /percentile: `values` is empty/);
  assert.throws(() => percentile([1, NaN], 50), /percentile: `values\[1\]` must be finite, got NaN/);
  assert.throws(() => percentile([1], 101), /percentile: `p` must be a number in \[0, 100\], got 101/);
});

test.run();
