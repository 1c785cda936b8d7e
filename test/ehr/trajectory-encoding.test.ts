import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HourlyGrid } from '../../kernel-lib/ehr/hourly-grid';
import { NormalisationStats } from '../../kernel-lib/ehr/normalisation';
import { NUM_STATIC_FEATURES } from '../../kernel-lib/ehr/static-features';
import {
  Z_CLIP,
  decodeTrajectories,
  encodeTrajectories,
  toClinicalGrid,
  trajectoryChannels,
} from '../../kernel-lib/ehr/trajectory-encoding';
import { TIME_SERIES_VARIABLES, TimeSeriesVariable, timeSeriesIndex } from '../../kernel-lib/ehr/variables';
import { Random } from '../../kernel-lib/util/random';

const V = TIME_SERIES_VARIABLES.length;
const C = 2 * V + NUM_STATIC_FEATURES;
const HOURS = 3;
const TEMPLATE = { variables: TIME_SERIES_VARIABLES, hours: HOURS };

type Cell = [patient: number, hour: number, variable: TimeSeriesVariable, value: number];

function cellIndex(patient: number, hour: number, variable: TimeSeriesVariable): number {
  return (patient * HOURS + hour) * V + timeSeriesIndex(variable);
}

function sampleIndex(patient: number, hour: number, channel: number): number {
  return (patient * HOURS + hour) * C + channel;
}

/** Builds a [patients, 3, 37] grid with only the given cells measured. */
function gridOf(patients: number, cells: Cell[]): HourlyGrid {
  const values = new Float32Array(patients * HOURS * V).fill(NaN);
  const mask = new Float32Array(patients * HOURS * V);
  for (const [p, h, name, value] of cells) {
    values[cellIndex(p, h, name)] = value;
    mask[cellIndex(p, h, name)] = 1;
  }
  const recordIds = Array.from({ length: patients }, (_, p) => 500 + p);
  return { values, mask, shape: [patients, HOURS, V], recordIds, variables: TIME_SERIES_VARIABLES };
}

/** Builds statistics with mean 0 and std 1 for every variable except the given ones. */
function statsWith(overrides: Partial<Record<TimeSeriesVariable, [mean: number, std: number]>>): NormalisationStats {
  const mean = TIME_SERIES_VARIABLES.map((name) => overrides[name]?.[0] ?? 0);
  const std = TIME_SERIES_VARIABLES.map((name) => overrides[name]?.[1] ?? 1);
  return { variables: TIME_SERIES_VARIABLES, mean, std, count: TIME_SERIES_VARIABLES.map(() => 10) };
}

const STATIC = new Float32Array([
  0.5, 1, -1, -1, 1, -1,
  -1.2, -1, 1, -1, -1, -1,
]);

const CELLS: Cell[] = [
  [0, 0, 'HR', 0.25],
  [0, 2, 'HR', -1.5],
  [0, 1, 'Glucose', 7],
  [1, 0, 'pH', -6.5],
  [1, 2, 'Temp', 2],
];

test('channel count', () => {
  assert.is(trajectoryChannels(V), 80);
  assert.is(trajectoryChannels(3), 12);
  assert.is(Z_CLIP, 5);
});

test('encode puts values, mask and static', () => {
  const samples = encodeTrajectories(gridOf(2, CELLS), STATIC);
  assert.is(samples.length, 2 * HOURS * C);
  const hr = timeSeriesIndex('HR');
  assert.is(samples[sampleIndex(0, 0, hr)], 0.25);
  assert.is(samples[sampleIndex(0, 0, V + hr)], 1);
  assert.is(samples[sampleIndex(0, 2, hr)], -1.5);
  // Unmeasured hour 1 of HR.
  assert.is(samples[sampleIndex(0, 1, hr)], 0);
  assert.is(samples[sampleIndex(0, 1, V + hr)], -1);
  const temp = timeSeriesIndex('Temp');
  assert.is(samples[sampleIndex(1, 2, temp)], 2);
  assert.is(samples[sampleIndex(1, 2, V + temp)], 1);
});

test('encode clips z 7 to 5', () => {
  const samples = encodeTrajectories(gridOf(2, CELLS), STATIC);
  assert.is(samples[sampleIndex(0, 1, timeSeriesIndex('Glucose'))], 5);
  assert.is(samples[sampleIndex(1, 0, timeSeriesIndex('pH'))], -5);
});

test('encode has no NaN and counts unmeasured', () => {
  const samples = encodeTrajectories(gridOf(2, CELLS), STATIC);
  assert.ok(samples.every((x) => Number.isFinite(x)));
  let measured = 0;
  let unmeasured = 0;
  for (let row = 0; row < 2 * HOURS; row++) {
    for (let v = 0; v < V; v++) {
      const m = samples[row * C + V + v];
      if (m === 1) measured++;
      else if (m === -1) unmeasured++;
    }
  }
  assert.is(measured, CELLS.length);
  assert.is(unmeasured, 2 * HOURS * V - CELLS.length);
});

test('encode repeats static in every hour', () => {
  const samples = encodeTrajectories(gridOf(2, CELLS), STATIC);
  for (let p = 0; p < 2; p++) {
    for (let h = 0; h < HOURS; h++) {
      for (let s = 0; s < NUM_STATIC_FEATURES; s++) {
        assert.is(samples[sampleIndex(p, h, 2 * V + s)], STATIC[p * NUM_STATIC_FEATURES + s], `patient ${p} hour ${h} static ${s}`);
      }
    }
  }
});

test('encode rejects wrong static length', () => {
  assert.throws(() => encodeTrajectories(gridOf(2, CELLS), new Float32Array(NUM_STATIC_FEATURES)), /^encodeTrajectories: 6 static values for 2 patients/);
});

test('encode rejects measured NaN', () => {
  const grid = gridOf(2, [[1, 1, 'K', NaN]]);
  assert.throws(() => encodeTrajectories(grid, STATIC), /^encodeTrajectories: measured value NaN at patient row 1, hour 1, variable K/);
});

test('decode inverts encode inside the clip', () => {
  const inside = CELLS.filter(([, , , z]) => Math.abs(z) <= Z_CLIP);
  const grid = gridOf(2, inside);
  const { grid: decoded, staticFeatures } = decodeTrajectories(encodeTrajectories(grid, STATIC), 2, TEMPLATE, [500, 501]);
  assert.equal(decoded.shape, [2, HOURS, V]);
  assert.equal(decoded.recordIds, [500, 501]);
  assert.equal(Array.from(decoded.mask), Array.from(grid.mask));
  for (let i = 0; i < grid.values.length; i++) {
    if (grid.mask[i] === 1) assert.is(decoded.values[i], grid.values[i], `cell ${i}`);
    else assert.ok(Number.isNaN(decoded.values[i]), `cell ${i} should be NaN`);
  }
  for (let i = 0; i < STATIC.length; i++) {
    assert.ok(Math.abs(staticFeatures[i] - STATIC[i]) < 1e-6, `static ${i}: ${staticFeatures[i]} vs ${STATIC[i]}`);
  }
});

test('decode thresholds mask at 0', () => {
  const samples = new Float32Array(HOURS * C);
  samples.fill(-1);
  const hr = timeSeriesIndex('HR');
  samples[sampleIndex(0, 0, hr)] = 1.5;
  samples[sampleIndex(0, 0, V + hr)] = -0.2;
  samples[sampleIndex(0, 1, hr)] = 1.5;
  samples[sampleIndex(0, 1, V + hr)] = 0.05;
  samples[sampleIndex(0, 2, hr)] = 1.5;
  samples[sampleIndex(0, 2, V + hr)] = 0;
  const { grid } = decodeTrajectories(samples, 1, TEMPLATE, [9]);
  assert.is(grid.mask[cellIndex(0, 0, 'HR')], 0);
  assert.ok(Number.isNaN(grid.values[cellIndex(0, 0, 'HR')]));
  assert.is(grid.mask[cellIndex(0, 1, 'HR')], 1);
  assert.is(grid.values[cellIndex(0, 1, 'HR')], 1.5);
  assert.is(grid.mask[cellIndex(0, 2, 'HR')], 0);
  assert.is(grid.mask.reduce((a, b) => a + b, 0), 1);
});

test('decode clips values to 5', () => {
  const samples = new Float32Array(HOURS * C).fill(-1);
  const na = timeSeriesIndex('Na');
  samples[sampleIndex(0, 0, na)] = 7;
  samples[sampleIndex(0, 0, V + na)] = 1;
  samples[sampleIndex(0, 1, na)] = -9;
  samples[sampleIndex(0, 1, V + na)] = 1;
  const { grid } = decodeTrajectories(samples, 1, TEMPLATE, [9]);
  assert.is(grid.values[cellIndex(0, 0, 'Na')], 5);
  assert.is(grid.values[cellIndex(0, 1, 'Na')], -5);
});

test('decode averages static over hours', () => {
  const samples = new Float32Array(HOURS * C).fill(-1);
  const ageChannel = 2 * V;
  samples[sampleIndex(0, 0, ageChannel)] = 0.3;
  samples[sampleIndex(0, 1, ageChannel)] = 0.6;
  samples[sampleIndex(0, 2, ageChannel)] = 0.9;
  const { staticFeatures } = decodeTrajectories(samples, 1, TEMPLATE, [9]);
  assert.is(staticFeatures.length, NUM_STATIC_FEATURES);
  assert.ok(Math.abs(staticFeatures[0] - 0.6) < 1e-6, `age ${staticFeatures[0]}`);
  assert.ok(Math.abs(staticFeatures[1] + 1) < 1e-6, `sex ${staticFeatures[1]}`);
});

test('decode of random samples stays in range', () => {
  const rng = new Random(3);
  const samples = rng.normalArray(2 * HOURS * C).map((x) => 4 * x);
  const { grid } = decodeTrajectories(samples, 2, TEMPLATE, [1, 2]);
  for (let i = 0; i < grid.values.length; i++) {
    const row = Math.floor(i / V);
    const measured = samples[row * C + V + (i % V)] > 0;
    assert.is(grid.mask[i], measured ? 1 : 0, `cell ${i} mask`);
    if (measured) assert.ok(Math.abs(grid.values[i]) <= Z_CLIP, `cell ${i} value ${grid.values[i]}`);
    else assert.ok(Number.isNaN(grid.values[i]), `cell ${i} should be NaN`);
  }
});

test('decode rejects wrong sample length', () => {
  assert.throws(
    () => decodeTrajectories(new Float32Array(HOURS * C + 1), 1, TEMPLATE, [1]),
    /^decodeTrajectories: 241 values do not make 1 samples of \[3, 80\]/,
  );
});

test('decode rejects wrong RecordID count', () => {
  assert.throws(() => decodeTrajectories(new Float32Array(2 * HOURS * C), 2, TEMPLATE, [1]), /^decodeTrajectories: 1 RecordIDs for 2 samples/);
});

test('toClinicalGrid clamps pH 9 to 8', () => {
  const stats = statsWith({ pH: [7.4, 0.4] });
  const clinical = toClinicalGrid(gridOf(1, [[0, 0, 'pH', 4], [0, 1, 'pH', 0.5]]), stats);
  assert.is(clinical.values[cellIndex(0, 0, 'pH')], Math.fround(8.0));
  assert.ok(Math.abs(clinical.values[cellIndex(0, 1, 'pH')] - 7.6) < 1e-5);
});

test('toClinicalGrid clamps to lower limit', () => {
  const stats = statsWith({ HR: [80, 20], MechVent: [1, 1] });
  const clinical = toClinicalGrid(gridOf(1, [[0, 0, 'HR', -5], [0, 0, 'MechVent', 0.5]]), stats);
  assert.is(clinical.values[cellIndex(0, 0, 'HR')], 1);
  // MechVent's plausible range is [1, 1], so every value becomes 1.
  assert.is(clinical.values[cellIndex(0, 0, 'MechVent')], 1);
});

test('toClinicalGrid undoes the log transform', () => {
  const stats = statsWith({ Glucose: [4.6, 0.5] });
  const clinical = toClinicalGrid(gridOf(1, [[0, 2, 'Glucose', 1], [0, 1, 'Glucose', 5]]), stats);
  const expected = Math.expm1(5.1);
  const x = clinical.values[cellIndex(0, 2, 'Glucose')];
  assert.ok(Math.abs(x - expected) < 1e-3, `${x} vs ${expected}`);
  // expm1(7.1) is about 1211.0, inside Glucose's range [10, 2000].
  const large = clinical.values[cellIndex(0, 1, 'Glucose')];
  assert.ok(Math.abs(large / Math.expm1(7.1) - 1) < 1e-5, `${large} vs ${Math.expm1(7.1)}`);
});

test('toClinicalGrid clamps a huge log value', () => {
  const stats = statsWith({ Lactate: [1, 2] });
  const clinical = toClinicalGrid(gridOf(1, [[0, 0, 'Lactate', 5]]), stats);
  assert.is(clinical.values[cellIndex(0, 0, 'Lactate')], 40);
});

test('toClinicalGrid keeps NaN and input', () => {
  const grid = gridOf(1, [[0, 0, 'pH', 4]]);
  const clinical = toClinicalGrid(grid, statsWith({ pH: [7.4, 0.4] }));
  assert.ok(Number.isNaN(clinical.values[cellIndex(0, 1, 'pH')]));
  assert.is(clinical.values.filter((x) => !Number.isNaN(x)).length, 1);
  assert.equal(Array.from(clinical.mask), Array.from(grid.mask));
  assert.is(grid.values[cellIndex(0, 0, 'pH')], 4);
});

test('toClinicalGrid rejects other variables', () => {
  const stats: NormalisationStats = { variables: TIME_SERIES_VARIABLES.slice(0, 3), mean: [0, 0, 0], std: [1, 1, 1], count: [1, 1, 1] };
  assert.throws(() => toClinicalGrid(gridOf(1, []), stats), /^denormaliseGrid: the grid's variables .* differ from the statistics'/);
});

test.run();
