import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kdeLogDensity, scottBandwidths } from '../../kernel-lib/privacy/gaussian-kde';
import { setLogSink } from '../../kernel-lib/util/log';
import { records } from './helpers';

test('matches scipy gaussian_kde in one dimension', () => {
  // scipy 1.17.1: kde = gaussian_kde([0, 1, 3, 7]); kde.logpdf([-1, 0.5, 2, 10]) and the kernel
  // standard deviation sqrt(kde.covariance[0, 0]) = 2.3460988081694523. Tolerance 1e-12.
  const data = records([[0], [1], [3], [7]]);
  const bandwidths = scottBandwidths(data, 'data');
  assert.ok(Math.abs(bandwidths[0] - 2.3460988081694523) < 1e-12, `expected bandwidth 2.3460988081694523, got ${bandwidths[0]}`);
  const expected = [-2.545371797627907, -2.2244740932702265, -2.1929545616392696, -3.9478138209744933];
  const actual = kdeLogDensity(records([[-1], [0.5], [2], [10]]), data, bandwidths);
  for (let i = 0; i < 4; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) < 1e-12, `ln p at point ${i}: expected ${expected[i]}, got ${actual[i]}`);
  }
});

test('log density stays finite far from the data', () => {
  // At distance 100 with bandwidth 0.1 the density is e^-500000: zero in float64, finite in log space.
  const value = kdeLogDensity(records([[100, 0]]), records([[0, 0]]), Float64Array.from([0.1, 0.1]))[0];
  const expected = -0.5 * (100 / 0.1) ** 2 - 2 * Math.log(0.1) - Math.log(2 * Math.PI);
  assert.ok(Math.abs(value - expected) < 1e-6, `expected ${expected}, got ${value}`);
});

test('constant feature gets unit spread and a warning', () => {
  const messages: string[] = [];
  const previous = setLogSink((_, message) => messages.push(message));
  try {
    const bandwidths = scottBandwidths(records([[1, 5], [2, 5], [4, 5]]), 'the synthetic set');
    assert.is(bandwidths[1], 3 ** (-1 / 6));
  } finally {
    setLogSink(previous);
  }
  assert.is(messages.length, 1);
  assert.match(messages[0], /1 feature\(s\) of the synthetic set have zero spread \(first: column 1\)/);
});

test.run();
