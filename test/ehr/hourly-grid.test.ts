import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildHourlyGrid, gridBatchToTensors, selectGridPatients } from '../../kernel-lib/ehr/hourly-grid';
import { PhysionetRecord } from '../../kernel-lib/ehr/physionet-record';
import { TIME_SERIES_VARIABLES, timeSeriesIndex } from '../../kernel-lib/ehr/variables';

test.before(async () => {
  await tf.setBackend('cpu');
});

const V = TIME_SERIES_VARIABLES.length;
const descriptors = { Age: 60, Gender: 1, Height: null, ICUType: 3, Weight: null };
const RECORDS: PhysionetRecord[] = [
  {
    recordId: 11,
    descriptors,
    observations: [
      { minute: 7, variable: 'HR', value: 80 },
      { minute: 50, variable: 'HR', value: 90 },
      { minute: 20, variable: 'Urine', value: 30 },
      { minute: 40, variable: 'Urine', value: 20 },
      { minute: 1540, variable: 'HR', value: 100 },
      { minute: 2880, variable: 'Temp', value: 37 },
    ],
  },
  { recordId: 12, descriptors, observations: [{ minute: 125, variable: 'pH', value: 7.3 }] },
];

function cell(grid: { shape: number[]; values: Float32Array; mask: Float32Array }, p: number, h: number, name: string): [number, number] {
  const i = (p * grid.shape[1] + h) * V + timeSeriesIndex(name);
  return [grid.values[i], grid.mask[i]];
}

test('grid has 48 hours by default', () => {
  const grid = buildHourlyGrid(RECORDS);
  assert.equal(grid.shape, [2, 48, 37]);
  assert.is(grid.values.length, 2 * 48 * 37);
  assert.equal(grid.recordIds, [11, 12]);
});

test('hour value is mean, urine summed', () => {
  const grid = buildHourlyGrid(RECORDS);
  assert.equal(cell(grid, 0, 0, 'HR'), [85, 1]);
  assert.equal(cell(grid, 0, 0, 'Urine'), [50, 1]);
  assert.equal(cell(grid, 0, 25, 'HR'), [100, 1]);
});

test('reading at 48:00 falls in last bin', () => {
  const grid = buildHourlyGrid(RECORDS);
  assert.equal(cell(grid, 0, 47, 'Temp'), [37, 1]);
});

test('unmeasured cells are NaN with mask 0', () => {
  const grid = buildHourlyGrid(RECORDS);
  const [value, mask] = cell(grid, 0, 1, 'HR');
  assert.ok(Number.isNaN(value));
  assert.is(mask, 0);
  let measured = 0;
  for (const m of grid.mask) measured += m;
  assert.is(measured, 5);
});

test('forward fill keeps the mask', () => {
  const grid = buildHourlyGrid(RECORDS, { forwardFill: true });
  assert.equal(cell(grid, 0, 1, 'HR'), [85, 0]);
  assert.equal(cell(grid, 0, 30, 'HR'), [100, 0]);
  assert.equal(cell(grid, 1, 2, 'pH').map((x) => Math.fround(x)), [Math.fround(7.3), 1]);
  assert.ok(Number.isNaN(cell(grid, 1, 1, 'pH')[0]), 'hours before the first reading stay NaN');
});

test('24-hour grid drops later readings', () => {
  const grid = buildHourlyGrid(RECORDS, { hours: 24 });
  assert.equal(grid.shape, [2, 24, 37]);
  let measured = 0;
  for (const m of grid.mask) measured += m;
  assert.is(measured, 3);
});

test('unsupported hours are rejected', () => {
  assert.throws(() => buildHourlyGrid(RECORDS, { hours: 12 as never }), /buildHourlyGrid: `hours` must be one of 24, 48, got 12/);
});

test('patient selection follows requested order', () => {
  const grid = selectGridPatients(buildHourlyGrid(RECORDS), [12, 11]);
  assert.equal(grid.recordIds, [12, 11]);
  assert.equal(cell(grid, 1, 0, 'HR'), [85, 1]);
  assert.throws(() => selectGridPatients(grid, [99]), /selectGridPatients: RecordID 99 is not in the grid/);
});

test('batch tensors fill NaN and do not leak', () => {
  const grid = buildHourlyGrid(RECORDS);
  const before = tf.memory().numTensors;
  const { values, mask } = gridBatchToTensors(grid, 1, 1, -5);
  assert.equal(values.shape, [1, 48, 37]);
  const data = values.dataSync();
  assert.is(data[0], -5);
  assert.is(data[2 * V + timeSeriesIndex('pH')], Math.fround(7.3));
  const maskData = Array.from(mask.dataSync());
  assert.is(maskData.reduce((a, b) => a + b, 0), 1);
  assert.is(maskData[2 * V + timeSeriesIndex('pH')], 1);
  tf.dispose([values, mask]);
  assert.is(tf.memory().numTensors, before);
  assert.throws(() => gridBatchToTensors(grid, 1, 2), /gridBatchToTensors: batch \[1, 3\) must lie inside the grid's 2 patients/);
});

test.run();
