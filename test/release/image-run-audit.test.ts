import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageRunAudit, auditImageRun, imageAuditTable } from '../../kernel-lib/release/image-run-audit';
import { makeTempDir, uninterruptedTinyRun } from '../experiment/tiny-experiment';
import { rejectionMessage } from '../helpers/rejection';

let runDir: string;
let audit: ImageRunAudit;

test.before(async () => {
  runDir = await uninterruptedTinyRun();
  audit = await auditImageRun(runDir);
});

test('audit reads the rare class', () => {
  assert.is(audit.className, 'effusion');
  assert.is(audit.name, 'tiny');
  // multiplier 1 and 8 real effusion images: 8 accepted synthetic images of seed 0.
  assert.is(audit.records.synthetic.numRecords, 8);
  assert.is(audit.records.train.numRecords, 8);
  assert.ok(audit.records.reference.numRecords > 0, 'expected left-out effusion images as non-members');
});

test('details match the gate summary', () => {
  assert.is(audit.details.dcr.synthetic.values.length, 8);
  assert.is(audit.details.dcr.synthetic.percentile5, audit.result.metrics.dcr.synthetic.percentile5);
  assert.is(audit.details.distanceAttack.auc, audit.result.metrics.membershipInference.distance.auc);
  assert.is(audit.details.densityAttack.auc, audit.result.metrics.membershipInference.densityRatio.auc);
});

test('non-private run has no privacy record', () => {
  assert.is(audit.privacy, null);
});

test('utility lists every arm', () => {
  assert.is(audit.utility.length, 7);
  for (const row of audit.utility) assert.ok(row.value === null || (row.value >= 0 && row.value <= 1), `AUROC of ${row.arm}: ${row.value}`);
});

test('table has a row per run', () => {
  const lines = imageAuditTable([audit, audit]).split('\n');
  assert.is(lines.length, 4);
  assert.match(lines[2], /^\| tiny \| non-private \|/);
});

test('missing real files are rebuilt', async () => {
  const copy = path.join(makeTempDir('medsynth-audit-'), 'run');
  fs.cpSync(runDir, copy, { recursive: true });
  fs.rmSync(path.join(copy, 'real'), { recursive: true, force: true });
  const rebuilt = await auditImageRun(copy);
  assert.is(rebuilt.records.train.numRecords, audit.records.train.numRecords);
  assert.is(rebuilt.records.reference.numRecords, audit.records.reference.numRecords);
  assert.is(rebuilt.result.metrics.dcr.synthetic.median, audit.result.metrics.dcr.synthetic.median);
});

test('privacy record is read from model.json', async () => {
  const copy = path.join(makeTempDir('medsynth-audit-'), 'run');
  fs.cpSync(runDir, copy, { recursive: true });
  const modelFile = path.join(copy, 'diffusion', 'model.json');
  const model = JSON.parse(fs.readFileSync(modelFile, 'utf8'));
  model.privacy = { noiseMultiplier: 1.1, sampleRate: 0.01, clipNorm: 1, delta: 1e-5, datasetSize: 100, steps: 3, epsilon: 0.5, conversion: 'improved' };
  fs.writeFileSync(modelFile, JSON.stringify(model));
  const dp = await auditImageRun(copy);
  assert.is(dp.privacy?.epsilon, 0.5);
  assert.match(imageAuditTable([dp]), '| 0.50 (0.00001) |');
});

test('invalid privacy record rejected', async () => {
  const copy = path.join(makeTempDir('medsynth-audit-'), 'run');
  fs.cpSync(runDir, copy, { recursive: true });
  const modelFile = path.join(copy, 'diffusion', 'model.json');
  const model = JSON.parse(fs.readFileSync(modelFile, 'utf8'));
  model.privacy = { noiseMultiplier: 1.1, sampleRate: 0.01, clipNorm: 1, delta: 1e-5, datasetSize: 100, steps: 3, epsilon: -1, conversion: 'improved' };
  fs.writeFileSync(modelFile, JSON.stringify(model));
  const message = await rejectionMessage(() => auditImageRun(copy));
  assert.match(message, `the privacy record in ${modelFile} is invalid (epsilon:`);
});

test('run without synthetic images rejected', async () => {
  const copy = path.join(makeTempDir('medsynth-audit-'), 'run');
  fs.cpSync(runDir, copy, { recursive: true });
  fs.rmSync(path.join(copy, 'synthetic'), { recursive: true, force: true });
  const message = await rejectionMessage(() => auditImageRun(copy));
  assert.match(message, `the synthetic images ${path.join(copy, 'synthetic', 'synthetic_seed0.npz')} are missing`);
});

test('missing run directory rejected', async () => {
  const missing = path.join(makeTempDir('medsynth-audit-'), 'nowhere');
  const message = await rejectionMessage(() => auditImageRun(missing));
  assert.match(message, `run manifest ${path.join(missing, 'manifest.json')} is missing`);
});

test.run();
