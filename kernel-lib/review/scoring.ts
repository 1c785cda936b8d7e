/**
 * Scores of a visual Turing test. Per reviewer: accuracy with an exact binomial test against
 * guessing, and sensitivity and specificity for spotting synthetic images. Between reviewers:
 * Cohen's kappa per pair and Fleiss' kappa for three or more.
 */
import * as path from 'path';
import { writeJsonAtomic } from '../util/atomic-write';
import { ANSWERS_FILE, readAnswers, ReviewAnswer } from './answers-store';
import { IMAGE_SOURCES, ImageSource, openReviewSession, readReviewKey, reviewSessionDir, ReviewKey, DEFAULT_SESSION_NAME } from './session';

export const SCORES_FILE = 'scores.json';

/** Largest number of trials `binomialTestTwoSided` accepts; the exact sum costs O(trials²) digit operations. */
export const MAX_BINOMIAL_TRIALS = 20_000;

/**
 * Returns the exact two-sided p-value of `successes` in `trials` Bernoulli(0.5) trials: the
 * probability, under p = 0.5, of an outcome at most as likely as the one observed. Because
 * Binomial(n, 0.5) is symmetric and unimodal, that is 2·P(X ≤ min(k, n−k)), capped at 1. This is
 * the two-sided p-value of scipy.stats.binomtest. The tail sum is exact (BigInt binomial
 * coefficients over 2^n), and only the final division is rounded to float64.
 * Example: 9 of 10 gives 2·(1 + 10)/1024 = 0.021484375. Zero trials give 1.
 */
export function binomialTestTwoSided(successes: number, trials: number): number {
  if (!Number.isInteger(trials) || trials < 0 || trials > MAX_BINOMIAL_TRIALS) {
    throw new Error(`binomialTestTwoSided: \`trials\` must be an integer in [0, ${MAX_BINOMIAL_TRIALS}], got ${trials}`);
  }
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new Error(`binomialTestTwoSided: \`successes\` must be an integer in [0, trials = ${trials}], got ${successes}`);
  }
  const tailEnd = Math.min(successes, trials - successes);
  // With k = n/2 the observed outcome is the mode, so every outcome is at most as likely.
  if (2 * tailEnd === trials) return 1;

  // tail = Σ_{i=0}^{tailEnd} C(n, i), with C(n, i) = C(n, i−1)·(n−i+1)/i, exact in BigInt.
  const n = BigInt(trials);
  let coefficient = BigInt(1);
  let tail = BigInt(1);
  for (let i = 1; i <= tailEnd; i++) {
    const bigI = BigInt(i);
    coefficient = (coefficient * (n - bigI + BigInt(1))) / bigI;
    tail += coefficient;
  }
  // The two tails are disjoint because tailEnd < n/2, so p = 2·tail / 2^n.
  return scaleByPowerOfTwo(BigInt(2) * tail, -trials);
}

/** Returns `value` · 2^`exponent` as the nearest float64 (to within one unit in the last place). */
function scaleByPowerOfTwo(value: bigint, exponent: number): number {
  // Keep the top 64 bits of `value` so that Number() cannot overflow.
  const bits = value.toString(2).length;
  const shift = Math.max(0, bits - 64);
  let result = Number(value >> BigInt(shift));
  let remaining = exponent + shift;
  // Scale in steps that cannot underflow before the last one (2^-1000 is a normal float64).
  while (remaining < -1000) {
    result *= 2 ** -1000;
    remaining += 1000;
  }
  return result * 2 ** remaining;
}

/**
 * Returns Cohen's kappa (Cohen 1960) of a k × k contingency table of two raters: table[i][j]
 * counts the items rater A put in category i and rater B in category j.
 * κ = (p_o − p_e) / (1 − p_e), with p_o the observed agreement (trace / N) and p_e = Σ_i
 * (row_i / N)(column_i / N) the agreement expected by chance. Returns NaN when p_e = 1 (both
 * raters used one and the same category throughout), where kappa is undefined.
 */
export function cohenKappa(table: number[][]): number {
  const k = table.length;
  if (k < 2 || table.some((row) => !Array.isArray(row) || row.length !== k)) {
    throw new Error(`cohenKappa: \`table\` must be a square table of at least 2 × 2 counts, got rows of lengths [${table.map((row) => row?.length).join(', ')}]`);
  }
  let total = 0;
  for (const row of table) {
    for (const count of row) {
      if (!Number.isFinite(count) || count < 0) throw new Error(`cohenKappa: counts must be finite and non-negative, got ${count}`);
      total += count;
    }
  }
  if (total === 0) throw new Error('cohenKappa: `table` contains no items; kappa needs at least one item rated by both raters');

  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    observed += table[i][i] / total;
    const rowShare = table[i].reduce((a, b) => a + b, 0) / total;
    const columnShare = table.reduce((sum, row) => sum + row[i], 0) / total;
    expected += rowShare * columnShare;
  }
  return expected === 1 ? NaN : (observed - expected) / (1 - expected);
}

/**
 * Returns Fleiss' kappa (Fleiss 1971) of `counts`, [subjects, categories]: counts[i][j] is the
 * number of raters who put subject i in category j. Every subject needs the same number m ≥ 2
 * of ratings; the raters may differ between subjects.
 * P_i = (Σ_j n_ij² − m) / (m(m − 1)) is the agreement on subject i, P̄ its mean, p_j the share
 * of all ratings in category j and P̄_e = Σ_j p_j²; κ = (P̄ − P̄_e) / (1 − P̄_e). Returns NaN
 * when P̄_e = 1 (every rating in one category), where kappa is undefined.
 */
export function fleissKappa(counts: number[][]): number {
  if (counts.length === 0) throw new Error('fleissKappa: `counts` has no subjects; pass one row per subject');
  const categories = counts[0].length;
  if (categories < 2 || counts.some((row) => row.length !== categories)) {
    throw new Error(`fleissKappa: every row of \`counts\` needs the same number (at least 2) of categories, got lengths [${counts.map((row) => row.length).join(', ')}]`);
  }
  const raters = counts[0].reduce((a, b) => a + b, 0);
  counts.forEach((row, i) => {
    if (row.some((count) => !Number.isInteger(count) || count < 0)) {
      throw new Error(`fleissKappa: counts must be non-negative integers, got [${row.join(', ')}] for subject ${i}`);
    }
    const sum = row.reduce((a, b) => a + b, 0);
    if (sum !== raters) {
      throw new Error(`fleissKappa: every subject needs the same number of ratings; subject 0 has ${raters}, subject ${i} has ${sum}`);
    }
  });
  if (raters < 2) throw new Error(`fleissKappa: each subject needs at least 2 ratings, got ${raters}`);

  const subjects = counts.length;
  let meanAgreement = 0;
  const categoryTotals = new Array<number>(categories).fill(0);
  for (const row of counts) {
    const sumOfSquares = row.reduce((sum, count) => sum + count * count, 0);
    meanAgreement += (sumOfSquares - raters) / (raters * (raters - 1)) / subjects;
    row.forEach((count, j) => (categoryTotals[j] += count));
  }
  const chanceAgreement = categoryTotals.reduce((sum, total) => sum + (total / (subjects * raters)) ** 2, 0);
  return chanceAgreement === 1 ? NaN : (meanAgreement - chanceAgreement) / (1 - chanceAgreement);
}

/** Scores of one reviewer. A ratio with a zero denominator is null. */
export interface ReviewerScore {
  reviewer: string;
  answered: number;
  correct: number;
  /** correct / answered. */
  accuracy: number | null;
  syntheticShown: number;
  syntheticCalledSynthetic: number;
  /** Sensitivity for spotting synthetic images: syntheticCalledSynthetic / syntheticShown. */
  sensitivity: number | null;
  realShown: number;
  realCalledReal: number;
  /** realCalledReal / realShown. */
  specificity: number | null;
  /** Exact two-sided binomial test of `correct` of `answered` against guessing (p = 0.5). */
  pValue: number;
  /** Mean plausibility rating (1 to 5) of the rated real and synthetic images. */
  meanRating: Record<ImageSource, number | null>;
  ratingCount: Record<ImageSource, number>;
}

/** Cohen's kappa of two reviewers on the images both answered. */
export interface PairAgreement {
  reviewers: [string, string];
  images: number;
  /** Share of those images both judged alike. */
  observedAgreement: number;
  /** Null when kappa is undefined (both judged every image alike, with one judgment). */
  kappa: number | null;
}

/** Fleiss' kappa of all reviewers on the images every one of them answered. */
export interface GroupAgreement {
  reviewers: string[];
  images: number;
  kappa: number | null;
}

/** Everything `scoreReviewSession` writes to scores.json. */
export interface ReviewScores {
  format: 'medsynth-review-scores';
  version: 1;
  session: string;
  scoredAt: string;
  /** Images in the session by source. */
  images: Record<ImageSource, number>;
  reviewers: ReviewerScore[];
  /** One entry per pair of reviewers with at least one image in common. */
  cohenKappa: PairAgreement[];
  /** Null with fewer than 3 reviewers or no image that all of them answered. */
  fleissKappa: GroupAgreement | null;
  /** Mean rating over all reviewers, by the images' true source. */
  meanRating: Record<ImageSource, number | null>;
  /** Bytes of a torn last line in answers.jsonl that were ignored (0 normally). */
  ignoredTornBytes: number;
}

/**
 * Scores `answers` against the answer `key`. Reviewers are listed in order of their first
 * answer; pairs in that order too.
 */
export function scoreReviewAnswers(key: ReviewKey, answers: readonly ReviewAnswer[], scoredAt: Date = new Date()): Omit<ReviewScores, 'ignoredTornBytes'> {
  const sourceOf = new Map(key.entries.map((entry) => [entry.imageId, entry.source]));
  const byReviewer = new Map<string, Map<string, ReviewAnswer>>();
  for (const answer of answers) {
    if (!sourceOf.has(answer.imageId)) {
      throw new Error(`scoreReviewAnswers: image ${answer.imageId} answered by ${JSON.stringify(answer.reviewer)} is not in the answer key of session '${key.session}'`);
    }
    if (!byReviewer.has(answer.reviewer)) byReviewer.set(answer.reviewer, new Map());
    const own = byReviewer.get(answer.reviewer) as Map<string, ReviewAnswer>;
    if (!own.has(answer.imageId)) own.set(answer.imageId, answer);
  }

  const reviewers = [...byReviewer.entries()].map(([reviewer, own]) => scoreReviewer(reviewer, [...own.values()], sourceOf));
  const names = [...byReviewer.keys()];

  const pairs: PairAgreement[] = [];
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      const first = byReviewer.get(names[a]) as Map<string, ReviewAnswer>;
      const second = byReviewer.get(names[b]) as Map<string, ReviewAnswer>;
      const common = [...first.keys()].filter((id) => second.has(id));
      if (common.length === 0) continue;
      // table[i][j]: images reviewer a judged IMAGE_SOURCES[i] and reviewer b IMAGE_SOURCES[j].
      const table = IMAGE_SOURCES.map(() => IMAGE_SOURCES.map(() => 0));
      for (const id of common) {
        table[IMAGE_SOURCES.indexOf((first.get(id) as ReviewAnswer).judgment)][IMAGE_SOURCES.indexOf((second.get(id) as ReviewAnswer).judgment)]++;
      }
      const agreed = table.reduce((sum, row, i) => sum + row[i], 0);
      pairs.push({ reviewers: [names[a], names[b]], images: common.length, observedAgreement: agreed / common.length, kappa: finiteOrNull(cohenKappa(table)) });
    }
  }

  let group: GroupAgreement | null = null;
  if (names.length >= 3) {
    const maps = names.map((name) => byReviewer.get(name) as Map<string, ReviewAnswer>);
    const common = [...maps[0].keys()].filter((id) => maps.every((own) => own.has(id)));
    if (common.length > 0) {
      // counts[i][j]: reviewers who judged common image i as IMAGE_SOURCES[j].
      const counts = common.map((id) => IMAGE_SOURCES.map((source) => maps.filter((own) => (own.get(id) as ReviewAnswer).judgment === source).length));
      group = { reviewers: names, images: common.length, kappa: finiteOrNull(fleissKappa(counts)) };
    }
  }

  const images = { real: 0, synthetic: 0 };
  for (const entry of key.entries) images[entry.source]++;
  const allAnswers = [...byReviewer.values()].flatMap((own) => [...own.values()]);
  return {
    format: 'medsynth-review-scores',
    version: 1,
    session: key.session,
    scoredAt: scoredAt.toISOString(),
    images,
    reviewers,
    cohenKappa: pairs,
    fleissKappa: group,
    meanRating: meanRatings(allAnswers, sourceOf).mean,
  };
}

/**
 * Scores the review session `sessionName` of the run in `runDir` from its answers.jsonl and
 * key.json, writes `scores.json` beside them atomically and returns the scores. A torn last
 * line of answers.jsonl is ignored with a warning.
 */
export function scoreReviewSession(runDir: string, sessionName: string = DEFAULT_SESSION_NAME): ReviewScores {
  const session = openReviewSession(runDir, sessionName);
  const key = readReviewKey(session);
  const dir = reviewSessionDir(session.runDir, session.name);
  const read = readAnswers(path.join(dir, ANSWERS_FILE), new Set(session.imageIds));
  const scores: ReviewScores = { ...scoreReviewAnswers(key, read.answers), ignoredTornBytes: read.tornBytes };
  writeJsonAtomic(path.join(dir, SCORES_FILE), scores);
  return scores;
}

/** Formats scores as a fixed-width text table per reviewer, then the agreement between reviewers. */
export function formatReviewScores(scores: ReviewScores): string {
  const lines = [`review session '${scores.session}': ${scores.images.real} real and ${scores.images.synthetic} synthetic images`, ''];
  if (scores.reviewers.length === 0) {
    lines.push('no answers yet');
    return lines.join('\n');
  }

  const header = ['reviewer', 'answered', 'accuracy', 'p-value', 'sensitivity', 'specificity', 'rating real', 'rating synth'];
  const rows = scores.reviewers.map((r) => [
    r.reviewer,
    String(r.answered),
    `${formatRatio(r.accuracy)} (${r.correct}/${r.answered})`,
    formatPValue(r.pValue),
    `${formatRatio(r.sensitivity)} (${r.syntheticCalledSynthetic}/${r.syntheticShown})`,
    `${formatRatio(r.specificity)} (${r.realCalledReal}/${r.realShown})`,
    formatRating(r.meanRating.real),
    formatRating(r.meanRating.synthetic),
  ]);
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((row) => row[c].length)));
  const formatRow = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  lines.push(formatRow(header), ...rows.map(formatRow));

  lines.push(
    '',
    'sensitivity: synthetic images judged synthetic; specificity: real images judged real; p-value: exact two-sided binomial test of accuracy against 0.5',
    `mean plausibility rating (1-5), all reviewers: real ${formatRating(scores.meanRating.real)}, synthetic ${formatRating(scores.meanRating.synthetic)}`,
  );

  if (scores.cohenKappa.length > 0) {
    lines.push('', "Cohen's kappa per pair of reviewers, on the images both answered:");
    for (const pair of scores.cohenKappa) {
      lines.push(`  ${pair.reviewers[0]} / ${pair.reviewers[1]}: ${formatKappa(pair.kappa)} on ${pair.images} images (agreement ${formatRatio(pair.observedAgreement)})`);
    }
  }
  if (scores.fleissKappa !== null) {
    lines.push('', `Fleiss' kappa of all ${scores.fleissKappa.reviewers.length} reviewers on the ${scores.fleissKappa.images} images all answered: ${formatKappa(scores.fleissKappa.kappa)}`);
  } else if (scores.reviewers.length >= 3) {
    lines.push('', "Fleiss' kappa: not computed, because no image was answered by every reviewer");
  }
  if (scores.ignoredTornBytes > 0) {
    lines.push('', `ignored a torn last line of ${scores.ignoredTornBytes} bytes in ${ANSWERS_FILE}`);
  }
  return lines.join('\n');
}

function scoreReviewer(reviewer: string, answers: ReviewAnswer[], sourceOf: Map<string, ImageSource>): ReviewerScore {
  let syntheticShown = 0;
  let syntheticCalledSynthetic = 0;
  let realShown = 0;
  let realCalledReal = 0;
  for (const answer of answers) {
    if (sourceOf.get(answer.imageId) === 'synthetic') {
      syntheticShown++;
      if (answer.judgment === 'synthetic') syntheticCalledSynthetic++;
    } else {
      realShown++;
      if (answer.judgment === 'real') realCalledReal++;
    }
  }
  const correct = syntheticCalledSynthetic + realCalledReal;
  const ratings = meanRatings(answers, sourceOf);
  return {
    reviewer,
    answered: answers.length,
    correct,
    accuracy: ratio(correct, answers.length),
    syntheticShown,
    syntheticCalledSynthetic,
    sensitivity: ratio(syntheticCalledSynthetic, syntheticShown),
    realShown,
    realCalledReal,
    specificity: ratio(realCalledReal, realShown),
    pValue: binomialTestTwoSided(correct, answers.length),
    meanRating: ratings.mean,
    ratingCount: ratings.count,
  };
}

function meanRatings(answers: readonly ReviewAnswer[], sourceOf: Map<string, ImageSource>) {
  const sum = { real: 0, synthetic: 0 };
  const count = { real: 0, synthetic: 0 };
  for (const answer of answers) {
    if (answer.rating === null) continue;
    const source = sourceOf.get(answer.imageId) as ImageSource;
    sum[source] += answer.rating;
    count[source]++;
  }
  return { mean: { real: ratio(sum.real, count.real), synthetic: ratio(sum.synthetic, count.synthetic) }, count };
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function formatRatio(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(3);
}

function formatRating(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(2);
}

function formatKappa(value: number | null): string {
  return value === null ? 'undefined (every judgment the same)' : value.toFixed(3);
}

function formatPValue(value: number): string {
  return value < 0.001 ? value.toExponential(2) : value.toFixed(4);
}
