import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HourlyGrid } from '../../kernel-lib/ehr/hourly-grid';
import { LOG_TRANSFORMED_VARIABLES, toClinicalUnits, toModelUnits } from '../../kernel-lib/ehr/value-transform';
import { TIME_SERIES_VARIABLES, TimeSeriesVariable, timeSeriesIndex } from '../../kernel-lib/ehr/variables';

const V = TIME_SERIES_VARIABLES.length;
const PATIENTS = 2;
const HOURS = 2;

type Cell = [patient: number, hour: number, variable: TimeSeriesVariable, value: number];

function cellIndex(patient: number, hour: number, variable: TimeSeriesVariable): number {
  return (patient * HOURS + hour) * V + timeSeriesIndex(variable);
}

/** Builds a [2, 2, 37] grid with only the given cells measured. */
function gridOf(cells: Cell[]): HourlyGrid {
  const values = new Float32Array(PATIENTS * HOURS * V).fill(NaN);
  const mask = new Float32Array(PATIENTS * HOURS * V);
  for (const [p, h, name, value] of cells) {
    values[cellIndex(p, h, name)] = value;
    mask[cellIndex(p, h, name)] = 1;
  }
  return { values, mask, shape: [PATIENTS, HOURS, V], recordIds: [11, 12], variables: TIME_SERIES_VARIABLES };
}

const CELLS: Cell[] = [
  [0, 0, 'Glucose', 99],
  [0, 1, 'Urine', 0],
  [1, 0, 'HR', 80],
  [1, 1, 'Lactate', 1.5],
  [1, 1, 'pH', 7.4],
];

test('log-transformed variables list', () => {
  assert.is(LOG_TRANSFORMED_VARIABLES.length, 13);
  for (const name of ['Glucose', 'Urine', 'Lactate', 'Creatinine', 'WBC'] as const) {
    assert.ok(LOG_TRANSFORMED_VARIABLES.includes(name), `${name} should be log-transformed`);
  }
  for (const name of ['HR', 'pH', 'Temp', 'MechVent'] as const) {
    assert.not.ok(LOG_TRANSFORMED_VARIABLES.includes(name), `${name} should not be log-transformed`);
  }
});

test('toModelUnits applies log1p to skewed variables', () => {
  const model = toModelUnits(gridOf(CELLS));
  assert.ok(Math.abs(model.values[cellIndex(0, 0, 'Glucose')] - Math.log(100)) < 1e-6);
  assert.is(model.values[cellIndex(0, 1, 'Urine')], 0);
  assert.ok(Math.abs(model.values[cellIndex(1, 1, 'Lactate')] - Math.log(2.5)) < 1e-6);
});

test('toModelUnits leaves other variables unchanged', () => {
  const model = toModelUnits(gridOf(CELLS));
  assert.is(model.values[cellIndex(1, 0, 'HR')], 80);
  assert.is(model.values[cellIndex(1, 1, 'pH')], Math.fround(7.4));
});

test('toModelUnits keeps NaN and the mask', () => {
  const grid = gridOf(CELLS);
  const model = toModelUnits(grid);
  assert.ok(Number.isNaN(model.values[cellIndex(0, 0, 'HR')]));
  assert.ok(Number.isNaN(model.values[cellIndex(1, 0, 'Glucose')]));
  assert.equal(Array.from(model.mask), Array.from(grid.mask));
  assert.equal(model.shape, grid.shape);
  assert.equal(model.recordIds, grid.recordIds);
});

test('toModelUnits returns new arrays', () => {
  const grid = gridOf(CELLS);
  const model = toModelUnits(grid);
  assert.is.not(model.values, grid.values);
  assert.is.not(model.mask, grid.mask);
  assert.is(grid.values[cellIndex(0, 0, 'Glucose')], 99);
});

test('toClinicalUnits applies expm1 to skewed variables', () => {
  const clinical = toClinicalUnits(gridOf([[0, 0, 'Glucose', Math.log(100)], [0, 0, 'HR', 2]]));
  assert.ok(Math.abs(clinical.values[cellIndex(0, 0, 'Glucose')] - 99) < 1e-4);
  assert.is(clinical.values[cellIndex(0, 0, 'HR')], 2);
});

test('log1p of 99 round trips to 99', () => {
  const back = toClinicalUnits(toModelUnits(gridOf(CELLS)));
  for (const [p, h, name, value] of CELLS) {
    const x = back.values[cellIndex(p, h, name)];
    assert.ok(Math.abs(x - value) < 1e-4 * Math.max(1, value), `${name}: ${x} vs ${value}`);
  }
  const unmeasured = back.values.filter((x) => Number.isNaN(x)).length;
  assert.is(unmeasured, PATIENTS * HOURS * V - CELLS.length);
});

test('toModelUnits rejects a negative skewed value', () => {
  assert.throws(() => toModelUnits(gridOf([[1, 0, 'Creatinine', -0.5]])), /^toModelUnits: .*negative value -0\.5.*cleanRecords/);
});

test('toModelUnits accepts a negative unskewed value', () => {
  const model = toModelUnits(gridOf([[1, 0, 'Temp', -2]]));
  assert.is(model.values[cellIndex(1, 0, 'Temp')], -2);
});

test.run();
