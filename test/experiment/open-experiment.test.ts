import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { mergeConfig, openExperiment, resolveNotebookConfig } from '../../kernel-lib/experiment/open-experiment';
import { runStage } from '../../kernel-lib/experiment/stage-runner';
import { makeTempDir, tinyExperimentJson } from './tiny-experiment';

function tinyConfigFile(): string {
  const file = path.join(makeTempDir('medsynth-config-'), 'tiny.json');
  fs.writeFileSync(file, JSON.stringify(tinyExperimentJson()));
  return file;
}

test('mergeConfig merges nested objects and replaces arrays and scalars', () => {
  const base = { seed: 0, seeds: [0, 1, 2], classifier: { maxEpochs: 30, widths: [16, 32] } };
  const merged = mergeConfig(base, { seeds: [5], classifier: { maxEpochs: 2 } });
  assert.equal(merged, { seed: 0, seeds: [5], classifier: { maxEpochs: 2, widths: [16, 32] } });
  assert.equal(base.classifier.maxEpochs, 30, 'the base object is not changed');
});

test('resolveNotebookConfig applies seed and overrides and validates the result', () => {
  const { config } = resolveNotebookConfig({ config: tinyConfigFile(), seed: 7, overrides: { classifier: { maxEpochs: 1 } } });
  assert.is(config.seed, 7);
  assert.is(config.classifier.maxEpochs, 1);
  assert.equal(config.classifier.widths, [4, 8, 8]);
});

test('resolveNotebookConfig names an override field of the wrong type', () => {
  assert.throws(() => resolveNotebookConfig({ config: tinyConfigFile(), overrides: { classifier: { maxEpochs: 'two' } } }), /classifier\.maxEpochs/);
});

test('resolveNotebookConfig rejects a dataset path that does not exist', () => {
  assert.throws(() => resolveNotebookConfig({ datasetPath: '/nonexistent/pneumoniamnist.npz' }), /datasetPath '\/nonexistent\/pneumoniamnist.npz' does not exist/);
});

test('openExperiment creates the run, reopens it with the same config and refuses another', async () => {
  const configFile = tinyConfigFile();
  const runDir = path.join(makeTempDir('medsynth-notebook-run-'), 'run');
  const ctx = await openExperiment({ config: configFile, runDir, backend: 'wasm' });
  assert.ok(fs.existsSync(path.join(runDir, 'manifest.json')));
  assert.is(runStage(ctx, 'data'), 'ran');

  const again = await openExperiment({ config: configFile, runDir, backend: 'wasm' });
  assert.is(runStage(again, 'data'), 'already finished');

  try {
    await openExperiment({ config: configFile, runDir, seed: 9, backend: 'wasm' });
    assert.unreachable('a different seed must be refused');
  } catch (err) {
    assert.match((err as Error).message, 'seed: recorded 0, given 9');
    assert.match((err as Error).message, 'pass another runDir');
  }
});

test('runStage refuses a stage whose predecessors have not finished', async () => {
  const runDir = path.join(makeTempDir('medsynth-notebook-run-'), 'run');
  const ctx = await openExperiment({ config: tinyConfigFile(), runDir, backend: 'wasm' });
  assert.throws(() => runStage(ctx, 'classifiers'), /runStage: stage 'classifiers' needs the outputs of 'data', 'diffusion', 'filter-classifier', 'generation'/);
});

test('runStage skips the synthetic stages when no arm uses synthetic images', async () => {
  const runDir = path.join(makeTempDir('medsynth-notebook-run-'), 'run');
  const ctx = await openExperiment({ config: tinyConfigFile(), runDir, overrides: { arms: ['real-only', 'oversampling'] }, backend: 'wasm' });
  runStage(ctx, 'data');
  assert.is(runStage(ctx, 'diffusion'), 'skipped');
  assert.ok(ctx.run.isFinished('diffusion'));
});

test.run();
