import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPhysionet2012, parsePhysionetOutcomes } from '../../kernel-lib/ehr/physionet-loader';
import { cleanRecords } from '../../kernel-lib/ehr/cleaning';
import { buildHourlyGrid } from '../../kernel-lib/ehr/hourly-grid';
import { splitPatients } from '../../kernel-lib/ehr/split';

const OUTCOMES_HEADER = 'RecordID,SAPS-I,SOFA,Length_of_stay,Survival,In-hospital_death';

function record(id: number, rows: string[]): string {
  return ['Time,Parameter,Value', `00:00,RecordID,${id}`, '00:00,Age,60', '00:00,Weight,-1', ...rows, ''].join('\n');
}

// Three record files; 3 has no outcome row, and outcome 4 has no file.
function makeSet(): { folder: string; outcomes: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'physionet-'));
  const folder = path.join(root, 'set-a');
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, '2.txt'), record(2, ['00:10,HR,80', '01:00,pH,94', '02:00,Bogus,1']));
  fs.writeFileSync(path.join(folder, '1.txt'), record(1, ['00:05,HR,70', '00:05,Temp,37.2']));
  fs.writeFileSync(path.join(folder, '3.txt'), record(3, ['00:05,HR,60']));
  fs.writeFileSync(path.join(folder, 'notes.md'), 'not a record');
  const outcomes = path.join(root, 'Outcomes-a.txt');
  fs.writeFileSync(outcomes, [OUTCOMES_HEADER, '1,6,1,5,-1,0', '2,16,8,8,12,1', '4,10,2,3,-1,0', ''].join('\n'));
  return { folder, outcomes };
}

test('loader joins records and outcomes', () => {
  const { folder, outcomes } = makeSet();
  const { records, report } = loadPhysionet2012(folder, outcomes);
  assert.equal(records.map((r) => r.recordId), [1, 2]);
  assert.is(records[1].outcome.inHospitalDeath, 1);
  assert.is(records[1].outcome.survival, 12);
  assert.is(records[0].outcome.survival, null);
  assert.is(report.filesRead, 3);
  assert.is(report.recordsLoaded, 2);
  assert.is(report.observations, 4);
});

test('loader reports each skip kind', () => {
  const { folder, outcomes } = makeSet();
  const { report } = loadPhysionet2012(folder, outcomes);
  assert.is(report.skipped['missing-outcome'], 1);
  assert.is(report.skipped['missing-record-file'], 1);
  assert.is(report.skipped['unknown-parameter'], 1);
  assert.is(report.skipped['malformed-row'], 0);
  const unknown = report.examples.find((issue) => issue.kind === 'unknown-parameter');
  assert.ok(unknown !== undefined);
  assert.is(unknown!.file, path.join(folder, '2.txt'));
  assert.is(unknown!.line, 7);
});

test('long frame has one row per observation', () => {
  const { folder, outcomes } = makeSet();
  const { frame } = loadPhysionet2012(folder, outcomes);
  assert.equal(frame.columns, ['recordId', 'minute', 'variable', 'value']);
  assert.is(frame.height, 4);
  assert.equal(frame.getColumn('recordId').toArray(), [1, 1, 2, 2]);
  assert.equal(frame.getColumn('variable').toArray(), ['HR', 'Temp', 'HR', 'pH']);
  assert.equal(frame.getColumn('minute').toArray(), [5, 5, 10, 60]);
});

test('strict loader throws on a skip', () => {
  const { folder, outcomes } = makeSet();
  assert.throws(() => loadPhysionet2012(folder, outcomes, { strict: true }), /unknown parameter 'Bogus'/);
  fs.writeFileSync(path.join(folder, '2.txt'), record(2, ['00:10,HR,80']));
  assert.throws(() => loadPhysionet2012(folder, outcomes, { strict: true }), /record 3 has no row in .*Outcomes-a\.txt/);
});

test('missing folder names the path', () => {
  assert.throws(() => loadPhysionet2012('/nonexistent/set-a', '/nonexistent/Outcomes-a.txt'), /loadPhysionet2012: record folder not found: \/nonexistent\/set-a/);
});

test('outcomes parser skips bad labels', () => {
  const text = [OUTCOMES_HEADER, '1,6,1,5,-1,0', '2,6,1,5,-1,2', '3,6,1,5', ''].join('\n');
  const { outcomes, issues } = parsePhysionetOutcomes(text, 'Outcomes-a.txt');
  assert.equal([...outcomes.keys()], [1]);
  assert.equal(issues.map((issue) => issue.line), [3, 4]);
  assert.match(issues[0].message, "In-hospital_death must be 0 or 1, got '2'");
});

test('repeated outcome row is an error', () => {
  const text = [OUTCOMES_HEADER, '1,6,1,5,-1,0', '1,6,1,5,-1,1', ''].join('\n');
  assert.throws(() => parsePhysionetOutcomes(text, 'Outcomes-a.txt'), /Outcomes-a\.txt:3: RecordID 1 appears twice/);
});

// Real data: the developer slice of set-a, when the shared folder is present.
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

test('real set-a loads with matching deaths', () => {
  const dataRoot = path.resolve(findProjectRoot(), '..', 'shared', 'datasets', 'physionet2012');
  if (!fs.existsSync(dataRoot)) {
    console.log(`skipping PhysioNet 2012 real-data test: ${dataRoot} is absent`);
    return;
  }
  const outcomesPath = path.join(dataRoot, 'Outcomes-a.txt');
  const { records, frame, report } = loadPhysionet2012(path.join(dataRoot, 'set-a'), outcomesPath);
  console.log(`PhysioNet 2012 set-a: ${report.recordsLoaded} records, ${report.observations} observations in ${report.elapsedMs} ms`);

  // Deaths counted straight from the outcomes file, for the loaded records.
  const loaded = new Set(records.map((r) => r.recordId));
  const deathsInFile = fs
    .readFileSync(outcomesPath, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','))
    .filter((fields) => loaded.has(Number(fields[0])) && fields[5] === '1').length;
  const deaths = records.filter((r) => r.outcome.inHospitalDeath === 1).length;
  assert.is(deaths, deathsInFile);
  // The copy's documentation gives 3,400 records and 471 deaths.
  assert.is(report.recordsLoaded, 3400);
  assert.is(deaths, 471);
  assert.ok(Object.values(report.skipped).every((n) => n === 0), `expected no skips, got ${JSON.stringify(report.skipped)}`);
  assert.is(frame.height, report.observations);

  // Spot checks against the first rows of set-a/132539.txt.
  const first = records.find((r) => r.recordId === 132539)!;
  assert.equal(first.descriptors, { Age: 54, Gender: 0, Height: null, ICUType: 4, Weight: null });
  assert.equal(first.observations.slice(0, 2), [
    { minute: 7, variable: 'GCS', value: 15 },
    { minute: 7, variable: 'HR', value: 73 },
  ]);

  // The copy's documentation lists pH up to 187 and Temp down to -17.8: cleaning removes them.
  const { report: cleaning } = cleanRecords(records);
  assert.ok((cleaning.byVariable.pH?.removed ?? 0) > 0, 'expected implausible pH values to be removed');
  assert.ok((cleaning.byVariable.Temp?.removed ?? 0) > 0, 'expected implausible temperatures to be removed');
  assert.ok((cleaning.byDescriptor.Height?.removed ?? 0) > 0, 'expected implausible heights to be removed');

  // Split and grid of the whole slice.
  const split = splitPatients(records.map((r) => ({ recordId: r.recordId, inHospitalDeath: r.outcome.inHospitalDeath })), 2012);
  const died = new Set(records.filter((r) => r.outcome.inHospitalDeath === 1).map((r) => r.recordId));
  const deathsPerSplit = [split.train, split.validation, split.test].map((ids) => ids.filter((id) => died.has(id)).length);
  // 471 deaths: round(0.7·471) = 330, round(0.15·471) = 71, 70 left.
  assert.equal(deathsPerSplit, [330, 71, 70]);
  const start = Date.now();
  const grid = buildHourlyGrid(records);
  console.log(`PhysioNet 2012 set-a: 48-hour grid [${grid.shape.join(', ')}] built in ${Date.now() - start} ms`);
  let measured = 0;
  for (const m of grid.mask) measured += m;
  assert.ok(measured > 0, 'expected measured cells in the grid');
  // Several readings can share an hour, so measured cells number fewer than observations.
  assert.ok(measured < report.observations, `expected fewer measured cells than ${report.observations}, got ${measured}`);
});

test.run();
