import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import pl from 'nodejs-polars';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HourlyGrid } from '../../kernel-lib/ehr/hourly-grid';
import { PhysionetDescriptors } from '../../kernel-lib/ehr/physionet-record';
import { SyntheticEhrWriter } from '../../kernel-lib/ehr/synthetic-export';
import { readSyntheticEhrCsv } from '../../kernel-lib/ehr/synthetic-import';
import { TIME_SERIES_VARIABLES, TimeSeriesVariable, timeSeriesIndex } from '../../kernel-lib/ehr/variables';

const V = TIME_SERIES_VARIABLES.length;
const HOURS = 3;

type Cell = [patient: number, hour: number, variable: TimeSeriesVariable, value: number];

function cellIndex(patient: number, hour: number, variable: TimeSeriesVariable): number {
  return (patient * HOURS + hour) * V + timeSeriesIndex(variable);
}

/** Builds a [recordIds.length, 3, 37] grid in clinical units with only the given cells measured. */
function gridOf(recordIds: number[], cells: Cell[]): HourlyGrid {
  const patients = recordIds.length;
  const values = new Float32Array(patients * HOURS * V).fill(NaN);
  const mask = new Float32Array(patients * HOURS * V);
  for (const [p, h, name, value] of cells) {
    values[cellIndex(p, h, name)] = value;
    mask[cellIndex(p, h, name)] = 1;
  }
  return { values, mask, shape: [patients, HOURS, V], recordIds, variables: TIME_SERIES_VARIABLES };
}

const DESCRIPTORS: PhysionetDescriptors[] = [
  { Age: 71, Gender: 1, Height: null, ICUType: 2, Weight: 90.5 },
  { Age: 48, Gender: 0, Height: 165, ICUType: 4, Weight: null },
];

const CELLS: Cell[] = [
  [0, 0, 'HR', 80],
  [0, 2, 'HR', 90],
  [0, 1, 'pH', 7.38],
  [0, 2, 'Urine', 0],
  [1, 0, 'Glucose', 132.25],
  [1, 1, 'Temp', 36.6],
  [1, 2, 'MechVent', 1],
];

const LABELS = [0, 1];

let root = '';
let folderCount = 0;

test.before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-synthetic-export-'));
});

test.after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function newFolder(): string {
  folderCount += 1;
  return path.join(root, `case-${folderCount}`);
}

function writeOnce(dir: string, extra: Record<string, unknown> = {}): SyntheticEhrWriter {
  const writer = new SyntheticEhrWriter(dir);
  writer.append(gridOf([501, 502], CELLS), DESCRIPTORS, LABELS);
  writer.finish(extra);
  return writer;
}

function lines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
}

test('round trip gives back values and mask', () => {
  const writer = writeOnce(newFolder());
  const { grid } = readSyntheticEhrCsv(writer.files.timeseriesCsv, writer.files.outcomesCsv, HOURS);
  assert.equal(grid.shape, [2, HOURS, V]);
  assert.equal(grid.recordIds, [501, 502]);
  const original = gridOf([501, 502], CELLS);
  for (const [p, h, name, value] of CELLS) {
    assert.is(grid.mask[cellIndex(p, h, name)], 1, `${name} of patient ${p} hour ${h} mask`);
    assert.is(grid.values[cellIndex(p, h, name)], Math.fround(value), `${name} of patient ${p} hour ${h}`);
  }
  assert.equal(Array.from(grid.mask), Array.from(original.mask));
});

test('round trip leaves unmeasured cells NaN', () => {
  const writer = writeOnce(newFolder());
  const { grid } = readSyntheticEhrCsv(writer.files.timeseriesCsv, writer.files.outcomesCsv, HOURS);
  assert.ok(Number.isNaN(grid.values[cellIndex(0, 1, 'HR')]));
  assert.ok(Number.isNaN(grid.values[cellIndex(1, 0, 'pH')]));
  assert.is(grid.values.filter((x) => Number.isNaN(x)).length, 2 * HOURS * V - CELLS.length);
});

test('round trip gives back descriptors and labels', () => {
  const writer = writeOnce(newFolder());
  const { descriptors, labels } = readSyntheticEhrCsv(writer.files.timeseriesCsv, writer.files.outcomesCsv, HOURS);
  assert.equal(descriptors, DESCRIPTORS);
  assert.ok(labels instanceof Int32Array);
  assert.equal(Array.from(labels), LABELS);
});

test('Weight series survives round trip', () => {
  const writer = new SyntheticEhrWriter(newFolder());
  // Weight is both a descriptor and a time series. Only the first Weight row at 00:00 is the
  // admission weight, as in parsePhysionetRecord; later rows are hourly values.
  const cells: Cell[] = [[0, 0, 'Weight', 88], [0, 2, 'Weight', 87]];
  writer.append(gridOf([601], cells), [DESCRIPTORS[0]], [0]);
  writer.finish({});
  const { grid, descriptors } = readSyntheticEhrCsv(writer.files.timeseriesCsv, writer.files.outcomesCsv, HOURS);
  assert.is(descriptors[0].Weight, 90.5, 'admission weight');
  assert.is(grid.values[cellIndex(0, 0, 'Weight')], 88, 'Weight at hour 0');
  assert.is(grid.values[cellIndex(0, 2, 'Weight')], 87, 'Weight at hour 2');
});

test('CSV Time is hour start', () => {
  const writer = writeOnce(newFolder());
  const rows = lines(writer.files.timeseriesCsv);
  assert.is(rows[0], 'RecordID,Time,Parameter,Value');
  assert.ok(rows.includes('501,00:00,HR,80'), 'HR at hour 0');
  assert.ok(rows.includes('501,02:00,HR,90'), 'HR at hour 2');
  assert.ok(rows.includes('501,01:00,pH,7.38'), 'pH at hour 1');
  assert.ok(rows.includes('502,02:00,MechVent,1'), 'MechVent at hour 2');
});

test('CSV descriptors come first', () => {
  const writer = writeOnce(newFolder());
  const rows = lines(writer.files.timeseriesCsv);
  assert.equal(rows.slice(1, 7), [
    '501,00:00,RecordID,501',
    '501,00:00,Age,71',
    '501,00:00,Gender,1',
    '501,00:00,Height,-1',
    '501,00:00,ICUType,2',
    '501,00:00,Weight,90.5',
  ]);
  assert.equal(lines(writer.files.outcomesCsv), ['RecordID,In-hospital_death', '501,0', '502,1']);
});

test('Parquet row counts match CSV', () => {
  const writer = writeOnce(newFolder());
  const timeseries = pl.readParquet(writer.files.timeseriesParquet);
  const outcomes = pl.readParquet(writer.files.outcomesParquet);
  assert.is(timeseries.height, lines(writer.files.timeseriesCsv).length - 1);
  assert.is(outcomes.height, 2);
  assert.equal(timeseries.columns, ['RecordID', 'Time', 'Parameter', 'Value']);
  assert.equal(outcomes.columns, ['RecordID', 'In-hospital_death']);
});

test('Parquet values match CSV', () => {
  const writer = writeOnce(newFolder());
  const timeseries = pl.readParquet(writer.files.timeseriesParquet);
  const parameters = timeseries.getColumn('Parameter').toArray() as string[];
  const times = timeseries.getColumn('Time').toArray() as string[];
  const values = timeseries.getColumn('Value').toArray() as number[];
  const ph = parameters.indexOf('pH');
  assert.ok(ph >= 0, 'pH row missing');
  assert.is(times[ph], '01:00');
  assert.is(values[ph], 7.38);
  const outcomes = pl.readParquet(writer.files.outcomesParquet);
  assert.equal((outcomes.getColumn('In-hospital_death').toArray() as number[]).map(Number), LABELS);
  assert.equal((outcomes.getColumn('RecordID').toArray() as number[]).map(Number), [501, 502]);
});

test('metadata marks synthetic and counts', () => {
  const writer = writeOnce(newFolder(), { model: 'tiny-test-model', seed: 4 });
  const metadata = JSON.parse(fs.readFileSync(writer.files.metadata, 'utf8'));
  assert.is(metadata.synthetic, true);
  assert.is(metadata.patients, 2);
  // Six descriptor rows (RecordID included) per patient plus one row per measured cell.
  assert.is(metadata.timeseriesRows, 2 * 6 + CELLS.length);
  assert.equal(metadata.patientsPerLabel, { 0: 1, 1: 1 });
  assert.is(metadata.model, 'tiny-test-model');
  assert.is(metadata.seed, 4);
  assert.is(metadata.files.timeseriesCsv, 'synthetic_physionet2012_timeseries.csv');
});

test('counts add up over batches', () => {
  const writer = new SyntheticEhrWriter(newFolder());
  writer.append(gridOf([1, 2], [[0, 0, 'HR', 70]]), DESCRIPTORS, [1, 1]);
  writer.append(gridOf([3], [[0, 1, 'HR', 75], [0, 2, 'HR', 77]]), [DESCRIPTORS[1]], [0]);
  writer.finish({});
  const metadata = JSON.parse(fs.readFileSync(writer.files.metadata, 'utf8'));
  assert.is(metadata.patients, 3);
  assert.is(metadata.timeseriesRows, 3 * 6 + 3);
  assert.equal(metadata.patientsPerLabel, { 0: 1, 1: 2 });
  const { grid, labels } = readSyntheticEhrCsv(writer.files.timeseriesCsv, writer.files.outcomesCsv, HOURS);
  assert.equal(grid.recordIds, [1, 2, 3]);
  assert.equal(Array.from(labels), [1, 1, 0]);
  assert.is(grid.values[cellIndex(2, 2, 'HR')], 77);
});

test('file names start with synthetic_', () => {
  const dir = newFolder();
  writeOnce(dir);
  const names = fs.readdirSync(dir).sort();
  assert.equal(names, [
    'synthetic_physionet2012_metadata.json',
    'synthetic_physionet2012_outcomes.csv',
    'synthetic_physionet2012_outcomes.parquet',
    'synthetic_physionet2012_timeseries.csv',
    'synthetic_physionet2012_timeseries.parquet',
  ]);
});

test('custom prefix names files', () => {
  const dir = newFolder();
  const writer = new SyntheticEhrWriter(dir, 'synthetic_run-2.b');
  writer.append(gridOf([9], []), [DESCRIPTORS[0]], [1]);
  const files = writer.finish({});
  assert.is(path.basename(files.outcomesParquet), 'synthetic_run-2.b_outcomes.parquet');
  assert.is(fs.readdirSync(dir).length, 5);
});

test('bad prefix rejected', () => {
  const dir = newFolder();
  for (const prefix of ['physionet', 'Synthetic_x', 'synthetic_a/b', 'real_synthetic_x']) {
    assert.throws(() => new SyntheticEhrWriter(dir, prefix), /^SyntheticEhrWriter: prefix '.*' must start with 'synthetic_'/, prefix);
  }
  assert.not.ok(fs.existsSync(dir) && fs.readdirSync(dir).length > 0, 'no files expected');
});

test('targets appear only on finish', () => {
  const dir = newFolder();
  const writer = new SyntheticEhrWriter(dir);
  writer.append(gridOf([501, 502], CELLS), DESCRIPTORS, LABELS);
  assert.not.ok(fs.existsSync(writer.files.timeseriesCsv));
  assert.not.ok(fs.existsSync(writer.files.outcomesCsv));
  const partial = fs.readdirSync(dir);
  assert.is(partial.length, 2);
  assert.ok(partial.every((name) => name.startsWith('.') && name.endsWith('.partial')), partial.join(', '));
  writer.finish({});
  assert.not.ok(fs.readdirSync(dir).some((name) => name.endsWith('.partial')));
});

test('finish with no patients rejected', () => {
  const dir = newFolder();
  const writer = new SyntheticEhrWriter(dir);
  assert.throws(() => writer.finish({}), /^SyntheticEhrWriter\.finish: no patients were appended/);
  assert.equal(fs.readdirSync(dir), []);
});

test('finish twice rejected', () => {
  const writer = writeOnce(newFolder());
  assert.throws(() => writer.finish({}), /^SyntheticEhrWriter\.finish: already finished/);
  assert.throws(() => writer.append(gridOf([7], []), [DESCRIPTORS[0]], [0]), /^SyntheticEhrWriter\.append: the writer is finished/);
});

test('abandon removes temporary files', () => {
  const dir = newFolder();
  const writer = new SyntheticEhrWriter(dir);
  writer.append(gridOf([501, 502], CELLS), DESCRIPTORS, LABELS);
  assert.is(fs.readdirSync(dir).length, 2);
  writer.abandon();
  assert.equal(fs.readdirSync(dir), []);
  assert.throws(() => writer.append(gridOf([7], []), [DESCRIPTORS[0]], [0]), /^SyntheticEhrWriter\.append: the writer is finished/);
});

test('non-finite measured value rejected', () => {
  const dir = newFolder();
  const writer = new SyntheticEhrWriter(dir);
  for (const bad of [NaN, Infinity]) {
    const grid = gridOf([501, 502], [[1, 2, 'K', bad]]);
    assert.throws(
      () => writer.append(grid, DESCRIPTORS, LABELS),
      /^SyntheticEhrWriter\.append: measured cell of RecordID 502, hour 2, K is (NaN|Infinity), not a finite number/,
      String(bad),
    );
  }
  writer.abandon();
  assert.equal(fs.readdirSync(dir), []);
});

test('append rejects count mismatch', () => {
  const writer = new SyntheticEhrWriter(newFolder());
  const grid = gridOf([501, 502], CELLS);
  assert.throws(() => writer.append(grid, DESCRIPTORS.slice(0, 1), LABELS), /^SyntheticEhrWriter\.append: 2 patients but 1 descriptor rows and 2 labels/);
  assert.throws(() => writer.append(grid, DESCRIPTORS, [1]), /^SyntheticEhrWriter\.append: 2 patients but 2 descriptor rows and 1 labels/);
  writer.abandon();
});

test('read rejects missing file', () => {
  const dir = newFolder();
  fs.mkdirSync(dir);
  const missing = path.join(dir, 'synthetic_x_timeseries.csv');
  const outcomes = path.join(dir, 'synthetic_x_outcomes.csv');
  fs.writeFileSync(outcomes, 'RecordID,In-hospital_death\n1,0\n');
  assert.throws(() => readSyntheticEhrCsv(missing, outcomes, HOURS), /^readSyntheticEhrCsv: .*synthetic_x_timeseries\.csv does not exist/);
});

test('read rejects bad headers', () => {
  const dir = newFolder();
  fs.mkdirSync(dir);
  const timeseries = path.join(dir, 'timeseries.csv');
  const outcomes = path.join(dir, 'outcomes.csv');
  fs.writeFileSync(timeseries, 'Time,Parameter,Value\n00:00,HR,80\n');
  fs.writeFileSync(outcomes, 'RecordID,Label\n1,0\n');
  assert.throws(() => readSyntheticEhrCsv(timeseries, outcomes, HOURS), /^readSyntheticEhrCsv: .*outcomes\.csv line 1 is 'RecordID,Label', expected 'RecordID,In-hospital_death'/);
  fs.writeFileSync(outcomes, 'RecordID,In-hospital_death\n1,0\n');
  assert.throws(() => readSyntheticEhrCsv(timeseries, outcomes, HOURS), /^readSyntheticEhrCsv: .*timeseries\.csv line 1 is 'Time,Parameter,Value', expected 'RecordID,Time,Parameter,Value'/);
});

test('read rejects unknown parameter', () => {
  const dir = newFolder();
  fs.mkdirSync(dir);
  const timeseries = path.join(dir, 'timeseries.csv');
  const outcomes = path.join(dir, 'outcomes.csv');
  fs.writeFileSync(outcomes, 'RecordID,In-hospital_death\n1,0\n');
  fs.writeFileSync(timeseries, 'RecordID,Time,Parameter,Value\n1,00:00,Age,60\n1,01:00,Pulse,80\n');
  assert.throws(() => readSyntheticEhrCsv(timeseries, outcomes, HOURS), /^readSyntheticEhrCsv: .*line 3 has unknown parameter 'Pulse'/);
});

test('read rejects bad rows', () => {
  const dir = newFolder();
  fs.mkdirSync(dir);
  const timeseries = path.join(dir, 'timeseries.csv');
  const outcomes = path.join(dir, 'outcomes.csv');
  fs.writeFileSync(outcomes, 'RecordID,In-hospital_death\n1,0\n');
  fs.writeFileSync(timeseries, 'RecordID,Time,Parameter,Value\n2,00:00,HR,80\n');
  assert.throws(() => readSyntheticEhrCsv(timeseries, outcomes, HOURS), /^readSyntheticEhrCsv: .*line 2 \('2,00:00,HR,80'\) has an unknown RecordID/);
  fs.writeFileSync(timeseries, 'RecordID,Time,Parameter,Value\n1,03:00,HR,80\n');
  assert.throws(() => readSyntheticEhrCsv(timeseries, outcomes, HOURS), /^readSyntheticEhrCsv: .*line 2 has time 03:00 outside 3 hours/);
  fs.writeFileSync(outcomes, 'RecordID,In-hospital_death\n1,2\n');
  assert.throws(() => readSyntheticEhrCsv(timeseries, outcomes, HOURS), /^readSyntheticEhrCsv: .*outcomes\.csv line 2 \('1,2'\) is not a new RecordID with label 0 or 1/);
});

test.run();
