import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HourlyGrid } from '../../../kernel-lib/ehr/hourly-grid';
import { TimeSeriesVariable } from '../../../kernel-lib/ehr/variables';
import { makeGrid } from './grid-fixture';
import { correlationDistance, patientMeans, pearsonCorrelationMatrix } from '../../../kernel-lib/eval/ehr/correlation';


const close = (actual: number, expected: number) => {
  assert.ok(Math.abs(actual - expected) < 1e-9, `expected ${expected}, got ${actual}`);
};

test('patientMeans over measured hours', () => {
  const grid = makeGrid(
    ['HR', 'Temp'],
    [
      [
        [80, null],
        [90, null],
        [null, null],
      ],
      [
        [100, 36.5],
        [null, null],
        [null, 37.5],
      ],
    ],
  );
  grid.values[5] = 500; // patient 0, hour 2, Temp: filled value with mask 0
  const means = patientMeans(grid);
  assert.is(means.length, 4);
  assert.is(means[0], 85);
  assert.ok(Number.isNaN(means[1]));
  assert.is(means[2], 100);
  assert.is(means[3], 37);
});

test('pearsonCorrelationMatrix hand-checked', () => {
  // Columns: x = [1, 2, 3, 4], 2x, reversed x, and [1, NaN, 3, 2].
  const rows = [1, 2, 4, 1, 2, 4, 3, NaN, 3, 6, 2, 3, 4, 8, 1, 2];
  const matrix = pearsonCorrelationMatrix(rows, 4, 4);
  for (let i = 0; i < 4; i++) assert.is(matrix[i][i], 1);
  close(matrix[0][1], 1);
  close(matrix[0][2], -1);
  close(matrix[1][2], -1);
  // Rows 0, 2, 3 only: x = [1, 3, 4], y = [1, 3, 2], r = 2 / sqrt(14/3 · 2) = sqrt(3/7).
  close(matrix[0][3], Math.sqrt(3 / 7));
  assert.is(matrix[3][0], matrix[0][3]);
});

test('pearsonCorrelationMatrix NaN when undefined', () => {
  // Column 1 has two present rows, column 2 is constant 0.1 (its float mean is not exactly 0.1).
  const rows = [1, 5, 0.1, 2, NaN, 0.1, 3, 7, 0.1];
  const matrix = pearsonCorrelationMatrix(rows, 3, 3);
  assert.is(matrix[0][0], 1);
  assert.ok(Number.isNaN(matrix[0][1]), 'two shared rows');
  assert.ok(Number.isNaN(matrix[1][1]), 'diagonal with two present rows');
  assert.ok(Number.isNaN(matrix[0][2]), 'constant column');
  assert.ok(Number.isNaN(matrix[2][2]), 'diagonal of constant column');
});

test('pearsonCorrelationMatrix rejects bad input', () => {
  assert.throws(() => pearsonCorrelationMatrix([1, 2, 3], 2, 2), /pearsonCorrelationMatrix: `rows` must have numRows · numColumns = 4 entries, got length 3/);
  assert.throws(() => pearsonCorrelationMatrix([1, 2, Infinity, 4], 2, 2), /contains Infinity at row 1, column 0; use NaN for a missing entry/);
  assert.throws(() => pearsonCorrelationMatrix([], 0, 2), /`numRows` and `numColumns` must be positive integers, got 0 and 2/);
});

// Real means (hours averaged): HR [1, 2, 3, 4], Temp [2, 4, 6, 8], pH [4, 3, 2, 1].
const REAL = makeGrid(
  ['HR', 'Temp', 'pH'],
  [
    [
      [0, 2, 4],
      [2, null, null],
    ],
    [
      [2, 4, 3],
      [null, null, null],
    ],
    [
      [3, 6, 2],
      [null, null, null],
    ],
    [
      [4, 8, 1],
      [null, null, null],
    ],
  ],
);
// Synthetic: HR [1, 2, 3, 4], Temp [1, 3, 2, 4] (r = 4 / 5), pH on two patients only.
const SYNTHETIC = makeGrid(
  ['HR', 'Temp', 'pH'],
  [
    [
      [1, 1, 7],
      [null, null, null],
    ],
    [
      [2, 3, 7.2],
      [null, null, null],
    ],
    [
      [3, 2, null],
      [null, null, null],
    ],
    [
      [4, 4, null],
      [null, null, null],
    ],
  ],
);

test('correlationDistance over pairs defined on both sides', () => {
  const result = correlationDistance(REAL, SYNTHETIC);
  close(result.realMatrix[0][1], 1);
  close(result.realMatrix[0][2], -1);
  close(result.realMatrix[1][2], -1);
  close(result.syntheticMatrix[0][1], 0.8);
  assert.ok(Number.isNaN(result.syntheticMatrix[0][2]));
  assert.is(result.pairsCompared, 1);
  close(result.meanAbsolute, 0.2);
  close(result.frobenius, Math.sqrt(2 * 0.04));
});

test('correlationDistance with no shared pair', () => {
  const twoPatients = makeGrid(['HR', 'Temp', 'pH'], [[[1, 2, 3]], [[2, 3, 1]]]);
  const result = correlationDistance(twoPatients, twoPatients);
  assert.is(result.pairsCompared, 0);
  assert.ok(Number.isNaN(result.frobenius));
  assert.ok(Number.isNaN(result.meanAbsolute));
});

test('correlationDistance validates grids', () => {
  const other = makeGrid(['HR', 'Temp'], [[[1, 2]]]);
  assert.throws(() => correlationDistance(REAL, other), /correlationDistance: `real` has 2 hours but `synthetic` has 1/);
  assert.throws(() => patientMeans(null as unknown as HourlyGrid), /patientMeans: `grid` must be an HourlyGrid, got null/);
});

test.run();
