import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTable } from '../../kernel-lib/eval/tabular/table';
import { HourlyGrid } from '../../kernel-lib/ehr/hourly-grid';
import { PhysionetDescriptors } from '../../kernel-lib/ehr/physionet-record';
import { SUMMARY_STATISTICS, summaryFeatureTable } from '../../kernel-lib/ehr/summary-features';
import { TIME_SERIES_VARIABLES, TimeSeriesVariable, timeSeriesIndex } from '../../kernel-lib/ehr/variables';

const V = TIME_SERIES_VARIABLES.length;
const HOURS = 3;

type Cell = [patient: number, hour: number, variable: TimeSeriesVariable, value: number];

function cellIndex(patient: number, hour: number, variable: TimeSeriesVariable): number {
  return (patient * HOURS + hour) * V + timeSeriesIndex(variable);
}

/** Builds a [patients, 3, 37] grid with only the given cells measured. */
function gridOf(patients: number, cells: Cell[]): HourlyGrid {
  const values = new Float32Array(patients * HOURS * V).fill(NaN);
  const mask = new Float32Array(patients * HOURS * V);
  for (const [p, h, name, value] of cells) {
    values[cellIndex(p, h, name)] = value;
    mask[cellIndex(p, h, name)] = 1;
  }
  const recordIds = Array.from({ length: patients }, (_, p) => 700 + p);
  return { values, mask, shape: [patients, HOURS, V], recordIds, variables: TIME_SERIES_VARIABLES };
}

const DESCRIPTORS: PhysionetDescriptors[] = [
  { Age: 71, Gender: 1, Height: 180, ICUType: 2, Weight: 90 },
  { Age: null, Gender: 0, Height: null, ICUType: 4, Weight: null },
  { Age: 33, Gender: null, Height: null, ICUType: null, Weight: null },
];

const CELLS: Cell[] = [
  [0, 0, 'HR', 80],
  [0, 2, 'HR', 90],
  [0, 1, 'Temp', 37.5],
  [1, 0, 'HR', 100],
  [1, 0, 'Urine', 0],
  [1, 1, 'Urine', 250],
  [1, 2, 'Urine', 50],
];

test('summary of HR 80, NaN, 90', () => {
  const table = summaryFeatureTable(gridOf(3, CELLS), DESCRIPTORS);
  assert.is(table.numeric.HR_count[0], 2);
  assert.is(table.numeric.HR_mean[0], 85);
  assert.is(table.numeric.HR_min[0], 80);
  assert.is(table.numeric.HR_max[0], 90);
  assert.is(table.numeric.HR_last[0], 90);
});

test('summary of a single measurement', () => {
  const table = summaryFeatureTable(gridOf(3, CELLS), DESCRIPTORS);
  assert.is(table.numeric.HR_count[1], 1);
  assert.is(table.numeric.HR_mean[1], 100);
  assert.is(table.numeric.HR_min[1], 100);
  assert.is(table.numeric.HR_max[1], 100);
  assert.is(table.numeric.HR_last[1], 100);
  assert.is(table.numeric.Temp_mean[0], 37.5);
});

test('summary last is the latest hour', () => {
  const table = summaryFeatureTable(gridOf(3, CELLS), DESCRIPTORS);
  assert.is(table.numeric.Urine_count[1], 3);
  assert.is(table.numeric.Urine_mean[1], 100);
  assert.is(table.numeric.Urine_min[1], 0);
  assert.is(table.numeric.Urine_max[1], 250);
  assert.is(table.numeric.Urine_last[1], 50);
});

test('never measured gives count 0 and NaN', () => {
  const table = summaryFeatureTable(gridOf(3, CELLS), DESCRIPTORS);
  assert.is(table.numeric.HR_count[2], 0);
  for (const stat of ['mean', 'min', 'max', 'last']) {
    assert.ok(Number.isNaN(table.numeric[`HR_${stat}`][2]), `HR_${stat} of patient 2`);
    assert.ok(Number.isNaN(table.numeric[`pH_${stat}`][0]), `pH_${stat} of patient 0`);
  }
  assert.is(table.numeric.pH_count[0], 0);
});

test('unmasked value is ignored', () => {
  const grid = gridOf(1, [[0, 0, 'Na', 140]]);
  // A forward-filled cell has a value but mask 0.
  grid.values[cellIndex(0, 1, 'Na')] = 150;
  const table = summaryFeatureTable(grid, [DESCRIPTORS[0]]);
  assert.is(table.numeric.Na_count[0], 1);
  assert.is(table.numeric.Na_last[0], 140);
  assert.is(table.numeric.Na_max[0], 140);
});

test('table has all columns', () => {
  const table = summaryFeatureTable(gridOf(3, CELLS), DESCRIPTORS);
  assert.is(table.rows, 3);
  assert.is(Object.keys(table.numeric).length, V * SUMMARY_STATISTICS.length + 1);
  for (const name of TIME_SERIES_VARIABLES) {
    for (const stat of SUMMARY_STATISTICS) {
      const column = table.numeric[`${name}_${stat}`];
      assert.ok(column instanceof Float64Array, `${name}_${stat} should be a Float64Array`);
      assert.is(column.length, 3, `${name}_${stat} length`);
    }
  }
  assert.equal(Object.keys(table.categorical).sort(), ['Gender', 'ICUType']);
  assert.not.ok('Height' in table.numeric);
  assert.not.ok('Weight' in table.numeric);
  checkTable('summary test', 'table', table);
});

test('Age numeric with NaN for unknown', () => {
  const table = summaryFeatureTable(gridOf(3, CELLS), DESCRIPTORS);
  assert.is(table.numeric.Age[0], 71);
  assert.ok(Number.isNaN(table.numeric.Age[1]));
  assert.is(table.numeric.Age[2], 33);
});

test('Gender and ICUType categorical', () => {
  const table = summaryFeatureTable(gridOf(3, CELLS), DESCRIPTORS);
  assert.equal(table.categorical.Gender, ['male', 'female', 'unknown']);
  assert.equal(table.categorical.ICUType, ['2', '4', 'unknown']);
});

test('summaryFeatureTable rejects count mismatch', () => {
  assert.throws(() => summaryFeatureTable(gridOf(3, CELLS), DESCRIPTORS.slice(0, 2)), /^summaryFeatureTable: 2 descriptor rows for 3 patients/);
});

test.run();
