import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareArms, evaluateBinary, HEADLINE_METRICS } from '../../kernel-lib/eval/report';
import { Random } from '../../kernel-lib/util/random';

function assertClose(actual: number, expected: number, tolerance: number, name: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${name}: expected ${expected} ± ${tolerance}, but got ${actual}`);
}

/** n examples, 40% positive, probabilities whose classes overlap; larger `signal` separates more. */
function sampleData(seed: number, n: number, signal = 0.3): { labels: number[]; scores: number[] } {
  const rng = new Random(seed);
  const labels = Array.from({ length: n }, () => (rng.uniform() < 0.4 ? 1 : 0));
  const scores = labels.map((label) => signal * label + (1 - signal) * rng.uniform());
  return { labels, scores };
}

test('headline values of the hand case', () => {
  // labels [1, 1, 0, 0], scores [0.9, 0.4, 0.6, 0.1], threshold 0.5: tp 1 (0.9), fn 1 (0.4),
  // fp 1 (0.6), tn 1 (0.1), so every threshold rate is 1/2. AUROC 3/4 and AP 5/6 as in roc and
  // precision-recall tests. 15 bins put each score alone (bins 13, 6, 9, 1), so
  // ECE = (0.1 + 0.6 + 0.6 + 0.1) / 4 = 0.35 and Brier = (0.01 + 0.36 + 0.36 + 0.01) / 4 = 0.185.
  // Specificity 0.9 is met only at threshold 0.9 (sensitivity 1/2).
  const report = evaluateBinary({ labels: [1, 1, 0, 0], scores: [0.9, 0.4, 0.6, 0.1], threshold: 0.5, seed: 1, resamples: 50 });
  const expected = {
    sensitivity: 0.5,
    specificity: 0.5,
    ppv: 0.5,
    npv: 0.5,
    f1: 0.5,
    fpr: 0.5,
    accuracy: 0.5,
    auroc: 0.75,
    auprc: 5 / 6,
    ece: 0.35,
    brier: 0.185,
    sensitivityAtSpecificity: 0.5,
    tp: 1,
    fp: 1,
    tn: 1,
    fn: 1,
  };
  for (const metric of HEADLINE_METRICS) assertClose(report[metric].value, expected[metric], 1e-12, metric);
  assert.is(report.numPositives, 2);
  assert.is(report.numNegatives, 2);
  assert.equal(report.undefinedReasons, []);
});

test('intervals contain the point values', () => {
  const data = sampleData(1, 300);
  const report = evaluateBinary({ ...data, threshold: 0.5, seed: 7, resamples: 200 });
  for (const metric of HEADLINE_METRICS) {
    const { value, lower, upper, nanResamples } = report[metric];
    assert.ok(lower <= value, `${metric}: lower ${lower} above the value ${value}`);
    assert.ok(value <= upper, `${metric}: upper ${upper} below the value ${value}`);
    assert.ok(lower < upper, `${metric}: empty interval [${lower}, ${upper}]`);
    assert.is(nanResamples, 0, `${metric} NaN resamples`);
  }
});

test('same seed gives same report', () => {
  const data = sampleData(2, 80);
  const a = evaluateBinary({ ...data, threshold: 0.5, seed: 3, resamples: 100 });
  const b = evaluateBinary({ ...data, threshold: 0.5, seed: 3, resamples: 100 });
  assert.equal(a, b);
});

test('different seed gives different intervals', () => {
  const data = sampleData(2, 80);
  const a = evaluateBinary({ ...data, threshold: 0.5, seed: 3, resamples: 100 });
  const b = evaluateBinary({ ...data, threshold: 0.5, seed: 4, resamples: 100 });
  assert.is(a.auroc.value, b.auroc.value);
  assert.ok(a.auroc.lower !== b.auroc.lower || a.auroc.upper !== b.auroc.upper, 'AUROC interval should change with the seed');
});

test('rng gives the same report as its seed', () => {
  const data = sampleData(2, 80);
  const fromSeed = evaluateBinary({ ...data, threshold: 0.5, seed: 3, resamples: 100 });
  const fromRng = evaluateBinary({ ...data, threshold: 0.5, rng: new Random(3), resamples: 100 });
  assert.equal(fromRng.auroc, fromSeed.auroc);
  assert.equal(fromRng.ece, fromSeed.ece);
  assert.is(fromRng.seed, null);
  assert.is(fromSeed.seed, 3);
});

test('defaults of the report', () => {
  const data = sampleData(3, 20);
  const report = evaluateBinary({ ...data, threshold: 0.5, seed: 1 });
  assert.is(report.resamples, 1000);
  assert.is(report.bins, 15);
  assert.is(report.reliability.length, 15);
  assert.is(report.level, 0.95);
  assert.is(report.targetSpecificity, 0.9);
  assert.is(report.positiveClass, 'positive');
});

test('class ids map to positive and negative', () => {
  const data = sampleData(4, 40);
  const ids = data.labels.map((label) => (label === 1 ? 7 : 2));
  const mapped = evaluateBinary({ labels: ids, scores: data.scores, classIds: [2, 7], positiveClass: 'effusion', threshold: 0.5, seed: 1, resamples: 50 });
  const plain = evaluateBinary({ ...data, threshold: 0.5, seed: 1, resamples: 50 });
  assert.equal(mapped.auroc, plain.auroc);
  assert.equal(mapped.sensitivity, plain.sensitivity);
  assert.is(mapped.positiveClass, 'effusion');
});

test('one class reports reasons, not zeros', () => {
  const report = evaluateBinary({ labels: [1, 1, 1], scores: [0.2, 0.7, 0.9], threshold: 0.5, seed: 1, resamples: 20 });
  assert.ok(Number.isNaN(report.auroc.value), 'AUROC with positives only');
  assert.ok(Number.isNaN(report.specificity.value), 'specificity with positives only');
  assert.is(report.auroc.nanResamples, 20);
  assert.ok(report.undefinedReasons.some((line) => /^auroc: only positive examples/.test(line)), report.undefinedReasons.join('; '));
  assert.ok(report.undefinedReasons.some((line) => /^specificity: no negative examples/.test(line)), report.undefinedReasons.join('; '));
  // Brier is defined: ((0.8)^2 + (0.3)^2 + (0.1)^2) / 3 = 0.74 / 3.
  assertClose(report.brier.value, 0.74 / 3, 1e-12, 'Brier');
});

test('rejects bad input with index and value', () => {
  const base = { threshold: 0.5, seed: 1 };
  assert.throws(() => evaluateBinary({ ...base, labels: [1, 0], scores: [0.5] }), /evaluateBinary: `labels` and `scores` must have the same length, got 2 labels and 1 scores/);
  assert.throws(() => evaluateBinary({ ...base, labels: [], scores: [] }), /evaluateBinary: needs at least one example/);
  assert.throws(() => evaluateBinary({ ...base, labels: [1, 0, 3], scores: [0.5, 0.5, 0.5] }), /`labels` must be 0 \(negative\) or 1 \(positive\), got 3 at index 2; set `classIds`/);
  assert.throws(() => evaluateBinary({ ...base, labels: [1, 0], scores: [0.5, 1.5] }), /evaluateBinary: `scores` must be probabilities in \[0, 1\], got 1.5 at index 1/);
  assert.throws(() => evaluateBinary({ ...base, labels: [1, 0], scores: [NaN, 0.5] }), /`scores` must be finite numbers, got NaN at index 0/);
  assert.throws(() => evaluateBinary({ ...base, labels: [1, 0], scores: [0.5, 0.5], threshold: NaN }), /`threshold` must be a number/);
});

test('rejects bad settings', () => {
  const data = { labels: [1, 0], scores: [0.5, 0.5], threshold: 0.5 };
  assert.throws(() => evaluateBinary({ ...data }), /evaluateBinary: `seed` must be an integer \(or pass `rng`\)/);
  assert.throws(() => evaluateBinary({ ...data, seed: 1, rng: new Random(1) }), /give `seed` or `rng`, not both/);
  assert.throws(() => evaluateBinary({ ...data, seed: 1, bins: 0 }), /`bins` must be an integer >= 1/);
  assert.throws(() => evaluateBinary({ ...data, seed: 1, resamples: 0 }), /`resamples` must be an integer >= 1/);
  assert.throws(() => evaluateBinary({ ...data, seed: 1, level: 95 }), /`level` must be a number in \(0, 1\)/);
  assert.throws(() => evaluateBinary({ ...data, seed: 1, classIds: [1, 1] }), /`classIds` must be two different numbers/);
});

test('compared reference equals its own evaluation', () => {
  const data = sampleData(5, 120);
  const other = sampleData(6, 120, 0.6).scores;
  const settings = { labels: data.labels, seed: 11, resamples: 100 };
  const comparison = compareArms({ name: 'real', scores: data.scores, threshold: 0.5 }, [{ name: 'real+synthetic', scores: other, threshold: 0.5 }], settings);
  const alone = evaluateBinary({ ...settings, scores: data.scores, threshold: 0.5 });
  assert.equal(comparison.reference.report, alone);
  assert.is(comparison.reference.name, 'real');
  assert.is(comparison.arms[0].name, 'real+synthetic');
});

test('arm compared with itself differs by 0', () => {
  const data = sampleData(7, 120);
  const comparison = compareArms(
    { name: 'reference', scores: data.scores, threshold: 0.5 },
    [{ name: 'copy', scores: [...data.scores], threshold: 0.5 }],
    { labels: data.labels, seed: 2, resamples: 100 },
  );
  for (const metric of HEADLINE_METRICS) {
    const difference = comparison.arms[0].difference[metric];
    assert.is(difference.value, 0, `${metric} value`);
    assert.is(difference.lower, 0, `${metric} lower`);
    assert.is(difference.upper, 0, `${metric} upper`);
  }
});

test('better arm has a positive auroc difference', () => {
  // Both arms score the same 300 labels; the arm's signal (0.6) is stronger than the reference's (0.1).
  const rng = new Random(8);
  const labels = Array.from({ length: 300 }, () => (rng.uniform() < 0.4 ? 1 : 0));
  const weak = labels.map((label) => 0.1 * label + 0.9 * rng.uniform());
  const strong = labels.map((label) => 0.6 * label + 0.4 * rng.uniform());
  const comparison = compareArms({ name: 'weak', scores: weak, threshold: 0.5 }, [{ name: 'strong', scores: strong, threshold: 0.5 }], {
    labels,
    seed: 3,
    resamples: 200,
  });
  const difference = comparison.arms[0].difference.auroc;
  assert.ok(difference.lower > 0, `expected the interval above 0, got [${difference.lower}, ${difference.upper}]`);
  assertClose(difference.value, comparison.arms[0].report.auroc.value - comparison.reference.report.auroc.value, 1e-15, 'point difference');
});

test('compareArms rejects bad arms', () => {
  const labels = [1, 0, 1];
  const reference = { name: 'a', scores: [0.2, 0.3, 0.4], threshold: 0.5 };
  assert.throws(() => compareArms(reference, [{ ...reference }], { labels, seed: 1 }), /compareArms: arm names must be unique, got 'a' twice/);
  assert.throws(() => compareArms(reference, [], { labels, seed: 1 }), /`arms` must be a non-empty array/);
  assert.throws(
    () => compareArms(reference, [{ name: 'b', scores: [0.2, 0.3], threshold: 0.5 }], { labels, seed: 1 }),
    /`labels` and `scores of 'b'` must have the same length, got 3 labels and 2 scores/,
  );
  assert.throws(
    () => compareArms(reference, [{ name: 'b', scores: [0.2, 0.3, 2], threshold: 0.5 }], { labels, seed: 1 }),
    /`scores of 'b'` must be probabilities in \[0, 1\], got 2 at index 2/,
  );
  assert.throws(() => compareArms(reference, [{ name: 'b', scores: [0.2, 0.3, 0.4], threshold: NaN }], { labels, seed: 1 }), /`threshold of 'b'` must be a number/);
});

test.run();
