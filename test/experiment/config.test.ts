import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ARMS, loadExperimentConfig, parseExperimentConfig, resolveExperimentConfig } from '../../kernel-lib/experiment/config';
import { findProjectRoot } from '../../kernel-lib/data/registry';
import { makeTempDir } from './tiny-experiment';

const projectRoot = findProjectRoot('config.test');

function minimalConfig(): Record<string, unknown> {
  return { name: 'minimal', dataset: { source: 'chest-phantom', positiveClass: 'effusion' } };
}

/** Parses `raw` and returns the error message, failing the test when parsing succeeds. */
function parseError(raw: unknown): string {
  try {
    parseExperimentConfig(raw, 'bad.json');
  } catch (err) {
    return (err as Error).message;
  }
  assert.unreachable(`expected ${JSON.stringify(raw)} to be rejected`);
  return '';
}

test('minimal config parses with defaults', () => {
  const config = parseExperimentConfig(minimalConfig(), 'minimal.json');
  // Expected values are the defaults written in ExperimentConfigSchema.
  assert.is(config.name, 'minimal');
  assert.is(config.description, '');
  assert.is(config.seed, 0);
  assert.equal(config.seeds, [0, 1, 2]);
  assert.equal(config.arms, [...ARMS]);
  assert.is(config.dataset.rareTrainCount, null);
  assert.is(config.dataset.classes, undefined);
  assert.is(config.generation.multiplier, 10);
  assert.is(config.generation.sampler, 'dpmsolver++');
  assert.is(config.generation.numInferenceSteps, 25);
  assert.is(config.generation.minProbability, 0.5);
  assert.is(config.generation.memorizationDistance, null);
  assert.equal(config.classifier.widths, [16, 32, 64]);
  assert.is(config.classifier.maxEpochs, 30);
  assert.is(config.evaluation.bootstrapResamples, 1000);
  assert.is(config.evaluation.eceBins, 15);
  assert.equal(config.diffusion.unet.widths, [32, 64, 64]);
  assert.is(config.diffusion.training.numSteps, 2000);
});

test('classifier.minEpochs above maxEpochs names both values', () => {
  assert.throws(
    () => parseExperimentConfig({ ...minimalConfig(), classifier: { maxEpochs: 10, minEpochs: 12 } }, 'test.json'),
    /classifier\.minEpochs \(12\) must not exceed classifier\.maxEpochs \(10\)/,
  );
});

test('parsing leaves the input unchanged', () => {
  const raw = minimalConfig();
  const before = JSON.stringify(raw);
  parseExperimentConfig(raw, 'minimal.json');
  assert.is(JSON.stringify(raw), before);
});

test('wrong type names field, value and type', () => {
  const message = parseError({ ...minimalConfig(), seeds: '0' });
  assert.match(message, 'bad.json');
  assert.match(message, 'seeds');
  assert.match(message, '"0"');
  assert.match(message, /array/i);
});

test('wrong element type names its index', () => {
  const message = parseError({ ...minimalConfig(), seeds: [0, 'one'] });
  assert.match(message, 'seeds.1');
  assert.match(message, '"one"');
  assert.match(message, /number/i);
});

test('unknown arm lists every arm', () => {
  const message = parseError({ ...minimalConfig(), arms: ['real-only', 'gan-augmented'] });
  assert.match(message, 'arms.1');
  assert.match(message, 'gan-augmented');
  for (const arm of ARMS) assert.match(message, `'${arm}'`);
});

test('unknown sampler lists every sampler', () => {
  const message = parseError({ ...minimalConfig(), generation: { sampler: 'euler-ancestral' } });
  assert.match(message, 'generation.sampler');
  assert.match(message, 'euler-ancestral');
  for (const sampler of ['ddpm', 'ddim', 'dpmsolver++']) assert.match(message, `'${sampler}'`);
});

test('multiplier 0 and -1 are rejected', () => {
  for (const multiplier of [0, -1]) {
    const message = parseError({ ...minimalConfig(), generation: { multiplier } });
    assert.match(message, 'generation.multiplier');
    assert.match(message, `(got ${multiplier})`);
    assert.match(message, '> 0');
  }
});

test('unknown top-level key lists allowed keys', () => {
  const message = parseError({ ...minimalConfig(), epochs: 3 });
  assert.match(message, "'epochs'");
  for (const key of ['name', 'dataset', 'seeds', 'arms', 'diffusion', 'generation', 'classifier', 'evaluation']) {
    assert.match(message, new RegExp(`\\b${key}\\b`));
  }
});

test('unknown nested key lists its siblings', () => {
  const message = parseError({ ...minimalConfig(), classifier: { epochs: 3 } });
  assert.match(message, 'classifier');
  assert.match(message, "'epochs'");
  for (const key of ['widths', 'batchSize', 'maxEpochs', 'learningRate', 'patience']) assert.match(message, key);
});

test('arms without real-only are rejected', () => {
  const message = parseError({ ...minimalConfig(), arms: ['oversampling', 'real+synthetic'] });
  assert.match(message, 'arms');
  assert.match(message, "'real-only'");
  assert.match(message, '["oversampling","real+synthetic"]');
});

test('missing dataset is rejected', () => {
  const message = parseError({ name: 'no-dataset' });
  assert.match(message, 'dataset');
  assert.match(message, /required/i);
});

test('name with a space is rejected', () => {
  const message = parseError({ ...minimalConfig(), name: 'my run' });
  assert.match(message, 'name');
  assert.match(message, '"my run"');
});

test('resolve finds quickstart by name', () => {
  const found = resolveExperimentConfig('quickstart', projectRoot);
  assert.is(found, path.join(projectRoot, 'experiments', 'quickstart.json'));
  const config = loadExperimentConfig(found);
  assert.is(config.name, 'quickstart');
  assert.is(config.dataset.source, 'chest-phantom');
});

test('resolve accepts a path to a JSON file', () => {
  const file = path.join(makeTempDir('medsynth-config-'), 'mine.json');
  fs.writeFileSync(file, JSON.stringify(minimalConfig()));
  assert.is(resolveExperimentConfig(file, projectRoot), file);
});

test('resolve lists where it looked', () => {
  const name = 'no-such-experiment';
  let message = '';
  try {
    resolveExperimentConfig(name, projectRoot);
  } catch (err) {
    message = (err as Error).message;
  }
  assert.match(message, 'not found');
  assert.match(message, path.resolve(name));
  assert.match(message, path.join(projectRoot, 'experiments', `${name}.json`));
});

test('config file with bad JSON is rejected', () => {
  const file = path.join(makeTempDir('medsynth-config-'), 'broken.json');
  fs.writeFileSync(file, '{ "name": "broken", ');
  assert.throws(() => loadExperimentConfig(file), (err: Error) => err.message.includes(file) && err.message.includes('not valid JSON'));
});

test.run();
