import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildHourlyGrid, selectGridPatients } from '../../kernel-lib/ehr/hourly-grid';
import { denormaliseGrid, denormaliseTensor, fitNormalisation, normaliseGrid } from '../../kernel-lib/ehr/normalisation';
import { PhysionetRecord } from '../../kernel-lib/ehr/physionet-record';
import { TIME_SERIES_VARIABLES, timeSeriesIndex } from '../../kernel-lib/ehr/variables';
import { LogSink, setLogSink } from '../../kernel-lib/util/log';

test.before(async () => {
  await tf.setBackend('cpu');
});

const V = TIME_SERIES_VARIABLES.length;
const descriptors = { Age: 60, Gender: 1, Height: null, ICUType: 3, Weight: null };
const hr = (minute: number, value: number) => ({ minute, variable: 'HR' as const, value });
// Training patients 1 and 2; patient 3 (HR 200, Temp 39) is held out.
const RECORDS: PhysionetRecord[] = [
  { recordId: 1, descriptors, observations: [hr(0, 60), hr(60, 80), { minute: 0, variable: 'MechVent', value: 1 }] },
  { recordId: 2, descriptors, observations: [hr(0, 100), { minute: 120, variable: 'MechVent', value: 1 }] },
  { recordId: 3, descriptors, observations: [hr(0, 200), { minute: 0, variable: 'Temp', value: 39 }] },
];

function fitQuietly(grid: ReturnType<typeof buildHourlyGrid>): { stats: ReturnType<typeof fitNormalisation>; warnings: string[] } {
  const warnings: string[] = [];
  const previous: LogSink = setLogSink((_, message) => warnings.push(message));
  try {
    return { stats: fitNormalisation(grid), warnings };
  } finally {
    setLogSink(previous);
  }
}

test('fit uses only the training grid', () => {
  const grid = buildHourlyGrid(RECORDS, { forwardFill: true });
  const { stats } = fitQuietly(selectGridPatients(grid, [1, 2]));
  const v = timeSeriesIndex('HR');
  // Measured HR cells in training: 60, 80, 100, so mean 80 and population std sqrt(800/3).
  assert.is(stats.mean[v], 80);
  assert.ok(Math.abs(stats.std[v] - Math.sqrt(800 / 3)) < 1e-9, `std ${stats.std[v]}`);
  assert.is(stats.count[v], 3);
});

test('never-measured variable is left unscaled', () => {
  const { stats, warnings } = fitQuietly(selectGridPatients(buildHourlyGrid(RECORDS), [1, 2]));
  const t = timeSeriesIndex('Temp');
  assert.is(stats.mean[t], 0);
  assert.is(stats.std[t], 1);
  assert.is(stats.count[t], 0);
  assert.is(warnings.length, 1);
  assert.match(warnings[0], 'Temp');
});

test('constant variable gets std 1', () => {
  const { stats } = fitQuietly(selectGridPatients(buildHourlyGrid(RECORDS), [1, 2]));
  const m = timeSeriesIndex('MechVent');
  assert.is(stats.mean[m], 1);
  assert.is(stats.std[m], 1);
});

test('normalise then denormalise round trips', () => {
  const grid = buildHourlyGrid(RECORDS);
  const { stats } = fitQuietly(selectGridPatients(grid, [1, 2]));
  const z = normaliseGrid(grid, stats);
  const back = denormaliseGrid(z, stats);
  const hrCell = timeSeriesIndex('HR');
  assert.ok(Math.abs(z.values[hrCell] - (60 - 80) / Math.sqrt(800 / 3)) < 1e-6);
  for (let i = 0; i < grid.values.length; i++) {
    if (Number.isNaN(grid.values[i])) {
      assert.ok(Number.isNaN(back.values[i]), `cell ${i} should stay NaN`);
      continue;
    }
    // float32 storage: relative error about 1e-7 times the value.
    assert.ok(Math.abs(back.values[i] - grid.values[i]) <= 1e-4, `cell ${i}: ${back.values[i]} vs ${grid.values[i]}`);
  }
});

test('tensor denormalise matches grid and does not leak', () => {
  const grid = buildHourlyGrid(RECORDS);
  const { stats } = fitQuietly(selectGridPatients(grid, [1, 2]));
  const z = normaliseGrid(grid, stats);
  const before = tf.memory().numTensors;
  const input = tf.tensor3d(z.values.map((x) => (Number.isNaN(x) ? 0 : x)), [3, 48, V]);
  const output = denormaliseTensor(input, stats);
  const hrCell = timeSeriesIndex('HR');
  assert.ok(Math.abs(output.dataSync()[hrCell] - 60) < 1e-4);
  tf.dispose([input, output]);
  assert.is(tf.memory().numTensors, before);
  const wrong = tf.zeros([2, 5]);
  assert.throws(() => denormaliseTensor(wrong, stats), /denormaliseTensor: the last axis must have 37 variables, got shape \[2, 5\]/);
  wrong.dispose();
});

test.run();
