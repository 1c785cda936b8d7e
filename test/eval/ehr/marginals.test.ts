import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HourlyGrid } from '../../../kernel-lib/ehr/hourly-grid';
import { TimeSeriesVariable } from '../../../kernel-lib/ehr/variables';
import { makeGrid } from './grid-fixture';
import { checkGridPair, ksStatistic, marginalDistances, wasserstein1 } from '../../../kernel-lib/eval/ehr/marginals';


const close = (actual: number | null, expected: number, message?: string) => {
  assert.ok(actual !== null, message ?? `expected ${expected}, got null`);
  assert.ok(Math.abs((actual as number) - expected) < 1e-12, message ?? `expected ${expected}, got ${actual}`);
};

test('wasserstein1 of hand-checked samples', () => {
  assert.is(wasserstein1([0, 1], [0, 1]), 0);
  assert.is(wasserstein1([0], [3]), 3);
  assert.is(wasserstein1([0, 2], [1]), 1);
  // |F_a − F_b| is 1/12 on [1, 2), 1/6 on [2, 3), 1/4 on [3, 4).
  close(wasserstein1([1, 2, 3], [1, 2, 3, 4]), 0.5);
  // Ties: |F_a − F_b| = 1/3 on [0, 1).
  close(wasserstein1([0, 0, 1], [0, 1, 1]), 1 / 3);
});

test('wasserstein1 symmetric, shift and order', () => {
  close(wasserstein1([5, 0, 1], [2, 7, 3]), 2);
  close(wasserstein1([2, 7, 3], [5, 0, 1]), 2);
  close(wasserstein1([3, 1, 2], [1, 2, 3, 4]), 0.5);
  close(wasserstein1(new Float32Array([-1, 1]), [0]), 1);
});

test('wasserstein1 leaves inputs unsorted', () => {
  const a = [3, 1, 2];
  wasserstein1(a, [0]);
  assert.equal(a, [3, 1, 2]);
});

test('ksStatistic of hand-checked samples', () => {
  assert.is(ksStatistic([1, 2, 3], [4, 5]), 1);
  assert.is(ksStatistic([1, 2], [1, 2]), 0);
  assert.is(ksStatistic([0, 1, 2, 3], [1.5]), 0.5);
  assert.is(ksStatistic([5, 4], [1, 2, 3]), 1);
});

test('ksStatistic counts ties before comparing', () => {
  // At 1, F_a = 2/3 and F_b = 1/3. At 2 both are 1. Stepping one value at a time would see 2/3.
  close(ksStatistic([1, 1, 2], [1, 2, 2]), 1 / 3);
  assert.is(ksStatistic([0, 0, 0], [0]), 0);
});

test('wasserstein1 and ksStatistic reject bad samples', () => {
  assert.throws(() => wasserstein1([], [1]), /wasserstein1: `a` is empty; pass at least one value per sample/);
  assert.throws(() => wasserstein1([1], []), /wasserstein1: `b` is empty/);
  assert.throws(() => wasserstein1([1, NaN], [1]), /wasserstein1: `a` contains NaN at index 1; pass finite values only/);
  assert.throws(() => ksStatistic([1], [Infinity]), /ksStatistic: `b` contains Infinity at index 0/);
  assert.throws(() => ksStatistic(null as unknown as number[], [1]), /ksStatistic: `a` must be an array of numbers, got null/);
});

// HR: real [80, 90, 100], synthetic [85, 95]. |F_a − F_b| is 1/3, 1/6, 1/6, 1/3 on the four
// intervals of width 5, so W1 = 5 and KS = 1/3. Real SD = sqrt(200 / 3).
const REAL = makeGrid(
  ['HR', 'Temp', 'pH'],
  [
    [
      [80, 37, null],
      [90, null, null],
    ],
    [
      [null, null, null],
      [100, null, null],
    ],
  ],
);
const SYNTHETIC = makeGrid(['HR', 'Temp', 'pH'], [[[85, null, null], [95, null, null]]]);

test('marginalDistances per variable', () => {
  const [hr, temp, ph] = marginalDistances(REAL, SYNTHETIC);
  assert.is(hr.variable, 'HR');
  assert.is(hr.unit, 'bpm');
  close(hr.wasserstein1, 5);
  close(hr.ks, 1 / 3);
  assert.is(hr.realCount, 3);
  assert.is(hr.syntheticCount, 2);
  close(hr.realStd, Math.sqrt(200 / 3));
  assert.is(hr.note, undefined);

  assert.is(temp.unit, '°C');
  assert.is(temp.wasserstein1, null);
  assert.is(temp.ks, null);
  assert.is(temp.realCount, 1);
  assert.is(temp.syntheticCount, 0);
  assert.is(temp.realStd, 0);
  assert.match(temp.note ?? '', /synthetic grid has no measured values of Temp/);

  assert.is(ph.realStd, null);
  assert.match(ph.note ?? '', /neither grid has measured values of pH/);
});

test('marginalDistances notes missing real values', () => {
  const [, temp] = marginalDistances(SYNTHETIC, REAL);
  assert.is(temp.wasserstein1, null);
  assert.match(temp.note ?? '', /real grid has no measured values of Temp/);
});

test('marginalDistances skips filled cells', () => {
  const filled = makeGrid(['HR', 'Temp', 'pH'], [[[85, null, null], [95, null, null]]]);
  // Forward-filled values with mask 0 in hour 1: Temp and pH.
  filled.values[4] = 1000;
  filled.values[5] = 7.4;
  const [hr, temp, ph] = marginalDistances(REAL, filled);
  close(hr.wasserstein1, 5);
  assert.is(temp.syntheticCount, 0);
  assert.is(ph.syntheticCount, 0);
});

test('grid checks reject malformed grids', () => {
  const other = makeGrid(['HR', 'Temp', 'pH'], [[[85, null, null]]]);
  assert.throws(() => marginalDistances(REAL, other), /marginalDistances: `real` has 2 hours but `synthetic` has 1/);

  const reordered = makeGrid(['HR', 'pH', 'Temp'], [[[85, null, null], [95, null, null]]]);
  assert.throws(() => marginalDistances(REAL, reordered), /variable 1 is Temp in `real` but pH in `synthetic`/);

  const fewer = makeGrid(['HR', 'Temp'], [[[85, null], [95, null]]]);
  assert.throws(() => marginalDistances(REAL, fewer), /`real` has 3 variables but `synthetic` has 2/);

  const nanMeasured = makeGrid(['HR', 'Temp', 'pH'], [[[85, null, null], [95, null, null]]]);
  nanMeasured.values[3] = NaN;
  nanMeasured.mask[3] = 1;
  assert.throws(
    () => marginalDistances(REAL, nanMeasured),
    /`synthetic.values` is NaN at patient 0, hour 1, variable HR where the mask is 1/,
  );

  const halfMask = makeGrid(['HR', 'Temp', 'pH'], [[[85, null, null], [95, null, null]]]);
  halfMask.mask[2] = 0.5;
  assert.throws(() => marginalDistances(REAL, halfMask), /`synthetic.mask` must contain only 0 and 1, got 0.5 at patient 0, hour 0, variable pH/);

  const empty: HourlyGrid = { ...SYNTHETIC, values: new Float32Array(0), mask: new Float32Array(0), shape: [0, 2, 3], recordIds: [] };
  assert.throws(() => marginalDistances(empty, SYNTHETIC), /marginalDistances: `real` is empty \(shape \[0, 2, 3\]\)/);

  const short: HourlyGrid = { ...SYNTHETIC, values: new Float32Array(5) };
  assert.throws(() => marginalDistances(REAL, short), /`synthetic.values` must be a Float32Array of length 6 for shape \[1, 2, 3\], got length 5/);

  const unknown = { ...SYNTHETIC, variables: ['HR', 'Temp', 'Pulse'] } as unknown as HourlyGrid;
  assert.throws(() => checkGridPair('someMetric', REAL, unknown), /someMetric: `synthetic.variables` contains unknown variable "Pulse"/);

  const twice: HourlyGrid = { ...SYNTHETIC, variables: ['HR', 'HR', 'pH'] };
  assert.throws(() => checkGridPair('someMetric', twice, twice), /`real.variables` lists HR twice/);
});

test.run();
