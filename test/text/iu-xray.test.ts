import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  IuXrayReport,
  loadIuXrayReports,
  reportText,
  splitReportsByUid,
  weakImageClass,
} from '../../kernel-lib/text/iu-xray';

const HEADER = 'uid,MeSH,Problems,image,indication,comparison,findings,impression';

// Four invented reports: quoted commas, an escaped quote, empty cells, a redaction
// token, a term with a trailing space and CRLF line ends.
const SMALL_CSV = [
  HEADER,
  '7,normal,normal,"Chest, two views",,None.,Heart and lungs look fine. XXXX intact.,No disease.',
  '9,Pneumonia/right;Opacity/patchy,Pneumonia;Opacity ,Chest PA,"Fever, cough",,,"Right lower lobe pneumonia, ""patchy""."',
  '12,No Indexing,No Indexing,Chest,,,The heart is enlarged.,',
  '15,Airspace Disease/lingula,Airspace Disease;Technical Quality of Image Unsatisfactory ,Chest AP,,,Hazy lingula.,Airspace disease.',
].join('\r\n');

function writeFolder(name: string, text?: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), `medsynth-iu-${name}-`));
  if (text !== undefined) fs.writeFileSync(path.join(folder, 'indiana_reports.csv'), text);
  return folder;
}

function errorMessage(work: () => unknown): string {
  try {
    work();
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

test('small CSV parses quoted and empty cells', () => {
  const reports = loadIuXrayReports(writeFolder('small', SMALL_CSV));
  assert.equal(
    reports.map((r) => r.uid),
    [7, 9, 12, 15],
  );
  assert.is(reports[0].image, 'Chest, two views');
  assert.is(reports[0].indication, '');
  assert.is(reports[0].findings, 'Heart and lungs look fine. XXXX intact.');
  assert.is(reports[1].indication, 'Fever, cough');
  assert.is(reports[1].findings, '');
  assert.is(reports[1].impression, 'Right lower lobe pneumonia, "patchy".');
  assert.equal(reports[1].mesh, ['Pneumonia/right', 'Opacity/patchy']);
  assert.equal(reports[1].problems, ['Pneumonia', 'Opacity']);
  assert.equal(reports[3].problems, ['Airspace Disease', 'Technical Quality of Image Unsatisfactory']);
  assert.is(reports[2].impression, '');
});

test('reportText joins findings and impression', () => {
  const [normal, pneumonia, unindexed] = loadIuXrayReports(writeFolder('text', SMALL_CSV));
  assert.is(reportText(normal), 'Heart and lungs look fine. XXXX intact. No disease.');
  assert.is(reportText(pneumonia), 'Right lower lobe pneumonia, "patchy".');
  assert.is(reportText(unindexed), 'The heart is enlarged.');
  assert.is(reportText({ findings: '  ', impression: '' }), '');
});

test('weakImageClass reads Problems terms', () => {
  const reports = loadIuXrayReports(writeFolder('weak', SMALL_CSV));
  assert.equal(
    reports.map((r) => weakImageClass(r)),
    ['normal', 'pneumonia', null, 'pneumonia'],
  );
  assert.is(weakImageClass({ problems: ['normal', 'Opacity'] }), null);
  assert.is(weakImageClass({ problems: ['Consolidation'] }), 'pneumonia');
  assert.is(weakImageClass({ problems: ['Cardiomegaly'] }), null);
  assert.is(weakImageClass({ problems: [] }), null);
});

test('loader errors name path and fix', () => {
  const absent = path.join(os.tmpdir(), 'medsynth-no-such-folder-iu');
  const missingFolder = errorMessage(() => loadIuXrayReports(absent));
  assert.match(missingFolder, `loadIuXrayReports: folder not found: ${absent}`);
  assert.match(missingFolder, 'raddar/chest-xrays-indiana-university');

  const emptyFolder = writeFolder('nofile');
  const missingFile = errorMessage(() => loadIuXrayReports(emptyFolder));
  assert.match(missingFile, `file not found: ${path.join(emptyFolder, 'indiana_reports.csv')}`);
  assert.match(missingFile, 'Kaggle');

  assert.match(errorMessage(() => loadIuXrayReports(writeFolder('empty', ''))), /indiana_reports\.csv is empty/);
  assert.match(errorMessage(() => loadIuXrayReports(writeFolder('headeronly', HEADER + '\n'))), /has a header but no report rows/);

  const noImpression = HEADER.replace(',impression', '') + '\n1,normal,normal,Chest,,,Fine.\n';
  assert.match(errorMessage(() => loadIuXrayReports(writeFolder('column', noImpression))), /missing column 'impression'/);

  const shortRow = HEADER + '\n1,normal,normal,Chest,,,Fine\n';
  assert.match(errorMessage(() => loadIuXrayReports(writeFolder('short', shortRow))), /indiana_reports\.csv:2: expected 8 fields, got 7/);

  const badUid = HEADER + '\nabc,normal,normal,Chest,,,Fine.,Fine.\n';
  assert.match(errorMessage(() => loadIuXrayReports(writeFolder('uid', badUid))), /uid must be a positive integer, got 'abc'/);

  const twice = HEADER + '\n3,normal,normal,Chest,,,Fine.,Fine.\n3,normal,normal,Chest,,,Fine.,Fine.\n';
  assert.match(errorMessage(() => loadIuXrayReports(writeFolder('twice', twice))), /:3: uid 3 appears twice/);

  const open = HEADER + '\n4,normal,normal,"Chest,,,Fine.,Fine.\n';
  assert.match(errorMessage(() => loadIuXrayReports(writeFolder('open', open))), /:2: a quoted field is not closed/);
});

/** Reports with uids 1 … 60: every third normal, every fifth pneumonia, the rest unclassed. */
function syntheticReports(): IuXrayReport[] {
  return Array.from({ length: 60 }, (_, i) => {
    const uid = i + 1;
    let problems = ['Lung'];
    if (uid % 5 === 0) problems = ['Pneumonia'];
    if (uid % 3 === 0) problems = ['normal'];
    return { uid, mesh: problems, problems, image: '', indication: '', comparison: '', findings: '', impression: '' };
  });
}

test('split puts each report once, stratified', () => {
  const reports = syntheticReports();
  const split = splitReportsByUid(reports, { train: 0.5, validation: 0.25, test: 0.25 }, 3);
  const all = [...split.train, ...split.validation, ...split.test].map((r) => r.uid);
  assert.is(all.length, 60);
  assert.is(new Set(all).size, 60);
  // 20 normal, 8 pneumonia (uids divisible by 5 and not by 3), 32 unclassed.
  const count = (part: IuXrayReport[], weak: string | null) => part.filter((r) => weakImageClass(r) === weak).length;
  assert.is(count(split.train, 'normal'), 10);
  assert.is(count(split.validation, 'normal'), 5);
  assert.is(count(split.train, 'pneumonia'), 4);
  assert.is(count(split.test, 'pneumonia'), 2);
  assert.is(count(split.train, null), 16);
  assert.ok(split.test.every((r, i) => i === 0 || split.test[i - 1].uid < r.uid), 'expected test sorted by uid');
});

test('split is seeded and input order free', () => {
  const reports = syntheticReports();
  const fractions = { train: 0.6, validation: 0.2, test: 0.2 };
  const uids = (seed: number, input: IuXrayReport[]) => splitReportsByUid(input, fractions, seed).test.map((r) => r.uid);
  assert.equal(uids(4, reports), uids(4, [...reports].reverse()));
  assert.not.equal(uids(4, reports), uids(5, reports));
});

test('split rejects invalid input', () => {
  const reports = syntheticReports();
  assert.throws(() => splitReportsByUid(reports, { train: 0.7, validation: 0.2, test: 0.2 }, 1), /splitReportsByUid: fractions must be non-negative and sum to 1, got train 0.7, validation 0.2, test 0.2/);
  assert.throws(() => splitReportsByUid(reports, { train: 0.5, validation: 0.25, test: 0.25 }, 0.5), /`seed` must be an integer, got 0.5/);
  assert.throws(() => splitReportsByUid([...reports, reports[4]], { train: 1, validation: 0, test: 0 }, 1), /uid 5 appears twice/);
});

// Real data: the developer slice of the IU reports, when the shared folder is present.
function findProjectRoot(): string {
  let folder = __dirname;
  for (;;) {
    const packagePath = path.join(folder, 'package.json');
    if (fs.existsSync(packagePath) && JSON.parse(fs.readFileSync(packagePath, 'utf8')).name === 'medsynth') return folder;
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error(`no medsynth package.json above ${__dirname}`);
    folder = parent;
  }
}

test('real IU reports load with their counts', () => {
  const folder = path.resolve(findProjectRoot(), '../shared/datasets/iu_xray_reports');
  if (!fs.existsSync(folder)) {
    console.log(`skipping IU X-ray real-data test: ${folder} is absent`);
    return;
  }
  const reports = loadIuXrayReports(folder);
  const weak = reports.map((r) => weakImageClass(r));
  const normal = weak.filter((c) => c === 'normal').length;
  const pneumonia = weak.filter((c) => c === 'pneumonia').length;
  console.log(`IU X-ray reports: ${reports.length} reports, ${normal} normal, ${pneumonia} pneumonia class`);
  // The dataset's documentation gives 3,273 reports in this slice, 1,172 of them normal.
  assert.is(reports.length, 3273);
  assert.is(normal, 1172);
  assert.ok(pneumonia > 0, 'expected some pneumonia-class reports');
  assert.ok(
    reports.every((r) => r.problems.every((term) => term === term.trim() && term !== '')),
    'expected trimmed, non-empty Problems terms',
  );
  // The documentation counts 439 empty findings and 24 empty impressions.
  assert.is(reports.filter((r) => r.findings === '').length, 439);
  assert.is(reports.filter((r) => r.impression === '').length, 24);

  const split = splitReportsByUid(reports, { train: 0.8, validation: 0.1, test: 0.1 }, 0);
  const uids = [...split.train, ...split.validation, ...split.test].map((r) => r.uid);
  assert.is(new Set(uids).size, reports.length);
});

test.run();
