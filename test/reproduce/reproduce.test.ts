import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hashFile } from '../../kernel-lib/data/file-hash';
import { checkRecordedDatasetFiles, reproduceRun } from '../../kernel-lib/experiment/reproduce';
import { makeTempDir, uninterruptedTinyRun } from '../experiment/tiny-experiment';
import { rejectionMessage } from '../helpers/rejection';

const CLI = path.join(__dirname, '..', '..', '..', 'bin', 'medsynth.js');
const TAMPERED_METRIC = 'arms[real-only].metrics.sensitivity.value';

interface CliResult {
  status: number | null;
  output: string;
}

interface ReproduceJson {
  tolerance: number;
  outOfTolerance: number;
  reproducedRunDir: string;
  metrics: { metric: string; recorded: number | null; reproduced: number | null; withinTolerance: boolean }[];
}

let recordedDir: string;
let faithful: CliResult;
let faithfulRunsDir: string;
let tampered: CliResult;
let tamperedRunsDir: string;

function reproduceCli(runDir: string, runsDir: string): CliResult {
  const result = spawnSync(process.execPath, [CLI, 'reproduce', runDir, '--runs-dir', runsDir, '--run-id', 'reproduced'], {
    encoding: 'utf8',
    // The table has a row per numeric leaf, ROC curve points included: a few MB.
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

/** Copies the two files a reproduction reads, so that they can be edited. */
function copyRecordedRun(name: string): string {
  const dir = path.join(makeTempDir('medsynth-recorded-'), name);
  fs.mkdirSync(dir);
  for (const file of ['manifest.json', 'metrics.json']) fs.copyFileSync(path.join(recordedDir, file), path.join(dir, file));
  return dir;
}

function editJson(file: string, edit: (value: any) => void): void {
  const value = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(value);
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

function readReproduceJson(runsDir: string): ReproduceJson {
  return JSON.parse(fs.readFileSync(path.join(runsDir, 'reproduced', 'reproduce.json'), 'utf8')) as ReproduceJson;
}

test.before(async () => {
  recordedDir = await uninterruptedTinyRun();

  faithfulRunsDir = makeTempDir('medsynth-runs-');
  faithful = reproduceCli(recordedDir, faithfulRunsDir);

  // A recorded sensitivity raised by 0.01, as if the recorded run had scored differently.
  const tamperedDir = copyRecordedRun('tampered');
  editJson(path.join(tamperedDir, 'metrics.json'), (metrics) => {
    metrics.arms[0].metrics.sensitivity.value += 0.01;
  });
  tamperedRunsDir = makeTempDir('medsynth-runs-');
  tampered = reproduceCli(tamperedDir, tamperedRunsDir);
});

test('faithful reproduction exits 0', () => {
  assert.is(faithful.status, 0, faithful.output);
  assert.match(faithful.output, /reproduced: all \d+ metrics within 0 of the recorded run/);
});

test('reproduce.json has every metric within 0', () => {
  const report = readReproduceJson(faithfulRunsDir);
  assert.is(report.tolerance, 0);
  assert.is(report.outOfTolerance, 0);
  const metrics = report.metrics.map((row) => row.metric);
  // One numeric leaf per arm at least: the headline value of each of the seven arms.
  for (const arm of ['real-only', 'class-weighted', 'oversampling', 'augmentation', 'real+synthetic', 'synthetic-only', 'all-real']) {
    assert.ok(metrics.includes(`arms[${arm}].metrics.sensitivity.value`), `expected the sensitivity of ${arm} in the comparison`);
  }
});

test('table lists every metric', () => {
  const report = readReproduceJson(faithfulRunsDir);
  for (const row of report.metrics) assert.ok(faithful.output.includes(row.metric), `expected ${row.metric} in the printed table`);
});

test('tampered metric exits non-zero', () => {
  assert.is(tampered.status, 1, tampered.output);
  assert.match(tampered.output, '1 of');
  assert.match(tampered.output, 'differ by more than 0');
});

test('table marks the tampered metric', () => {
  const line = tampered.output.split('\n').find((text) => text.startsWith(`${TAMPERED_METRIC} `));
  assert.ok(line, `expected a table row for ${TAMPERED_METRIC}`);
  assert.match(line as string, /DIFFERS$/);
  const differing = tampered.output.split('\n').filter((text) => text.endsWith('DIFFERS'));
  assert.is(differing.length, 1, `expected only the tampered metric marked, got ${JSON.stringify(differing)}`);
});

test('reproduce.json records the tampered metric', () => {
  const report = readReproduceJson(tamperedRunsDir);
  const row = report.metrics.find((entry) => entry.metric === TAMPERED_METRIC);
  assert.ok(row, `expected ${TAMPERED_METRIC} in reproduce.json`);
  assert.is(row!.withinTolerance, false);
  // The difference is the 0.01 added above, up to float64 rounding of the sum.
  assert.ok(Math.abs((row!.recorded as number) - (row!.reproduced as number) - 0.01) < 1e-12, `expected a difference of 0.01, got ${JSON.stringify(row)}`);
});

test('early reproduction compares on resume', async () => {
  const dir = copyRecordedRun('unfinished');
  const metricsPath = path.join(dir, 'metrics.json');
  const recordedMetrics = fs.readFileSync(metricsPath);
  fs.rmSync(metricsPath);
  const runsDir = makeTempDir('medsynth-runs-');
  const message = await rejectionMessage(() => reproduceRun({ runDir: dir, runsDir, runId: 'early' }));
  const reproducedDir = path.join(runsDir, 'early');
  assert.match(message, `still has no metrics.json`);
  assert.match(message, `--resume ${reproducedDir}`);
  assert.ok(fs.existsSync(path.join(reproducedDir, 'metrics.json')), 'expected the finished reproduction to keep its metrics');

  // The recorded run finishes; resuming the finished reproduction only compares.
  fs.writeFileSync(metricsPath, recordedMetrics);
  const report = await reproduceRun({ runDir: dir, resumeDir: reproducedDir });
  assert.is(report.reproducedRunDir, reproducedDir);
  assert.ok(report.metrics.length > 0, 'expected metrics in the comparison');
  assert.is(report.outOfTolerance, 0);
});

test('resume of another run rejected', async () => {
  const dir = copyRecordedRun('other-seeds');
  editJson(path.join(dir, 'manifest.json'), (manifest) => {
    manifest.config.seeds = [7];
  });
  const resumeDir = path.join(faithfulRunsDir, 'reproduced');
  const message = await rejectionMessage(() => reproduceRun({ runDir: dir, resumeDir }));
  assert.match(message, `the config in ${path.join(resumeDir, 'manifest.json')} differs from the recorded one`);
});

test('--resume with --run-id rejected', () => {
  const result = spawnSync(process.execPath, [CLI, 'reproduce', recordedDir, '--resume', recordedDir, '--run-id', 'x'], { encoding: 'utf8' });
  assert.is(result.status, 1);
  assert.match(result.stderr, '--run-id and --runs-dir do not apply');
});

test('changed dataset file is rejected by name', async () => {
  const dir = copyRecordedRun('changed-dataset');
  const datasetFile = path.join(makeTempDir('medsynth-dataset-'), 'images.npz');
  fs.writeFileSync(datasetFile, 'recorded bytes');
  const recorded = hashFile(datasetFile).sha256;
  editJson(path.join(dir, 'manifest.json'), (manifest) => {
    manifest.dataset.source = datasetFile;
    manifest.dataset.file = hashFile(datasetFile);
  });
  fs.writeFileSync(datasetFile, 'changed bytes');
  const current = hashFile(datasetFile).sha256;

  const runsDir = makeTempDir('medsynth-runs-');
  let message = '';
  try {
    await reproduceRun({ runDir: dir, runsDir, runId: 'never' });
  } catch (err) {
    message = (err as Error).message;
  }
  assert.match(message, datasetFile);
  assert.match(message, `recorded SHA-256 ${recorded}`);
  assert.match(message, `current SHA-256 ${current}`);
  assert.equal(fs.readdirSync(runsDir), [], 'expected no run directory after the rejection');
});

test('tampered recorded hash is rejected', () => {
  const datasetFile = path.join(makeTempDir('medsynth-dataset-'), 'images.npz');
  fs.writeFileSync(datasetFile, 'dataset bytes');
  const manifest = { config: {}, dataset: { source: datasetFile, file: { ...hashFile(datasetFile), sha256: '0'.repeat(64) } } };
  assert.throws(() => checkRecordedDatasetFiles(manifest, 'manifest.json'), (err: Error) => err.message.includes(`recorded SHA-256 ${'0'.repeat(64)}`));
});

test('missing dataset file is rejected', () => {
  const missing = path.join(makeTempDir('medsynth-dataset-'), 'gone.npz');
  const manifest = { config: {}, dataset: { source: missing, file: { md5: '', sha256: 'a'.repeat(64), bytes: 1 } } };
  assert.throws(() => checkRecordedDatasetFiles(manifest, 'manifest.json'), (err: Error) => err.message.includes(`${missing}`) && err.message.includes('is missing'));
});

test('matching dataset file passes', () => {
  const datasetFile = path.join(makeTempDir('medsynth-dataset-'), 'images.npz');
  fs.writeFileSync(datasetFile, 'dataset bytes');
  const manifest = { config: {}, dataset: { source: datasetFile, file: hashFile(datasetFile) } };
  checkRecordedDatasetFiles(manifest, 'manifest.json');
});

test.run();
