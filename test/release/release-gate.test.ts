import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { Table } from '../../kernel-lib/eval/tabular/table';
import { RecordSet } from '../../kernel-lib/privacy/records';
import { DEFAULT_RELEASE_POLICY, parseReleasePolicy } from '../../kernel-lib/release/policy';
import { RELEASE_CHECK_NAMES, ReleaseGateResult, runReleaseGate } from '../../kernel-lib/release/release-gate';
import { LabelledTable } from '../../kernel-lib/release/release-records';
import { Random } from '../../kernel-lib/util/random';
import { assertThrows, normalRecords } from './helpers';

test.before(async () => {
  await selectBackend({ backend: 'cpu' });
});

const featureSpace = { featureSpace: 'toy: 4 standard normal features', scaling: 'none' };
const random = new Random(11);
const train = normalRecords(random, 300, 4);
const reference = normalRecords(random, 300, 4);
// A generator that learned the population without memorising: fresh draws, plus noise that
// keeps them a little farther from every real record than real records lie from each other.
const separated = normalRecords(random, 300, 4, 1.4);
const copies: RecordSet = { ...train, data: train.data.slice() };

function failedNames(result: ReleaseGateResult): string[] {
  return result.failedChecks.map((check) => check.name);
}

test('gate passes well-separated synthetic records', async () => {
  const result = await runReleaseGate({ synthetic: separated, train, reference, featureSpace, seed: 1, license: 'CC BY 4.0' });
  assert.equal(failedNames(result), [], JSON.stringify(result.checks, null, 1));
  assert.ok(result.passed);
  assert.equal(
    result.checks.map((check) => check.name),
    ['source-license', 'dcr-5th-percentile', 'exact-copies', 'membership-auc-distance', 'membership-auc-density-ratio'],
  );
  assert.is(result.metrics.dcr.synthetic.exactCopyShare, 0);
  assert.ok(result.metrics.membershipInference.distance.auc <= 0.55);
  assert.ok(result.metrics.membershipInference.densityRatio.auc <= 0.55);
  assert.is(result.metrics.utility, null);
  assert.equal(result.counts, { synthetic: 300, train: 300, reference: 300 });
  // Null AUC deviation: √(601 / (12·300·300)) = 0.024 for the distance attack, whose margin 0.05
  // exceeds two of them, and √(451 / (12·300·150)) = 0.029 for the density-ratio attack, whose does not.
  assert.not.ok(result.notes.some((note) => note.startsWith('membership-auc-distance can pass or fail by chance')));
  assert.ok(result.notes.some((note) => /^membership-auc-density-ratio can pass or fail by chance: with 300 members and 150 non-members/.test(note)));
});

test('gate fails copied training rows', async () => {
  const result = await runReleaseGate({ synthetic: copies, train, reference, featureSpace, seed: 1, license: 'CC BY 4.0' });
  assert.not.ok(result.passed);
  assert.equal(failedNames(result), ['dcr-5th-percentile', 'exact-copies', 'membership-auc-distance', 'membership-auc-density-ratio']);
  const byName = new Map(result.checks.map((check) => [check.name, check]));
  assert.is(byName.get('exact-copies')?.value, 1);
  assert.match(byName.get('exact-copies')?.explanation ?? '', /^300 of 300 synthetic records equal a --train record/);
  assert.is(byName.get('dcr-5th-percentile')?.value, 0);
  assert.is(byName.get('membership-auc-distance')?.value, 1);
  assert.ok((byName.get('membership-auc-density-ratio')?.value as number) > 0.55);
});

test('gate fails a few copies', async () => {
  const mixed = { ...separated, data: separated.data.slice() };
  mixed.data.set(train.data.subarray(0, 3 * 4), 0);
  const result = await runReleaseGate({ synthetic: mixed, train, reference, featureSpace, seed: 1 });
  assert.ok(failedNames(result).includes('exact-copies'));
  assert.is(result.checks.find((check) => check.name === 'exact-copies')?.value, 3 / 300);
});

test('policy overrides move the thresholds', async () => {
  const lenient = parseReleasePolicy({ exactCopies: { maxShare: 1 }, membershipInference: { maxAuc: 1 } });
  const result = await runReleaseGate({ synthetic: copies, train, reference, featureSpace, seed: 1, policy: lenient });
  // A copy lies at distance 0, below any positive share of the holdout distances.
  assert.equal(failedNames(result), ['dcr-5th-percentile']);
  assert.is(result.checks.find((check) => check.name === 'membership-auc-distance')?.threshold, 1);
  assert.is(result.checks.find((check) => check.name === 'exact-copies')?.threshold, 1);
});

test('gate rejects ND licence', async () => {
  for (const license of ['CC BY-NC-ND 4.0', 'CC-BY-ND-4.0', 'Creative Commons Attribution-NoDerivatives 4.0']) {
    const result = await runReleaseGate({ synthetic: separated, train, reference, featureSpace, seed: 1, license });
    assert.equal(failedNames(result), ['source-license'], license);
    assert.match(result.failedChecks[0].explanation, /forbids derivatives/);
  }
  const allowed = parseReleasePolicy({ license: { rejectNoDerivatives: false } });
  const result = await runReleaseGate({ synthetic: separated, train, reference, featureSpace, seed: 1, license: 'CC BY-NC-ND 4.0', policy: allowed });
  assert.ok(result.passed);
});

test('unknown licence passes with warning', async () => {
  const result = await runReleaseGate({ synthetic: separated, train, reference, featureSpace, seed: 1 });
  const check = result.checks[0];
  assert.is(check.value, 'unknown');
  assert.ok(check.passed);
  assert.match(check.explanation, /confirm that its terms allow derived datasets/);
});

/** Rows with one numeric column x, labels 1 where x + noise > 0; `flip` inverts the labels. */
function labelledRows(random: Random, rows: number, shift: number, flip: boolean): { records: RecordSet; table: LabelledTable } {
  const x = new Float64Array(rows);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    x[r] = shift + random.normal();
    const positive = x[r] - shift + 0.5 * random.normal() > 0;
    labels[r] = positive !== flip ? 1 : 0;
  }
  const table: Table = { numeric: { x }, categorical: {}, rows };
  return { records: { data: x.slice(), numRecords: rows, numFeatures: 1 }, table: { table, labels } };
}

test('utility checks catch bad records', async () => {
  const utilityRandom = new Random(5);
  const real = labelledRows(utilityRandom, 120, 0, false);
  const holdout = labelledRows(utilityRandom, 120, 0, false);
  const good = labelledRows(utilityRandom, 120, 0, false);
  const inverted = labelledRows(utilityRandom, 120, 0, true);
  const shifted = labelledRows(utilityRandom, 120, 4, false);
  const run = (synthetic: typeof good, policy = DEFAULT_RELEASE_POLICY) =>
    runReleaseGate({
      synthetic: synthetic.records,
      train: real.records,
      reference: holdout.records,
      featureSpace: { featureSpace: 'toy: x', scaling: 'none' },
      seed: 3,
      policy,
      utility: { synthetic: synthetic.table, train: real.table, reference: holdout.table },
    });

  const goodResult = await run(good);
  const tstr = goodResult.checks.find((check) => check.name === 'tstr-auroc');
  const discriminative = goodResult.checks.find((check) => check.name === 'discriminative-score');
  assert.ok(tstr?.passed, tstr?.explanation);
  assert.ok(discriminative?.passed, discriminative?.explanation);
  // Records without modality 'images' get every check but the image fidelity pair.
  assert.equal(goodResult.checks.map((check) => check.name), RELEASE_CHECK_NAMES.filter((name) => !name.startsWith('image-')));

  const invertedResult = await run(inverted);
  assert.ok(failedNames(invertedResult).includes('tstr-auroc'));
  assert.ok((invertedResult.metrics.utility?.tstrAuroc ?? 1) < 0.5);

  const shiftedResult = await run(shifted);
  assert.ok(failedNames(shiftedResult).includes('discriminative-score'));
  assert.ok((shiftedResult.metrics.utility?.discriminative?.score ?? 0) > 0.35);

  const off = await run(inverted, parseReleasePolicy({ utility: { enabled: false } }));
  assert.not.ok(off.checks.some((check) => check.name === 'tstr-auroc' || check.name === 'discriminative-score'));
  assert.ok(off.notes.some((note) => /turned off by the policy/.test(note)));
});

test('gate rejects invalid requests', async () => {
  const base = { synthetic: separated, train, reference, featureSpace, seed: 1 };
  await assertThrows(() => runReleaseGate({ ...base, seed: 1.5 }), /^runReleaseGate: `seed` must be an integer, got 1.5/);
  await assertThrows(
    () => runReleaseGate({ ...base, reference: normalRecords(random, 3, 4) }),
    /^runReleaseGate: `reference` needs at least 4 records to split/,
  );
  await assertThrows(
    () => runReleaseGate({ ...base, synthetic: normalRecords(random, 10, 3) }),
    /^runReleaseGate: `train` has 4 features but `synthetic` has 3/,
  );
  const withNaN = { ...separated, data: separated.data.slice() };
  withNaN.data[9] = NaN;
  await assertThrows(() => runReleaseGate({ ...base, synthetic: withNaN }), /`synthetic` contains 1 non-finite value\(s\).*row 2, column 1/);
  await assertThrows(() => runReleaseGate({ ...base, policy: { utility: { maxDiscriminativeScore: 2 } } as never }), /utility\.maxDiscriminativeScore/);
  await assertThrows(() => runReleaseGate({ ...base, license: 7 as never }), /`license` must be a licence name/);
});

test.run();
