import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HourlyGrid } from '../../../kernel-lib/ehr/hourly-grid';
import { TimeSeriesVariable } from '../../../kernel-lib/ehr/variables';
import { makeGrid } from './grid-fixture';
import { missingnessComparison } from '../../../kernel-lib/eval/ehr/missingness';


const close = (actual: number, expected: number) => {
  assert.ok(Math.abs(actual - expected) < 1e-12, `expected ${expected}, got ${actual}`);
};

// Real, 2 patients × 4 hours: HR measured in 6 of 8 patient-hours, Temp in 1 of 8.
const REAL = makeGrid(
  ['HR', 'Temp'],
  [
    [
      [80, 37],
      [81, null],
      [82, null],
      [83, null],
    ],
    [
      [null, null],
      [90, null],
      [null, null],
      [91, null],
    ],
  ],
);
// Synthetic, 1 patient × 4 hours: HR in 2 of 4, Temp never.
const SYNTHETIC = makeGrid(
  ['HR', 'Temp'],
  [
    [
      [80, null],
      [null, null],
      [85, null],
      [null, null],
    ],
  ],
);

test('missingness rates and frequencies', () => {
  const { variables } = missingnessComparison(REAL, SYNTHETIC);
  const [hr, temp] = variables;
  assert.is(hr.variable, 'HR');
  close(hr.realMissingRate, 0.25);
  close(hr.syntheticMissingRate, 0.5);
  close(hr.missingRateDifference, 0.25);
  // 3 measured hours per patient over 4 hours is 18 per 24 h, and 2 over 4 is 12.
  close(hr.realMeasurementsPer24h, 18);
  close(hr.syntheticMeasurementsPer24h, 12);
  close(hr.frequencyDifference, 6);

  assert.is(temp.variable, 'Temp');
  close(temp.realMissingRate, 0.875);
  close(temp.syntheticMissingRate, 1);
  close(temp.missingRateDifference, 0.125);
  close(temp.realMeasurementsPer24h, 3);
  close(temp.syntheticMeasurementsPer24h, 0);
  close(temp.frequencyDifference, 3);
});

test('missingness mean absolute differences', () => {
  const result = missingnessComparison(REAL, SYNTHETIC);
  close(result.meanAbsoluteMissingRateDifference, 0.1875);
  close(result.meanAbsoluteFrequencyDifference, 4.5);
});

test('missingness identical grids', () => {
  const result = missingnessComparison(REAL, REAL);
  assert.is(result.meanAbsoluteMissingRateDifference, 0);
  assert.is(result.meanAbsoluteFrequencyDifference, 0);
});

test('missingness validates grids', () => {
  const otherHours = makeGrid(['HR', 'Temp'], [[[80, null]]]);
  assert.throws(() => missingnessComparison(REAL, otherHours), /missingnessComparison: `real` has 4 hours but `synthetic` has 1/);
  const badMask = makeGrid(['HR', 'Temp'], [[[80, null], [null, null], [85, null], [null, null]]]);
  badMask.mask[1] = 2;
  assert.throws(() => missingnessComparison(REAL, badMask), /`synthetic.mask` must contain only 0 and 1, got 2 at patient 0, hour 0, variable Temp/);
});

test.run();
