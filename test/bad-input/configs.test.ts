import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadExperimentConfig, parseExperimentConfig } from '../../kernel-lib/experiment/config';
import { prepareExperimentData } from '../../kernel-lib/experiment/prepare-data';
import { injectParameters, parseNotebook, readNotebook } from '../../kernel-lib/notebook';
import { setLogSink } from '../../kernel-lib/util/log';
import { npy, writeNpz } from '../helpers/npz-writer';

// Invalid experiment configs and notebooks are rejected with a message that names the source,
// the offending field or value, and the fix. Files given by path stay unchanged.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-bad-configs-'));
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

const VALID = { name: 'bad-input', dataset: { source: 'chest-phantom', positiveClass: 'effusion' } };

/** Returns the message of the Error `call` throws. */
function errorOf(call: () => unknown): string {
  try {
    call();
  } catch (err) {
    assert.instance(err, Error);
    return (err as Error).message;
  }
  assert.unreachable('expected the call to throw');
  return '';
}

test('config with a wrong field type', () => {
  const message = errorOf(() => parseExperimentConfig({ ...VALID, seed: 'zero' }, 'typed.json'));
  assert.match(message, /^invalid experiment config typed\.json: /);
  assert.match(message, /seed/);
  assert.match(message, /number/);
});

test('config with an unknown key', () => {
  const message = errorOf(() => parseExperimentConfig({ ...VALID, epochs: 3 }, 'extra.json'));
  assert.match(message, /^invalid experiment config extra\.json: /);
  assert.match(message, /epochs/);
  assert.match(message, /allowed keys in the top level: name, description, dataset/);
});

test('config with multiplier 0', () => {
  const message = errorOf(() => parseExperimentConfig({ ...VALID, generation: { multiplier: 0 } }, 'mult.json'));
  assert.match(message, /^invalid experiment config mult\.json: /);
  assert.match(message, /multiplier must be > 0 \(synthetic images per real rare image\)/);
});

test('config with a negative multiplier', () => {
  const message = errorOf(() => parseExperimentConfig({ ...VALID, generation: { multiplier: -2 } }, 'mult.json'));
  assert.match(message, /generation\.multiplier/);
  assert.match(message, /multiplier must be > 0/);
});

test('config with minEpochs above maxEpochs', () => {
  const message = errorOf(() => parseExperimentConfig({ ...VALID, classifier: { minEpochs: 9, maxEpochs: 4 } }, 'epochs.json'));
  assert.is(
    message,
    'invalid experiment config epochs.json: classifier.minEpochs (9) must not exceed classifier.maxEpochs (4); lower minEpochs or raise maxEpochs',
  );
});

test('config with arms but no real-only', () => {
  const message = errorOf(() => parseExperimentConfig({ ...VALID, arms: ['oversampling'] }, 'arms.json'));
  assert.is(
    message,
    `invalid experiment config arms.json: arms must include 'real-only', the reference every arm is compared with (got ["oversampling"])`,
  );
});

test('config with an unknown arm', () => {
  const message = errorOf(() => parseExperimentConfig({ ...VALID, arms: ['real-only', 'magic'] }, 'arms.json'));
  assert.match(message, /^invalid experiment config arms\.json: /);
  assert.match(message, /magic/);
  assert.match(message, /real-only/);
});

test('config file that is not JSON stays unchanged', () => {
  const filePath = path.join(work, 'broken.json');
  fs.writeFileSync(filePath, '{"name": "x",');
  const before = fs.readFileSync(filePath);
  const message = errorOf(() => loadExperimentConfig(filePath));
  assert.match(message, new RegExp(`^experiment config ${filePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON \\(.*\\); fix the syntax$`));
  assert.equal(fs.readFileSync(filePath), before);
});

test('config with an unknown class', () => {
  const config = parseExperimentConfig({ ...VALID, dataset: { ...VALID.dataset, classes: ['no finding', 'pneumothorax'] } }, 'classes.json');
  const message = errorOf(() => prepareExperimentData(config));
  assert.match(message, /^dataset\.classes: unknown class 'pneumothorax'; /);
  assert.match(message, /'no finding'/);
});

test('rare class without training images', () => {
  // Train has only class 0; val and test have both, so class '1' exists but has no training images.
  const source = writeNpz(path.join(work, 'no-rare-train.npz'), {
    'train_images.npy': npy('|u1', [4, 2, 2], new Uint8Array(16).fill(10)),
    'train_labels.npy': npy('|u1', [4, 1], Uint8Array.from([0, 0, 0, 0])),
    'val_images.npy': npy('|u1', [2, 2, 2], new Uint8Array(8).fill(20)),
    'val_labels.npy': npy('|u1', [2, 1], Uint8Array.from([0, 1])),
    'test_images.npy': npy('|u1', [2, 2, 2], new Uint8Array(8).fill(30)),
    'test_labels.npy': npy('|u1', [2, 1], Uint8Array.from([0, 1])),
  });
  const before = fs.readFileSync(source);
  const config = parseExperimentConfig({ name: 'no-rare', dataset: { source, positiveClass: '1', rareTrainCount: 2 } }, 'no-rare.json');
  // The rareTrainCount warning for the 0-image class is expected here, so it is not printed.
  const previousSink = setLogSink(() => undefined);
  let message: string;
  try {
    message = errorOf(() => prepareExperimentData(config));
  } finally {
    setLogSink(previousSink);
  }
  assert.is(
    message,
    "pickRareClasses: rare class '1' has no training images; a conditional model cannot learn it, so add images of that class or leave it out",
  );
  assert.equal(fs.readFileSync(source), before);
});

test('notebook that is not JSON', () => {
  const message = errorOf(() => parseNotebook('# not a notebook', 'plain.ipynb'));
  assert.match(message, /^parseNotebook: plain\.ipynb is not valid JSON \(.*\); pass an \.ipynb file saved by Jupyter$/);
});

test('notebook in nbformat 3', () => {
  const message = errorOf(() => parseNotebook(JSON.stringify({ nbformat: 3, nbformat_minor: 0, worksheets: [] }), 'old.ipynb'));
  assert.is(
    message,
    'parseNotebook: old.ipynb has nbformat 3, but only nbformat 4 is supported; convert it with `jupyter nbconvert --to notebook --nbformat 4`',
  );
});

test('notebook file that does not exist', () => {
  const filePath = path.join(work, 'missing.ipynb');
  const message = errorOf(() => readNotebook(filePath));
  assert.match(message, /^readNotebook: cannot read /);
  assert.ok(message.includes(filePath), message);
  assert.match(message, /check the path$/);
});

test('undeclared notebook parameter', () => {
  const notebook = parseNotebook(
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [{ cell_type: 'code', source: 'let seed = 0;\nlet steps = 10;', metadata: { tags: ['parameters'] }, outputs: [], execution_count: null }],
    }),
    'params.ipynb',
  );
  const message = errorOf(() => injectParameters(notebook, { sede: 3 }));
  assert.is(
    message,
    "injectParameters: parameter 'sede' is not declared in the parameters cell (index 0); declared parameters: seed, steps. Check the name, or declare it there with let",
  );
});

test.run();
