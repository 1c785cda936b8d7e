import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { decode } from 'fast-png';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadNpz } from '../../kernel-lib/data/npz';
import { runExperiment } from '../../kernel-lib/experiment/runner';
import { HEADLINE } from '../../kernel-lib/experiment/evaluate-arms';
import { makeTempDir, tinyExperimentConfig, uninterruptedTinyRun } from './tiny-experiment';

const ALL_STAGES = ['data', 'diffusion', 'filter-classifier', 'generation', 'classifiers', 'evaluation', 'report'];
// Every arm, in config order; all-real is evaluated because the tiny config sets rareTrainCount.
const ALL_ARMS = ['real-only', 'class-weighted', 'oversampling', 'augmentation', 'real+synthetic', 'synthetic-only', 'all-real'];
const ARM_FOLDERS = ['real-only', 'class-weighted', 'oversampling', 'augmentation', 'real-plus-synthetic', 'synthetic-only', 'all-real'];
const SEEDS = [0, 1];

interface MetricInterval {
  value: number | null;
  lower: number | null;
  upper: number | null;
}

interface ArmMetrics {
  arm: string;
  metrics: Record<string, MetricInterval>;
  differenceFromReference?: Record<string, MetricInterval>;
}

interface MetricsFile {
  notEvaluated: unknown[];
  arms: ArmMetrics[];
}

let runDir: string;
let repeatDir: string;
let tensorsBeforeRepeat: number;
let tensorsAfterRepeat: number;

test.before(async () => {
  runDir = await uninterruptedTinyRun();

  tensorsBeforeRepeat = tf.memory().numTensors;
  repeatDir = await runExperiment({ config: tinyExperimentConfig(), runsDir: makeTempDir('medsynth-runs-'), runId: 'repeat', backend: 'wasm' });
  tensorsAfterRepeat = tf.memory().numTensors;
});

function readJson<T>(...parts: string[]): T {
  return JSON.parse(fs.readFileSync(path.join(runDir, ...parts), 'utf8')) as T;
}

/** Paths of every key in `value` (dotted), for checks on the whole tree of a JSON file. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    const keyPath = prefix ? `${prefix}.${key}` : key;
    return [keyPath, ...keyPaths(child, keyPath)];
  });
}

function stringValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value as Record<string, unknown>).flatMap(stringValues);
}

test('run writes every file', () => {
  const expected = [
    'manifest.json',
    'state.json',
    'timings.json',
    'data.json',
    'real/real_train_no-finding.npz',
    'real/real_train_effusion.npz',
    'real_grid_no-finding.png',
    'real_grid_effusion.png',
    'diffusion/model.json',
    'diffusion/checkpoint.safetensors',
    'filter-classifier.safetensors',
    'generation.json',
    'metrics.json',
    'comparison.md',
    'report.html',
    ...SEEDS.flatMap((seed) => [
      `synthetic/synthetic_seed${seed}.npz`,
      `synthetic/synthetic_grid_effusion_seed${seed}.png`,
      `synthetic/synthetic_examples_effusion_seed${seed}.npz`,
      `synthetic/generation_seed${seed}.json`,
    ]),
    ...ARM_FOLDERS.flatMap((folder) => SEEDS.map((seed) => `classifiers/${folder}/seed${seed}.json`)),
  ];
  for (const file of expected) {
    const full = path.join(runDir, file);
    assert.ok(fs.existsSync(full), `expected ${file} in the run directory`);
    assert.ok(fs.statSync(full).size > 0, `expected ${file} to be non-empty`);
  }
});

test('run returns a folder named by runId', () => {
  assert.is(path.basename(runDir), 'uninterrupted');
  assert.is(readJson<{ runId: string }>('manifest.json').runId, 'uninterrupted');
});

test('state lists every stage', () => {
  assert.equal(readJson<{ finished: string[] }>('state.json').finished, ALL_STAGES);
});

test('timings cover every stage', () => {
  const timings = readJson<{ stages: Record<string, { seconds: number }> }>('timings.json');
  assert.equal(Object.keys(timings.stages).sort(), [...ALL_STAGES].sort());
  for (const stage of ALL_STAGES) assert.ok(timings.stages[stage].seconds >= 0, `expected a duration for ${stage}`);
});

test('manifest records config and backend', () => {
  const manifest = readJson<{ config: unknown; backend: { name: string }; seed: number }>('manifest.json');
  assert.equal(manifest.config, JSON.parse(JSON.stringify(tinyExperimentConfig())));
  assert.is(manifest.backend.name, 'wasm');
  assert.is(manifest.seed, 0);
});

test('metrics has every arm', () => {
  const metrics = readJson<MetricsFile>('metrics.json');
  assert.equal(
    metrics.arms.map((arm) => arm.arm),
    ALL_ARMS,
  );
  assert.equal(metrics.notEvaluated, []);
});

test('every arm has every headline metric', () => {
  const metrics = readJson<MetricsFile>('metrics.json');
  for (const arm of metrics.arms) {
    assert.equal(Object.keys(arm.metrics).sort(), [...HEADLINE].sort(), `headline metrics of ${arm.arm}`);
    for (const name of HEADLINE) {
      const { value, lower, upper } = arm.metrics[name];
      // Every headline metric is a rate, an area or a probability error, so it lies in [0, 1].
      assert.type(value, 'number', `${arm.arm} ${name}`);
      assert.ok(value! >= 0, `expected ${arm.arm} ${name} >= 0, got ${value}`);
      assert.ok(value! <= 1, `expected ${arm.arm} ${name} <= 1, got ${value}`);
      assert.type(lower, 'number', `lower bound of ${arm.arm} ${name}`);
      assert.type(upper, 'number', `upper bound of ${arm.arm} ${name}`);
      assert.ok(lower! <= upper!, `expected an interval for ${arm.arm} ${name}, got [${lower}, ${upper}]`);
    }
  }
});

test('arms are compared with real-only', () => {
  const metrics = readJson<MetricsFile>('metrics.json');
  for (const arm of metrics.arms) {
    if (arm.arm === 'real-only') continue;
    assert.ok(arm.differenceFromReference, `expected a difference from real-only for ${arm.arm}`);
    assert.ok(typeof arm.differenceFromReference!.auroc.value === 'number', `expected an AUROC difference for ${arm.arm}`);
  }
});

test('metrics has no timing or date', () => {
  const metrics = readJson<unknown>('metrics.json');
  const timeKeys = keyPaths(metrics).filter((key) => /(time|date|seconds|duration|createdAt|finishedAt)/i.test(key.split('.').pop() as string));
  assert.equal(timeKeys, []);
  const dates = stringValues(metrics).filter((text) => /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text));
  assert.equal(dates, []);
});

test('same config gives identical metrics', () => {
  const first = fs.readFileSync(path.join(runDir, 'metrics.json'));
  const second = fs.readFileSync(path.join(repeatDir, 'metrics.json'));
  assert.ok(first.equals(second), 'expected metrics.json of two runs with one config to be byte-identical');
});

test('run leaves no tensors behind', () => {
  assert.is(tensorsAfterRepeat, tensorsBeforeRepeat);
});

test('synthetic PNGs are marked synthetic', () => {
  const pngs = fs.readdirSync(path.join(runDir, 'synthetic')).filter((name) => name.endsWith('.png'));
  assert.is(pngs.length, SEEDS.length, 'expected one grid per seed');
  for (const name of pngs) {
    assert.ok(name.startsWith('synthetic_'), `expected ${name} to start with synthetic_`);
    const png = decode(fs.readFileSync(path.join(runDir, 'synthetic', name)));
    assert.is(png.text.Synthetic, 'true', `text chunk Synthetic of ${name}`);
    assert.match(png.text.Comment, 'SYNTHETIC');
  }
});

test('synthetic npz files are named synthetic_', () => {
  const npzs = fs.readdirSync(path.join(runDir, 'synthetic')).filter((name) => name.endsWith('.npz'));
  assert.is(npzs.length, 2 * SEEDS.length);
  for (const name of npzs) assert.ok(name.startsWith('synthetic_'), `expected ${name} to start with synthetic_`);
});

test('real grids are not marked synthetic', () => {
  for (const name of ['real_grid_no-finding.png', 'real_grid_effusion.png']) {
    const png = decode(fs.readFileSync(path.join(runDir, name)));
    assert.is(png.text.Synthetic, undefined, `text chunk Synthetic of ${name}`);
    assert.match(png.text.Comment, 'REAL');
  }
});

test('synthetic npz flags every image', () => {
  const generation = readJson<{ records: { seed: number; accepted: number; classIndex: number }[] }>('generation.json');
  for (const seed of SEEDS) {
    const arrays = loadNpz(path.join(runDir, 'synthetic', `synthetic_seed${seed}.npz`));
    const synthetic = arrays.get('synthetic');
    const labels = arrays.get('labels');
    const images = arrays.get('images');
    assert.ok(synthetic, `expected a synthetic array in seed ${seed}`);
    assert.ok(labels, `expected a labels array in seed ${seed}`);
    assert.ok(images, `expected an images array in seed ${seed}`);
    const accepted = generation.records.filter((r) => r.seed === seed).reduce((n, r) => n + r.accepted, 0);
    // multiplier 1 and 8 real effusion images: the target is 8, and minProbability 0 accepts every image.
    assert.is(accepted, 8);
    assert.equal(synthetic!.shape, [accepted]);
    assert.ok(Array.from(synthetic!.data).every((flag) => flag === 1), `expected a synthetic flag of 1 on every image of seed ${seed}`);
    assert.equal(labels!.shape, [accepted]);
    assert.ok(Array.from(labels!.data).every((label) => label === 1), 'expected every synthetic image labelled effusion (1)');
    assert.equal(images!.shape, [accepted, 28, 28]);
  }
});

test('report states the real test split', () => {
  const html = fs.readFileSync(path.join(runDir, 'report.html'), 'utf8');
  assert.ok(html.includes('REAL held-out test split'), "expected 'REAL held-out test split' in report.html");
  const table = fs.readFileSync(path.join(runDir, 'comparison.md'), 'utf8');
  for (const arm of ALL_ARMS) assert.ok(table.includes(arm), `expected arm ${arm} in comparison.md`);
});

test.run();
