import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReviewAnswer } from '../../kernel-lib/review/answers-store';
import { ReviewKey } from '../../kernel-lib/review/session';
import { binomialTestTwoSided, cohenKappa, fleissKappa, formatReviewScores, MAX_BINOMIAL_TRIALS, scoreReviewAnswers } from '../../kernel-lib/review/scoring';

function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${what} within ${tolerance} of ${expected}, but got ${actual}`);
}

// Exact references: the two-sided p-value of k of n against 0.5 is 2·Σ_{i ≤ min(k, n−k)} C(n, i) / 2^n,
// computed by hand for n = 10 and with Python's fractions.Fraction and math.comb for larger n.
// scipy.stats.binomtest(k, n).pvalue (scipy 1.17.1) agrees with each to within 2e-15 relative.
const BINOMIAL_CASES: [number, number, number, string][] = [
  [9, 10, 0.021484375, '2·(C(10,9) + C(10,10)) / 2^10 = 22/1024'],
  [1, 10, 0.021484375, 'the mirror image of 9 of 10'],
  [7, 10, 0.34375, '2·(1 + 10 + 45 + 120) / 2^10 = 352/1024'],
  [10, 10, 0.001953125, '2 / 2^10'],
  [3, 17, 0.012725830078125, '2·(1 + 17 + 136 + 680) / 2^17 = 1668/131072'],
];

for (const [successes, trials, expected, source] of BINOMIAL_CASES) {
  test(`binomial test of ${successes} of ${trials}`, () => {
    // Exact in float64: each reference is a dyadic fraction with few bits.
    assert.is(binomialTestTwoSided(successes, trials), expected, source);
  });
}

test('binomial test of 60 of 100', () => {
  // Fraction(2·Σ_{i=60}^{100} C(100, i), 2^100) = 4507126451608311512292345325 / 2^96.
  const expected = 0.05688793364098079;
  assertClose(binomialTestTwoSided(60, 100), expected, 1e-16, 'p');
});

test('binomial test of 450 of 1000', () => {
  // Fraction(2·Σ_{i=0}^{450} C(1000, i), 2^1000), converted to float.
  const expected = 0.0017305360849763176;
  assertClose(binomialTestTwoSided(450, 1000), expected, 1e-17, 'p');
});

test('binomial test of half correct is 1', () => {
  assert.is(binomialTestTwoSided(5, 10), 1);
  assert.is(binomialTestTwoSided(50, 100), 1);
});

test('binomial test of zero trials is 1', () => {
  assert.is(binomialTestTwoSided(0, 0), 1);
});

test('binomial test keeps tiny p-values', () => {
  // 0 of n: p = 2 / 2^n = 2^(1−n), exact in float64 down to 2^-1074 (subnormal below 2^-1022).
  assert.is(binomialTestTwoSided(0, 1000), 2 ** -999);
  assert.is(binomialTestTwoSided(0, 1060), 2 ** -1059);
  assert.is(binomialTestTwoSided(0, 2000), 0);
});

test('binomial test at the trial limit is fast', () => {
  const start = Date.now();
  const p = binomialTestTwoSided(MAX_BINOMIAL_TRIALS / 2 - 100, MAX_BINOMIAL_TRIALS);
  const seconds = (Date.now() - start) / 1000;
  // Normal approximation: z = 100 / sqrt(20000 · 0.25) ≈ 1.414, two-sided p ≈ 0.157.
  assertClose(p, 0.157, 0.01, 'p');
  assert.ok(seconds < 5, `expected under 5 s, but took ${seconds} s`);
});

test('binomial test rejects invalid counts', () => {
  assert.throws(() => binomialTestTwoSided(11, 10), /binomialTestTwoSided: `successes` must be an integer in \[0, trials = 10\], got 11/);
  assert.throws(() => binomialTestTwoSided(1.5, 10), /got 1.5/);
  assert.throws(() => binomialTestTwoSided(0, -1), /`trials` must be an integer in \[0, 20000\], got -1/);
  assert.throws(() => binomialTestTwoSided(0, MAX_BINOMIAL_TRIALS + 1), /got 20001/);
});

test('Cohen kappa of the grant example', () => {
  // 50 grant proposals, readers A (rows) and B (columns), yes/no: p_o = 0.7, p_e = 0.5, κ = 0.4.
  // The worked example of the Wikipedia article "Cohen's kappa", also at
  // howcodex.com/statistics/cohen_kappa_coefficient.htm.
  assertClose(cohenKappa([[20, 5], [10, 15]]), 0.4, 1e-12, 'kappa');
});

test('Cohen kappa of a SAS 3 x 3 example', () => {
  // SAS PROC FREQ output, as statsmodels' test_inter_rater.py records it: κ = 0.4842 (4 decimals).
  assertClose(cohenKappa([[0, 4, 1], [0, 8, 0], [0, 1, 5]]), 0.4842, 5e-5, 'kappa');
});

test('Cohen kappa of perfect agreement is 1', () => {
  assert.is(cohenKappa([[3, 0], [0, 4]]), 1);
});

test('Cohen kappa is NaN when one category is used', () => {
  assert.ok(Number.isNaN(cohenKappa([[6, 0], [0, 0]])));
});

test('Cohen kappa rejects invalid tables', () => {
  assert.throws(() => cohenKappa([[1, 2, 3], [4, 5, 6]]), /cohenKappa: `table` must be a square table/);
  assert.throws(() => cohenKappa([[1, -1], [0, 0]]), /non-negative, got -1/);
  assert.throws(() => cohenKappa([[0, 0], [0, 0]]), /`table` contains no items/);
});

test('Fleiss kappa of the Wikipedia worked example', () => {
  // 10 subjects, 14 raters, 5 categories: κ = 0.210 (3 decimals). The worked example of the
  // Wikipedia article "Fleiss' kappa", as statsmodels' test_inter_rater.py records it.
  const counts = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
  ];
  assertClose(fleissKappa(counts), 0.21, 5e-4, 'kappa');
});

test('Fleiss kappa of the Fleiss 1971 diagnoses', () => {
  // Fleiss (1971), Psychological Bulletin 76(5): 30 patients, 6 psychiatrists, 5 diagnoses.
  // Each row lists the 6 diagnoses of one patient. κ = 0.4302445 from R's irr::kappam.fleiss,
  // as statsmodels' test_inter_rater.py records it (7 decimals).
  const diagnoses = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5], [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4], [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4], [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5], [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4], [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4], [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
  ];
  const counts = diagnoses.map((row) => [1, 2, 3, 4, 5].map((diagnosis) => row.filter((d) => d === diagnosis).length));
  assertClose(fleissKappa(counts), 0.4302445, 5e-8, 'kappa');
});

test('Fleiss kappa of two raters per subject', () => {
  // With m = 2, P_i is 1 for agreement and 0 otherwise. Subjects: agree, agree, disagree, agree:
  // P̄ = 0.75; category shares (5/8, 3/8) give P̄_e = 34/64; κ = (0.75 − 34/64) / (30/64) = 14/30.
  assertClose(fleissKappa([[2, 0], [0, 2], [1, 1], [2, 0]]), 14 / 30, 1e-12, 'kappa');
});

test('Fleiss kappa rejects unequal rating counts', () => {
  assert.throws(() => fleissKappa([[2, 1], [1, 1]]), /fleissKappa: every subject needs the same number of ratings; subject 0 has 3, subject 1 has 2/);
  assert.throws(() => fleissKappa([[1, 0]]), /at least 2 ratings, got 1/);
  assert.throws(() => fleissKappa([]), /no subjects/);
  assert.throws(() => fleissKappa([[1.5, 0.5]]), /non-negative integers/);
});

// Four images: r1 and r2 real, s1 and s2 synthetic.
const KEY: ReviewKey = {
  format: 'medsynth-review-key',
  version: 1,
  session: 'unit',
  entries: [
    { imageId: 'r1', source: 'real', classIndex: 1, className: 'effusion', origin: { split: 'test', index: 0 } },
    { imageId: 'r2', source: 'real', classIndex: 1, className: 'effusion', origin: { split: 'test', index: 1 } },
    { imageId: 's1', source: 'synthetic', classIndex: 1, className: 'effusion', origin: { file: 'synthetic/synthetic_seed0.npz', index: 0 } },
    { imageId: 's2', source: 'synthetic', classIndex: 1, className: 'effusion', origin: { file: 'synthetic/synthetic_seed0.npz', index: 1 } },
  ],
};

function answer(reviewer: string, imageId: string, judgment: 'real' | 'synthetic', rating: number | null = null): ReviewAnswer {
  return { reviewer, imageId, judgment, rating, comment: '', answeredAt: '2024-01-01T00:00:00.000Z' };
}

// Ann: all four right. Bob: calls everything real. Cy: r1 real, s1 real, s2 synthetic (3 answers).
const ANSWERS: ReviewAnswer[] = [
  answer('Ann', 'r1', 'real', 5),
  answer('Ann', 'r2', 'real', 4),
  answer('Ann', 's1', 'synthetic', 2),
  answer('Ann', 's2', 'synthetic', 1),
  answer('Bob', 'r1', 'real', 3),
  answer('Bob', 'r2', 'real'),
  answer('Bob', 's1', 'real', 5),
  answer('Bob', 's2', 'real', 4),
  answer('Cy', 'r1', 'real'),
  answer('Cy', 's1', 'real'),
  answer('Cy', 's2', 'synthetic'),
];

test('scores count each reviewer against the key', () => {
  const scores = scoreReviewAnswers(KEY, ANSWERS);
  const [ann, bob, cy] = scores.reviewers;
  assert.equal(scores.reviewers.map((r) => r.reviewer), ['Ann', 'Bob', 'Cy']);
  assert.is(ann.accuracy, 1);
  assert.is(ann.pValue, 0.125); // 4 of 4: 2 / 2^4
  assert.is(bob.correct, 2);
  assert.is(bob.sensitivity, 0);
  assert.is(bob.specificity, 1);
  assert.is(bob.pValue, 1);
  assert.is(cy.answered, 3);
  assert.is(cy.correct, 2);
  assert.is(cy.sensitivity, 0.5);
  assert.is(cy.specificity, 1);
  assert.is(cy.realShown, 1);
  assert.is(cy.syntheticShown, 2);
});

test('scores average ratings by true source', () => {
  const scores = scoreReviewAnswers(KEY, ANSWERS);
  assert.equal(scores.reviewers[0].meanRating, { real: 4.5, synthetic: 1.5 });
  assert.equal(scores.reviewers[1].meanRating, { real: 3, synthetic: 4.5 });
  assert.equal(scores.reviewers[1].ratingCount, { real: 1, synthetic: 2 });
  assert.equal(scores.reviewers[2].meanRating, { real: null, synthetic: null });
  // Pooled: real ratings 5, 4, 3; synthetic ratings 2, 1, 5, 4.
  assert.equal(scores.meanRating, { real: 4, synthetic: 3 });
  assert.equal(scores.images, { real: 2, synthetic: 2 });
});

test('scores compute Cohen kappa per pair', () => {
  const scores = scoreReviewAnswers(KEY, ANSWERS);
  assert.equal(
    scores.cohenKappa.map((pair) => pair.reviewers),
    [['Ann', 'Bob'], ['Ann', 'Cy'], ['Bob', 'Cy']],
  );
  const [annBob, annCy, bobCy] = scores.cohenKappa;
  // Ann against Bob: Bob uses one category, so p_e = p_A(real) = 0.5 and p_o = 0.5: κ = 0.
  assert.is(annBob.images, 4);
  assertClose(annBob.kappa as number, 0, 1e-12, 'kappa of Ann and Bob');
  // Ann against Cy on r1, s1, s2: table [[1, 0], [1, 1]], p_o = 2/3, p_e = (1/3)(2/3) + (2/3)(1/3) = 4/9, κ = 0.4.
  assert.is(annCy.images, 3);
  assertClose(annCy.kappa as number, 0.4, 1e-12, 'kappa of Ann and Cy');
  assertClose(annCy.observedAgreement, 2 / 3, 1e-12, 'agreement of Ann and Cy');
  // Bob against Cy: p_o = 2/3, p_e = 1·(2/3) = 2/3, κ = 0.
  assertClose(bobCy.kappa as number, 0, 1e-12, 'kappa of Bob and Cy');
});

test('scores compute Fleiss kappa on common images', () => {
  const scores = scoreReviewAnswers(KEY, ANSWERS);
  // Common images r1, s1, s2 with counts (real, synthetic): [3, 0], [2, 1], [1, 2].
  // P_i = 1, 1/3, 1/3: P̄ = 5/9. Shares (6/9, 3/9): P̄_e = 5/9. κ = 0.
  assert.equal(scores.fleissKappa?.reviewers, ['Ann', 'Bob', 'Cy']);
  assert.is(scores.fleissKappa?.images, 3);
  assertClose(scores.fleissKappa?.kappa as number, 0, 1e-12, 'Fleiss kappa');
});

test('scores leave Fleiss kappa out for two reviewers', () => {
  const scores = scoreReviewAnswers(KEY, ANSWERS.filter((a) => a.reviewer !== 'Cy'));
  assert.is(scores.fleissKappa, null);
  assert.is(scores.cohenKappa.length, 1);
});

test('scores of undefined kappa are null', () => {
  const scores = scoreReviewAnswers(KEY, [answer('Bob', 'r1', 'real'), answer('Dee', 'r1', 'real')]);
  assert.is(scores.cohenKappa[0].kappa, null);
});

test('scores reject answers outside the key', () => {
  assert.throws(() => scoreReviewAnswers(KEY, [answer('Ann', 'x9', 'real')]), /scoreReviewAnswers: image x9 answered by "Ann" is not in the answer key of session 'unit'/);
});

test('score table lists every reviewer', () => {
  const text = formatReviewScores({ ...scoreReviewAnswers(KEY, ANSWERS), ignoredTornBytes: 0 });
  assert.match(text, /review session 'unit': 2 real and 2 synthetic images/);
  assert.match(text, /Ann\s+4\s+1\.000 \(4\/4\)\s+0\.1250\s+1\.000 \(2\/2\)\s+1\.000 \(2\/2\)\s+4\.50\s+1\.50/);
  assert.match(text, /Cy\s+3\s+0\.667 \(2\/3\)/);
  assert.match(text, /Ann \/ Cy: 0\.400 on 3 images/);
  assert.match(text, /Fleiss' kappa of all 3 reviewers on the 3 images all answered: 0\.000/);
});

test.run();
