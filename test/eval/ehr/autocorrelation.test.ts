import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HourlyGrid } from '../../../kernel-lib/ehr/hourly-grid';
import { TimeSeriesVariable } from '../../../kernel-lib/ehr/variables';
import { autocorrelationComparison, lagAutocorrelation } from '../../../kernel-lib/eval/ehr/autocorrelation';

/** Builds a grid from series[patient][variable][hour], where null marks an unmeasured cell (NaN, mask 0). */
function gridFromSeries(variables: TimeSeriesVariable[], series: (number | null)[][][]): HourlyGrid {
  const patients = series.length;
  const hours = series[0][0].length;
  const values = new Float32Array(patients * hours * variables.length);
  const mask = new Float32Array(values.length);
  series.forEach((patient, p) =>
    patient.forEach((variableSeries, v) =>
      variableSeries.forEach((value, h) => {
        const cell = (p * hours + h) * variables.length + v;
        values[cell] = value === null ? NaN : value;
        mask[cell] = value === null ? 0 : 1;
      }),
    ),
  );
  return { values, mask, shape: [patients, hours, variables.length], recordIds: series.map((_, p) => p), variables };
}

const close = (actual: number, expected: number) => {
  assert.ok(Math.abs(actual - expected) < 1e-9, `expected ${expected}, got ${actual}`);
};

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const ALTERNATING = range(12).map((h) => h % 2);
const TREND = range(12);

test('lagAutocorrelation of alternating series', () => {
  const grid = gridFromSeries(['HR'], [[ALTERNATING]]);
  // Lag 1: 11 pairs, μ = 0.5, every product −1/4, so r = −1. Lag 2: 10 pairs, r = 1.
  assert.equal(lagAutocorrelation(grid, 'HR', 1), { autocorrelation: -1, pairs: 11 });
  assert.equal(lagAutocorrelation(grid, 'HR', 2), { autocorrelation: 1, pairs: 10 });
  const lag3 = lagAutocorrelation(grid, 'HR', 3);
  assert.is(lag3.pairs, 9);
  assert.ok(Number.isNaN(lag3.autocorrelation), 'fewer than 10 pairs');
});

test('lagAutocorrelation of linear trend', () => {
  const grid = gridFromSeries(['Temp'], [[TREND]]);
  // x = 0…10, y = 1…11, μ = 5.5: 2 · 107.25 / (112.75 + 112.75) = 39/41.
  close(lagAutocorrelation(grid, 'Temp', 1).autocorrelation, 39 / 41);
  // x = 0…9, y = 2…11, μ = 5.5: 2 · 72.5 / (92.5 + 92.5) = 29/37.
  close(lagAutocorrelation(grid, 'Temp', 2).autocorrelation, 29 / 37);
});

test('lagAutocorrelation pools patients without linking them', () => {
  // Two patients with 0…5: 10 pairs within patients, none across. μ = 2.5, r = 2 · 17.5 / 45 = 7/9.
  const grid = gridFromSeries(['HR'], [[range(6)], [range(6)]]);
  const result = lagAutocorrelation(grid, 'HR', 1);
  assert.is(result.pairs, 10);
  close(result.autocorrelation, 7 / 9);
});

test('lagAutocorrelation uses only measured pairs', () => {
  const series: (number | null)[] = range(14);
  series[5] = null;
  const grid = gridFromSeries(['HR'], [[series]]);
  grid.values[5] = 4; // a forward-filled value with mask 0
  // Hour 5 removes the pairs (4, 5) and (5, 6) from the 13 pairs of lag 1.
  assert.is(lagAutocorrelation(grid, 'HR', 1).pairs, 11);
  assert.is(lagAutocorrelation(grid, 'HR', 2).pairs, 10);
});

test('lagAutocorrelation NaN for constant series', () => {
  const grid = gridFromSeries(['HR'], [[range(12).map(() => 0.1)]]);
  assert.ok(Number.isNaN(lagAutocorrelation(grid, 'HR', 1).autocorrelation));
});

test('lagAutocorrelation rejects bad arguments', () => {
  const grid = gridFromSeries(['HR'], [[ALTERNATING]]);
  assert.throws(() => lagAutocorrelation(grid, 'Temp', 1), /lagAutocorrelation: variable Temp is not in the grid; pick one of HR/);
  assert.throws(() => lagAutocorrelation(grid, 'HR', 12), /lagAutocorrelation: `lag` must be an integer from 1 to hours − 1 = 11, got 12/);
  assert.throws(() => lagAutocorrelation(grid, 'HR', 0.5), /got 0.5/);
});

const REAL = gridFromSeries(['HR', 'Temp'], [[ALTERNATING, TREND]]);
const SYNTHETIC = gridFromSeries(['HR', 'Temp'], [[TREND, TREND]]);

test('autocorrelationComparison real vs synthetic', () => {
  const result = autocorrelationComparison(REAL, SYNTHETIC, { maxLag: 2 });
  assert.is(result.maxLag, 2);
  assert.equal(
    result.rows.map((row) => [row.variable, row.lag]),
    [
      ['HR', 1],
      ['HR', 2],
      ['Temp', 1],
      ['Temp', 2],
    ],
  );
  const [hr1, hr2, temp1, temp2] = result.rows;
  assert.is(hr1.real, -1);
  close(hr1.synthetic, 39 / 41);
  close(hr1.absoluteDifference, 80 / 41);
  assert.is(hr1.realPairs, 11);
  assert.is(hr1.syntheticPairs, 11);
  close(hr2.absoluteDifference, 8 / 37);
  assert.is(temp1.absoluteDifference, 0);
  assert.is(temp2.absoluteDifference, 0);
  assert.is(result.entriesCompared, 4);
  close(result.meanAbsoluteDifference, (80 / 41 + 8 / 37) / 4);
});

test('autocorrelationComparison default maxLag 3', () => {
  const result = autocorrelationComparison(REAL, SYNTHETIC);
  assert.is(result.maxLag, 3);
  assert.is(result.rows.length, 6);
  // Lag 3 has 9 pairs on both sides, so it is NaN and left out of the mean.
  assert.ok(Number.isNaN(result.rows[2].absoluteDifference));
  assert.is(result.entriesCompared, 4);
});

test('autocorrelationComparison caps default lag on short grids', () => {
  const short = gridFromSeries(['HR'], [[[1, 2]]]);
  const result = autocorrelationComparison(short, short);
  assert.is(result.maxLag, 1);
  assert.ok(Number.isNaN(result.meanAbsoluteDifference));
  assert.is(result.entriesCompared, 0);
});

test('autocorrelationComparison rejects bad maxLag', () => {
  assert.throws(() => autocorrelationComparison(REAL, SYNTHETIC, { maxLag: 0 }), /autocorrelationComparison: `maxLag` must be an integer from 1 to hours − 1 = 11, got 0/);
  assert.throws(() => autocorrelationComparison(REAL, SYNTHETIC, { maxLag: 12 }), /got 12/);
  const single = gridFromSeries(['HR'], [[[1]]]);
  assert.throws(() => autocorrelationComparison(single, single), /autocorrelationComparison: the grids have 1 hour; autocorrelation needs at least 2 hours/);
});

test.run();
