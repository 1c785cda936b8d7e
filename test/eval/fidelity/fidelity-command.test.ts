import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDomainFeatureExtractor } from '../../../kernel-lib/eval/fidelity/feature-extractor';
import { prepareExperimentData } from '../../../kernel-lib/experiment/prepare-data';
import { ImageSplit } from '../../../kernel-lib/data/image-dataset';
import { makeTempDir, tinyExperimentConfig, uninterruptedTinyRun } from '../../experiment/tiny-experiment';
import { MEDSYNTH_BIN } from '../../helpers/medsynth-bin';

// `medsynth fidelity` on a copy of the tiny run, as a user would run it. A small domain extractor
// is trained into the copy first, so the command reuses it instead of training the default one.

const BIN = MEDSYNTH_BIN;
let runDir: string;
let result: { code: number | null; stdout: string; stderr: string };

function medsynth(args: string[]) {
  const run = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, MEDSYNTH_LOG_LEVEL: 'warn', MEDSYNTH_BACKEND: 'wasm' },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

test.before(async () => {
  const original = await uninterruptedTinyRun();
  runDir = path.join(makeTempDir('medsynth-fidelity-cli-'), 'run');
  fs.cpSync(original, runDir, { recursive: true });

  const { dataset, fullTrain } = prepareExperimentData(tinyExperimentConfig());
  const val = dataset.splits.val as ImageSplit;
  const { extractor } = openDomainFeatureExtractor({
    filePath: path.join(runDir, 'fidelity', 'feature-extractor.safetensors'),
    train: { pixels: fullTrain.images, labels: fullTrain.labels, height: dataset.height, width: dataset.width },
    validation: { pixels: val.images, labels: val.labels, height: dataset.height, width: dataset.width },
    numClasses: 2,
    training: { widths: [4, 8, 8], maxEpochs: 1, seed: 0 },
  });
  extractor.dispose();

  result = medsynth(['fidelity', runDir, '--seed', '0', '--bootstrap', '10']);
});

test('command exits 0', () => {
  assert.is(result.code, 0, result.stderr);
});

test('command prints the feature space and the table', () => {
  assert.match(result.stdout, 'feature space: medsynth CNN classifier (widths 4, 8, 8, 2 classes)');
  const lines = result.stdout.split('\n');
  const header = lines.findIndex((line) => line.startsWith('class'));
  assert.ok(header >= 0, `expected a table header in:\n${result.stdout}`);
  assert.match(lines[header], 'FID [95% CI]');
  assert.match(lines[header], 'floor FID [95% CI]');
  assert.match(lines[header + 1], /^effusion\s+0\s+8\s/);
});

test('command names the report file', () => {
  const reportFile = path.join(runDir, 'fidelity', 'fidelity.json');
  assert.match(result.stdout, `fidelity: report written to ${reportFile}, with 4 galleries`);
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  assert.is(report.results.length, 1);
  assert.is(report.featureSpace.trainedNow, false);
  assert.is(report.settings.bootstrapResamples, 10);
});

test('help lists the options', () => {
  const help = medsynth(['fidelity', '--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, 'usage: medsynth fidelity <run dir> [options]');
  assert.match(help.stdout, '--extractor <string>');
});

test('missing run directory argument is rejected', () => {
  const run = medsynth(['fidelity']);
  assert.is(run.code, 1);
  assert.match(run.stderr, "name a run directory, e.g. 'medsynth fidelity experiments/runs/<run id>'");
});

test('nonexistent run directory is rejected', () => {
  const missing = path.join(runDir, 'no-such-run');
  const run = medsynth(['fidelity', missing]);
  assert.is(run.code, 1);
  assert.match(run.stderr, `run directory ${missing} does not exist; pass a folder under experiments/runs/`);
});

test('missing extractor model is rejected', () => {
  const missing = path.join(runDir, 'inception', 'model.json');
  const run = medsynth(['fidelity', runDir, '--extractor', missing]);
  assert.is(run.code, 1);
  assert.match(run.stderr, `model file not found: ${missing}`);
});

test('unknown input range is rejected', () => {
  const run = medsynth(['fidelity', runDir, '--input-range', '0..1']);
  assert.is(run.code, 1);
  assert.match(run.stderr, "--input-range must be one of [-1,1], [0,1], [0,255], got '0..1'");
});

test('unknown seed is rejected', () => {
  const run = medsynth(['fidelity', runDir, '--seed', '5']);
  assert.is(run.code, 1);
  assert.match(run.stderr, 'generation seed 5 has no synthetic images');
});

test.run();
