import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runExperiment } from '../../kernel-lib/experiment/runner';
import { makeTempDir, tinyExperimentConfig, uninterruptedTinyRun } from './tiny-experiment';

// Outputs of the stages before generation; a failure in generation must leave them as they were.
const EARLIER_OUTPUTS = ['manifest.json', 'data.json', 'diffusion/model.json', 'diffusion/checkpoint.safetensors', 'filter-classifier.safetensors'];

let uninterruptedDir: string;
let failedDir: string;
let failure: Error | undefined;
let filterBackup: string;
const outputsBeforeGeneration = new Map<string, Buffer>();
let resumeLines: string[] | undefined;

function errorOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => {
      assert.unreachable('expected the run to be rejected');
      return '';
    },
    (err: Error) => err.message,
  );
}

test.before(async () => {
  uninterruptedDir = await uninterruptedTinyRun();

  // A user moves the filter classifier away while the run is between stages: the generation
  // stage, which loads it, fails. The copy is kept to put it back before resuming.
  const runsDir = makeTempDir('medsynth-runs-');
  failedDir = path.join(runsDir, 'interrupted');
  filterBackup = path.join(makeTempDir('medsynth-backup-'), 'filter-classifier.safetensors');
  const onLine = (line: string) => {
    if (line !== 'stage generation') return;
    for (const file of EARLIER_OUTPUTS) outputsBeforeGeneration.set(file, fs.readFileSync(path.join(failedDir, file)));
    fs.renameSync(path.join(failedDir, 'filter-classifier.safetensors'), filterBackup);
  };
  try {
    await runExperiment({ config: tinyExperimentConfig(), runsDir, runId: 'interrupted', backend: 'wasm', say: onLine });
  } catch (err) {
    failure = err as Error;
  }
});

test('failing stage is named in the error', () => {
  assert.ok(failure, 'expected the run to fail in the generation stage');
  assert.match(failure!.message, "stage 'generation' failed");
  assert.match(failure!.message, 'filter-classifier.safetensors');
});

test('error says how to resume', () => {
  assert.ok(failure);
  assert.match(failure!.message, `medsynth run --resume ${failedDir}`);
});

test('state keeps only finished stages', () => {
  const state = JSON.parse(fs.readFileSync(path.join(failedDir, 'state.json'), 'utf8'));
  assert.equal(state.finished, ['data', 'diffusion', 'filter-classifier']);
  assert.not.ok(fs.existsSync(path.join(failedDir, 'metrics.json')), 'expected no metrics.json from a failed run');
});

test('earlier outputs survive the failure', () => {
  assert.is(outputsBeforeGeneration.size, EARLIER_OUTPUTS.length, 'expected the outputs read when generation started');
  for (const file of EARLIER_OUTPUTS.filter((f) => f !== 'filter-classifier.safetensors')) {
    const now = fs.readFileSync(path.join(failedDir, file));
    assert.ok(now.equals(outputsBeforeGeneration.get(file)!), `expected ${file} unchanged by the failure`);
  }
});

test('resume runs only the unfinished stages', async () => {
  fs.renameSync(filterBackup, path.join(failedDir, 'filter-classifier.safetensors'));
  const lines: string[] = [];
  const dir = await runExperiment({ resumeDir: failedDir, backend: 'wasm', say: (line) => lines.push(line) });
  resumeLines = lines;

  assert.is(dir, failedDir);
  const stageLines = lines.filter((line) => line.startsWith('stage '));
  assert.equal(stageLines, ['stage generation', 'stage classifiers', 'stage evaluation', 'stage report']);
  const state = JSON.parse(fs.readFileSync(path.join(failedDir, 'state.json'), 'utf8'));
  assert.equal(state.finished, ['data', 'diffusion', 'filter-classifier', 'generation', 'classifiers', 'evaluation', 'report']);
});

test('resume keeps earlier outputs', () => {
  assert.ok(resumeLines, 'expected the resumed run to have finished');
  for (const file of EARLIER_OUTPUTS) {
    const now = fs.readFileSync(path.join(failedDir, file));
    assert.ok(now.equals(outputsBeforeGeneration.get(file)!), `expected ${file} unchanged by the resume`);
  }
});

test('resumed metrics equal uninterrupted ones', () => {
  assert.ok(resumeLines, 'expected the resumed run to have finished');
  const resumed = fs.readFileSync(path.join(failedDir, 'metrics.json'));
  const uninterrupted = fs.readFileSync(path.join(uninterruptedDir, 'metrics.json'));
  assert.ok(resumed.equals(uninterrupted), 'expected the same metrics.json as the uninterrupted run');
});

test('unwritable runsDir is rejected', async () => {
  // A folder cannot be created under a regular file.
  const file = path.join(makeTempDir('medsynth-blocked-'), 'not-a-folder');
  fs.writeFileSync(file, 'a file, not a folder\n');
  const runsDir = path.join(file, 'runs');
  const message = await errorOf(runExperiment({ config: tinyExperimentConfig(), runsDir, runId: 'blocked', backend: 'wasm' }));
  assert.match(message, 'cannot write the run directory');
  assert.match(message, path.join(runsDir, 'blocked'));
  assert.match(message, '--runs-dir');
});

test('existing run id is rejected', async () => {
  const manifest = fs.readFileSync(path.join(uninterruptedDir, 'manifest.json'));
  const runsDir = path.dirname(uninterruptedDir);
  const runId = path.basename(uninterruptedDir);
  const message = await errorOf(runExperiment({ config: tinyExperimentConfig(), runsDir, runId, backend: 'wasm' }));
  assert.match(message, 'already');
  assert.match(message, `--resume ${uninterruptedDir}`);
  assert.ok(fs.readFileSync(path.join(uninterruptedDir, 'manifest.json')).equals(manifest), 'expected the existing run untouched');
});

test('resume of a folder without a run is rejected', async () => {
  const empty = makeTempDir('medsynth-empty-');
  const message = await errorOf(runExperiment({ resumeDir: empty, backend: 'wasm' }));
  assert.match(message, empty);
  assert.match(message, 'manifest.json');
});

test.run();
