import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import pl from 'nodejs-polars';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syntheticPngText, writeGrayPng } from '../../kernel-lib/io/png';
import { loadReleaseRecords } from '../../kernel-lib/release/release-records';
import { Random } from '../../kernel-lib/util/random';
import { npy, writeNpz } from '../helpers/npz-writer';
import { FixturePatient, assertThrows, makePatients, writeEhrCsv } from './helpers';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-release-records-'));
const random = new Random(3);
const trainPatients = makePatients(random, 30, 100);
const referencePatients = makePatients(random, 12, 200);
const syntheticPatients = makePatients(random, 20, 1_000_001);
// One synthetic ICU type that --train never has, to show the encoder is fitted on --train only.
syntheticPatients[0].icuType = 7;

/** Writes an EHR run layout: models/latent/model.json, synthetic/latent/, real/ and data.json. */
function writeRun(name: string, options: { modelHours?: number; dataHours?: number; privacy?: unknown; license?: string } = {}): string {
  const run = path.join(work, name);
  fs.mkdirSync(path.join(run, 'models', 'latent'), { recursive: true });
  fs.writeFileSync(
    path.join(run, 'models', 'latent', 'model.json'),
    JSON.stringify({
      kind: 'latent',
      hours: options.modelHours ?? 24,
      dataset: { name: 'fixture', source: 'fixture.txt', license: options.license ?? 'ODC-BY 1.0', citation: 'Fixture citation 2024' },
      privacy: options.privacy ?? null,
    }),
  );
  fs.writeFileSync(path.join(run, 'data.json'), JSON.stringify({ hours: options.dataHours ?? 24 }));
  writeEhrCsv(path.join(run, 'synthetic', 'latent'), 'synthetic_fixture_latent', syntheticPatients, {
    synthetic: true,
    model: { kind: 'latent', dir: 'models/latent' },
  });
  writeEhrCsv(path.join(run, 'real'), 'real_fixture_train', trainPatients, { synthetic: false });
  writeEhrCsv(path.join(run, 'real'), 'real_fixture_test', referencePatients, { synthetic: false });
  return run;
}

const run = writeRun('run', { privacy: { epsilon: 3, delta: 1e-5, noiseMultiplier: 1.1 } });
const syntheticCsv = path.join(run, 'synthetic', 'latent', 'synthetic_fixture_latent_timeseries.csv');
const trainCsv = path.join(run, 'real', 'real_fixture_train_timeseries.csv');
const referenceCsv = path.join(run, 'real', 'real_fixture_test_timeseries.csv');

test.after(() => fs.rmSync(work, { recursive: true, force: true }));

test('EHR inputs share standardised features', () => {
  const records = loadReleaseRecords({ synthetic: syntheticCsv, train: trainCsv, reference: referenceCsv });
  assert.is(records.modality, 'ehr');
  assert.is(records.synthetic.numRecords, 20);
  assert.is(records.train.numRecords, 30);
  assert.is(records.reference.numRecords, 12);
  assert.is(records.numFeatures, records.featureNames.length);
  for (const set of [records.synthetic, records.train, records.reference]) assert.is(set.numFeatures, records.numFeatures);
  for (const name of ['HR_mean', 'HR_count', 'Age', 'Gender=female', 'Gender=male', 'ICUType=1']) {
    assert.ok(records.featureNames.includes(name), `feature ${name} missing from ${records.featureNames.join(', ')}`);
  }
  assert.not.ok(records.featureNames.includes('ICUType=7'), 'a category only the synthetic set has became a feature');
  assert.ok(records.notes.some((note) => /the synthetic input: 1 row\(s\) have ICUType = '7', unseen in --train/.test(note)), records.notes.join('\n'));

  // Every --train column has mean 0 and standard deviation 1, or 0 when constant.
  const { data, numRecords, numFeatures } = records.train;
  for (let f = 0; f < numFeatures; f++) {
    let sum = 0;
    let squares = 0;
    for (let r = 0; r < numRecords; r++) sum += data[r * numFeatures + f];
    const mean = sum / numRecords;
    for (let r = 0; r < numRecords; r++) squares += (data[r * numFeatures + f] - mean) ** 2;
    const std = Math.sqrt(squares / numRecords);
    assert.ok(Math.abs(mean) < 1e-9, `column ${records.featureNames[f]} has mean ${mean}`);
    assert.ok(Math.abs(std - 1) < 1e-9 || std < 1e-9, `column ${records.featureNames[f]} has std ${std}`);
  }
  assert.match(records.featureSpace.featureSpace, /^EHR summary features over the first 24 hours/);
  assert.match(records.featureSpace.scaling, /fitted on the --train rows only/);
  assert.is(records.defaultOutDir, path.dirname(syntheticCsv));
  assert.equal(Array.from(records.utility?.train.labels ?? []), trainPatients.map((patient) => patient.died));
});

test('EHR provenance comes from the model folder', () => {
  const records = loadReleaseRecords({ synthetic: syntheticCsv, train: trainCsv, reference: referenceCsv });
  const { provenance } = records;
  assert.is(provenance.generator.kind, 'latent');
  assert.is(provenance.generator.dir, path.join(run, 'models', 'latent'));
  assert.is(provenance.dataset.license, 'ODC-BY 1.0');
  assert.is(provenance.dataset.citation, 'Fixture citation 2024');
  assert.is(provenance.privacy?.epsilon, 3);
  assert.is(provenance.privacy?.delta, 1e-5);

  // `medsynth ehr generate` records an absolute model folder.
  const generated = writeEhrCsv(path.join(work, 'generated'), 'synthetic_physionet2012', syntheticPatients, {
    synthetic: true,
    model: { kind: 'latent', dir: path.join(run, 'models', 'latent') },
  });
  const fromGenerated = loadReleaseRecords({ synthetic: generated, train: trainCsv, reference: referenceCsv });
  assert.is(fromGenerated.provenance.generator.dir, path.join(run, 'models', 'latent'));
  assert.is(fromGenerated.provenance.dataset.license, 'ODC-BY 1.0');
});

test('sex attribute replaces Gender columns', () => {
  const records = loadReleaseRecords({ synthetic: syntheticCsv, train: trainCsv, reference: referenceCsv });
  const sets = records.sensitiveAttribute;
  assert.ok(sets !== null);
  if (sets === null) return;
  assert.is(sets.sensitiveColumn, records.numFeatures - 2);
  assert.is(sets.train.numFeatures, records.numFeatures - 1);
  const codes = Array.from({ length: sets.train.numRecords }, (_, r) => sets.train.data[r * sets.train.numFeatures + sets.sensitiveColumn]);
  assert.equal(codes, trainPatients.map((patient) => patient.gender));
  assert.equal(sets.excluded, { synthetic: 0, train: 0, reference: 0 });
});

test('Parquet and folder match CSV', () => {
  const fromCsv = loadReleaseRecords({ synthetic: syntheticCsv, train: trainCsv, reference: referenceCsv });
  const parquetOf = (csv: string) => {
    for (const suffix of ['timeseries', 'outcomes']) {
      const source = csv.replace(/timeseries\.csv$/, `${suffix}.csv`);
      pl.readCSV(source).writeParquet(source.replace(/\.csv$/, '.parquet'));
    }
    return csv.replace(/\.csv$/, '.parquet');
  };
  const fromParquet = loadReleaseRecords({ synthetic: parquetOf(syntheticCsv), train: parquetOf(trainCsv), reference: parquetOf(referenceCsv) });
  assert.equal(fromParquet.featureNames, fromCsv.featureNames);
  assert.equal(Array.from(fromParquet.train.data), Array.from(fromCsv.train.data));
  assert.equal(Array.from(fromParquet.synthetic.data), Array.from(fromCsv.synthetic.data));
  assert.is(fromParquet.sources.train.format, 'ehr-parquet');

  // The synthetic folder contains CSV and Parquet files of one prefix, and CSV is read.
  const fromFolder = loadReleaseRecords({ synthetic: path.dirname(syntheticCsv), train: trainCsv, reference: referenceCsv });
  assert.is(fromFolder.sources.synthetic.format, 'ehr-csv');
  assert.equal(Array.from(fromFolder.synthetic.data), Array.from(fromCsv.synthetic.data));
});

test('bad EHR inputs rejected', async () => {
  const dir = path.join(work, 'bad');
  const copyOfTrain = (count: number): FixturePatient[] => trainPatients.slice(0, count).map((patient, i) => ({ ...patient, id: 900 + i }));
  const overlapping = writeEhrCsv(dir, 'real_overlap', [...referencePatients, ...copyOfTrain(2)]);
  const notSynthetic = writeEhrCsv(dir, 'synthetic_flagged', syntheticPatients, { synthetic: false });
  const unmarked = writeEhrCsv(dir, 'patients', syntheticPatients);
  const noPatients = writeEhrCsv(dir, 'real_empty', []);
  const noOutcomes = writeEhrCsv(path.join(dir, 'lonely'), 'real_lonely', referencePatients);
  fs.rmSync(noOutcomes.replace('timeseries', 'outcomes'));
  writeEhrCsv(path.join(dir, 'two'), 'synthetic_a', syntheticPatients);
  writeEhrCsv(path.join(dir, 'two'), 'synthetic_b', syntheticPatients);
  const npzFile = writeNpz(path.join(dir, 'real_images.npz'), { 'images.npy': npy('|u1', [2, 2, 2], new Uint8Array(8)) });
  const base = { synthetic: syntheticCsv, train: trainCsv, reference: referenceCsv };

  const cases: [Partial<typeof base>, RegExp][] = [
    [{ train: path.join(dir, 'none_timeseries.csv') }, /^loadReleaseRecords: --train not found: .*none_timeseries\.csv; check the path/],
    [{ reference: noOutcomes }, /--reference needs .*real_lonely_outcomes\.csv, which does not exist/],
    [{ reference: overlapping }, /`--reference` overlaps `--train`: 2 of its 14 rows are identical to a --train row.*remove those rows/],
    [{ synthetic: notSynthetic }, /the synthetic input is invalid: .*synthetic_flagged_metadata\.json sets synthetic: false, and real records must never be released/],
    [{ synthetic: unmarked }, /the synthetic input .*patients_timeseries\.csv is not marked synthetic: 1 name\(s\) do not start with 'synthetic_'/],
    [{ train: syntheticCsv }, /--train .* is marked synthetic \(synthetic_fixture_latent\); --train must be REAL records/],
    [{ reference: noPatients }, /--reference .*real_empty_outcomes\.csv lists no patients/],
    [{ synthetic: path.join(dir, 'two') }, /contains time series of 2 datasets \(synthetic_a, synthetic_b\); pass the `<prefix>_timeseries\.csv` file/],
    [{ train: npzFile }, /the inputs mix modalities: the synthetic input is EHR .*--train is images .*pass synthetic, --train and --reference records of one modality/],
  ];
  for (const [change, pattern] of cases) {
    await assertThrows(() => loadReleaseRecords({ ...base, ...change }), pattern);
  }
});

test('different EHR windows rejected', async () => {
  const longer = writeRun('run48', { modelHours: 48 });
  await assertThrows(
    () =>
      loadReleaseRecords({
        synthetic: path.join(longer, 'synthetic', 'latent', 'synthetic_fixture_latent_timeseries.csv'),
        train: path.join(longer, 'real', 'real_fixture_train_timeseries.csv'),
        reference: path.join(longer, 'real', 'real_fixture_test_timeseries.csv'),
      }),
    /different feature spaces: the synthetic input covers the first 48 hours \(.*model\.json\) but --train covers 24 hours \(.*data\.json\)/,
  );
});

/** uint8 images `[count, side, side]` with pixels around `mean`. */
function images(count: number, side: number, mean: number): Uint8Array {
  return Uint8Array.from({ length: count * side * side }, () => Math.max(0, Math.min(255, Math.round(mean + 30 * random.normal()))));
}

const imageDir = path.join(work, 'images');
fs.mkdirSync(imageDir, { recursive: true });
const syntheticNpz = writeNpz(path.join(imageDir, 'synthetic_seed0.npz'), {
  'images.npy': npy('|u1', [6, 4, 4], images(6, 4, 128)),
  'synthetic.npy': npy('|u1', [6], new Uint8Array(6).fill(1)),
});
const medmnist = writeNpz(path.join(imageDir, 'real_medmnist.npz'), {
  'train_images.npy': npy('|u1', [10, 4, 4], images(10, 4, 128)),
  'train_labels.npy': npy('|u1', [10, 1], new Uint8Array(10)),
  'test_images.npy': npy('|u1', [5, 4, 4], images(5, 4, 128)),
  'test_labels.npy': npy('|u1', [5, 1], new Uint8Array(5)),
});

test('image inputs become pixels in [0, 1]', () => {
  const records = loadReleaseRecords({ synthetic: syntheticNpz, train: medmnist, reference: medmnist });
  assert.is(records.modality, 'images');
  assert.is(records.numFeatures, 16);
  assert.is(records.train.numRecords, 10);
  assert.is(records.reference.numRecords, 5);
  assert.match(records.sources.reference.detail, /split 'test'/);
  assert.match(records.featureSpace.featureSpace, /4×4 .* flattened row-major to 16 features/);
  assert.match(records.featureSpace.scaling, /uint8 values \/ 255/);
  for (const set of [records.synthetic, records.train, records.reference]) {
    for (const value of set.data) assert.ok(value >= 0 && value <= 1, `pixel ${value} outside [0, 1]`);
  }
  assert.is(records.utility, null);
  assert.is(records.provenance.generator.dir, null);

  // A flat PNG folder as `medsynth sample` writes it. Its grid is not an image record.
  const pngDir = path.join(imageDir, 'sampled');
  fs.mkdirSync(pngDir, { recursive: true });
  for (let i = 0; i < 3; i++) writeGrayPng(path.join(pngDir, `synthetic_x_seed0_000${i}.png`), images(1, 4, 100), 4, 4, syntheticPngText({}));
  writeGrayPng(path.join(pngDir, 'synthetic_grid_x_seed0.png'), images(1, 8, 100), 8, 8, syntheticPngText({}));
  const fromPng = loadReleaseRecords({ synthetic: pngDir, train: medmnist, reference: medmnist });
  assert.is(fromPng.synthetic.numRecords, 3);
  assert.is(fromPng.sources.synthetic.format, 'png-folder');
});

test('bad image inputs rejected', async () => {
  const dir = path.join(work, 'bad-images');
  fs.mkdirSync(dir, { recursive: true });
  const larger = writeNpz(path.join(dir, 'real_larger.npz'), { 'images.npy': npy('|u1', [5, 5, 5], images(5, 5, 128)) });
  const withNaN = new Float32Array(6 * 16).fill(0.5);
  withNaN[20] = NaN;
  const nanNpz = writeNpz(path.join(dir, 'synthetic_nan.npz'), { 'images.npy': npy('<f4', [6, 4, 4], withNaN) });
  const empty = writeNpz(path.join(dir, 'synthetic_empty.npz'), { 'images.npy': npy('|u1', [0, 4, 4], new Uint8Array(0)) });
  const flagged = writeNpz(path.join(dir, 'synthetic_flagged.npz'), {
    'images.npy': npy('|u1', [2, 4, 4], images(2, 4, 128)),
    'synthetic.npy': npy('|u1', [2], Uint8Array.from([1, 0])),
  });
  const outOfRange = writeNpz(path.join(dir, 'synthetic_range.npz'), { 'images.npy': npy('<f4', [1, 4, 4], new Float32Array(16).fill(2)) });
  const base = { synthetic: syntheticNpz, train: medmnist, reference: medmnist };

  const cases: [Partial<typeof base>, RegExp][] = [
    [{ reference: larger }, /different feature spaces: the synthetic images are 4×4 \(width×height\) but the --reference images are 5×5; resize them/],
    [{ synthetic: nanNpz }, /`synthetic` contains 1 non-finite value\(s\) \(NaN or ±Infinity\), the first NaN at row 1, column 4/],
    [{ synthetic: empty }, /the synthetic input .*synthetic_empty\.npz has 0 records/],
    [{ synthetic: flagged }, /flags image 1 as not synthetic \(synthetic\[1\] = 0\)/],
    [{ synthetic: outOfRange }, /float32 pixel 2 at index 0, outside \[0, 1\]/],
    [{ synthetic: medmnist }, /is not marked synthetic/],
    [{ reference: syntheticNpz }, /--reference .*synthetic_seed0\.npz is marked synthetic/],
    [{ train: medmnist, reference: medmnist, trainSplit: 'test' } as never, /`--reference` overlaps `--train`: 5 of its 5 rows are identical/],
    [{ reference: path.join(dir, 'nothing') }, /--reference not found/],
  ];
  for (const [change, pattern] of cases) {
    await assertThrows(() => loadReleaseRecords({ ...base, ...change }), pattern);
  }
});

test.run();
