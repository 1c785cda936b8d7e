import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeEhrDemoSet } from '../../kernel-lib/data/ehr-demo';
import { runEhrExperiment } from '../../kernel-lib/experiment/ehr/ehr-runner';
import { MEDSYNTH_BIN } from '../helpers/medsynth-bin';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-release-cli-'));
let run = '';

function medsynth(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [MEDSYNTH_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, MEDSYNTH_BACKEND: 'wasm', MEDSYNTH_LOG_LEVEL: 'error' },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const realFile = (split: string, extension = 'csv') => path.join(run, 'real', `real_physionet2012_${split}_timeseries.${extension}`);
const CHECK_NAMES = [
  'source-license',
  'dcr-5th-percentile',
  'exact-copies',
  'membership-auc-distance',
  'membership-auc-density-ratio',
  'tstr-auroc',
  'discriminative-score',
];

test.before(async () => {
  const demo = writeEhrDemoSet(path.join(work, 'demo'), { count: 40, seed: 1 });
  run = await runEhrExperiment({
    config: {
      kind: 'ehr',
      name: 'release-fixture',
      dataset: { recordFolder: demo.recordFolder, outcomesPath: demo.outcomesPath, hours: 24 },
      seed: 4,
      models: ['latent'],
      schedule: { numTrainTimesteps: 50 },
      latent: {
        latentMlp: { hiddenDim: 16, numBlocks: 1 },
        vae: { latentDim: 4, hiddenDim: 16, numLayers: 1, numSteps: 6, batchSize: 8 },
        training: { numSteps: 6, batchSize: 8 },
      },
      generation: { multiplier: 1, numInferenceSteps: 3, batchSize: 16 },
      evaluation: { discriminativeFolds: 3 },
    } as never,
    runsDir: work,
    runId: 'run',
    backend: 'wasm',
  });
});

test.after(() => fs.rmSync(work, { recursive: true, force: true }));

test('release prints checks and writes card', () => {
  const out = path.join(work, 'report');
  const result = medsynth(['release', path.join(run, 'synthetic', 'latent'), '--train', realFile('train'), '--reference', realFile('test'), '--out', out]);
  for (const name of CHECK_NAMES) assert.match(result.stdout, new RegExp(`^  (PASS|FAIL)  ${name} `, 'm'), `check ${name} not printed`);
  // An untrained generator measures every variable, which no real patient does, so a
  // classifier separates its records perfectly.
  assert.match(result.stdout, /^ {2}FAIL {2}discriminative-score +0\.5 \(threshold ≤ 0\.35\)/m);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, /^medsynth release: release gate FAILED: \d of 7 checks failed \([a-z0-9, -]*discriminative-score\); do not share this dataset/m);

  const html = fs.readFileSync(path.join(out, 'release-report.html'), 'utf8');
  const card = fs.readFileSync(path.join(out, 'DATASET_CARD.md'), 'utf8');
  for (const text of [html, card]) {
    assert.match(text, /SYNTHETIC DATA/);
    assert.match(text, /Not for clinical decisions/);
    assert.match(text, /ODC-BY 1\.0/);
    assert.match(text, /Silva I, Moody G/);
    assert.match(text, /Model kind: latent/);
    assert.match(text, /Differential privacy: none: the generator was trained without differential privacy/);
  }
  assert.match(card, /^## Release gate: FAIL$/m);
  assert.match(card, /^\| discriminative-score \| 0\.5 \| ≤ 0\.35 \| FAIL \|/m);
  assert.not.match(html, /<script/i);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'release-gate.json'), 'utf8'));
  assert.is(json.synthetic, true);
  assert.is(json.verdict, 'FAIL');
  assert.is(json.checks.length, 7);
});

test('release passes under lenient policy', () => {
  const policy = path.join(work, 'lenient.json');
  fs.writeFileSync(policy, JSON.stringify({ membershipInference: { maxAuc: 1 }, utility: { enabled: false } }));
  const out = path.join(work, 'lenient');
  const result = medsynth(['release', path.join(run, 'synthetic', 'latent'), '--train', realFile('train'), '--reference', realFile('test'), '--policy', policy, '--out', out]);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /release gate PASSED: all 5 checks passed/);
  assert.match(result.stdout, /note: utility checks were turned off by the policy/);
  assert.match(fs.readFileSync(path.join(out, 'DATASET_CARD.md'), 'utf8'), /^## Release gate: PASS$/m);
});

test('release fails copied training patients', () => {
  // The real training files under a synthetic name, as a generator that memorised them would write.
  const copyDir = path.join(work, 'copy');
  fs.mkdirSync(copyDir);
  for (const suffix of ['timeseries.parquet', 'outcomes.parquet']) {
    fs.copyFileSync(path.join(run, 'real', `real_physionet2012_train_${suffix}`), path.join(copyDir, `synthetic_copy_${suffix}`));
  }
  fs.writeFileSync(path.join(copyDir, 'synthetic_copy_metadata.json'), JSON.stringify({ synthetic: true }));
  const result = medsynth(['release', path.join(copyDir, 'synthetic_copy_timeseries.parquet'), '--train', realFile('train', 'parquet'), '--reference', realFile('test', 'parquet')]);
  assert.is(result.code, 1, result.stdout);
  assert.match(result.stdout, /^ {2}FAIL {2}exact-copies +1 \(threshold ≤ 0\): 28 of 28 synthetic records equal a --train record/m);
  assert.match(result.stdout, /^ {2}FAIL {2}membership-auc-distance +1 \(threshold ≤ 0\.55\)/m);
  assert.match(result.stderr, /checks failed \(dcr-5th-percentile, exact-copies, membership-auc-distance/);
  // Without --out the report goes beside the synthetic files, whose generator is unknown.
  const card = fs.readFileSync(path.join(copyDir, 'DATASET_CARD.md'), 'utf8');
  assert.match(card, /SYNTHETIC DATA/);
  assert.match(card, /Model kind: unknown/);
  assert.match(card, /Source licence: unknown/);
});

test('release rejects real synthetic input', () => {
  const result = medsynth(['release', realFile('validation'), '--train', realFile('train'), '--reference', realFile('test')]);
  assert.is(result.code, 1);
  assert.match(result.stderr, /the synthetic input .*real_physionet2012_validation_timeseries\.csv is not marked synthetic/);
  assert.not.ok(fs.existsSync(path.join(run, 'real', 'DATASET_CARD.md')));
});

test.run();
