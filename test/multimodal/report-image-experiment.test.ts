import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { loadReportImageData } from '../../kernel-lib/multimodal/report-image-data';
import { chooseEvaluationReports, REPORT_METRICS_FILE, runReportImageExperiment } from '../../kernel-lib/multimodal/report-image-experiment';
import { QUICK_REPORT_IMAGE_SETTINGS, ReportImageSettingsSchema } from '../../kernel-lib/multimodal/report-image-settings';
import { formatReportImageMetrics } from '../../kernel-lib/multimodal/report-image-table';
import { REPORT_VARIATIONS_FILE } from '../../kernel-lib/multimodal/report-variation-summary';
import { nearestRows, reportImageRunDirectory } from '../../kernel-lib/multimodal/report-image-run';
import { reportImageCommand } from '../../kernel-lib/cli/report-image';
import { rejectionMessage } from '../helpers/rejection';

// Small phantom splits: four classes, a few images each.
const SOURCE = { kind: 'phantom' as const, counts: { train: [24, 8, 8, 8], val: [8, 4, 4, 4], test: [8, 4, 4, 4] } };
const SETTINGS = ReportImageSettingsSchema.parse(QUICK_REPORT_IMAGE_SETTINGS);

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
});

test('phantom pairs are exact', () => {
  const data = loadReportImageData(SOURCE, 0);
  assert.is(data.pairing, 'exact');
  for (const split of Object.values(data.splits)) {
    assert.is(split.reports.length, split.pairs.count);
    split.pairs.reportIndex.forEach((r, i) => assert.is(split.reports[r].imageClass, split.pairs.labels[i]));
  }
});

test('the experiment writes its metrics, and a second run reuses the finished stages', () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-report-image-'));
  const data = loadReportImageData(SOURCE, 0);
  const stages = new Set<string>();
  const before = tf.memory().numTensors;
  const metrics = runReportImageExperiment({ data, settings: SETTINGS, outDir, onProgress: (p) => stages.add(p.stage) });
  assert.is(tf.memory().numTensors, before, 'no tensors leaked');
  assert.equal([...stages].sort(), ['classifier', 'clip', 'diffusion', 'generation']);
  const written = JSON.parse(fs.readFileSync(path.join(outDir, REPORT_METRICS_FILE), 'utf8'));
  assert.equal(written.findingAgreement, JSON.parse(JSON.stringify(metrics.findingAgreement)));
  for (const row of metrics.retrieval.textToImage.atK) assert.ok(row.value >= 0 && row.value <= 1, `agreement @${row.k} is a fraction`);
  assert.ok(metrics.retrieval.exactTextToImage !== null, 'exact pairs get recall at k');
  assert.equal(metrics.findingAgreement.map((row) => row.guidanceScale), [0, 3]);
  for (const row of metrics.findingAgreement) assert.is(row.images, 4 * 2 * 1, 'two reports per class, one sample each');
  assert.equal(metrics.variations.map((v) => v.finding), ['normal', 'pleural effusion', 'cardiomegaly', 'nodule']);
  for (const v of metrics.variations) assert.is(v.verbatimCopies, 0, `${v.finding}: no variation copies a whole report`);
  assert.ok(fs.existsSync(path.join(outDir, REPORT_VARIATIONS_FILE)));
  const table = formatReportImageMetrics(metrics);
  assert.match(table, /label agreement, report → image/);
  assert.match(table, /\| 3 \| /);

  // Second run: CLIP and diffusion are found on disk, so no CLIP or diffusion step runs again.
  const again = new Set<string>();
  const second = runReportImageExperiment({ data, settings: SETTINGS, outDir, onProgress: (p) => again.add(p.stage) });
  assert.ok(!again.has('clip'), 'CLIP is not trained again');
  assert.ok(!again.has('diffusion'), 'the diffusion model is not trained again');
  assert.equal(second.retrieval, metrics.retrieval, 'the reloaded encoder gives the same retrieval');
  fs.rmSync(outDir, { recursive: true, force: true });
});

test('evaluation reports are drawn per class, the same for one seed', () => {
  const data = loadReportImageData(SOURCE, 0);
  const a = chooseEvaluationReports(data.splits.test, 4, 3, 5);
  assert.equal(a, chooseEvaluationReports(data.splits.test, 4, 3, 5));
  assert.equal(a.map((r) => data.splits.test.reports[r].imageClass), [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
});

test('nearestRows ranks by cosine, ties to the lower index', () => {
  const gallery = Float32Array.from([1, 0, 0, 1, 2, 0, -1, 0]);
  assert.equal(nearestRows(Float32Array.from([1, 0]), gallery, 2, 3), [0, 2, 1]);
  assert.throws(() => nearestRows(Float32Array.from([1, 0, 0]), gallery, 2, 1), /query must be \[2\]/);
});

test('licensed reports may not write a run inside the project', () => {
  const source = { kind: 'iu-xray' as const, reportsDir: '/nowhere', images: 'pneumoniamnist' };
  assert.throws(() => reportImageRunDirectory(source, path.resolve(__dirname, '..', '..', '..', 'experiments', 'runs', 'x')), /is inside the project/);
  assert.is(reportImageRunDirectory(source, '/tmp/elsewhere'), '/tmp/elsewhere');
});

test('command rejects bad sources and settings', async () => {
  assert.match(await rejectionMessage(() => reportImageCommand(['--out', '/tmp/x'])), /give either --reports <folder> .* or --phantom/);
  assert.match(await rejectionMessage(() => reportImageCommand(['--phantom', '--reports', '/tmp', '--out', '/tmp/x'])), /not both or neither/);
  assert.match(await rejectionMessage(() => reportImageCommand(['--reports', '/tmp/medsynth-no-such-folder', '--out', '/tmp/medsynth-report-x'])), /medsynth-no-such-folder/);
  const settings = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-settings-')), 'settings.json');
  fs.writeFileSync(settings, JSON.stringify({ clip: { numSteps: 0 } }));
  assert.match(await rejectionMessage(() => reportImageCommand(['--phantom', '--out', '/tmp/x', '--settings', settings])), /clip\.numSteps/);
  fs.writeFileSync(settings, '{ not json');
  assert.match(await rejectionMessage(() => reportImageCommand(['--phantom', '--out', '/tmp/x', '--settings', settings])), /is not valid JSON/);
  assert.match(await rejectionMessage(() => reportImageCommand(['--phantom', '--out', '/tmp/x', '--guidance', '2'])), /unknown option --guidance/);
});

test.run();
