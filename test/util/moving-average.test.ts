import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { movingAverage } from '../../kernel-lib/util/moving-average';

test('movingAverage averages the trailing window, shorter at the start', () => {
  // Hand-computed: [1, (1+3)/2, (1+3+5)/3, (3+5+7)/3, (5+7+9)/3].
  assert.equal(movingAverage([1, 3, 5, 7, 9], 3), [1, 2, 3, 5, 7]);
});

test('movingAverage with window 1 returns the values', () => {
  assert.equal(movingAverage(new Float32Array([0.5, 0.25]), 1), [0.5, 0.25]);
});

test('movingAverage of an empty series is empty', () => {
  assert.equal(movingAverage([], 4), []);
});

test('movingAverage rejects a window that is not a positive integer', () => {
  assert.throws(() => movingAverage([1, 2], 0), /movingAverage: `window` must be a positive integer, got 0/);
  assert.throws(() => movingAverage([1, 2], 1.5), /got 1.5/);
});

test.run();
