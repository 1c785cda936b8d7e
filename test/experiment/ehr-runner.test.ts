import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runEhrExperiment } from '../../kernel-lib/experiment/ehr/ehr-runner';
import { reproduceRun } from '../../kernel-lib/experiment/reproduce';
import { writePhysionetFixture } from '../helpers/physionet-fixture';
import { MEDSYNTH_BIN } from '../helpers/medsynth-bin';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-ehr-run-'));
const fixture = writePhysionetFixture(45, 3);

function tinyConfig(name = 'ehr-fixture'): Record<string, unknown> {
  return {
    kind: 'ehr',
    name,
    dataset: { recordFolder: fixture.recordFolder, outcomesPath: fixture.outcomesPath, hours: 24 },
    seed: 4,
    schedule: { numTrainTimesteps: 50 },
    trajectory: { transformer: { modelDim: 8, numLayers: 1, numHeads: 2, mlpRatio: 2 }, training: { numSteps: 6, batchSize: 8, checkpointEvery: 3 } },
    latent: { latentMlp: { hiddenDim: 16, numBlocks: 1 }, vae: { latentDim: 4, hiddenDim: 16, numLayers: 1, numSteps: 6, batchSize: 8 }, training: { numSteps: 6, batchSize: 8 } },
    generation: { multiplier: 1, numInferenceSteps: 3, batchSize: 16 },
    evaluation: { discriminativeFolds: 3 },
  };
}

function medsynth(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [MEDSYNTH_BIN, ...args], { encoding: 'utf8', env: { ...process.env, MEDSYNTH_BACKEND: 'wasm' }, timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let firstRun = '';

test('an EHR run writes metrics, report and marked synthetic files', async () => {
  firstRun = await runEhrExperiment({ config: tinyConfig() as never, runsDir: work, runId: 'a', backend: 'wasm' });
  const metrics = JSON.parse(fs.readFileSync(path.join(firstRun, 'metrics.json'), 'utf8'));
  // 15 deaths split 11/2/2 and 30 survivors 21/5/4 (round(0.7·15) = 11, round(0.15·30) = 5).
  assert.is(metrics.realTestPatients, 6);
  assert.is(metrics.trtr.status, 'ok');
  assert.ok(metrics.trtr.auroc.value > 0.5, `TRTR AUROC ${metrics.trtr.auroc.value}: the fixture's deaths have higher heart rates`);
  for (const kind of ['trajectory', 'latent']) {
    const model = metrics.models[kind];
    // One synthetic patient per real training patient and outcome: 21 survivors and 11 deaths.
    assert.is(model.syntheticPatients, 32);
    assert.ok(['ok', 'cannot-train'].includes(model.tstr.status));
    assert.ok(model.discriminative.score >= 0, `discriminative score ${model.discriminative.score} is negative`);
    assert.ok(model.discriminative.score <= 0.5, `discriminative score ${model.discriminative.score} is above 0.5`);
    assert.is(model.worstByWasserstein.length, 4, 'only HR, Temp, Urine and GCS are measured');
    const files = fs.readdirSync(path.join(firstRun, 'synthetic', kind)).filter((f) => f.endsWith('.csv') || f.endsWith('.parquet') || f.endsWith('metadata.json'));
    assert.equal(files.sort(), [
      `synthetic_physionet2012_${kind}_metadata.json`,
      `synthetic_physionet2012_${kind}_outcomes.csv`,
      `synthetic_physionet2012_${kind}_outcomes.parquet`,
      `synthetic_physionet2012_${kind}_timeseries.csv`,
      `synthetic_physionet2012_${kind}_timeseries.parquet`,
    ]);
    const metadata = JSON.parse(fs.readFileSync(path.join(firstRun, 'synthetic', kind, `synthetic_physionet2012_${kind}_metadata.json`), 'utf8'));
    assert.is(metadata.synthetic, true);
    assert.equal(metadata.patientsPerLabel, { 0: 21, 1: 11 });
  }
  const realMetadata = JSON.parse(fs.readFileSync(path.join(firstRun, 'real', 'real_physionet2012_test_metadata.json'), 'utf8'));
  assert.is(realMetadata.synthetic, false);
  assert.is(realMetadata.patients, 6);
  assert.ok(fs.existsSync(path.join(firstRun, 'real', 'real_physionet2012_train_timeseries.parquet')));
  const report = fs.readFileSync(path.join(firstRun, 'report.md'), 'utf8');
  assert.match(report, /\| real \(TRTR\) \| \d\.\d{3} \|/);
  assert.match(report, /\| trajectory synthetic \(TSTR, 32 patients\) \|/);
  assert.match(report, /sex: (female|male)/);
});

test('the same config and seed give a byte-identical metrics.json', async () => {
  const second = await runEhrExperiment({ config: tinyConfig() as never, runsDir: work, runId: 'b', backend: 'wasm' });
  assert.is(fs.readFileSync(path.join(second, 'metrics.json'), 'utf8'), fs.readFileSync(path.join(firstRun, 'metrics.json'), 'utf8'));
  const csv = 'synthetic/latent/synthetic_physionet2012_latent_timeseries.csv';
  assert.ok(fs.readFileSync(path.join(second, csv)).equals(fs.readFileSync(path.join(firstRun, csv))));
});

test('medsynth reproduce re-runs an EHR run and finds every metric within tolerance', async () => {
  const report = await reproduceRun({ runDir: firstRun, runId: 'a-reproduced', backend: 'wasm' });
  assert.ok(report.metrics.length > 50, `only ${report.metrics.length} metrics were compared`);
  assert.is(report.outOfTolerance, 0);
  assert.is(report.tolerance, 0);
});

test('resuming a finished run changes no result', async () => {
  const before = fs.readFileSync(path.join(firstRun, 'metrics.json'), 'utf8');
  await runEhrExperiment({ resumeDir: firstRun, backend: 'wasm' });
  assert.is(fs.readFileSync(path.join(firstRun, 'metrics.json'), 'utf8'), before);
});

test('invalid EHR configs are refused before a run directory exists', async () => {
  const bad = { ...tinyConfig('bad'), generation: { multiplier: 0 } };
  await runEhrExperiment({ config: bad as never, runsDir: work, runId: 'bad' }).then(
    () => assert.unreachable('a zero multiplier was accepted'),
    (err: Error) => assert.match(err.message, /^invalid EHR experiment config config object: generation\.multiplier/),
  );
  const missing = { ...tinyConfig('missing'), dataset: { recordFolder: path.join(work, 'nowhere'), outcomesPath: fixture.outcomesPath } };
  await runEhrExperiment({ config: missing as never, runsDir: work, runId: 'missing' }).then(
    () => assert.unreachable('a missing record folder was accepted'),
    (err: Error) => assert.match(err.message, /^loadPhysionet2012: record folder not found: .*nowhere/),
  );
  assert.not.ok(fs.existsSync(path.join(work, 'bad')));
  assert.not.ok(fs.existsSync(path.join(work, 'missing')));
});

test('medsynth ehr generate writes marked files and refuses bad options', () => {
  const model = path.join(firstRun, 'models', 'latent');
  const out = path.join(work, 'generated');
  const ok = medsynth(['ehr', 'generate', '--model', model, '--n', '5', '--condition', 'death=1', '--out', out, '--batch-size', '2', '--steps', '3']);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /5 SYNTHETIC patients \(inHospitalDeath = died\)/);
  const outcomes = fs.readFileSync(path.join(out, 'synthetic_physionet2012_outcomes.csv'), 'utf8').trim().split('\n');
  assert.equal(outcomes, ['RecordID,In-hospital_death', '1000001,1', '1000002,1', '1000003,1', '1000004,1', '1000005,1']);

  const cases: [string[], RegExp][] = [
    [['--n', '5', '--condition', 'death=1', '--out', out], /missing required option --model/],
    [['--model', path.join(work, 'none'), '--condition', 'death=1', '--out', out], /no EHR model found: .*none\/model\.json does not exist/],
    [['--model', model, '--condition', 'sex=1', '--out', out], /conditioned on 'inHospitalDeath', not 'sex'/],
    [['--model', model, '--condition', 'death=2', '--out', out], /condition value '2' is not one of 0 \(survived\), 1 \(died\)/],
    [['--model', model, '--condition', 'death', '--out', out], /--condition must look like name=value/],
    [['--model', model, '--condition', 'death=1', '--n', '0', '--out', out], /--n must be an integer >= 1, got 0/],
    [['--model', model, '--condition', 'death=1', '--prefix', 'patients', '--out', path.join(work, 'p')], /prefix 'patients' must start with 'synthetic_'/],
    [['--model', model, '--condition', 'death=1', '--guidance', '-1', '--out', out], /--guidance must be >= 0, got -1/],
  ];
  const before = fs.readFileSync(path.join(out, 'synthetic_physionet2012_timeseries.csv'));
  for (const [args, message] of cases) {
    const result = medsynth(['ehr', 'generate', ...args]);
    assert.is(result.code, 1, `${args.join(' ')} exited with ${result.code}`);
    assert.match(result.stderr, message);
  }
  assert.ok(fs.readFileSync(path.join(out, 'synthetic_physionet2012_timeseries.csv')).equals(before), 'a refused command changed earlier output');
  assert.not.ok(fs.existsSync(path.join(work, 'p')));
});

test('medsynth run dispatches an EHR config file', () => {
  const configPath = path.join(work, 'ehr-cli.json');
  fs.writeFileSync(configPath, JSON.stringify({ ...tinyConfig('ehr-cli'), models: ['latent'] }));
  const result = medsynth(['run', configPath, '--runs-dir', work, '--run-id', 'cli']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /stage train-latent/);
  assert.not.match(result.stdout, /stage train-trajectory/);
  assert.match(result.stdout, /report: .*cli\/report\.md/);
});

test.after(() => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(fixture.root, { recursive: true, force: true });
});

test.run();
